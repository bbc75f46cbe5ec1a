"""Staff sign-in throttling: a few wrong passwords lock the account (and a noisy address) for a while;
and the one door for a staff member's role, scope and department (recorded in the change log)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from civicloop.core import changes, throttle
from civicloop.org.models import User


@dataclass(frozen=True)
class Lockout:
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() // 60) + 1)


def lockout(username: str, ip: str, *, now: datetime | None = None) -> Lockout | None:
    """The lockout in force for this account or address, if any; an account's failures count since
    its last success (a success clears them), an address's do not."""
    window = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    for key, limit in ((_user_key(username), settings.LOGIN_MAX_FAILURES),
                       (_ip_key(ip), settings.LOGIN_MAX_FAILURES_PER_IP)):
        until = throttle.locked_until(key, window, limit, now=now) if key else None
        if until is not None:
            return Lockout(until=until)
    return None


def record_login(username: str, ip: str, *, succeeded: bool, now: datetime | None = None) -> None:
    if succeeded:
        throttle.clear(_user_key(username))
        return
    for key in (_user_key(username), _ip_key(ip)):
        if key:
            throttle.hit(key, now=now)


def _user_key(username: str) -> str:
    return f"login-user:{username.lower()}" if username else ""


def _ip_key(ip: str) -> str:
    return f"login-ip:{ip}" if ip else ""


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
