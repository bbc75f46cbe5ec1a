from django.db import migrations, models


def fill_back(apps, schema_editor):
    """Undoing: the hash goes back to its old columns (a row without a key gets a placeholder)."""
    Owner = apps.get_model("open311", "ApiKey")
    for row in Owner.objects.select_related("key"):
        key = row.key
        row.digest, row.prefix = (key.digest, key.prefix) if key else (f"none-{row.pk}", "")
        row.revoked_at = key.revoked_at if key else None
        row.save(update_fields=["digest", "prefix", "revoked_at"])


class Migration(migrations.Migration):
    """The hash lives in org.HashedKey now (moved by 0002_apikey_key). A migration of its own, so PostgreSQL
    alters the table in a transaction with no pending row checks; the columns are made nullable
    first so that undoing it can add them back to a table with rows and fill them before they are
    required again."""

    dependencies = [
        ('open311', '0002_apikey_key'),
    ]

    operations = [
        migrations.AlterField(model_name='apikey', name='digest',
                              field=models.CharField(editable=False, max_length=64, null=True, unique=True)),
        migrations.AlterField(model_name='apikey', name='prefix',
                              field=models.CharField(editable=False, max_length=10, null=True)),
        migrations.RunPython(migrations.RunPython.noop, fill_back),
        migrations.RemoveField(model_name='apikey', name='digest'),
        migrations.RemoveField(model_name='apikey', name='prefix'),
        migrations.RemoveField(model_name='apikey', name='revoked_at'),
    ]
