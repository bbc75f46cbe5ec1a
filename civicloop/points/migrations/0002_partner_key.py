import django.db.models.deletion
from django.db import migrations, models


def move_keys(apps, schema_editor):
    """Credit partners' keys move to org.HashedKey (kind "partner"); the same keys keep working."""
    Owner = apps.get_model("points", "Partner")
    HashedKey = apps.get_model("org", "HashedKey")
    for row in Owner.objects.all().iterator():
        row.key = HashedKey.objects.create(
            kind="partner", owner=f"partner {row.name}"[:120], label=row.name[:80], prefix=row.prefix[:8],
            digest=row.digest, created_at=row.created_at, last_used_at=row.last_used_at)
        row.save(update_fields=["key"])


class Migration(migrations.Migration):

    dependencies = [
        ('points', '0001_initial'),
        ('org', '0004_hashed_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='partner',
            name='key',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.hashedkey'),
        ),
        migrations.RunPython(move_keys, migrations.RunPython.noop),
    ]
