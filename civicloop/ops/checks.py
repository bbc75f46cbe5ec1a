"""Production refuses to run with what only a laptop should have (secrets and defaults).

Settings already refuse the development SECRET_KEY, DEBUG, and the default hosts and public URL
(settings.py raises before anything starts). What needs the database is checked here: `civicloop
serve`, `migrate` and `check` run these checks and stop on an error.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, register
from django.db import DatabaseError

from civicloop.demo.city import DEMO_PASSWORD
from civicloop.org.models import User


@register()
def no_demo_accounts_in_production(app_configs=None, **kwargs):
    if settings.ENVIRONMENT != "production":
        return []
    try:
        candidates = list(User.objects.filter(is_active=True, username__in=_demo_usernames())
                          .values_list("username", "password"))
    except DatabaseError:
        return []  # not migrated yet: migrate runs the checks again afterwards
    # The demo city hashes its password once for everyone: one slow check per distinct hash.
    weak_hashes = {hashed for hashed in {h for _u, h in candidates} if check_password(DEMO_PASSWORD, hashed)}
    weak = [username for username, hashed in candidates if hashed in weak_hashes]
    if not weak:
        return []
    return [Error(f"active accounts still have the demo password: {', '.join(weak[:10])}",
                  hint="change their passwords or deactivate them (civicloop seed-demo is for demos only)",
                  id="civicloop.E001")]


def _demo_usernames() -> list[str]:
    fixed = ["admin", "operator", "operator_wenlan", "operator_caoba", "leader", "dispatcher", "commander",
             "gridworker", "handler_hwz", "handler_cgj", "handler_szgs"]
    return fixed + [f"inspector_{n:03d}" for n in range(1, 205)]
