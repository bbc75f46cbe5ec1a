"""Who manages Open311 keys: configuration, so the administrator (and superusers)."""
from civicloop.org.roles import Role


def can_manage_keys(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or getattr(user, "role", "") == Role.ADMIN)
