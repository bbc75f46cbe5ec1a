"""Fixtures of the registry tests: a bin with its keeper in 文澜街道, a signed-in citizen client."""
from __future__ import annotations

import pytest
from django.test import Client

from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.facilities import services
from tests.conftest import WENLAN

KEEPER_PHONE = "13708730001"


@pytest.fixture(autouse=True)
def fresh_facility_index():
    """A rolled-back test leaves this process's map index built from rows that are gone."""
    yield
    from civicloop.facilities import index

    index._cache.invalidate()


@pytest.fixture
def bin_with_keeper(db):
    keeper = services.keeper_for("张桶长", KEEPER_PHONE)
    return services.register_facility(component="03005", name="天马路垃圾箱001号", lon=WENLAN[0], lat=WENLAN[1],
                                      keeper=keeper, address="天马路12号旁")


@pytest.fixture
def citizen_client(db):
    def make(phone="13800138000") -> Client:
        citizen, _ = Citizen.objects.get_or_create(phone=phone)
        client = Client(enforce_csrf_checks=True)
        session = client.session
        session[SESSION_KEY] = citizen.pk
        session.save()
        client.get("/m/")
        client.csrf = client.cookies["csrftoken"].value
        return client
    return make
