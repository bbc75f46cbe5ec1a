"""The gazetteer from a city's files: roads, door plates (门牌), compounds (小区), buildings (楼栋), POIs.

One door: `import_entries(kind, path, options)`. Files and coordinates as reading.py reads them. Every
row is judged and every refused one named in the report with its number in the file. The file is the
unit, as with grids and set-up data: one refused row refuses the whole file, unless the caller asked
for the good rows (accept_good). What goes in goes in one transaction, inserted in bulk a chunk at a
time (rows that would be refused roll back with the rest). A re-run updates in place: an entry is the
one with the same code, or else the same natural key — a road's name, a door plate's road and
number, a compound's name, a building's compound and number, a POI's name.

Imports write no EntryChange rows (a million door plates); each entry's `source` names its file.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import shapely
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core import revisions
from civicloop.gazetteer import reading, rules, segments
from civicloop.gazetteer.models import REVISION, Building, Compound, DoorPlate, Entry, Poi, Road, RoadSegment
from civicloop.geo import jurisdiction
from civicloop.geo.importing import FileProblem
from civicloop.geo.index import grid_index

ROADS, DOORPLATES, COMPOUNDS, BUILDINGS, POIS = "roads", "doorplates", "compounds", "buildings", "pois"
SEGMENTS = "segments"

# Column names as cities write them (case-insensitive), first present wins.
CODE = ("编码", "代码", "地址编码", "门牌编码", "道路编码", "地理编码", "code", "bm")
NAME = ("名称", "道路名称", "路名", "小区名称", "楼栋名称", "兴趣点名称", "name", "mc")
ALIASES = ("别名", "俗称", "aliases", "alias")
FORMER = ("曾用名", "原名", "旧名", "former_names", "former")
KIND = ("类别", "类型", "分类", "kind", "type")
ROAD = ("道路", "所在道路", "街路巷", "路名", "道路名称", "road")
DOOR_NUMBER = ("门牌号", "门牌号码", "门牌", "号", "number")
COMPOUND = ("小区", "所属小区", "小区名称", "compound")
BUILDING_NUMBER = ("楼栋号", "栋号", "楼号", "楼栋", "number")
# A segment's own code first: a road file cut into segments carries the road's code beside it.
SEGMENT_CODE = ("路段编码", "路段代码", "路段编号", "segment_code", "segment", "ldbm", "编码", "代码", "地理编码",
                "code", "bm")
SEGMENT_ROAD = (*ROAD, "道路编码", "road_code", "名称", "name", "mc")
FROM = ("起点", "起点路口", "起始路口", "起点道路", "起", "from", "from_name")
TO = ("止点", "终点", "讫点", "止点路口", "终点路口", "终点道路", "止", "to", "to_name")


class RowProblem(Exception):
    """Why this row cannot go in, in the active language."""


class _Undo(Exception):
    """Roll the transaction back: a dry run, or a refused file."""


@dataclass
class Options:
    crs: str = ""  # "" = the file's own (geo files) or WGS-84 (tables); "EPSG:4543", "gcj02", "bd09" …
    layer: str = ""
    sheet: str = ""
    accept_good: bool = False
    dry_run: bool = False
    source_name: str = ""


@dataclass
class Finding:
    number: int | None  # None: about the file
    label: str
    problem: str


@dataclass
class Report:
    kind: str
    source: str
    crs: str = ""
    layer: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    refused_numbers: set[int] = field(default_factory=set)
    file_refused: bool = False
    applied: bool = False
    accept_good: bool = False
    dry_run: bool = False

    def refuse(self, number: int | None, label: str, problem: str) -> None:
        if number is None:
            self.file_refused = True
        else:
            self.refused_numbers.add(number)
        self.findings.append(Finding(number, label, problem))

    @property
    def refused(self) -> int:
        return len(self.refused_numbers)

    @property
    def blocked(self) -> bool:
        return self.file_refused or (self.refused > 0 and not self.accept_good)

    def as_dict(self) -> dict:
        """What the console keeps between its preview and the confirmation (JSON)."""
        values = asdict(self)
        values["refused_numbers"] = sorted(self.refused_numbers)
        return values

    @classmethod
    def from_dict(cls, values: dict) -> Report:
        findings = [Finding(**f) for f in values.get("findings", [])]
        return cls(**{**values, "findings": findings, "refused_numbers": set(values.get("refused_numbers", []))})

    def summary(self) -> str:
        counts = {"total": self.total, "created": self.created, "updated": self.updated,
                  "unchanged": self.unchanged, "refused": self.refused}
        text = _("%(total)s rows: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
                 "%(refused)s refused.") % counts
        if self.applied:
            return text + " " + _("Imported.")
        if self.file_refused:
            return text + " " + _("The file was refused: nothing was imported.")
        if self.blocked:
            return text + " " + _("Nothing was imported: fix the refused rows, or import the good rows only.")
        return text + " " + _("Checked only: nothing was imported.")


# ---------------------------------------------------------------------------- the door


def import_entries(kind: str, path: str | Path, options: Options, *,
                   progress: Callable[[int, int], None] | None = None) -> Report:
    spec = KINDS[kind]
    path = Path(path)
    report = Report(kind, options.source_name or path.name, accept_good=options.accept_good, dry_run=options.dry_run)
    info: dict = {}
    try:
        batches = reading.chunks(path, fields=spec.fields, crs=options.crs, layer=options.layer,
                                 sheet=options.sheet, info=info)
        report.crs, report.layer = info.get("crs", ""), info.get("layer", "")
        with transaction.atomic():
            kept = KEPT - info.get("columns", set())
            _run(spec, batches, report, options, progress, total=info.get("total", 0), kept=kept)
    except FileProblem as problem:
        report.refuse(None, "", str(problem))
    except _Undo:
        pass
    except (csv.Error, UnicodeDecodeError, OSError):
        report.applied = False
        report.refuse(None, "", _("The file cannot be read."))
    except IntegrityError:
        # Someone else wrote the same entries between our reading and our writing.
        report.applied = False
        report.refuse(None, "", _("The gazetteer was changed by someone else during the import: nothing was "
                                  "saved. Import the file again."))
    report.findings.sort(key=lambda f: (f.number is not None, f.number or 0))
    return report


def _run(spec: Spec, batches, report: Report, options: Options, progress, *, total: int, kept: set[str]) -> None:
    context = Context.load(spec, source=report.source)
    for rows in batches:
        report.total += len(rows)
        entries = _judge(spec, rows, context, report)
        creates, updates = _match(spec, entries, report, kept)
        if not (report.blocked or options.dry_run):
            _write(spec.model, creates, updates)
        if progress:
            progress(report.total, total)
    if report.blocked or options.dry_run:
        raise _Undo
    revisions.bump(REVISION)
    report.applied = True


# ---------------------------------------------------------------------------- judging rows


@dataclass
class Context:
    """What rows refer to, loaded once: roads and compounds by name and code; the grid index;
    the codes and keys seen so far in the file."""

    source: str
    locate: Callable
    roads: dict[str, Road] = field(default_factory=dict)
    compounds: dict[str, Compound] = field(default_factory=dict)
    seen_codes: dict[str, int] = field(default_factory=dict)
    seen_keys: dict[tuple, int] = field(default_factory=dict)
    _crossings: segments.Crossings | None = None

    @property
    def crossings(self) -> segments.Crossings:
        """The roads' lines, loaded on the first segment whose file leaves an end unnamed."""
        if self._crossings is None:
            self._crossings = segments.Crossings.load()
        return self._crossings

    @classmethod
    def load(cls, spec: Spec, *, source: str) -> Context:
        context = cls(source=source[:255], locate=grid_index().locate)
        if spec.model in (DoorPlate, RoadSegment):
            context.roads = _by_name_and_code(Road.objects.only("id", "name", "code", "aliases", "former_names"))
        if spec.model is Building:
            context.compounds = _by_name_and_code(Compound.objects.only("id", "name", "code", "aliases",
                                                                        "former_names"))
        return context


def _by_name_and_code(entries) -> dict[str, Entry | None]:
    """Codes and names first; an alias or former name only where no entry has it as its name.
    A name two entries share maps to None: a row must then give the code."""
    entries = list(entries)
    found: dict[str, Entry | None] = {}
    for entry in entries:
        name = rules.normalise(entry.name)
        found[name] = None if name in found else entry
    for entry in entries:
        for other in (*rules.split_names(entry.aliases), *rules.split_names(entry.former_names)):
            found.setdefault(rules.normalise(other), entry)
        if entry.code:
            found[entry.code] = entry
    return found


def _referred(found: dict[str, Entry | None], typed: str, unknown: str) -> Entry:
    key = typed if typed in found else rules.normalise(typed)
    if key not in found:
        raise RowProblem(unknown)
    if found[key] is None:
        raise RowProblem(_("Several entries are called %(name)s: give the code instead.") % {"name": typed})
    return found[key]


def _judge(spec: Spec, rows: list[reading.Row], context: Context, report: Report) -> list[tuple[int, Entry]]:
    entries = []
    for row in rows:
        try:
            entry = _entry(spec, row, context)
        except RowProblem as problem:
            report.refuse(row.number, spec.label(row.values), str(problem))
            continue
        entries.append((row.number, entry))
    return entries


def _entry(spec: Spec, row: reading.Row, context: Context) -> Entry:
    for name in spec.required:
        if not row.values.get(name):
            raise RowProblem(MISSING[name]())
    if row.problem:
        raise RowProblem(row.problem)
    geom = _shape(row.geometry, spec.shapes)
    entry = spec.build(row.values, context)
    entry.code = row.values.get("code", "")[:40]
    entry.aliases = "\n".join(rules.split_names(row.values.get("aliases", "")))
    entry.former_names = "\n".join(rules.split_names(row.values.get("former_names", "")))
    entry.geometry, entry.source = shapely.to_geojson(geom), context.source
    if spec.complete is not None:
        spec.complete(entry, geom, context)
    entry.fill_derived(geometry=geom, locate=context.locate)
    if not jurisdiction.contains(entry.lon, entry.lat):
        raise RowProblem(_("The place %(lon)s, %(lat)s is outside the jurisdiction.") % {"lon": entry.lon, "lat": entry.lat})
    _check_unique(spec, entry, row.number, context)
    return entry


def _shape(geom, shapes: tuple[str, ...]):
    if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type not in shapes:
        raise RowProblem(_("The geometry must be a %(shapes)s, not a %(type)s.") % {
            "shapes": " / ".join(shapes), "type": geom.geom_type})
    if "Line" in geom.geom_type and geom.length == 0:
        raise RowProblem(_("The line is malformed: it needs two different points at least."))
    if "Polygon" in geom.geom_type and not geom.is_valid:
        fixed = shapely.make_valid(geom)
        if fixed.geom_type not in shapes or abs(fixed.area - geom.area) > 0.01 * max(fixed.area, 1e-18):
            raise RowProblem(_("The polygon is malformed and cannot be repaired."))
        geom = fixed
    return geom


def _check_unique(spec: Spec, entry: Entry, number: int, context: Context) -> None:
    if entry.code:
        earlier = context.seen_codes.setdefault(entry.code, number)
        if earlier != number:
            raise RowProblem(_("The same code %(code)s as row %(number)s.") % {"code": entry.code, "number": earlier})
    if entry.code and not spec.key_unique:
        return  # two 建设路 in two towns: their codes tell them apart
    key = spec.key(entry)
    earlier = context.seen_keys.setdefault(key, number)
    if earlier != number:
        raise RowProblem(_("The same %(what)s as row %(number)s.") % {"what": spec.key_label(), "number": earlier})


# ---------------------------------------------------------------------------- matching stored entries


def _match(spec: Spec, entries: list[tuple[int, Entry]], report: Report,
           kept: set[str]) -> tuple[list[Entry], list[Entry]]:
    """New entries and changed ones (with the stored one's id); a code pointing at another entry than
    the natural key does is refused."""
    codes = [e.code for _n, e in entries if e.code]
    by_code = {e.code: e for e in spec.model.objects.filter(code__in=codes)} if codes else {}
    by_key = spec.stored(entries)
    creates, updates = [], []
    for number, entry in entries:
        coded = by_code.get(entry.code) if entry.code else None
        keyed = by_key.get(spec.key(entry)) if spec.key_unique or not entry.code else None
        if coded and keyed and coded.pk != keyed.pk:
            report.refuse(number, str(entry), _("The code %(code)s belongs to another entry (%(other)s).")
                          % {"code": entry.code, "other": str(coded)})
            continue
        stored = coded or keyed
        if stored is not None and kept:
            _keep(entry, stored, kept)
        if stored is None:
            creates.append(entry)
            report.created += 1
        elif _same(entry, stored):
            report.unchanged += 1
        else:
            entry.pk = stored.pk
            updates.append(entry)
            report.updated += 1
    return creates, updates


IGNORED = {"id", "updated_at", "source"}
# Optional columns a file may leave out: then the stored entry keeps its value (an alias typed in the
# console survives a re-run of a list that has no alias column).
KEPT = {"code", "aliases", "former_names", "kind"}


def _keep(entry: Entry, stored: Entry, kept: set[str]) -> None:
    fields = [f for f in kept if hasattr(entry, f)]
    for name in fields:
        setattr(entry, name, getattr(stored, name))
    if {"aliases", "former_names"} & set(fields):
        entry.search_text = rules.search_text(entry.names(), road_like=entry.ROAD_LIKE)


def _same(entry: Entry, stored: Entry) -> bool:
    return all(getattr(entry, f.attname) == getattr(stored, f.attname)
               for f in entry._meta.concrete_fields if f.attname not in IGNORED)


def _stored_by(model, key: Callable[[Entry], tuple], **lookup) -> dict[tuple, Entry]:
    return {key(e): e for e in model.objects.filter(**lookup)}


# ---------------------------------------------------------------------------- writing


BATCH = 2000


def _write(model, creates: list[Entry], updates: list[Entry]) -> None:
    _insert(model, creates)
    _update(model, updates)


def _columns(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _values(entry: Entry, fields, now) -> list:
    """Text, numbers and ids go to the driver as they are; only the timestamp needs the backend's form."""
    entry.updated_at = now
    return [getattr(entry, f.attname) if f.attname != "updated_at" else f.get_db_prep_save(now, connection)
            for f in fields]


def _insert(model, entries: list[Entry]) -> None:
    """One INSERT run for every row (executemany): bulk_create compiles its SQL row by row, which was
    half the import's time; the importer needs no ids back."""
    if not entries:
        return
    now, fields, qn = timezone.now(), _columns(model), connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(entries), BATCH):
            rows = [_values(e, fields, now) for e in entries[start:start + BATCH]]
            cursor.executemany(f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})", rows)


def _update(model, entries: list[Entry]) -> None:
    """One UPDATE run for every row (executemany): bulk_update's CASE WHEN grows with the batch."""
    if not entries:
        return
    now, fields, qn = timezone.now(), _columns(model), connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    rows = [_values(e, fields, now) + [e.pk] for e in entries]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s", rows)


# ---------------------------------------------------------------------------- the kinds


def _road(values: dict, context: Context) -> Road:
    return Road(name=values["name"][:120])


def _door_plate(values: dict, context: Context) -> DoorPlate:
    road = _referred(context.roads, values["road"],
                     _("Unknown road %(road)s: import the roads first.") % {"road": values["road"]})
    try:
        _main, _sub, key = rules.parse_door_number(values["number"])
    except rules.NumberProblem:
        raise RowProblem(_("%(number)s is not a door number such as 12号 or 12-3号.") % {"number": values["number"]}) from None
    plate = DoorPlate(number=rules.door_label(key))
    plate.road = road  # the instance, so its name is at hand for the search text without a query
    return plate


def _segment(values: dict, context: Context) -> RoadSegment:
    road = _referred(context.roads, values["road"],
                     _("Unknown road %(road)s: import the roads first.") % {"road": values["road"]})
    segment = RoadSegment(from_name=values.get("from_name", "")[:120], to_name=values.get("to_name", "")[:120])
    segment.road = road
    return segment


def _segment_ends(segment: RoadSegment, geom, context: Context) -> None:
    """An end the file leaves unnamed is named by the road that meets it there."""
    if segment.from_name and segment.to_name:
        return
    start, end = segments.end_names(geom, crossings=context.crossings, own_id=segment.road_id,
                                    own_name=segment.road.name)
    segment.from_name = segment.from_name or start[:120]
    segment.to_name = segment.to_name or end[:120]


def _compound(values: dict, context: Context) -> Compound:
    return Compound(name=values["name"][:120], kind=_choice(Compound.Kind, values.get("kind", ""), COMPOUND_WORDS))


def _building(values: dict, context: Context) -> Building:
    building = Building(number=values.get("number", "")[:20], name=values.get("name", "")[:120])
    typed = values.get("compound", "")
    if typed:
        building.compound = _referred(context.compounds, typed,
                                      _("Unknown compound %(name)s: import the compounds first.") % {"name": typed})
    if not building.name and not (building.compound_id and building.number):
        raise RowProblem(_("A building needs a name, or its compound and building number."))
    return building


def _poi(values: dict, context: Context) -> Poi:
    return Poi(name=values["name"][:120], kind=_choice(Poi.Kind, values.get("kind", ""), POI_WORDS))


# Words a city's files use for the kinds, beside the choices' own values and labels.
POI_WORDS = {"school": ("学校", "中学", "小学", "大学", "幼儿园", "学院"), "hospital": ("医院", "卫生院", "诊所"),
             "market": ("市场", "农贸市场"), "station": ("车站", "火车站", "汽车站", "客运站"),
             "government": ("政府", "机关", "派出所", "办事处"), "park": ("公园", "广场"),
             "shop": ("商场", "超市", "商店"), "hotel": ("酒店", "宾馆"), "bank": ("银行",), "other": ("其他",)}
COMPOUND_WORDS = {"residential": ("小区", "住宅小区", "居民区"), "unit": ("单位", "院落"), "village": ("村", "自然村"),
                  "other": ("其他",)}


def _choice(choices, typed: str, words: dict[str, tuple[str, ...]]) -> str:
    if not typed:
        return choices.OTHER if choices is Poi.Kind else choices.RESIDENTIAL
    wanted = rules.normalise(typed)
    for value, label in choices.choices:
        if wanted in (value, rules.normalise(str(label))) or typed in words.get(value, ()):
            return value
    raise RowProblem(_("Unknown kind %(kind)s; known: %(known)s.") % {
        "kind": typed, "known": ", ".join(value for value, _label in choices.choices)})


MISSING = {
    "name": lambda: _("The name is missing."),
    "road": lambda: _("The road is missing."),
    "number": lambda: _("The door number is missing."),
}


@dataclass(frozen=True)
class Spec:
    model: type
    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    shapes: tuple[str, ...]
    build: Callable[[dict, Context], Entry]
    key: Callable[[Entry], tuple]
    key_label: Callable[[], str]
    stored: Callable[[list[tuple[int, Entry]]], dict]
    key_unique: bool = False  # the natural key is unique even between coded entries (a road's door numbers)
    complete: Callable[[Entry, object, Context], None] | None = None  # what needs the row's shape

    def label(self, values: dict) -> str:
        return "".join(values.get(k, "") for k in ("road", "compound", "name", "number")) or values.get("code", "")


POINT = ("Point",)
LINES = ("LineString", "MultiLineString")
AREAS = ("Point", "Polygon", "MultiPolygon")
COMMON = {"code": CODE, "aliases": ALIASES, "former_names": FORMER}


def _name_key(entry: Entry) -> tuple:
    return (rules.normalise(entry.name),)


def _stored_by_name(model):
    def stored(entries):
        names = {e.name for _n, e in entries}
        return _stored_by(model, _name_key, name__in=names) if names else {}
    return stored


def _door_key(entry: DoorPlate) -> tuple:
    return entry.road_id, entry.number_key


def _stored_door_plates(entries) -> dict:
    if not entries:
        return {}
    roads = {e.road_id for _n, e in entries}
    keys = {e.number_key for _n, e in entries}
    return _stored_by(DoorPlate, _door_key, road_id__in=roads, number_key__in=keys)


def _segment_key(entry: RoadSegment) -> tuple:
    return entry.road_id, rules.normalise(entry.from_name), rules.normalise(entry.to_name)


def _stored_segments(entries) -> dict:
    roads = {e.road_id for _n, e in entries}
    return _stored_by(RoadSegment, _segment_key, road_id__in=roads) if roads else {}


def _building_key(entry: Building) -> tuple:
    if entry.compound_id and entry.number:
        return entry.compound_id, rules.normalise(entry.number)
    return None, rules.normalise(entry.name)


def _stored_buildings(entries) -> dict:
    compounds = {e.compound_id for _n, e in entries if e.compound_id}
    names = {e.name for _n, e in entries if e.name}
    found = _stored_by(Building, _building_key, compound_id__in=compounds) if compounds else {}
    if names:
        found.update(_stored_by(Building, _building_key, compound__isnull=True, name__in=names))
    return found


KINDS = {
    ROADS: Spec(Road, {**COMMON, "name": NAME}, ("name",), LINES, _road, _name_key,
                lambda: _("road name"), _stored_by_name(Road)),
    SEGMENTS: Spec(RoadSegment, {**COMMON, "code": SEGMENT_CODE, "road": SEGMENT_ROAD, "from_name": FROM,
                                 "to_name": TO}, ("road",), LINES, _segment, _segment_key,
                   lambda: _("road and cross streets"), _stored_segments, complete=_segment_ends),
    DOORPLATES: Spec(DoorPlate, {**COMMON, "road": ROAD, "number": DOOR_NUMBER}, ("road", "number"), POINT,
                     _door_plate, _door_key, lambda: _("road and door number"), _stored_door_plates, key_unique=True),
    COMPOUNDS: Spec(Compound, {**COMMON, "name": NAME, "kind": KIND}, ("name",), AREAS, _compound, _name_key,
                    lambda: _("compound name"), _stored_by_name(Compound)),
    BUILDINGS: Spec(Building, {**COMMON, "compound": COMPOUND, "number": BUILDING_NUMBER, "name": NAME}, (), AREAS,
                    _building, _building_key, lambda: _("compound and building number"), _stored_buildings),
    POIS: Spec(Poi, {**COMMON, "name": NAME, "kind": KIND}, ("name",), POINT, _poi, _name_key,
               lambda: _("name"), _stored_by_name(Poi)),
}
