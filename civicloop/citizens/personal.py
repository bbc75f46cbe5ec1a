"""A citizen's own data: a copy to take away (export) and the right to leave (account deletion).

Deleting an account keeps the city's record: the cases the person reported stay, without their
name, number or link to them; their ratings stay (the evaluation counts them) but belong to no
one. The Citizen row becomes a tombstone (phone "X<id>", inactive) rather than disappearing, so
points ledgers and orders that refer to it (PROTECT) stay consistent; signing in again with the same
number starts a new, empty account.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from civicloop.cases import publicity
from civicloop.cases.models import Case
from civicloop.citizens.models import LoginCode
from civicloop.citizens.status import plain_state
from civicloop.notify.models import Delivery

FORMAT = "civicloop.citizen-export/1"


def export_citizen(citizen) -> dict:
    """Everything held about this citizen, as plain JSON types."""

    links = citizen.case_links.select_related("case", "case__category").order_by("created_at")
    recipients = [r for r in (citizen.phone, citizen.wechat_openid) if r]
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "account": {"phone": citizen.phone, "display_name": citizen.display_name,
                    "created_at": _iso(citizen.created_at), "last_seen_at": _iso(citizen.last_seen_at),
                    "wechat_bound": bool(citizen.wechat_openid), "active": citizen.active},
        "reports": [{"reference": link.case.reference, "role": "follower" if link.followed else "reporter",
                     "linked_at": _iso(link.created_at), "reported_at": _iso(link.case.reported_at),
                     "category": link.case.category.name if link.case.category_id else "",
                     **_report_text(link), "status": plain_state(link.case.state)}
                    for link in links],
        "ratings": [{"reference": r.case.reference, "stars": r.stars, "fixed": r.fixed, "comment": r.comment,
                     "rated_at": _iso(r.created_at)} for r in citizen.ratings.select_related("case").order_by("created_at")],
        "sign_in_codes": [{"sent_at": _iso(c.created_at), "used_at": _iso(c.used_at), "ip": c.ip}
                          for c in LoginCode.objects.filter(phone=citizen.phone).order_by("created_at")],
        "messages": [{"channel": d.channel, "subject": d.subject, "body": d.body, "status": d.status,
                      "queued_at": _iso(d.created_at), "sent_at": _iso(d.sent_at)}
                     for d in Delivery.objects.filter(recipient__in=recipients).order_by("created_at")],
    }


def delete_citizen(citizen) -> None:
    """The account goes; the reports stay, anonymised (see the module's docstring)."""

    phone, openid = citizen.phone, citizen.wechat_openid
    with transaction.atomic():
        reported = citizen.case_links.filter(followed=False).values("case_id")
        Case.objects.filter(pk__in=reported, reporter_phone=phone).update(reporter_name="", reporter_phone="")
        citizen.case_links.all().delete()
        LoginCode.objects.filter(phone=phone).delete()
        Delivery.objects.filter(recipient__in=[r for r in (phone, openid) if r]).delete()
        citizen.phone = f"X{citizen.pk}"[:11]
        citizen.display_name, citizen.wechat_openid, citizen.active = "", "", False
        citizen.save(update_fields=["phone", "display_name", "wechat_openid", "active"])


def _report_text(link) -> dict:
    """A followed case's words are its reporter's: in the export only where cases.publicity makes them public."""
    reporter = not link.followed
    shown = publicity.shows_details(link.case, is_reporter=reporter)
    facts, mode = publicity.facts_of(link.case), publicity.mode()
    exact = reporter or publicity.details_public(facts, mode)
    place = {"lon": link.case.lon, "lat": link.case.lat} if exact else {
        "lon": publicity.rounded(link.case.lon, facts, mode), "lat": publicity.rounded(link.case.lat, facts, mode)}
    return {"description": publicity.description_for(link.case, is_reporter=reporter),
            "address": link.case.address if shown else "", **place}


def _iso(value) -> str | None:
    return value.isoformat() if value else None
