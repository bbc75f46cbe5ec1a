"""Who may load a city's set-up data: it creates accounts and changes routing, so only the
city-wide administrator."""
from civicloop.org.roles import Role, Scope


def can_use(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN and user.scope == Scope.CITY)
