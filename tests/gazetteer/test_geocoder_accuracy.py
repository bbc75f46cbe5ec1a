"""The geocoder on the labelled demo addresses (tests/gazetteer/data/demo_addresses.csv): strings as people
type them — typos, dropped suffixes, old names, full-width and Chinese numerals, intersections, landmarks
with offsets, 附近 and 对面 — against the demo gazetteer (gazetteer/demo.py).

A string is a hit when a candidate lies within its tolerance of the expected place (for a road: of the
road's line). The floors are the first honest run's figures rounded down (docs/gazetteer.md), so a change
that makes the geocoder worse fails here; benchmarks/bench_geocoder.py prints the figures.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from shapely.geometry import Point

from civicloop.gazetteer import addresses, geocoding
from civicloop.gazetteer.models import Building, DoorPlate, Poi, Road

DATA = Path(__file__).parent / "data" / "demo_addresses.csv"
TOP1_FLOOR = 0.90  # first run: SQLite 95.8%, PostgreSQL 90.8% (2026-12-05)
TOP3_FLOOR = 0.91  # first run: SQLite 96.7%, PostgreSQL 91.4%


@dataclass(frozen=True)
class Labelled:
    text: str
    kind: str  # door, intersection, poi, poi_offset, building, compound, road
    target: str
    tolerance_m: float


def labelled() -> list[Labelled]:
    with DATA.open(encoding="utf-8") as f:
        return [Labelled(r["text"], r["kind"], r["target"], float(r["tolerance_m"])) for r in csv.DictReader(f)]


def expected_shape(item: Labelled):
    """The place the string means, as a shapely geometry (a point; a road's line)."""
    parts = item.target.split("|")
    if item.kind == "door":
        plate = DoorPlate.objects.get(road__name=parts[0], number_main=int(parts[1]), number_sub=0)
        return Point(plate.lon, plate.lat)
    if item.kind == "intersection":
        a, b = (Road.objects.get(name=name).shape() for name in parts)
        return a.intersection(b)
    if item.kind in ("poi", "poi_offset"):
        poi = Poi.objects.get(name=parts[0])
        if item.kind == "poi":
            return Point(poi.lon, poi.lat)
        east, north = addresses.DIRECTIONS[parts[1]]
        return Point(*geocoding.move(poi.lon, poi.lat, east * float(parts[2]), north * float(parts[2])))
    if item.kind == "building":
        building = Building.objects.get(compound__name=parts[0], number=parts[1])
        return Point(building.lon, building.lat)
    if item.kind == "compound":
        from civicloop.gazetteer.models import Compound

        compound = Compound.objects.get(name=parts[0])
        return Point(compound.lon, compound.lat)
    return Road.objects.get(name=parts[0]).shape()


def within(candidate, shape, tolerance_m: float) -> bool:
    near = shape.interpolate(shape.project(Point(candidate.lon, candidate.lat))) if shape.geom_type != "Point" else shape
    return geocoding.metres(candidate.lon, candidate.lat, near.x, near.y) <= tolerance_m


@dataclass
class Score:
    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list | None = None

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0


def evaluate(items: list[Labelled]) -> tuple[Score, dict[str, Score]]:
    """Top-1 and top-3 hits, overall and per expected kind."""
    overall, by_kind = Score(misses=[]), {}
    for item in items:
        shape = expected_shape(item)
        found = geocoding.geocode(item.text, limit=3)
        hits = [within(c, shape, item.tolerance_m) for c in found]
        for score in (overall, by_kind.setdefault(item.kind, Score())):
            score.total += 1
            score.top1 += bool(hits[:1] and hits[0])
            score.top3 += any(hits)
        if not any(hits):
            overall.misses.append((item.text, found[0].label if found else "—"))
    return overall, by_kind


def report(overall: Score, by_kind: dict[str, Score]) -> str:
    out = io.StringIO()
    out.write(f"all {overall.total}: top-1 {overall.top1_rate:.1%}, top-3 {overall.top3_rate:.1%}\n")
    for kind, score in sorted(by_kind.items()):
        out.write(f"  {kind:<13} {score.total:>4}: top-1 {score.top1_rate:.1%}, top-3 {score.top3_rate:.1%}\n")
    return out.getvalue()


@pytest.fixture
def demo_gazetteer(db):
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())


def test_the_labelled_set_is_large_and_varied():
    items = labelled()
    assert len(items) >= 300
    assert {i.kind for i in items} == {"door", "intersection", "poi", "poi_offset", "building", "compound", "road"}


def test_the_geocoder_finds_the_labelled_demo_addresses(demo_gazetteer):
    overall, by_kind = evaluate(labelled())
    print(report(overall, by_kind))
    assert overall.top1_rate >= TOP1_FLOOR, report(overall, by_kind)
    assert overall.top3_rate >= TOP3_FLOOR, report(overall, by_kind)
