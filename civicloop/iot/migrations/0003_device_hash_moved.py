from django.db import migrations


class Migration(migrations.Migration):
    """The hash lives in org.HashedKey now (moved by 0002_device_key); a migration of its own, so PostgreSQL
    alters the table in a transaction with no pending row checks."""

    dependencies = [
        ('iot', '0002_device_key'),
    ]

    operations = [
        migrations.RemoveField(model_name='device', name='token_digest'),
        migrations.RemoveField(model_name='device', name='token_prefix'),
    ]
