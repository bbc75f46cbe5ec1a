"""Who runs volunteer teams and activities: a Django permission on staff accounts."""
from __future__ import annotations

MANAGE = "volunteers.manage_volunteers"


def can_manage(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active and user.has_perm(MANAGE)
