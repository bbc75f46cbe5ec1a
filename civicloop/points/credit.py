"""兑信用: partners (a bank, a service hall) read a citizen's credit grade with an API key.

Only the key's hash is kept (`org.keys`; shown once when issued). A partner learns the grade and the
honour level of a number it already knows, nothing else: no name, no reports, no places.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from civicloop.citizens.models import Citizen
from civicloop.org import keys
from civicloop.points import queries
from civicloop.points.models import Partner


def issue_key(name: str, *, by=None, via: str = "console") -> tuple[Partner, str]:
    with transaction.atomic():
        partner = Partner.objects.create(name=name)
        partner.key, raw = keys.issue(keys.PARTNER, f"partner {name}", label=name, by=by, via=via)
        partner.save(update_fields=["key"])
    return partner, raw


def authenticate(raw: str) -> Partner | None:
    key = keys.authenticate(keys.PARTNER, raw)
    return Partner.objects.filter(key_id=key.pk, active=True).first() if key else None


def lookup(phone: str) -> dict | None:
    citizen = Citizen.objects.filter(phone=(phone or "").strip(), active=True).first()
    if citizen is None:
        return None
    standing = queries.standing(citizen)
    return {"phone": citizen.masked_phone, "grade": standing["credit"], "level": standing["level"].rank,
            "level_name": standing["level"].name, "verified_reports": standing["verified"],
            "as_of": timezone.now().isoformat()}
