"""What a facility's QR scan gives the citizen's report: where, which component, which 事项, and the ref.

The label holds only a random token (/f/<token>/; shops' /s/<token>/ are shops/scan.py); the report
page asks what it means (core.extensions.scanned_prefill), and the intake asks again when the report
arrives (scanned_refs: a token in a form field is never trusted to name a facility by its id).
"""
from __future__ import annotations

from civicloop.core.errors import InvalidInput
from civicloop.facilities import rules
from civicloop.facilities.models import Facility
from civicloop.taxonomy.queries import config


def facility_by_token(token: str) -> Facility | None:
    token = (token or "").strip()
    if not token or len(token) > 16:
        return None
    return Facility.objects.select_related("component").filter(qr_token=token).first()


def prefill(token: str) -> dict | None:
    """For the report page (FacilitiesConfig.qr_labels): {"token", "kind", "title", "lon", "lat" (WGS-84),
    "category", "address"} or None."""
    facility = facility_by_token(token)
    if facility is None:
        return None
    matter = rules.matter_for(facility.component_id)
    info = config().categories.get(matter)
    return {"kind": "facility", "token": facility.qr_token, "lon": facility.lon, "lat": facility.lat,
            "title": f"{facility.component.name} · {facility.name}", "code": facility.id,
            "category": matter if info and info.active else "", "address": facility.address or facility.name}


def refs(token: str) -> dict:
    """The report's refs from the token its form carried; a token that names nothing is refused."""
    found = facility_by_token(token)
    if found is None:
        raise InvalidInput.field("facility", "二维码无效或已停用 / this QR code is not valid")
    return {"facility": found.id}
