from django.db import migrations


class Migration(migrations.Migration):
    """Apart from 0004, so PostgreSQL drops the table in a transaction with no pending row checks."""

    dependencies = [
        ('org', '0004_hashed_key'),
    ]

    operations = [
        migrations.DeleteModel(name='ApiToken'),
    ]
