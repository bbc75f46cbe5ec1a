from datetime import timedelta

from django.db import migrations
from django.utils import timezone


def keep_locks(apps, schema_editor):
    """The failures of the last day become counted tries (core.Throttle), so a lock in force stays in
    force: an account's since its last success, an address's all of them."""
    LoginAttempt = apps.get_model("org", "LoginAttempt")
    Throttle = apps.get_model("core", "Throttle")
    recent = LoginAttempt.objects.filter(at__gte=timezone.now() - timedelta(days=1)).order_by("at")
    tries: dict[tuple[str, object], int] = {}
    last_ok: dict[str, object] = {}
    for attempt in recent.filter(succeeded=True):
        last_ok[attempt.username] = attempt.at
    for attempt in recent.filter(succeeded=False):
        if attempt.username and (attempt.username not in last_ok or attempt.at > last_ok[attempt.username]):
            key = (f"login-user:{attempt.username}", attempt.at)
            tries[key] = tries.get(key, 0) + 1
        if attempt.ip:
            key = (f"login-ip:{attempt.ip}", attempt.at)
            tries[key] = tries.get(key, 0) + 1
    Throttle.objects.bulk_create([Throttle(key=k[:120], at=at, count=n) for (k, at), n in tries.items()],
                                 batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0005_delete_apitoken'),
        ('core', '0004_throttle_counts'),
    ]

    operations = [
        migrations.RunPython(keep_locks, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='LoginAttempt',
        ),
    ]
