"""Rows of a gazetteer file, in chunks, with their shapes already in WGS-84 lon/lat.

Tables (CSV, Excel, ODS) through the shared row reader (lib/tabular.read): points from two columns
(经度/纬度, lon/lat, x/y — easting first), lines and polygons from a WKT or GeoJSON column; the
coordinate system is the one the caller names (wgs84 by default; EPSG:4543 for Gauss–Krüger metres,
gcj02, bd09 …). Geo files (GeoJSON, zipped Shapefile, GeoPackage, KML) through the boundary
importer's readers (geo/importing.py), in the file's own CRS unless one is chosen.

A table is read a chunk at a time, so a million door plates never sit in memory at once.
"""
from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.utils.translation import gettext as _

from civicloop.geo import crs as crs_module
from civicloop.geo import importing as geo_files
from civicloop.geo.importing import FileProblem
from civicloop.lib import tabular

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".ods")
GEO_SUFFIXES = geo_files.SUFFIXES
CHUNK = 5000
DECIMALS = 7  # ~1 cm
X_COLUMNS = ("经度", "lon", "lng", "longitude", "x", "easting", "东坐标")
Y_COLUMNS = ("纬度", "lat", "latitude", "y", "northing", "北坐标")
SHAPE_COLUMNS = ("wkt", "geometry", "geom", "shape", "几何", "坐标串")


@dataclass
class Row:
    number: int  # the line (CSV), spreadsheet row, or feature number (1-based) in the file
    values: dict[str, str]  # our field name → text
    geometry: object = None  # shapely, WGS-84
    problem: str = ""  # what was wrong with its shape or coordinates


@dataclass
class Columns:
    fields: dict[str, str]  # our field → the file's column
    x: str | None = None
    y: str | None = None
    shape: str | None = None


def chunks(path: Path, *, fields: dict[str, tuple[str, ...]], crs: str, layer: str, sheet: str,
           info: dict) -> Iterator[list[Row]]:
    """The file's rows in chunks; FileProblem when the file as a whole cannot be read.
    `info` receives the CRS label, the layer read, the row count (for progress) and which of our
    fields the file has columns for."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileProblem(_("The file cannot be read."))
    if suffix in TABLE_SUFFIXES:
        return _table_chunks(path, fields, crs, sheet, info)
    if suffix in GEO_SUFFIXES:
        return _geo_chunks(path, fields, crs, layer, info)
    raise FileProblem(_("Unsupported file type %(suffix)s: use CSV, Excel, GeoJSON, a zipped Shapefile, "
                        "GeoPackage or KML.") % {"suffix": suffix or "—"})


def resolve_columns(header: list[str], fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return tabular.Aliases(fields).columns(header)


# ---------------------------------------------------------------------------- tables


def _table_chunks(path: Path, fields, crs: str, sheet: str, info: dict) -> Iterator[list[Row]]:
    try:
        source = tabular.read(path, sheet=sheet or None)
    except tabular.TableError as problem:
        raise FileProblem(problem.text(_)) from None
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileProblem(_("The file cannot be read: it is empty, damaged or not a workbook.")) from None
    columns = _table_columns(source.header, fields)
    source_crs = _parse_crs(crs or "wgs84")
    info.update(crs=source_crs.label, total=source.total, columns=set(columns.fields))
    return _table_batches(source.rows, columns, source_crs)


def _table_batches(rows, columns: Columns, source_crs) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, CHUNK)):
        yield _table_rows(batch, columns, source_crs)


def _table_columns(header: list[str], fields) -> Columns:
    found = resolve_columns(header, fields)
    place = resolve_columns(header, {"x": X_COLUMNS, "y": Y_COLUMNS, "shape": SHAPE_COLUMNS})
    if "shape" not in place and not ("x" in place and "y" in place):
        raise FileProblem(_("The table needs longitude and latitude columns (经度, 纬度 or lon, lat; x, y) or a "
                            "geometry column (WKT); its columns: %(names)s.") % {"names": ", ".join(header) or "—"})
    return Columns(found, place.get("x"), place.get("y"), place.get("shape"))


def _parse_crs(text: str):
    try:
        return crs_module.parse(text)
    except crs_module.UnknownCRS as problem:
        raise FileProblem(str(problem)) from None


def _table_rows(batch: list[tuple[int, dict]], columns: Columns, source_crs) -> list[Row]:
    rows = [Row(number, {key: tabular.cell_text(raw.get(col)) for key, col in columns.fields.items()})
            for number, raw in batch]
    shapes = [_cell_shape(raw, columns) for _number, raw in batch]
    present = [i for i, (geom, problem) in enumerate(shapes) if geom is not None]
    for row, (_geom, problem) in zip(rows, shapes):
        row.problem = problem
    if present:
        converted = _convert(np.array([shapes[i][0] for i in present], dtype=object), source_crs)
        for i, geom in zip(present, converted):
            rows[i].geometry, rows[i].problem = _lonlat_checked(geom)
    return rows


def _cell_shape(raw: dict, columns: Columns):
    """(shapely geometry in the source CRS, "") or (None, problem)."""
    text = tabular.cell_text(raw.get(columns.shape)) if columns.shape else ""
    if text:
        return _parse_shape(text)
    if not (columns.x and columns.y):
        return None, _("The geometry is missing.")
    x, y = tabular.cell_text(raw.get(columns.x)), tabular.cell_text(raw.get(columns.y))
    if not x or not y:
        return None, _("The coordinates are missing.")
    try:
        point = float(x), float(y)
    except ValueError:
        return None, _("The coordinates %(x)s, %(y)s are not numbers.") % {"x": x[:30], "y": y[:30]}
    if not all(math.isfinite(v) for v in point):
        return None, _("The coordinates %(x)s, %(y)s are not numbers.") % {"x": x[:30], "y": y[:30]}
    return shapely.Point(point), ""


def _parse_shape(text: str):
    try:
        geom = shapely.from_geojson(text) if text.lstrip().startswith("{") else shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError):
        return None, _("The geometry is malformed (neither WKT nor GeoJSON).")
    if geom is None or geom.is_empty:
        return None, _("The geometry is empty.")
    return geom, ""


def _convert(geoms: np.ndarray, source_crs) -> np.ndarray:
    converted = source_crs.to_wgs84(geoms)
    return shapely.transform(converted, lambda xy: np.round(xy, DECIMALS))


def _lonlat_checked(geom):
    """A converted shape whose numbers are not longitude and latitude came in with the wrong CRS."""
    if geom is None or geom.is_empty:
        return None, _("The geometry is empty.")
    west, south, east, north = geom.bounds
    if not (np.isfinite([west, south, east, north]).all() and -180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None, _("The coordinates are not longitude and latitude after conversion: is the coordinate "
                       "system right?")
    return geom, ""


# ---------------------------------------------------------------------------- geo files


def _geo_chunks(path: Path, fields, crs: str, layer: str, info: dict) -> Iterator[list[Row]]:
    with tempfile.TemporaryDirectory(prefix="civicloop-gazetteer-") as tmp:
        suffix = path.suffix.lower()
        source = geo_files._shapefile_copy(path, Path(tmp), chosen_crs=bool(crs)) if suffix in (".zip", ".shp") else path
        meta, wkb, values, chosen = _layer_data(source, layer)
    source_crs = geo_files._source_crs(geo_files.Options(crs=crs), meta)
    geometries = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    names = [str(n) for n in meta["fields"]]
    found = resolve_columns(names, fields)
    info.update(crs=source_crs.label, layer="" if source.suffix == ".shp" else chosen, total=len(wkb),
                columns=set(found))
    rows = []
    for i, geom in enumerate(geometries):
        row_values = {key: geo_files._text(values[names.index(col)], i) for key, col in found.items()}
        rows.append(Row(i + 1, row_values, geom, "" if geom is not None else _("The geometry is missing or malformed.")))
    present = [i for i, row in enumerate(rows) if row.geometry is not None]
    if present:
        converted = _convert(np.array([rows[i].geometry for i in present], dtype=object), source_crs)
        for i, geom in zip(present, converted):
            rows[i].geometry, rows[i].problem = _lonlat_checked(geom)
    return iter([rows[start:start + CHUNK] for start in range(0, len(rows), CHUNK)])


def _layer_data(source: Path, chosen: str):
    import pyogrio
    from pyogrio import errors

    try:
        names = [str(name) for name, _kind in pyogrio.list_layers(source)]
        if chosen and chosen not in names:
            raise FileProblem(_("No layer %(layer)s in the file; its layers: %(names)s.")
                              % {"layer": chosen, "names": ", ".join(names)})
        if not names:
            raise FileProblem(_("The file has no features."))
        layer = chosen or names[0]
        meta, _fids, wkb, values = geo_files._read_layer(source, layer)
    except errors.CRSError:
        raise FileProblem(_("Unknown coordinate system in the file: choose one (for example EPSG:4545).")) from None
    except (RuntimeError, UnicodeDecodeError, OSError):  # pyogrio's errors are RuntimeErrors
        raise FileProblem(_("The file cannot be read.")) from None
    if len(wkb) == 0:
        raise FileProblem(_("The file has no features."))
    return meta, wkb, values, layer
