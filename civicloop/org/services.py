"""Staff sign-in throttling: a few wrong passwords lock the account (and a noisy address) for a while;
and the one door for a staff member's role, scope and department (recorded in the change log)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from civicloop.core import changes
from civicloop.org.models import LoginAttempt, User


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


def save_staff(actor, user: User, *, via: str, reason: str = "") -> User:
    """A staff account created or changed: validated (the scope rules in User.clean), saved and
    recorded in the configuration change log — never its password. ValidationError saves nothing."""
    return changes.save(actor, user, via=via, reason=reason)


def change_role(actor, user: User, *, role: str, scope: str, division: str | None = None, grid: str | None = None,
                department: str | None = None, via: str, reason: str = "") -> User:
    """Who a staff member is in the workflow and what they see: one record with the fields that changed."""
    user.role, user.scope, user.department_id = role, scope, department
    user.scope_division_id, user.scope_grid_id = division, grid
    return save_staff(actor, user, via=via, reason=reason)
