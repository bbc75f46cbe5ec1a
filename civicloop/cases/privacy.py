"""A reporter's phone: whole only for the centre's desk, and every whole view is recorded.

Departments and inspectors see 138****1234; operators, shift leaders and commanders call people
back, so they see the number, and `PersonalDataView` keeps who saw whose number, where and when.
"""
from __future__ import annotations

from django.utils import timezone

from civicloop.cases.models import PersonalDataView
from civicloop.core import context
from civicloop.org.roles import Role

FULL_PHONE_ROLES = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.COMMANDER})


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def reporter_phone(case, user, *, where: str) -> str:
    phone = case.reporter_phone or ""
    if not phone:
        return ""
    if getattr(user, "role", "") not in FULL_PHONE_ROLES and not getattr(user, "is_superuser", False):
        return mask_phone(phone)
    PersonalDataView.objects.create(case_id=case.pk, user=user, field="reporter_phone", where=where,
                                    at=timezone.now(), request_id=context.request_id.get() or "")
    return phone
