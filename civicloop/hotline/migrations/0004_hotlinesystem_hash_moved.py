from django.db import migrations, models


def fill_back(apps, schema_editor):
    """Undoing: the hash goes back to its old columns (a row without a key gets a placeholder)."""
    Owner = apps.get_model("hotline", "HotlineSystem")
    for row in Owner.objects.select_related("key"):
        key = row.key
        row.key_digest, row.key_prefix = (key.digest, key.prefix) if key else (f"none-{row.pk}", "")
        row.last_used_at = key.last_used_at if key else None
        row.save(update_fields=["key_digest", "key_prefix", "last_used_at"])


class Migration(migrations.Migration):
    """The hash lives in org.HashedKey now (moved by 0003_hotlinesystem_key). A migration of its own, so PostgreSQL
    alters the table in a transaction with no pending row checks; the columns are made nullable
    first so that undoing it can add them back to a table with rows and fill them before they are
    required again."""

    dependencies = [
        ('hotline', '0003_hotlinesystem_key'),
    ]

    operations = [
        migrations.AlterField(model_name='hotlinesystem', name='key_digest',
                              field=models.CharField(editable=False, max_length=64, null=True, unique=True)),
        migrations.AlterField(model_name='hotlinesystem', name='key_prefix',
                              field=models.CharField(editable=False, max_length=12, null=True)),
        migrations.RunPython(migrations.RunPython.noop, fill_back),
        migrations.RemoveField(model_name='hotlinesystem', name='key_digest'),
        migrations.RemoveField(model_name='hotlinesystem', name='key_prefix'),
        migrations.RemoveField(model_name='hotlinesystem', name='last_used_at'),
    ]
