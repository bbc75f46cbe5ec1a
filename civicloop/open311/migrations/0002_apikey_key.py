import django.db.models.deletion
from django.db import migrations, models


def move_keys(apps, schema_editor):
    """Open311 clients' keys move to org.HashedKey (kind "open311"); the same keys keep working."""
    Owner = apps.get_model("open311", "ApiKey")
    HashedKey = apps.get_model("org", "HashedKey")
    for row in Owner.objects.all().iterator():
        row.key = HashedKey.objects.create(
            kind="open311", owner=f"open311 {row.name}"[:120], label=row.name[:80], prefix=row.prefix[:8],
            digest=row.digest, created_at=row.created_at, created_by_id=row.created_by_id,
            revoked_at=row.revoked_at)
        row.save(update_fields=["key"])


class Migration(migrations.Migration):

    dependencies = [
        ('open311', '0001_initial'),
        ('org', '0004_hashed_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='apikey',
            name='key',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.hashedkey'),
        ),
        migrations.RunPython(move_keys, migrations.RunPython.noop),
    ]
