"""地理编码: address text → ranked places (`geocode`), and a point → words (`reverse`).

Forward: the text is read (addresses.parse), then each part is looked up the way it is cheapest and
surest — a road by its names through the trigram index (pg_trgm on PostgreSQL, FTS5 trigram on
SQLite), a door plate by (road, number) on its unique index, a POI or compound by the trigram index —
and the few candidates the database returns are scored in Python.

Trigrams cannot see past a typo in a short Chinese name: 学府路 has one trigram, 学付路 shares none
with it. So roads, compounds and POIs also have a per-process typo index (every name with one
character deleted, SymSpell's trick), rebuilt when the gazetteer revision moves; it is asked only when
the trigram search found nothing good.

Reverse: per-process indexes rebuilt when the gazetteer revision moves — door plates and POIs as points in
a k-d tree (coordinates only: the one nearest row is then read by its id), roads and road segments as lines
in STRtrees — so a point costs two primary-key reads, not a growing box query per kind (docs/gazetteer.md,
performance.md).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from django.db import connection
from django.db.models import Q
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry import Point
from shapely.ops import nearest_points

from civicloop.core.revisions import RevisionCache
from civicloop.gazetteer import addresses, models, rules
from civicloop.gazetteer.models import Building, Compound, DoorPlate, Poi, Road, RoadSegment
from civicloop.gazetteer.rules import SEPARATOR, road_variants, segment_label
from civicloop.geo import jurisdiction
from civicloop.geo.index import locate
from civicloop.geo.models import Division

REVISION = models.REVISION  # bumped by every write to the gazetteer (imports, console, demo seed)
M_PER_DEG_LAT = 111_320.0
MAX_QUERY = 200  # characters looked at; the API refuses longer queries before they get here
SEARCH_ROWS = 30  # candidates the text search hands to the scorer, per table
TYPO_MAX_LEN = 16  # longer names are not put in the typo index (their trigrams survive one typo)

# How much each way of finding a place is trusted, as a factor on the name's score.
TRUST = {
    "door": 1.0, "building": 1.0, "intersection": 0.95, "poi": 0.9, "compound": 0.85,
    "interpolated": 0.6, "nearest_door": 0.45, "road": 0.5, "compound_only": 0.55,
}
ALIAS_FACTOR = 0.97  # a former name or alias found it: right place, slightly less sure it was meant
OFFSET_FACTOR = 0.9
OPPOSITE_FACTOR = 0.9
OPPOSITE_M = 30.0  # 对面: across the road, direction unknown; tolerated, not moved


@dataclass(frozen=True)
class Candidate:
    """One answer: where (WGS-84), how sure (0–1), what matched, and the grid/community/street there."""

    lon: float
    lat: float
    confidence: float
    kind: str  # door, interpolated, nearest_door, building, compound, compound_only, intersection, poi, road
    label: str  # "学府路12号", "天马路与银河路交叉口", "人民医院东侧50米"
    matched: dict = field(default_factory=dict)  # road, number, road2, compound, building, landmark, code
    grid: str = ""
    community: str = ""
    street: str = ""


@dataclass(frozen=True)
class Nearby:
    name: str
    lon: float
    lat: float
    distance_m: float
    code: str = ""


@dataclass(frozen=True)
class Words:
    """A point in words: the nearest door plate and POI, the road and the nearest crossing, the grid."""

    lon: float
    lat: float
    line: str  # "晋江市青阳街道青华路12号附近（约15米）"
    door: Nearby | None = None
    poi: Nearby | None = None
    road: Nearby | None = None
    intersection: Nearby | None = None
    segment: Nearby | None = None  # the road's part the point is beside: 天马路（银河路—学府路）
    grid: str = ""
    community: str = ""
    community_name: str = ""
    street: str = ""
    street_name: str = ""


# ------------------------------------------------------------------------------------ distances


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: exact enough within a city."""
    dx = (lon2 - lon1) * M_PER_DEG_LAT * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * M_PER_DEG_LAT
    return math.hypot(dx, dy)


def move(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))), lat + north_m / M_PER_DEG_LAT)


def edit_distance(a: str, b: str) -> int:
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def name_score(query: str, form: str) -> float:
    """1 for the same name; a share of the longer one otherwise (one typo in 学府路: 0.67).
    A name inside the query or the query inside a name counts what they share."""
    if not query or not form:
        return 0.0
    if query == form:
        return 1.0
    longer = max(len(query), len(form))
    score = 1 - edit_distance(query, form) / longer
    if form in query or query in form:
        score = max(score, 0.5 + 0.45 * min(len(query), len(form)) / longer)
    return max(score, 0.0)


def best_form(query: str, search_text: str, names: int = 1) -> tuple[float, bool]:
    """The best score over an entry's forms, and whether the best was one of its first `names` forms
    (its own name and its suffix variants) rather than an alias or former name."""
    best, own = 0.0, True
    for i, form in enumerate(search_text.split(SEPARATOR)):
        score = name_score(query, form)
        if score > best:
            best, own = score, i < names
    return best, own


# ------------------------------------------------------------------------------------ text search


def text_search(model, query: str, *, limit: int = SEARCH_ROWS) -> list[int]:
    """Ids of entries whose search text holds the query, or else shares trigrams with it, best first.

    The same two steps on both databases, each served by the trigram index: the query as a substring
    (PostgreSQL LIKE on the pg_trgm GIN index; an FTS5 phrase), then any of its trigrams (OR), ranked by
    similarity (PostgreSQL) or bm25 (FTS5)."""
    query = query[:MAX_QUERY]
    if len(query) < 2:
        return []  # one character names nothing
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _pg_search(cursor, table, query, limit)
        if connection.vendor == "sqlite":
            return _fts_search(cursor, table, query, limit)
    return list(model.objects.filter(search_text__contains=query).values_list("id", flat=True)[:limit])


def _pg_search(cursor, table: str, query: str, limit: int) -> list[int]:
    if len(query) == 2:
        # Two characters make no trigram the index can use, but a whole form of two does with its separator.
        patterns = [f"%{_like(SEPARATOR + query)}%", f"%{_like(query + SEPARATOR)}%"]
    else:
        cursor.execute(f'SELECT id FROM "{table}" WHERE search_text LIKE %s LIMIT %s', [f"%{_like(query)}%", limit])
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            return ids
        patterns = [f"%{_like(g)}%" for g in sorted({query[i:i + 3] for i in range(len(query) - 2)})]
    where = " OR ".join(["search_text LIKE %s"] * len(patterns))
    cursor.execute(f'SELECT id FROM "{table}" WHERE {where} ORDER BY similarity(search_text, %s) DESC, id LIMIT %s',
                   [*patterns, query, limit])
    return [row[0] for row in cursor.fetchall()]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_search(cursor, table: str, query: str, limit: int) -> list[int]:
    fts = f"{table}_fts"
    if len(query) == 2:
        # Two characters have no trigram, but a whole form of two does with its separator: "|一中", "一中|".
        return _fts_match(cursor, fts, f"{_quoted(SEPARATOR + query)} OR {_quoted(query + SEPARATOR)}", limit)
    # The whole query as a phrase first (a substring match); else any of its trigrams, best ranked.
    phrase = _quoted(query)
    cursor.execute(f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s LIMIT %s', [phrase, limit])
    ids = [row[0] for row in cursor.fetchall()]
    if ids:
        return ids
    grams = sorted({query[i:i + 3] for i in range(len(query) - 2)})
    return _fts_match(cursor, fts, " OR ".join(_quoted(g) for g in grams), limit)


def _fts_match(cursor, fts: str, expression: str, limit: int) -> list[int]:
    cursor.execute(f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s ORDER BY rank LIMIT %s', [expression, limit])
    return [row[0] for row in cursor.fetchall()]


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class TypoIndex:
    """Every name form with each character deleted in turn → entry ids: two strings one substitution,
    insertion or deletion apart share a key (SymSpell, distance 1)."""

    def __init__(self, rows: Iterable[tuple[int, str]]):
        self._keys: dict[str, set[int]] = {}
        for pk, text in rows:
            for form in text.split(SEPARATOR):
                if 3 <= len(form) <= TYPO_MAX_LEN:
                    for key in _deletions(form):
                        self._keys.setdefault(key, set()).add(pk)

    def lookup(self, query: str, *, limit: int = SEARCH_ROWS) -> list[int]:
        if not 3 <= len(query) <= TYPO_MAX_LEN + 1:
            return []
        found: set[int] = set()
        for key in _deletions(query):
            found |= self._keys.get(key, set())
            if len(found) > limit * 10:
                break
        return list(found)[: limit * 10]


def _deletions(text: str) -> set[str]:
    return {text} | {text[:i] + text[i + 1:] for i in range(len(text))}


def _typo_index(model):
    return TypoIndex(model.objects.values_list("id", "search_text").iterator(chunk_size=5000))


_typo_caches = {model: RevisionCache(REVISION, lambda model=model: _typo_index(model)) for model in (Road, Compound, Poi)}


def find_named(model, name: str, *, limit: int = 5) -> list[tuple[object, float]]:
    """Entries of a named kind (Road, Compound, Poi) for a name as typed: (entry, score) best first."""
    name = addresses.normalise(name)
    if not name:
        return []
    forms = [name] if len(name) >= 3 or model is not Road else [name + "路", name + "街", name]
    ids: list[int] = []
    for form in forms:
        ids.extend(text_search(model, form))
    scored = _score(model, name, ids)
    if not scored or scored[0][1] < 0.9:
        scored = _score(model, name, set(ids) | set(_typo_caches[model].get().lookup(name)))
    return scored[:limit]


def _score(model, name: str, ids: Iterable[int]) -> list[tuple[object, float]]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    rows = model.objects.filter(pk__in=ids)
    scored = []
    for entry in rows:
        score, own = best_form(name, entry.search_text, names=_own_forms(entry))
        if score >= 0.5:
            scored.append((entry, score if own else score * ALIAS_FACTOR))
    scored.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return scored


def _own_forms(entry) -> int:
    """How many leading forms of the search text are the entry's own name (a road: with its variants)."""
    if isinstance(entry, Road):
        return len(road_variants(entry.name))
    return 1


# ------------------------------------------------------------------------------------ forward


def _divisions() -> dict[str, str]:
    return dict(Division.objects.values_list("code", "name"))


_division_cache = RevisionCache("grids", _divisions)


def division_names() -> list[str]:
    names = list(_division_cache.get().values())
    root = jurisdiction.root()
    return [*names, root.name] if getattr(root, "name", "") else names


def geocode(text: str, *, limit: int = 5) -> list[Candidate]:
    """Ranked candidates for an address as typed; [] when nothing in the gazetteer fits."""
    text = (text or "")[:MAX_QUERY]
    parsed = addresses.parse(text, division_names())
    if not parsed.text:
        return []
    found = _by_kind(parsed)
    if not found and parsed.kind != addresses.PLACE:
        found = _place(replace(parsed, kind=addresses.PLACE))
    found = [_qualify(c, parsed) for c in found]
    return _rank(found)[: max(1, limit)]


def _by_kind(parsed: addresses.Parsed) -> list[Candidate]:
    if parsed.kind == addresses.DOOR:
        return _door(parsed) or _building(replace(parsed, compound=parsed.road, building=parsed.number))
    if parsed.kind == addresses.BUILDING:
        return _building(parsed)
    if parsed.kind == addresses.INTERSECTION:
        return _intersection(parsed)
    if parsed.kind == addresses.ROAD:
        return _road(parsed) or _place(parsed)
    return _run_together_crossing(parsed) or _place(parsed)


def _run_together_crossing(parsed: addresses.Parsed) -> list[Candidate]:
    """"雨过铺迎宾路口": the split whose two halves are both roads the gazetteer knows well, if any."""
    for first, second in addresses.crossing_splits(parsed.text):
        a, b = find_named(Road, first, limit=1), find_named(Road, second, limit=1)
        if a and b and min(a[0][1], b[0][1]) >= 0.9 and a[0][0].pk != b[0][0].pk:
            return _intersection(replace(parsed, kind=addresses.INTERSECTION, road=first, road2=second))
    return []


def _door(parsed: addresses.Parsed) -> list[Candidate]:
    out = []
    for road, score in find_named(Road, parsed.road, limit=3):
        out.extend(_door_on(road, score, parsed))
    return out


def _door_on(road: Road, score: float, parsed: addresses.Parsed) -> list[Candidate]:
    key = parsed.number
    matched = {"road": road.name, "number": key}
    plate = DoorPlate.objects.filter(road=road, number_key=key).first()
    if plate is not None:
        return [_candidate(plate.lon, plate.lat, score * TRUST["door"], "door", f"{road.name}{plate.number}",
                           matched | {"code": plate.code})]
    main = parsed.main_number
    if main is None:
        return []
    point = _interpolate(road, main)
    if point is None:
        return [_candidate(road.lon, road.lat, score * TRUST["road"], "road", road.name, {"road": road.name})]
    lon, lat, kind = point
    return [_candidate(lon, lat, score * TRUST[kind], kind, f"{road.name}{key}号", matched)]


def _interpolate(road: Road, number: int) -> tuple[float, float, str] | None:
    """A number the gazetteer lacks: between the neighbouring numbers on the same side (same parity),
    in proportion; past the ends, at the nearest plate on that side."""
    # A road has at most some hundreds of plates: one indexed query, then the side in Python.
    side = [row for row in DoorPlate.objects.filter(road=road, number_sub=0).values_list("number_main", "lon", "lat")
            if row[0] % 2 == number % 2]
    below = max((r for r in side if r[0] < number), default=None)
    above = min((r for r in side if r[0] > number), default=None)
    if below and above:
        t = (number - below[0]) / (above[0] - below[0])
        return below[1] + t * (above[1] - below[1]), below[2] + t * (above[2] - below[2]), "interpolated"
    nearest = below or above
    return (nearest[1], nearest[2], "nearest_door") if nearest else None


def _building(parsed: addresses.Parsed) -> list[Candidate]:
    out = []
    for compound, score in find_named(Compound, parsed.compound, limit=3):
        building = _building_in(compound, parsed.building)
        if building is not None:
            out.append(_candidate(building.lon, building.lat, score * TRUST["building"], "building",
                                  f"{compound.name}{building.number}",
                                  {"compound": compound.name, "building": building.number, "code": building.code}))
        else:
            out.append(_candidate(compound.lon, compound.lat, score * TRUST["compound_only"], "compound_only",
                                  compound.name, {"compound": compound.name, "code": compound.code}))
    return out


def _building_in(compound: Compound, number: str) -> Building | None:
    """"3" finds 3栋, 3幢, 3号楼 or 3 as the city wrote it."""
    for building in compound.buildings.all():
        digits = "".join(ch for ch in addresses.normalise(building.number) if ch.isdigit())
        if digits == number:
            return building
    return None


def _intersection(parsed: addresses.Parsed) -> list[Candidate]:
    firsts, seconds = find_named(Road, parsed.road, limit=2), find_named(Road, parsed.road2, limit=2)
    out = []
    for a, score_a in firsts:
        for b, score_b in seconds:
            if a.pk != b.pk:
                out.extend(_crossing(a, b, (score_a + score_b) / 2))
    return out


def _crossing(a: Road, b: Road, score: float) -> list[Candidate]:
    """Where the two lines meet; roads that do not meet: the middle of their nearest points, less sure
    the farther apart they are."""
    line_a, line_b = a.shape(), b.shape()
    meet = line_a.intersection(line_b)
    label = f"{a.name}与{b.name}交叉口"
    matched = {"road": a.name, "road2": b.name}
    points = [g for g in getattr(meet, "geoms", [meet]) if g.geom_type == "Point" and not g.is_empty]
    if points:
        return [_candidate(p.x, p.y, score * TRUST["intersection"], "intersection", label, matched) for p in points[:2]]
    junction = _segment_junction(a, b)
    if junction is not None:
        return [_candidate(junction.x, junction.y, score * TRUST["intersection"], "intersection", label,
                           matched | {"junction": "segment"})]
    pa, pb = nearest_points(line_a, line_b)
    gap = metres(pa.x, pa.y, pb.x, pb.y)
    factor = TRUST["intersection"] * max(0.2, 1 - gap / 500)
    return [_candidate((pa.x + pb.x) / 2, (pa.y + pb.y) / 2, score * factor, "intersection", label,
                       matched | {"gap_m": round(gap)})]


def _segment_junction(a: Road, b: Road):
    """Roads whose lines do not meet (drawn apart, or one ends short of the other) still meet where a
    segment of one says it ends at the other: that end of the segment."""
    for road, other in ((a, b), (b, a)):
        names = [other.name, *other_names(other)]
        for segment in RoadSegment.objects.filter(road=road).filter(
                Q(from_name__in=names) | Q(to_name__in=names)):
            line = segment.shape()
            first = line if line.geom_type == "LineString" else line.geoms[0]
            last = line if line.geom_type == "LineString" else line.geoms[-1]
            return Point(first.coords[0] if segment.from_name in names else last.coords[-1])
    return None


def other_names(road: Road) -> list[str]:
    """A road's aliases and former names: a segment file may name a cross street by either."""
    return [*rules.split_names(road.aliases), *rules.split_names(road.former_names)]


def _road(parsed: addresses.Parsed) -> list[Candidate]:
    return [_candidate(road.lon, road.lat, score * TRUST["road"], "road", road.name,
                       {"road": road.name, "code": road.code})
            for road, score in find_named(Road, parsed.road or parsed.text, limit=3)]


def _place(parsed: addresses.Parsed) -> list[Candidate]:
    """A name: POIs, compounds and roads by their names."""
    name = parsed.text
    out = [_candidate(p.lon, p.lat, s * TRUST["poi"], "poi", p.name, {"poi": p.name, "code": p.code})
           for p, s in find_named(Poi, name)]
    out += [_candidate(c.lon, c.lat, s * TRUST["compound"], "compound", c.name, {"compound": c.name, "code": c.code})
            for c, s in find_named(Compound, name, limit=3)]
    out += [_candidate(r.lon, r.lat, s * TRUST["road"], "road", r.name, {"road": r.name, "code": r.code})
            for r, s in find_named(Road, name, limit=2)]
    return out


def _qualify(candidate: Candidate, parsed: addresses.Parsed) -> Candidate:
    """Applies 东侧50米 (moves the point), 对面 and 附近 (keeps it, says so)."""
    if parsed.direction and parsed.offset_m:
        east, north = addresses.DIRECTIONS[parsed.direction]
        lon, lat = move(candidate.lon, candidate.lat, east * parsed.offset_m, north * parsed.offset_m)
        label = f"{candidate.label}{parsed.direction}{parsed.offset_m:g}米"
        matched = candidate.matched | {"landmark": candidate.label, "direction": parsed.direction,
                                       "offset_m": parsed.offset_m}
        return _candidate(lon, lat, candidate.confidence * OFFSET_FACTOR, candidate.kind, label, matched)
    if parsed.opposite:
        return replace(candidate, label=f"{candidate.label}对面", confidence=candidate.confidence * OPPOSITE_FACTOR,
                       matched=candidate.matched | {"landmark": candidate.label, "opposite": True})
    if parsed.near or parsed.direction:
        return replace(candidate, label=f"{candidate.label}附近",
                       matched=candidate.matched | {"landmark": candidate.label, "near": True})
    return candidate


def _rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first; the same place found twice (a road by two forms) is kept once."""
    seen, out = set(), []
    for c in sorted(candidates, key=lambda c: -c.confidence):
        key = (c.kind, round(c.lon, 5), round(c.lat, 5))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _candidate(lon: float, lat: float, confidence: float, kind: str, label: str, matched: dict) -> Candidate:
    hit = locate(lon, lat)
    return Candidate(lon=round(lon, 7), lat=round(lat, 7), confidence=round(min(1.0, max(0.0, confidence)), 3),
                     kind=kind, label=label, matched={k: v for k, v in matched.items() if v not in ("", None)},
                     grid=hit.code if hit else "", community=hit.community_code if hit else "",
                     street=hit.street_code if hit else "")


# ------------------------------------------------------------------------------------ reverse

REVERSE_RADII_M = (60, 200, 600, 2000)  # the box grows until it holds something
CROSSING_RADIUS_M = 800  # the nearest crossing is looked for this far around
NEAR_ENOUGH_M = 5.0  # closer than this a door plate is the address itself, not "附近"
ADDRESS_REACH_M = 300  # farther than this a thing does not name the place


def reverse(lon: float, lat: float) -> Words:
    """The point in words. lon/lat are WGS-84 inside the jurisdiction (parse_point has checked)."""
    door, poi = _nearest_point("door", lon, lat), _nearest_point("poi", lon, lat)
    road, crossing = _nearest_road(lon, lat)
    segment = _nearest_segment(lon, lat)
    hit = locate(lon, lat)
    names = _division_cache.get()
    street_name = names.get(hit.street_code, "") if hit else ""
    words = Words(lon=lon, lat=lat, line="", door=door, poi=poi, road=road, intersection=crossing, segment=segment,
                  grid=hit.code if hit else "", community=hit.community_code if hit else "",
                  community_name=names.get(hit.community_code, "") if hit else "",
                  street=hit.street_code if hit else "", street_name=street_name)
    city = getattr(jurisdiction.root(), "name", "")
    return replace(words, line=address_line(city, street_name, door, poi, road, segment=segment))


def address_line(city: str, street: str, door: Nearby | None, poi: Nearby | None, road: Nearby | None, *,
                 segment: Nearby | None = None) -> str:
    """"晋江市青阳街道青华路12号附近（约15米）": the nearest named thing, with how far (Chinese data).
    Away from plates and POIs the road names the place — by its segment when it has one there."""
    prefix = f"{city}{street}"
    nearest = min((n for n in (door, poi) if n is not None), key=lambda n: n.distance_m, default=None)
    if nearest is None or nearest.distance_m > ADDRESS_REACH_M:
        nearest = _way(road, segment)
    if nearest is None:
        return prefix
    if nearest.distance_m < NEAR_ENOUGH_M:
        return f"{prefix}{nearest.name}"
    return f"{prefix}{nearest.name}附近（约{round(nearest.distance_m)}米）"


def _way(road: Nearby | None, segment: Nearby | None) -> Nearby | None:
    """The road within reach, or its segment when that is as near (a segment is the road, more exactly)."""
    ways = [(n.distance_m - (1 if n is segment else 0), n) for n in (road, segment)
            if n is not None and n.distance_m <= ADDRESS_REACH_M]
    return min(ways, key=lambda pair: pair[0])[1] if ways else None


def _box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / M_PER_DEG_LAT
    dlon = radius_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lon - dlon, lon + dlon, lat - dlat, lat + dlat


class PointIndex:
    """Door plates' or POIs' points in a k-d tree, per process: the nearest id in microseconds.

    Only ids and coordinates are held (~32 MB for a million plates, where an STRtree of a million shapely
    points took over 300 MB); what the nearest is called is read by its id."""

    def __init__(self, rows: np.ndarray):
        self.ids = rows[:, 0].astype(np.int64) if len(rows) else np.empty(0, np.int64)
        self.kx = math.cos(math.radians(float(np.mean(rows[:, 2])))) if len(rows) else 1.0
        self.tree = cKDTree(np.column_stack([rows[:, 1] * self.kx, rows[:, 2]])) if len(rows) else None

    def nearest(self, lon: float, lat: float, max_m: float) -> int | None:
        if self.tree is None:
            return None
        distance, i = self.tree.query(np.array([lon * self.kx, lat]), k=1,
                                      distance_upper_bound=max_m / M_PER_DEG_LAT)
        return int(self.ids[i]) if math.isfinite(distance) else None


POINT_CHUNK = 50_000


def _point_index(model) -> PointIndex:
    """Read into arrays a chunk at a time: no list of a million tuples on the way, no Python per row."""
    table = model._meta.db_table
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, lon, lat FROM "{table}"')
        while rows := cursor.fetchmany(POINT_CHUNK):
            chunks.append(np.array(rows, dtype=np.float64))
    return PointIndex(np.concatenate(chunks) if chunks else np.empty((0, 3)))


_point_caches = {"door": RevisionCache(REVISION, lambda: _point_index(DoorPlate)),
                 "poi": RevisionCache(REVISION, lambda: _point_index(Poi))}

# The nearest row's place and what it is called, by its id. Raw SQL: the models' default ordering (a join
# to the road) would cost more than the lookup.
_BY_ID_SQL = {
    "door": 'SELECT d.lon, d.lat, d.code, r.name, d.number FROM "{door}" d JOIN "{road}" r ON r.id = d.road_id '
            "WHERE d.id = %s",
    "poi": 'SELECT lon, lat, code, name, \'\' FROM "{poi}" WHERE id = %s',
}
# The same by a box, growing until it holds one: for an id the index gave that is gone since (another
# process deleted it, and this one has not yet seen the revision move).
_NEAREST_SQL = {
    "door": ('SELECT d.lon, d.lat, d.code, r.name, d.number FROM "{door}" d JOIN "{road}" r ON r.id = d.road_id '
             "WHERE d.lon >= %s AND d.lon <= %s AND d.lat >= %s AND d.lat <= %s "
             "ORDER BY (d.lon - %s) * (d.lon - %s) * %s + (d.lat - %s) * (d.lat - %s) LIMIT 1"),
    "poi": ('SELECT lon, lat, code, name, \'\' FROM "{poi}" WHERE lon >= %s AND lon <= %s AND lat >= %s AND lat <= %s '
            "ORDER BY (lon - %s) * (lon - %s) * %s + (lat - %s) * (lat - %s) LIMIT 1"),
}


def _sql(templates: dict, kind: str) -> str:
    return templates[kind].format(door=DoorPlate._meta.db_table, road=Road._meta.db_table, poi=Poi._meta.db_table)


def _nearest_point(kind: str, lon: float, lat: float) -> Nearby | None:
    """The nearest door plate or POI within the largest radius."""
    pk = _point_caches[kind].get().nearest(lon, lat, REVERSE_RADII_M[-1])
    if pk is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_sql(_BY_ID_SQL, kind), [pk])
        row = cursor.fetchone()
    if row is None:
        return _nearest_by_box(kind, lon, lat)
    return Nearby(f"{row[3]}{row[4]}", row[0], row[1], round(metres(lon, lat, row[0], row[1]), 1), row[2])


def _nearest_by_box(kind: str, lon: float, lat: float) -> Nearby | None:
    sql, k = _sql(_NEAREST_SQL, kind), math.cos(math.radians(lat)) ** 2
    with connection.cursor() as cursor:
        for radius in REVERSE_RADII_M:
            x0, x1, y0, y1 = _box(lon, lat, radius)
            cursor.execute(sql, [x0, x1, y0, y1, lon, lon, k, lat, lat])
            row = cursor.fetchone()
            if row is not None:
                distance = metres(lon, lat, row[0], row[1])
                if distance <= radius:  # a corner of the box is farther than the next ring's nearest
                    return Nearby(f"{row[3]}{row[4]}", row[0], row[1], round(distance, 1), row[2])
    return None


class RoadIndex:
    """Lines in an STRtree, per process — every road's, or every segment's: the nearest and its nearest
    crossing in tens of microseconds, without parsing GeoJSON per request (a city has thousands of
    roads and segments, not millions). `roads` is the road's name and code of each line."""

    def __init__(self, rows: list[tuple[str, str, str]], roads: list[tuple[str, str]] | None = None):
        self.names = [name for name, _code, _geometry in rows]
        self.codes = [code for _name, code, _geometry in rows]
        self.roads = roads if roads is not None else [(name, code) for name, code, _geometry in rows]
        self.lines = np.array(shapely.from_geojson([geometry for _n, _c, geometry in rows]) if rows else [],
                              dtype=object)
        self.tree = STRtree(self.lines) if rows else None
        self.bounds = shapely.bounds(self.lines) if rows else np.empty((0, 4))
        self._crossings: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    def crossings(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Where line i crosses lines of other names: (lon, lat, the other line), found for every line at
        once on first use — intersecting lines per request cost a millisecond a point."""
        if self._crossings is None:
            self._crossings = self._all_crossings()
        return self._crossings.get(i)

    def _all_crossings(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        if self.tree is None:
            return {}
        left, right = self.tree.query(self.lines, predicate="intersects")
        names = np.array(self.names, dtype=object)
        keep = (left < right) & (names[left] != names[right])
        left, right = left[keep], right[keep]
        parts, pair = shapely.get_parts(shapely.intersection(self.lines[left], self.lines[right]), return_index=True)
        points = shapely.get_type_id(parts) == 0
        parts, pair = parts[points], pair[points]
        xs, ys = shapely.get_x(parts), shapely.get_y(parts)
        found: dict[int, list] = {}
        for x, y, a, b in zip(xs, ys, left[pair], right[pair]):
            found.setdefault(int(a), []).append((x, y, int(b)))
            found.setdefault(int(b), []).append((x, y, int(a)))
        return {i: tuple(np.array(column) for column in zip(*rows)) for i, rows in found.items()}

    def nearest(self, lon: float, lat: float, max_m: float) -> int | None:
        if self.tree is None:
            return None
        reach = max_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))  # degrees: the longer way round
        found = self.tree.query_nearest(Point(lon, lat), max_distance=reach, all_matches=False)
        return int(found[0]) if len(found) else None

    def around(self, lon: float, lat: float, radius_m: float) -> list[int]:
        x0, x1, y0, y1 = _box(lon, lat, radius_m)
        return [int(i) for i in self.tree.query(shapely.box(x0, y0, x1, y1))] if self.tree is not None else []

    def nearby(self, i: int, lon: float, lat: float, max_m: float) -> Nearby | None:
        """Line i's nearest point to (lon, lat) and how far, if within max_m."""
        on_line = nearest_points(self.lines[i], Point(lon, lat))[0]
        distance = metres(lon, lat, on_line.x, on_line.y)
        if distance > max_m:
            return None
        return Nearby(self.names[i], round(on_line.x, 7), round(on_line.y, 7), round(distance, 1), self.codes[i])


def _road_index() -> RoadIndex:
    return RoadIndex(list(Road.objects.values_list("name", "code", "geometry").iterator(chunk_size=2000)))


def _segment_index() -> RoadIndex:
    rows = RoadSegment.objects.values_list("road__name", "from_name", "to_name", "code", "geometry", "road__code")
    rows = list(rows.order_by().iterator(chunk_size=2000))
    return RoadIndex([(segment_label(road, start, end), code, geometry) for road, start, end, code, geometry, _c in rows],
                     roads=[(road, road_code) for road, _s, _e, _code, _g, road_code in rows])


_road_cache = RevisionCache(REVISION, _road_index)
_segment_cache = RevisionCache(REVISION, _segment_index)


def _nearest_road(lon: float, lat: float) -> tuple[Nearby | None, Nearby | None]:
    """The nearest road within the largest radius (distance to its line) and the nearest crossing."""
    index = _road_cache.get()
    i = index.nearest(lon, lat, REVERSE_RADII_M[-1])
    near = index.nearby(i, lon, lat, REVERSE_RADII_M[-1]) if i is not None else None
    if near is None:
        return None, None
    return near, _nearest_crossing(index, i, lon, lat)


def _nearest_segment(lon: float, lat: float) -> Nearby | None:
    index = _segment_cache.get()
    i = index.nearest(lon, lat, REVERSE_RADII_M[-1])
    return index.nearby(i, lon, lat, REVERSE_RADII_M[-1]) if i is not None else None


def _nearest_crossing(index: RoadIndex, i: int, lon: float, lat: float) -> Nearby | None:
    """The nearest crossing of road i with a road that comes within CROSSING_RADIUS_M of the point."""
    found = index.crossings(i)
    if found is None:
        return None
    xs, ys, others = found
    x0, x1, y0, y1 = _box(lon, lat, CROSSING_RADIUS_M)
    bounds = index.bounds[others]
    near = (bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)
    if not near.any():
        return None
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
    squared = np.where(near, ((xs - lon) * kx) ** 2 + ((ys - lat) * M_PER_DEG_LAT) ** 2, np.inf)
    k = int(np.argmin(squared))
    x, y = float(xs[k]), float(ys[k])
    return Nearby(f"{index.names[i]}与{index.names[others[k]]}交叉口", round(x, 7), round(y, 7),
                  round(metres(lon, lat, x, y), 1))
