"""兑信用: partners (a bank, a service hall) read a citizen's credit grade with an API key.

Only the key's SHA-256 is stored (shown once when issued). A partner learns the grade and the
honour level of a number it already knows, nothing else: no name, no reports, no places.
"""
from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from civicloop.citizens.models import Citizen
from civicloop.points import queries
from civicloop.points.models import Partner


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_key(name: str) -> tuple[Partner, str]:
    raw = "clp_" + secrets.token_urlsafe(32)
    return Partner.objects.create(name=name, digest=_digest(raw), prefix=raw[:10]), raw


def authenticate(raw: str) -> Partner | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    partner = Partner.objects.filter(digest=_digest(raw), active=True).first()
    if partner is not None:
        Partner.objects.filter(pk=partner.pk).update(last_used_at=timezone.now())
    return partner


def lookup(phone: str) -> dict | None:
    citizen = Citizen.objects.filter(phone=(phone or "").strip(), active=True).first()
    if citizen is None:
        return None
    standing = queries.standing(citizen)
    return {"phone": citizen.masked_phone, "grade": standing["credit"], "level": standing["level"].rank,
            "level_name": standing["level"].name, "verified_reports": standing["verified"],
            "as_of": timezone.now().isoformat()}
