import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_tokens(apps, schema_editor):
    """Staff API tokens become keys of kind "staff"; the same secrets keep working."""
    ApiToken = apps.get_model("org", "ApiToken")
    HashedKey = apps.get_model("org", "HashedKey")
    now = django.utils.timezone.now()
    HashedKey.objects.bulk_create([
        HashedKey(kind="staff", user_id=t.user_id, owner=t.user.username[:120], label=t.name[:80], prefix=t.prefix[:8],
                  digest=t.digest, created_at=t.created_at, last_used_at=t.last_used_at,
                  revoked_at=now if t.revoked else None)
        for t in ApiToken.objects.select_related("user").iterator()])


def move_back(apps, schema_editor):
    ApiToken = apps.get_model("org", "ApiToken")
    HashedKey = apps.get_model("org", "HashedKey")
    ApiToken.objects.bulk_create([
        ApiToken(user_id=k.user_id, name=k.label or "api", digest=k.digest, prefix=k.prefix, created_at=k.created_at,
                 last_used_at=k.last_used_at, revoked=k.revoked_at is not None)
        for k in HashedKey.objects.filter(kind="staff", user__isnull=False).iterator()])


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0003_district_command_centre'),
    ]

    operations = [
        migrations.CreateModel(
            name='HashedKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(db_index=True, max_length=12, verbose_name='kind')),
                ('owner', models.CharField(blank=True, max_length=120, verbose_name='owner')),
                ('label', models.CharField(blank=True, max_length=80, verbose_name='label')),
                ('prefix', models.CharField(editable=False, max_length=8, verbose_name='prefix')),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='issued at')),
                ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
                ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='revoked at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revoked by')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='api_keys', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API key',
                'verbose_name_plural': 'API keys',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['kind', 'prefix'], name='hashedkey_kind_prefix')],
            },
        ),
        migrations.RunPython(move_tokens, move_back),
    ]
