"""Citizens with reports, walked through the workflow by the demo staff (the real service doors)."""
from __future__ import annotations

import itertools

from django.db import transaction

from civicloop.cases import services as cases
from civicloop.citizens import services as citizens
from civicloop.citizens.models import Citizen
from civicloop.org.models import User
from tests.conftest import WENLAN

_phones = itertools.count(1)


def citizen(phone: str | None = None) -> Citizen:
    return Citizen.objects.create(phone=phone or f"137{next(_phones):08d}")


def staff(name: str) -> User:
    return User.objects.get(username=name)


def report(who: Citizen | None, *, category: str = "06010", lon: float = WENLAN[0], lat: float = WENLAN[1],
           refs: dict | None = None, description: str = "垃圾堆在路边"):
    with transaction.atomic():
        case = cases.report_case(actor=None, channel="citizen", lon=lon, lat=lat, description=description,
                                 category=category, reporter_phone=who.phone if who else "", refs=refs)
        citizens.link_reporter(case, citizen=who)
    return case


def file(case):
    return cases.file_case(case, staff("operator"), category=case.category_id or "06010")


def verify(case):
    """Dispatch, handle, check (passed) and close."""
    cases.dispatch_case(case, staff("dispatcher"), department="hwz")
    cases.sign_case(case, staff("handler_hwz"))
    cases.handle_case(case, staff("handler_hwz"), note="已清理")
    cases.check_fix(case, staff("inspector_001"), passed=True)
    cases.close_case(case, staff("leader"))
    return case
