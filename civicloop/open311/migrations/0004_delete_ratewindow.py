from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('open311', '0003_apikey_hash_moved'),
    ]

    operations = [
        migrations.DeleteModel(
            name='RateWindow',
        ),
    ]
