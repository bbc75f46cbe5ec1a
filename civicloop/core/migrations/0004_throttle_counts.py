from django.db import migrations, models
from django.db.models import Count


def merge_same_instant(apps, schema_editor):
    """Tries of one key at the same instant become one row with their count, as the unique key needs."""
    Throttle = apps.get_model("core", "Throttle")
    for same in Throttle.objects.values("key", "at").annotate(n=Count("id")).filter(n__gt=1):
        ids = list(Throttle.objects.filter(key=same["key"], at=same["at"]).order_by("pk").values_list("pk", flat=True))
        Throttle.objects.filter(pk=ids[0]).update(count=same["n"])
        Throttle.objects.filter(pk__in=ids[1:]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_change_record'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='throttle',
            options={'verbose_name': 'counted try', 'verbose_name_plural': 'counted tries'},
        ),
        migrations.RemoveIndex(
            model_name='throttle',
            name='throttle_key_time',
        ),
        migrations.AddField(
            model_name='throttle',
            name='count',
            field=models.PositiveIntegerField(default=1, verbose_name='count'),
        ),
        migrations.AlterField(
            model_name='throttle',
            name='at',
            field=models.DateTimeField(db_index=True, verbose_name='at'),
        ),
        migrations.AlterField(
            model_name='throttle',
            name='key',
            field=models.CharField(max_length=120, verbose_name='key'),
        ),
        migrations.RunPython(merge_same_instant, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='throttle',
            constraint=models.UniqueConstraint(fields=('key', 'at'), name='throttle_key_at'),
        ),
    ]
