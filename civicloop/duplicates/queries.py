"""Duplicate candidates of a case, scored: what the operator sees before 立案 or 合并."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from civicloop.cases.images import hamming_distance
from civicloop.cases.models import Attachment, Case
from civicloop.duplicates import rules
from civicloop.duplicates.models import OpenCase
from civicloop.lib.coords import distance_m

# Only this many times the shown number of best-scored candidates are read from the cases table
# (for visibility and display): a scoped operator may not see some of them.
_READ = 3


@dataclass
class Candidate:
    case: object  # cases.Case
    metres: int
    score: rules.Score

    @property
    def same_category(self) -> bool:
        return self.score.parts["category"] == 1.0


def candidates(case, user, *, limit: int | None = None) -> list[Candidate]:
    """Open, original cases near `case` and reported within the window before it (or after),
    best score first, that `user` may see."""
    limit = limit or settings.DUPLICATE_SHOW
    scored = score_near(lon=case.lon, lat=case.lat, category=case.category_id, text=case.description,
                        reported_at=case.reported_at, exclude=case.pk, photos=_photos([case.pk]).get(case.pk))
    scored = [row for row in scored if row[1].total >= settings.DUPLICATE_MIN_SCORE][:_READ * limit]
    if not scored:
        return []
    visible = Case.objects.visible_to(user).filter(pk__in=[pk for pk, _s, _m in scored], kind="open",
                                                    duplicate_of__isnull=True).select_related("category")
    by_pk = {c.pk: c for c in visible}
    found = [Candidate(by_pk[pk], metres, s) for pk, s, metres in scored if pk in by_pk]
    return found[:limit]


def score_near(*, lon: float, lat: float, category: str | None, text: str, reported_at: datetime,
               exclude: int | None = None, photos: list[str] | None = None) -> list[tuple[int, rules.Score, int]]:
    """(case id, score, metres) of every indexed open case within the radius and window, best first."""
    radius = settings.DUPLICATE_RADIUS_M
    window = timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    rows = (OpenCase.objects.filter(cell__in=rules.cells_around(lon, lat, radius),
                                    reported_at__range=(reported_at - window, reported_at + window))
            .values_list("case_id", "lon", "lat", "category_id", "reported_at", "text"))
    near = []
    for pk, olon, olat, ocategory, oreported, otext in rows:
        if pk == exclude:
            continue
        metres = distance_m(lon, lat, olon, olat)
        if metres <= radius:
            near.append((pk, metres, ocategory, oreported, otext))
    if not near:
        return []
    mine = rules.bigrams(text[:200])
    theirs = _photos([row[0] for row in near]) if photos else {}
    window_hours = window.total_seconds() / 3600
    out = []
    for pk, metres, ocategory, oreported, otext in near:
        s = rules.score(metres=metres, radius_m=radius, category_a=category, category_b=ocategory,
                        hours=(reported_at - oreported).total_seconds() / 3600, window_hours=window_hours,
                        text=rules.cosine(mine, rules.bigrams(otext)),
                        hamming=_closest(photos, theirs.get(pk)), weights=settings.DUPLICATE_WEIGHTS)
        out.append((pk, s, round(metres)))
    out.sort(key=lambda row: (-row[1].total, row[2]))
    return out


def _photos(case_ids: list[int]) -> dict[int, list[str]]:
    """The dHashes of each case's report photos (those processed so far)."""
    found: dict[int, list[str]] = {}
    rows = (Attachment.objects.filter(case_id__in=case_ids, kind=Attachment.Kind.BEFORE)
            .exclude(phash="").values_list("case_id", "phash"))
    for case_id, phash in rows:
        found.setdefault(case_id, []).append(phash)
    return found


def _closest(mine: list[str] | None, theirs: list[str] | None) -> int | None:
    if not mine or not theirs:
        return None
    return min(hamming_distance(a, b) for a in mine for b in theirs)
