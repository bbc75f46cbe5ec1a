"""What every console page knows: the city and the map's tile settings."""
from django.conf import settings


def console(request) -> dict:
    return {"city_name": settings.CITY_NAME}
