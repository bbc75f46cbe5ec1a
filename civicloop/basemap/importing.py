"""Reference layers (roads, water, buildings) from the files a city's surveyors or 自然资源 bureau deliver.

The files are read as boundaries and grids are (civicloop.geo.importing: GeoJSON, zipped Shapefile,
GeoPackage, KML in any PROJ CRS or GCJ-02/BD-09, converted to WGS-84). A reference layer has no
codes to check: a feature of the wrong shape (a point in a roads file) is skipped and counted, and
an import replaces the layer whole unless asked to add to it.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.basemap.models import ReferenceFeature
from civicloop.geo import importing as geo_files
from civicloop.geo.importing import FileProblem

Layer = ReferenceFeature.Layer
KINDS = {"roads": Layer.ROAD, "road": Layer.ROAD, "water": Layer.WATER, "buildings": Layer.BUILDING,
         "building": Layer.BUILDING}
SHAPES = {Layer.ROAD: ("LineString", "MultiLineString"),
          Layer.WATER: ("Polygon", "MultiPolygon", "LineString", "MultiLineString"),
          Layer.BUILDING: ("Polygon", "MultiPolygon")}
NAME_FIELDS = ("名称", "道路名称", "路名", "水系名称", "建筑名称", "name", "name_zh", "name:zh", "mc", "dlmc", "fullname")
BATCH = 1000


@dataclass
class Result:
    layer: str
    source: str
    crs: str = ""
    imported: int = 0
    skipped: int = 0  # of a shape the layer does not take, or empty
    replaced: int = 0
    notes: list[str] = field(default_factory=list)


def import_layer(path: Path, kind: str, *, crs: str = "", name_field: str = "", layer: str = "",
                 append: bool = False) -> Result:
    """One door: read, convert, and replace (or add to) the layer in one transaction."""
    target = KINDS[kind]
    result = Result(layer=target, source=path.name)
    rows = [_row(target, name, geom, path.name) for name, geom in _read(path, target, crs, name_field, layer, result)]
    rows = [row for row in rows if row is not None]
    with transaction.atomic():
        if not append:
            result.replaced, _deleted = ReferenceFeature.objects.filter(layer=target).delete()
        ReferenceFeature.objects.bulk_create(rows, batch_size=BATCH)
    result.imported = len(rows)
    return result


def _read(path: Path, target: str, crs: str, name_field: str, layer: str, result: Result):
    suffix = path.suffix.lower()
    if suffix not in geo_files.SUFFIXES:
        raise FileProblem(_("Unsupported file type %(suffix)s: use GeoJSON, a zipped Shapefile, GeoPackage or KML.")
                          % {"suffix": suffix or "—"})
    if not path.exists():
        raise FileProblem(_("The file cannot be read."))
    with tempfile.TemporaryDirectory(prefix="civicloop-basemap-") as tmp:
        source = geo_files._shapefile_copy(path, Path(tmp), chosen_crs=bool(crs)) if suffix in (".zip", ".shp") else path
        meta, wkb, values = _layer_data(source, target, layer)
    source_crs = geo_files._source_crs(geo_files.Options(crs=crs), meta)
    result.crs = source_crs.label
    geometries = geo_files._geometries(wkb, source_crs)
    names = _names([str(n) for n in meta["fields"]], values, name_field, len(geometries))
    for name, geom in zip(names, geometries):
        geom = _usable(geom, target)
        if geom is None:
            result.skipped += 1
            continue
        yield name, geom


def _layer_data(source: Path, target: str, chosen: str):
    import pyogrio
    from pyogrio import errors

    try:
        layers = [(str(name), str(kind).lower()) for name, kind in pyogrio.list_layers(source)]
        if chosen and chosen not in [name for name, _kind in layers]:
            raise FileProblem(_("No layer %(layer)s in the file; its layers: %(names)s.")
                              % {"layer": chosen, "names": ", ".join(n for n, _k in layers)})
        wanted = "line" if target == Layer.ROAD else "polygon"
        name = chosen or next((n for n, k in layers if wanted in k), layers[0][0] if layers else "")
        if not name:
            raise FileProblem(_("The file has no features."))
        meta, _fids, wkb, values = geo_files._read_layer(source, name)
    except errors.CRSError:
        raise FileProblem(_("Unknown coordinate system in the file: choose one (for example EPSG:4545).")) from None
    except (errors.DataSourceError, errors.DataLayerError, errors.FeatureError, errors.FieldError,
            errors.GeometryError, UnicodeDecodeError, OSError):
        raise FileProblem(_("The file cannot be read.")) from None
    if len(wkb) == 0:
        raise FileProblem(_("The file has no features."))
    return meta, wkb, values


def _names(fields: list[str], values, chosen: str, count: int) -> list[str]:
    lowered = {name.strip().lower(): i for i, name in enumerate(fields)}
    if chosen and chosen.strip().lower() not in lowered:
        raise FileProblem(_("No column %(column)s in the file; its columns: %(names)s.")
                          % {"column": chosen, "names": ", ".join(fields) or "—"})
    wanted = [chosen] if chosen else list(NAME_FIELDS)
    index = next((lowered[w.lower()] for w in wanted if w.lower() in lowered), None)
    if index is None:
        return [""] * count
    return [geo_files._text(values[index], i)[:120] for i in range(count)]


def _usable(geom, target: str):
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon") and not geom.is_valid:
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            polygons = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(polygons) if polygons else None
    if geom is None or geom.geom_type not in SHAPES[target]:
        return None
    return geom


def _row(layer: str, name: str, geom, source: str) -> ReferenceFeature:
    x0, y0, x1, y1 = geom.bounds
    return ReferenceFeature(layer=layer, name=name, geometry=shapely.to_geojson(geom),
                            min_lon=x0, min_lat=y0, max_lon=x1, max_lat=y1, source=source[:255])


def save_features(layer: str, features: list[tuple[str, object]], *, source: str) -> int:
    """(name, shapely WGS-84 geometry) pairs added to a layer: the demo seed and tests use this."""
    rows = [_row(layer, name, geom, source) for name, geom in features if _usable(geom, layer) is not None]
    ReferenceFeature.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
