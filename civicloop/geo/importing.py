"""Division boundaries and unit grids from the files surveyors deliver: parse → validate → report → apply.

Files: GeoJSON, a zipped Shapefile (.shp/.shx/.dbf/.prj, possibly in a subfolder; a .cpg is honoured,
without one UTF-8 then GBK is tried), GeoPackage, KML — all read by pyogrio (GDAL in its wheel).
Coordinates: the file's own CRS (.prj, GeoPackage, GeoJSON) or one the user chooses, converted to the
WGS-84 lon/lat we store by civicloop.geo.crs.

Every feature is judged and named in the report (its number in the file, code, name, problem, what
was done). Nothing is half-imported: one refused feature refuses the whole file, unless the caller
asked for the good rows only (accept_good); what goes in goes in one transaction.

One door per import kind: import_grids() and import_boundaries().
"""
from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely import STRtree
from shapely.validation import explain_validity

from civicloop.core import revisions
from civicloop.geo import crs as crs_module
from civicloop.geo.shapes import stored_area
from civicloop.geo.index import REVISION, as_geojson
from civicloop.geo.models import Division, Grid, GridShape
from civicloop.lib import codes

GRIDS, BOUNDARIES = "grids", "boundaries"
KINDS = (GRIDS, BOUNDARIES)
SUFFIXES = (".geojson", ".json", ".zip", ".shp", ".gpkg", ".kml")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # a surveyor's layer is megabytes; this stops a zip bomb

# Tolerances. A repair (make_valid) may change a polygon's area by this share at most; a feature may
# lie outside its parent by this share of its area (surveys of neighbouring levels are not drawn
# with the same vertices); overlaps and gaps below these areas are digitising noise.
FIX_AREA_TOLERANCE = 0.01
OUTSIDE_TOLERANCE = 0.01
OVERLAP_TOLERANCE_M2 = 1.0
GAP_TOLERANCE_M2 = 1.0
GAP_TOLERANCE_SHARE = 1e-4  # a boundary given by its corners is straight in lon/lat, the grids' edges are
                            # straight in Gauss–Krüger: ~45 m² apart along a 2 km × 1 km community
DECIMALS = 8  # ~1 mm: what a surveyor's coordinate means once in degrees
M_PER_DEG = 111_320.0
MAX_OVERLAP_NAMES = 3

# Column names as cities write them; the first present (case-insensitive) is used unless one is chosen.
FIELD_DEFAULTS = {
    "code": ("网格编码", "网格代码", "区划代码", "行政区划代码", "编码", "代码", "code", "wgbm", "qhdm", "bm", "dm"),
    "name": ("网格名称", "区划名称", "名称", "name", "wgmc", "qhmc", "mc"),
    "parent": ("所属社区", "社区代码", "社区编码", "上级代码", "上级区划代码", "parent", "community", "sqdm", "sjdm"),
}

REFUSED, FIXED, WARNING = "refused", "fixed", "warning"
ACTIONS = {
    REFUSED: gettext_lazy("refused"),
    FIXED: gettext_lazy("repaired with make_valid"),
    WARNING: gettext_lazy("reported, not refused"),
}


class FileProblem(Exception):
    """The file as a whole cannot be read: named in the report, nothing imported."""


@dataclass
class Options:
    crs: str = ""  # "" = the file's own; "EPSG:4545", "gcj02", "bd09" …
    code_field: str = ""
    name_field: str = ""
    parent_field: str = ""
    layer: str = ""
    accept_good: bool = False
    dry_run: bool = False
    source_name: str = ""  # the name the user gave the file (an upload is stored under another)


@dataclass
class Feature:
    number: int  # 1-based, in the file's order
    code: str
    name: str
    parent: str
    geometry: object  # shapely, WGS-84; None when the feature has none


@dataclass
class Finding:
    number: int | None  # None: about the file, or a community as a whole
    code: str
    name: str
    problem: str
    action: str

    @property
    def action_label(self) -> str:
        return str(ACTIONS[self.action])


@dataclass
class Change:
    code: str
    name: str
    geometry: str  # new GeoJSON
    before: str = ""  # the shape it replaces ("" for a new grid, or a division without a boundary)
    parent: str = ""


@dataclass
class Report:
    kind: str
    source: str
    crs: str = ""
    layer: str = ""
    total: int = 0
    findings: list[Finding] = field(default_factory=list)
    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused_numbers: set[int] = field(default_factory=set)
    refused_shapes: list[Change] = field(default_factory=list)  # for the preview map
    file_refused: bool = False
    applied: bool = False
    accept_good: bool = False
    dry_run: bool = False

    def refuse(self, feature: Feature | None, problem: str) -> None:
        if feature is None:
            self.file_refused = True
            self.findings.append(Finding(None, "", "", problem, REFUSED))
            return
        if feature.number not in self.refused_numbers and feature.geometry is not None:
            self.refused_shapes.append(Change(feature.code, feature.name, as_geojson(feature.geometry)))
        self.refused_numbers.add(feature.number)
        self.findings.append(Finding(feature.number, feature.code, feature.name, problem, REFUSED))

    def note(self, number: int | None, code: str, name: str, problem: str, action: str) -> None:
        self.findings.append(Finding(number, code, name, problem, action))

    @property
    def refused(self) -> int:
        return len(self.refused_numbers)

    @property
    def blocked(self) -> bool:
        """Nothing may go in: the file is unreadable, or a feature is refused and the good rows were not asked for."""
        return self.file_refused or (self.refused > 0 and not self.accept_good)

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated)

    def summary(self) -> str:
        counts = {"total": self.total, "created": len(self.created), "updated": len(self.updated),
                  "unchanged": len(self.unchanged), "refused": self.refused}
        text = _("%(total)s features: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
                 "%(refused)s refused.") % counts
        if self.applied:
            return text + " " + _("Imported.")
        if self.file_refused:
            return text + " " + _("The file was refused: nothing was imported.")
        if self.blocked:
            return text + " " + _("Nothing was imported: fix the refused features, or import the good rows only.")
        if self.dry_run:
            return text + " " + _("Checked only: nothing was imported.")
        return text

    def as_dict(self) -> dict:
        body = asdict(self)
        body["refused_numbers"] = sorted(self.refused_numbers)
        return body

    @classmethod
    def from_dict(cls, body: dict) -> "Report":
        body = dict(body)
        body["findings"] = [Finding(**f) for f in body["findings"]]
        body["created"] = [Change(**c) for c in body["created"]]
        body["updated"] = [Change(**c) for c in body["updated"]]
        body["refused_shapes"] = [Change(**c) for c in body["refused_shapes"]]
        body["refused_numbers"] = set(body["refused_numbers"])
        return cls(**body)


# ---------------------------------------------------------------------------- the two doors


def import_grids(path: Path, options: Options, *, user=None) -> Report:
    """Unit grids: created or updated by code; a replaced shape is kept as a GridShape."""
    return _run(GRIDS, Path(path), options, user)


def import_boundaries(path: Path, options: Options, *, user=None) -> Report:
    """Division boundaries: matched by code, their geometry set."""
    return _run(BOUNDARIES, Path(path), options, user)


def _run(kind: str, path: Path, options: Options, user) -> Report:
    report = Report(kind=kind, source=options.source_name or path.name, accept_good=options.accept_good,
                    dry_run=options.dry_run)
    try:
        features = read_features(path, options, report)
    except FileProblem as problem:
        report.refuse(None, str(problem))
        return report
    report.total = len(features)
    try:
        with transaction.atomic():
            planned = (_plan_grids if kind == GRIDS else _plan_boundaries)(features, report)
            report.findings.sort(key=lambda f: (f.number is None, f.number or 0))
            if report.blocked or options.dry_run or not report.changes:
                return report
            (_apply_grids if kind == GRIDS else _apply_boundaries)(planned, report, user)
            report.applied = True
    except IntegrityError:
        # Another import created one of these grids between our reading and our writing.
        report.applied = False
        report.refuse(None, _("The grids were changed by someone else during the import: nothing was saved. "
                              "Check the file again."))
    return report


# ---------------------------------------------------------------------------- reading


def read_features(path: Path, options: Options, report: Report) -> list[Feature]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(_("Unsupported file type %(suffix)s: use GeoJSON, a zipped Shapefile, GeoPackage or KML.")
                          % {"suffix": suffix or "—"})
    if not path.exists():
        raise FileProblem(_("The file cannot be read."))
    with tempfile.TemporaryDirectory(prefix="civicloop-geo-") as tmp:
        if suffix in (".zip", ".shp"):
            source = _shapefile_copy(path, Path(tmp), chosen_crs=bool(options.crs))
        else:
            source = path
        return _read(source, options, report)


def _shapefile_copy(path: Path, folder: Path, *, chosen_crs: bool) -> Path:
    """The Shapefile's parts in a folder of our own: from the ZIP (any subfolder) or beside the .shp.
    A chosen CRS wins over the .prj, which is then left out (GDAL would refuse one it cannot parse)."""
    parts = _zip_parts(path, folder) if path.suffix.lower() == ".zip" else _sidecar_parts(path, folder)
    if ".shp" not in parts or ".dbf" not in parts:
        raise FileProblem(_("The ZIP must hold a Shapefile: a .shp with its .shx and .dbf."))
    if ".prj" not in parts and not chosen_crs:
        raise FileProblem(_("The Shapefile has no .prj: choose its coordinate system (for example EPSG:4545)."))
    if ".prj" in parts and chosen_crs:
        parts.pop(".prj").unlink()
    return parts[".shp"]


def _zip_parts(path: Path, folder: Path) -> dict[str, Path]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(_("The file is not a readable ZIP.")) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")
                   and "__MACOSX" not in m.filename]
        shps = [m for m in members if m.filename.lower().endswith(".shp")]
        if len(shps) > 1:
            raise FileProblem(_("The ZIP holds several Shapefiles (%(names)s): put one layer in a file.")
                              % {"names": ", ".join(m.filename for m in shps[:5])})
        if not shps:
            return {}
        stem = shps[0].filename[:-4]
        wanted = [m for m in members if m.filename[:-4] == stem and Path(m.filename).suffix.lower() in SHAPEFILE_PARTS]
        if sum(m.file_size for m in wanted) > MAX_UNZIPPED_BYTES:
            raise FileProblem(_("The Shapefile in the ZIP is too large."))
        parts = {}
        for member in wanted:
            suffix = Path(member.filename).suffix.lower()
            target = folder / f"layer{suffix}"
            with archive.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            parts[suffix] = target
        return parts


def _sidecar_parts(path: Path, folder: Path) -> dict[str, Path]:
    parts = {}
    for sibling in path.parent.glob(f"{path.stem}.*"):
        suffix = sibling.suffix.lower()
        if suffix in SHAPEFILE_PARTS:
            parts[suffix] = folder / f"layer{suffix}"
            shutil.copyfile(sibling, parts[suffix])
    return parts


def _read(source: Path, options: Options, report: Report) -> list[Feature]:
    import pyogrio
    from pyogrio import errors

    try:
        layer = _layer(pyogrio.list_layers(source), options, report)
        meta, _fids, wkb, values = _read_layer(source, layer)
    except errors.CRSError:
        raise FileProblem(_("Unknown coordinate system in the file: choose one (for example EPSG:4545).")) from None
    except (RuntimeError, UnicodeDecodeError, OSError):  # pyogrio's errors are RuntimeErrors
        raise FileProblem(_("The file cannot be read.")) from None
    if len(wkb) == 0:
        raise FileProblem(_("The file has no features."))
    report.layer = "" if source.suffix == ".shp" else str(layer)
    source_crs = _source_crs(options, meta)
    report.crs = source_crs.label
    columns = _columns([str(name) for name in meta["fields"]], options)
    geometries = _geometries(wkb, source_crs)
    rows = {key: values[list(meta["fields"]).index(name)] if name else None for key, name in columns.items()}
    return [Feature(number=i + 1, code=_text(rows["code"], i), name=_text(rows["name"], i),
                    parent=_text(rows["parent"], i), geometry=geometries[i]) for i in range(len(wkb))]


def _layer(layers, options: Options, report: Report) -> str:
    names = [str(name) for name, _type in layers]
    if not names:
        raise FileProblem(_("The file has no features."))
    if options.layer:
        if options.layer not in names:
            raise FileProblem(_("No layer %(layer)s in the file; its layers: %(names)s.")
                              % {"layer": options.layer, "names": ", ".join(names)})
        return options.layer
    polygonal = [str(name) for name, kind in layers if "polygon" in str(kind).lower()]
    chosen = (polygonal or names)[0]
    if len(names) > 1:
        report.note(None, "", chosen, _("The file has %(count)s layers; only %(layer)s was read (choose another "
                                        "with the layer option).") % {"count": len(names), "layer": chosen}, WARNING)
    return chosen


def _read_layer(source: Path, layer: str):
    """A Shapefile without a .cpg says nothing of its encoding: GDAL would guess Latin-1 and garble
    Chinese. UTF-8 is tried first, then GBK (GB18030), which Chinese GIS desktops write."""
    from pyogrio.raw import read

    if source.suffix != ".shp" or source.with_suffix(".cpg").exists():
        return read(source, layer=layer, force_2d=True)
    try:
        return read(source, layer=layer, force_2d=True, encoding="utf-8")
    except UnicodeDecodeError:
        return read(source, layer=layer, force_2d=True, encoding="gb18030")


def _source_crs(options: Options, meta: dict) -> crs_module.SourceCRS:
    declared = options.crs or meta.get("crs") or ""
    if not declared:
        raise FileProblem(_("The file does not say its coordinate system: choose one (for example EPSG:4545)."))
    try:
        return crs_module.parse(declared)
    except crs_module.UnknownCRS as problem:
        raise FileProblem(str(problem)) from None


def _columns(names: list[str], options: Options) -> dict[str, str | None]:
    """code / name / parent → the file's column; a chosen column must exist, the code column must be found."""
    lowered = {name.strip().lower(): name for name in names}
    chosen = {"code": options.code_field, "name": options.name_field, "parent": options.parent_field}
    columns = {}
    for key, wanted in chosen.items():
        if wanted:
            if wanted.strip().lower() not in lowered:
                raise FileProblem(_("No column %(column)s in the file; its columns: %(names)s.")
                                  % {"column": wanted, "names": ", ".join(names) or "—"})
            columns[key] = lowered[wanted.strip().lower()]
            continue
        columns[key] = next((lowered[alias.lower()] for alias in FIELD_DEFAULTS[key] if alias.lower() in lowered), None)
    if columns["code"] is None:
        raise FileProblem(_("No code column (such as 网格编码, CODE or code) in the file; its columns: %(names)s. "
                            "Choose the code column.") % {"names": ", ".join(names) or "—"})
    return columns


def _text(column, i: int) -> str:
    if column is None:
        return ""
    value = column[i]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # a code in a numeric DBF column comes back as 5.32503001001001e+14
    return str(value).strip()


def _geometries(wkb, source_crs: crs_module.SourceCRS) -> list:
    """All shapes converted at once, rounded to DECIMALS; a missing one stays None."""
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    present = ~shapely.is_missing(geoms)
    converted = source_crs.to_wgs84(geoms[present]) if present.any() else geoms[present]
    problem = crs_module.lonlat_problem(converted)
    if problem:
        raise FileProblem(problem)
    geoms[present] = shapely.transform(converted, lambda xy: np.round(xy, DECIMALS))
    return list(geoms)


# ---------------------------------------------------------------------------- judging shapes


def polygon_problem(feature: Feature, report: Report):
    """(polygon, None) when the shape is usable (repaired if a small repair suffices), else (None, problem)."""
    geom = feature.geometry
    if geom is None or geom.is_empty:
        return None, _("The feature has no geometry.")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, _("The geometry must be a polygon, not %(type)s.") % {"type": geom.geom_type}
    if geom.is_valid:
        return geom, None
    reason = explain_validity(geom)
    fixed = shapely.make_valid(geom)
    if fixed.geom_type not in ("Polygon", "MultiPolygon") or fixed.is_empty:
        return None, _("Invalid polygon (%(reason)s); repairing it gives a %(type)s, not a polygon.") % {
            "reason": reason, "type": fixed.geom_type}
    change = abs(fixed.area - geom.area) / max(fixed.area, abs(geom.area), 1e-18)
    if change > FIX_AREA_TOLERANCE:
        return None, _("Invalid polygon (%(reason)s); repairing it would change its area by %(change)s%%.") % {
            "reason": reason, "change": f"{100 * change:.1f}"}
    report.note(feature.number, feature.code, feature.name,
                _("Invalid polygon (%(reason)s), repaired; the area changed by %(change)s%%.") % {
                    "reason": reason, "change": f"{100 * change:.2f}"}, FIXED)
    return fixed, None


def area_m2(geoms) -> np.ndarray:
    """Areas of small lon/lat shapes in square metres (the local scale at each centroid; plenty for tolerances)."""
    geoms = np.asarray(geoms, dtype=object)
    lat = shapely.get_y(shapely.centroid(geoms))
    return shapely.area(geoms) * M_PER_DEG * M_PER_DEG * np.cos(np.radians(np.nan_to_num(lat)))


def outside_share(geom, parent) -> float:
    """The share of geom's area that lies outside parent (0 when parent covers it)."""
    if parent.covers(geom):
        return 0.0
    area = geom.area
    return shapely.difference(geom, parent).area / area if area else 1.0


# ---------------------------------------------------------------------------- grids


@dataclass
class GridPlan:
    creates: list[Grid] = field(default_factory=list)
    updates: list[Grid] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)  # (grid code, the shape it had)


def _plan_grids(features: list[Feature], report: Report) -> GridPlan:
    communities = dict(Division.objects.filter(level=Division.Level.COMMUNITY).values_list("code", "geometry"))
    existing = {g.code: g for g in Grid.objects.filter(code__in=[f.code for f in features if f.code])}
    good = _grid_features(features, communities, report)
    _grids_outside(good, communities, report)
    good = [(f, g, c) for f, g, c in good if f.number not in report.refused_numbers]
    _grid_overlaps(good, report)
    good = [(f, g, c) for f, g, c in good if f.number not in report.refused_numbers]
    _grid_gaps(good, communities, report)
    return _grid_changes(good, existing, report)


def _grid_features(features, communities: dict[str, str], report: Report) -> list[tuple]:
    """Per feature: the code, its community, the shape. (feature, polygon, community code) for the good."""
    first: dict[str, int] = {}
    good = []
    for f in features:
        community = f.parent or f.code[:12]
        problem = codes.grid_code_problem(f.code, community_code=f.parent)
        if problem is None and f.code in first:
            problem = _("The same code as feature %(number)s.") % {"number": first[f.code]}
        if problem is None and community not in communities:
            problem = _("Unknown community %(code)s: import the divisions first.") % {"code": community}
        polygon = None
        if problem is None:
            polygon, problem = polygon_problem(f, report)
        if f.code and f.code not in first:
            first[f.code] = f.number
        if problem:
            report.refuse(f, problem)
        else:
            good.append((f, polygon, community))
    return good


def _grids_outside(good: list[tuple], communities: dict[str, str], report: Report) -> None:
    shapes = {}
    for f, polygon, community in good:
        if community not in shapes:
            shapes[community] = stored_area(communities[community])
            if shapes[community] is not None:
                shapely.prepare(shapes[community])
        boundary = shapes[community]
        if boundary is None:
            continue  # a community without a boundary cannot be checked
        share = outside_share(polygon, boundary)
        if share > OUTSIDE_TOLERANCE:
            report.refuse(f, _("The grid lies %(share)s%% outside its community %(code)s.") % {
                "share": f"{100 * share:.1f}", "code": community})


def _grid_overlaps(good: list[tuple], report: Report) -> None:
    """Every overlap among the file's grids, and with stored grids the file does not replace:
    an STRtree gives the candidate pairs; their intersections are measured all at once."""
    if not good:
        return
    polygons = np.array([g for _f, g, _c in good], dtype=object)
    in_file = {f.code for f, _g, _c in good}
    others = _stored_grids_near(shapely.total_bounds(polygons), exclude=in_file)
    every = np.concatenate([polygons, np.array([g for _code, g in others], dtype=object)]) if others else polygons
    labels = [f.code for f, _g, _c in good] + [code for code, _g in others]
    left, right = STRtree(every).query(polygons, predicate="intersects")
    keep = (left != right) & ((right >= len(polygons)) | (right > left))  # file pairs once, stored pairs always
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    areas = area_m2(shapely.intersection(polygons[left], every[right]))
    overlapping: dict[int, list[str]] = defaultdict(list)
    for i, j, area in zip(left.tolist(), right.tolist(), areas.tolist()):
        if area > OVERLAP_TOLERANCE_M2:
            overlapping[i].append(f"{labels[j]} ({area:.0f} m²)")
            if j < len(polygons):
                overlapping[j].append(f"{labels[i]} ({area:.0f} m²)")
    for i, names in sorted(overlapping.items()):
        more = f" …(+{len(names) - MAX_OVERLAP_NAMES})" if len(names) > MAX_OVERLAP_NAMES else ""
        report.refuse(good[i][0], _("Overlaps grid %(grids)s.") % {"grids": ", ".join(names[:MAX_OVERLAP_NAMES]) + more})


def _stored_grids_near(bounds, *, exclude: set[str]) -> list[tuple[str, object]]:
    west, south, east, north = bounds
    # Retired grids (active=False) are out of the index and may lie under their successors.
    rows = (Grid.objects.filter(active=True, min_lon__lte=east, max_lon__gte=west, min_lat__lte=north,
                                max_lat__gte=south).values_list("code", "geometry"))
    return [(code, geom) for code, text in rows.iterator(chunk_size=5000)
            if code not in exclude and (geom := stored_area(text)) is not None]


def _grid_gaps(good: list[tuple], communities: dict[str, str], report: Report) -> None:
    """A community whose grids (stored and new) leave part of its boundary uncovered: reported, not refused
    (a file may bring a community's grids in several parts)."""
    by_community: dict[str, list] = defaultdict(list)
    for f, polygon, community in good:
        by_community[community].append(polygon)
    in_file = {f.code for f, _g, _c in good}
    for community, polygons in sorted(by_community.items()):
        boundary = stored_area(communities[community])
        if boundary is None:
            continue
        stored = [g for code, text in Grid.objects.filter(community_id=community, active=True).values_list("code", "geometry")
                  if code not in in_file and (g := stored_area(text)) is not None]
        gap = shapely.difference(boundary, shapely.union_all(polygons + stored))
        area = float(area_m2([gap])[0]) if not gap.is_empty else 0.0
        if area > max(GAP_TOLERANCE_M2, GAP_TOLERANCE_SHARE * float(area_m2([boundary])[0])):
            report.note(None, community, "", _("The grids leave %(area)s m² of community %(code)s uncovered.") % {
                "area": f"{area:,.0f}", "code": community}, WARNING)


def _grid_changes(good: list[tuple], existing: dict[str, Grid], report: Report) -> GridPlan:
    plan = GridPlan()
    now = timezone.now()
    for f, polygon, community in good:
        text = as_geojson(polygon)
        name = f.name or (existing[f.code].name if f.code in existing else f.code)
        grid = existing.get(f.code)
        if grid is None:
            plan.creates.append(_grid_row(Grid(code=f.code, active=True), name, community, polygon, text, now))
            report.created.append(Change(f.code, name, text, parent=community))
            continue
        old = stored_area(grid.geometry)
        same_shape = old is not None and shapely.equals_exact(old, polygon, tolerance=10 ** -DECIMALS)
        if same_shape and (grid.name, grid.community_id) == (name, community):
            report.unchanged.append(f.code)
            continue
        if not same_shape:
            plan.history.append((f.code, grid.geometry))
        report.updated.append(Change(f.code, name, text, before=grid.geometry, parent=community))
        plan.updates.append(_grid_row(grid, name, community, polygon, text if not same_shape else grid.geometry, now))
    return plan


def _grid_row(grid: Grid, name: str, community: str, polygon, text: str, now) -> Grid:
    grid.name, grid.community_id, grid.geometry, grid.updated_at = name, community, text, now
    grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat = polygon.bounds
    return grid


def _apply_grids(plan: GridPlan, report: Report, user) -> None:
    """bulk writes (a survey is thousands of grids): no post_save per row, so the index revision is bumped here."""
    now = timezone.now()
    Grid.objects.bulk_create(plan.creates, batch_size=1000)
    _update_grids(plan.updates)
    GridShape.objects.bulk_create([
        GridShape(grid_id=code, geometry=before, replaced_at=now, replaced_by=user, source_file=report.source[:255])
        for code, before in plan.history], batch_size=1000)
    revisions.bump(REVISION)


# ---------------------------------------------------------------------------- boundaries


def _plan_boundaries(features: list[Feature], report: Report) -> list[Division]:
    divisions = {d.code: d for d in Division.objects.all()}
    accepted: dict[str, object] = {}  # code → new polygon, parents first so children are judged against them
    by_code: dict[str, Feature] = {}
    for f in sorted(features, key=lambda f: (len(f.code), f.number)):
        polygon, problem = _boundary_problem(f, divisions, by_code, report)
        if problem is None:
            problem = _outside_parent(f, polygon, divisions, accepted)
        by_code.setdefault(f.code, f)
        if problem:
            report.refuse(f, problem)
        else:
            accepted[f.code] = polygon
    return _boundary_changes(features, accepted, divisions, report)


def _boundary_problem(f: Feature, divisions: dict[str, Division], seen: dict[str, Feature], report: Report):
    level = codes.division_level(f.code)
    if level is None:
        return None, _("A division code is 2, 4, 6, 9 or 12 digits, not %(code)s.") % {"code": f.code or "—"}
    if f.code in seen:
        return None, _("The same code as feature %(number)s.") % {"number": seen[f.code].number}
    division = divisions.get(f.code)
    if division is None:
        return None, _("Unknown division %(code)s: add it before its boundary.") % {"code": f.code}
    if f.parent and (f.parent != division.parent_id or not f.code.startswith(f.parent)):
        return None, _("The parent %(parent)s does not match the division's parent %(expected)s.") % {
            "parent": f.parent, "expected": division.parent_id or "—"}
    return polygon_problem(f, report)


def _outside_parent(f: Feature, polygon, divisions: dict[str, Division], accepted: dict) -> str | None:
    """A street must lie in its county, a community in its street — the parent's new boundary if the
    file brings one, else the stored one; a parent without a boundary cannot be checked."""
    parent_code = divisions[f.code].parent_id
    if not parent_code:
        return None
    parent = accepted.get(parent_code) or stored_area(divisions[parent_code].geometry)
    if parent is None:
        return None
    share = outside_share(polygon, parent)
    if share > OUTSIDE_TOLERANCE:
        return _("The boundary lies %(share)s%% outside its parent %(parent)s.") % {
            "share": f"{100 * share:.1f}", "parent": f"{divisions[parent_code].name} {parent_code}"}
    return None


def _boundary_changes(features, accepted: dict, divisions: dict[str, Division], report: Report) -> list[Division]:
    changed = []
    for f in features:
        if f.code not in accepted or f.number in report.refused_numbers:
            continue
        division, polygon = divisions[f.code], accepted[f.code]
        old = stored_area(division.geometry)
        if old is not None and shapely.equals_exact(old, polygon, tolerance=10 ** -DECIMALS):
            report.unchanged.append(f.code)
            continue
        report.updated.append(Change(f.code, division.name, as_geojson(polygon), before=division.geometry,
                                     parent=division.parent_id or ""))
        division.geometry = as_geojson(polygon)
        changed.append(division)
    return changed


def _update_grids(grids: list[Grid]) -> None:
    """One UPDATE statement run for every row (executemany): bulk_update's CASE WHEN per column
    grows with the batch on SQLite (20,000 grids took minutes)."""
    if not grids:
        return
    table = connection.ops.quote_name(Grid._meta.db_table)
    columns = ["name", "community_id", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"]
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    updated_at = Grid._meta.get_field("updated_at")
    rows = [(g.name, g.community_id, g.geometry, g.min_lon, g.min_lat, g.max_lon, g.max_lat,
             updated_at.get_db_prep_value(g.updated_at, connection), g.code) for g in grids]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('code')} = %s", rows)


def _apply_boundaries(changed: list[Division], report: Report, user) -> None:
    # A county has a few hundred divisions: saved one by one, so whatever follows a division's
    # post_save (caches keyed to divisions) hears of it.
    for division in changed:
        division.save(update_fields=["geometry"])
