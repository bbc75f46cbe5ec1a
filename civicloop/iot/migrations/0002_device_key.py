import django.db.models.deletion
from django.db import migrations, models


def move_keys(apps, schema_editor):
    """Devices' tokens move to org.HashedKey (kind "device"); the same tokens keep working."""
    Owner = apps.get_model("iot", "Device")
    HashedKey = apps.get_model("org", "HashedKey")
    for row in Owner.objects.all().iterator():
        if not row.token_digest:
            continue  # registered without a token
        row.key = HashedKey.objects.create(
            kind="device", owner=f"device {row.device_id}"[:120], label=row.name[:80], prefix=row.token_prefix[:8],
            digest=row.token_digest, created_at=row.created_at)
        row.save(update_fields=["key"])


def move_back(apps, schema_editor):
    Owner = apps.get_model("iot", "Device")
    for row in Owner.objects.filter(key__isnull=False).select_related("key"):
        row.token_digest, row.token_prefix = row.key.digest, row.key.prefix
        row.save(update_fields=["token_digest", "token_prefix"])


class Migration(migrations.Migration):

    dependencies = [
        ('iot', '0001_initial'),
        ('org', '0004_hashed_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='device',
            name='key',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.hashedkey'),
        ),
        migrations.RunPython(move_keys, move_back),
    ]
