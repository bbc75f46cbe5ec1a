"""What someone may see of a case that is not theirs — decided here and nowhere else
(docs/security.md, "What a citizen may see of a case that is not theirs").

Anyone who is not the reporter or staff (a citizen following the case, a passer-by on the public
map or in the "已有人上报" list, an Open311 client) gets the *public view*: category, plain status,
the place roughly (street and community, or a point rounded to ~100 m) and the public timeline.
The reporter's own words and photos — the *details* — go further only when

* staff marked the case public (`Case.published_at`, set by `services.set_public` with a reason), or
* it came in through Open311: whoever sent it knew that feed is public, or
* the city publishes citizen reports once screened (CIVICLOOP_CITIZEN_REPORTS_PUBLIC=after_filing),
  and this one was filed (立案 is the centre's screening) and is not void.

Names and phone numbers are part of neither view. A photo a follower added is the follower's: they
see it; others only when staff marked the case public or the city publishes filed reports (the
Open311 rule covers what the Open311 sender sent, not what a stranger added later).

The rules are pure: callers pass what they know of the case (`facts_of(case)`, or `Facts(...)` built
from a row's columns) and the city's setting; nothing is decided once and remembered — every page
and every photo asks again, so unmarking a case closes it at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from civicloop.lib.phones import mask_phones

NEVER = "never"
AFTER_FILING = "after_filing"
MODES = (NEVER, AFTER_FILING)  # CIVICLOOP_CITIZEN_REPORTS_PUBLIC

# Decimal places of a point in the public view: 0.001° is ~111 m north–south and ~100 m east–west
# at these latitudes — the block, not the doorway.
ROUGH_DECIMALS = 3
EXACT_DECIMALS = 5


@dataclass(frozen=True)
class Facts:
    marked_public: bool  # staff marked it (Case.published_at is set)
    via_open311: bool  # it came in through Open311
    filed: bool  # 立案 happened (Case.filed_at is set)
    void: bool  # not filed, voided or merged (kind "void")


def facts_of(case) -> Facts:
    """The facts of a Case object (one query for the Open311 link unless it was select_related)."""
    return Facts(marked_public=case.published_at is not None, via_open311=_via_open311(case),
                 filed=case.filed_at is not None, void=case.kind == "void")


def _via_open311(case) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return getattr(case, "open311", None) is not None  # the reverse one-to-one of open311.Open311Request
    except ObjectDoesNotExist:
        return False


def screened_public(facts: Facts, mode: str) -> bool:
    """Public by the staff's mark or by the city's after-screening rule."""
    if facts.marked_public:
        return True
    return mode == AFTER_FILING and facts.filed and not facts.void


def details_public(facts: Facts, mode: str) -> bool:
    """May anyone read the reporter's description and see the report's photos?"""
    return facts.via_open311 or screened_public(facts, mode)


def may_see_details(facts: Facts, mode: str, *, is_reporter: bool) -> bool:
    return is_reporter or details_public(facts, mode)


def may_see_photo(facts: Facts, mode: str, *, kind: str, follower_id: int | None, is_reporter: bool,
                  citizen_id: int | None) -> bool:
    """A citizen-facing photo: never the inspectors' evidence; a follower's photo is theirs and
    public only when the case is (screened_public); the others go with the details."""
    if kind == "evidence":
        return False
    if follower_id is not None:
        return (citizen_id is not None and follower_id == citizen_id) or screened_public(facts, mode)
    return may_see_details(facts, mode, is_reporter=is_reporter)


def rounded(value: float, facts: Facts, mode: str) -> float:
    """A coordinate as the public may see it."""
    return round(value, EXACT_DECIMALS if details_public(facts, mode) else ROUGH_DECIMALS)


# ---------------------------------------------------------------------------- with the city's setting


def mode() -> str:
    from django.conf import settings

    return settings.CITIZEN_REPORTS_PUBLIC


def shows_details(case, *, is_reporter: bool = False) -> bool:
    return may_see_details(facts_of(case), mode(), is_reporter=is_reporter)


def description_for(case, *, is_reporter: bool = False) -> str:
    """The reporter's words as this reader may read them: whole for the reporter, nothing where the
    details are not public, and for everyone else with phone numbers masked (a reporter may type one
    in; masked before any cutting short, so half a number is never left)."""
    if is_reporter:
        return case.description
    return mask_phones(case.description) if shows_details(case) else ""


def shows_photo(case, item, *, is_reporter: bool, citizen_id: int | None, facts: Facts | None = None) -> bool:
    return may_see_photo(facts or facts_of(case), mode(), kind=item.kind, follower_id=item.follower_id,
                         is_reporter=is_reporter, citizen_id=citizen_id)
