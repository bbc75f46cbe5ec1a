"""Staff sign-in throttling: a few wrong passwords lock the account (and a noisy address) for a while."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from civicloop.org.models import LoginAttempt


@dataclass(frozen=True)
class Lockout:
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() // 60) + 1)


def lockout(username: str, ip: str, *, now: datetime | None = None) -> Lockout | None:
    """The lockout in force for this account or address, if any; counted since the last success."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    for field, value, limit in (("username", username.lower(), settings.LOGIN_MAX_FAILURES),
                                ("ip", ip, settings.LOGIN_MAX_FAILURES_PER_IP)):
        if not value:
            continue
        recent = LoginAttempt.objects.filter(**{field: value}, at__gte=now - window)
        last_ok = recent.filter(succeeded=True).order_by("-at").values_list("at", flat=True).first()
        failures = recent.filter(succeeded=False)
        if last_ok and field == "username":
            failures = failures.filter(at__gt=last_ok)
        times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return Lockout(until=times[-1] + window)
    return None


def record_login(username: str, ip: str, *, succeeded: bool, now: datetime | None = None) -> None:
    LoginAttempt.objects.create(username=username.lower()[:150], ip=ip[:45], succeeded=succeeded,
                                at=now or timezone.now())
