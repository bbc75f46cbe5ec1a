import django.db.models.deletion
from django.db import migrations, models


def move_keys(apps, schema_editor):
    """Hotline systems' keys move to org.HashedKey (kind "hotline"); the same keys keep working."""
    Owner = apps.get_model("hotline", "HotlineSystem")
    HashedKey = apps.get_model("org", "HashedKey")
    for row in Owner.objects.all().iterator():
        row.key = HashedKey.objects.create(
            kind="hotline", owner=f"hotline {row.name}"[:120], label=row.name[:80], prefix=row.key_prefix[:8],
            digest=row.key_digest, created_at=row.created_at, last_used_at=row.last_used_at)
        row.save(update_fields=["key"])


class Migration(migrations.Migration):

    dependencies = [
        ('hotline', '0002_order_to_locate'),
        ('org', '0004_hashed_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='hotlinesystem',
            name='key',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.hashedkey'),
        ),
        migrations.RunPython(move_keys, migrations.RunPython.noop),
    ]
