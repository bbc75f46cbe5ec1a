"""When the geocoder is sure enough to place something: one rule for every caller (12345 orders with
an address only, history rows without coordinates).

Sure means: the best answer lies in a grid, is at least `settings.HOTLINE_GEOCODE_PLACE_CONFIDENCE`
sure (env CIVICLOOP_GEOCODE_PLACE_CONFIDENCE), and no other answer nearly as sure stands elsewhere.
"""
from __future__ import annotations

from django.conf import settings

from civicloop.gazetteer import geocoding

CANDIDATES_KEPT = 5
# Two answers this close in confidence but this far apart are two places, not one: the address is
# ambiguous (文兰路 read as 文萃路 or as 文澜路), so a person chooses.
AMBIGUOUS_MARGIN = 0.1
AMBIGUOUS_APART_M = 100


def candidates(text: str, *, limit: int = CANDIDATES_KEPT) -> list[geocoding.Candidate]:
    """The geocoder's answers that fall in a grid (only those can become a case), best first."""
    return [c for c in geocoding.geocode(text, limit=limit) if c.grid]


def sure_candidate(found: list, threshold: float | None = None):
    """The best answer when it is sure enough and no other answer is nearly as sure elsewhere; else None."""
    if threshold is None:
        threshold = settings.HOTLINE_GEOCODE_PLACE_CONFIDENCE
    if not found or found[0].confidence < threshold:
        return None
    best = found[0]
    for other in found[1:]:
        if other.confidence >= best.confidence - AMBIGUOUS_MARGIN and \
                geocoding.metres(best.lon, best.lat, other.lon, other.lat) > AMBIGUOUS_APART_M:
            return None
    return best


def place(text: str) -> tuple[geocoding.Candidate | None, list[geocoding.Candidate]]:
    """The answer sure enough to place by (or None), with every answer considered: the hook through which
    the history import places a row that has an address and no point (core/extensions.py)."""
    found = candidates(text)
    return sure_candidate(found), found
