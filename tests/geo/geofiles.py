"""Files as surveyors deliver them, written by pyogrio from schematic polygons (for the geo import tests)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyproj
import shapely
from pyogrio.raw import write
from shapely.geometry import Polygon, box

GK = "EPSG:4543"  # CGCS2000 / 3-degree Gauss-Kruger CM 102E: x = 500,000 m on 102°E
ORIGIN = (500_000.0, 2_600_000.0)  # the far community's south-west corner, in GK metres
SIDE = 200.0  # a test grid is 200 m square
STREET, COMMUNITY = "532503990", "532503990001"


def to_wgs84(geom, source: str = GK):
    t = pyproj.Transformer.from_crs(source, 4326, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def from_wgs84(geom, target: str = GK):
    t = pyproj.Transformer.from_crs(4326, target, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def square(col: int, row: int, *, side: float = SIDE) -> Polygon:
    x, y = ORIGIN[0] + col * side, ORIGIN[1] + row * side
    return box(x, y, x + side, y + side)


def community_outline() -> Polygon:
    """Two by two test grids, in GK metres."""
    return box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 2 * SIDE, ORIGIN[1] + 2 * SIDE)


def four_grids() -> list[tuple[str, str, Polygon]]:
    return [(f"{COMMUNITY}{n:03d}", f"测试网格{n}", square(col, row))
            for n, (col, row) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)], start=1)]


def bow_tie(col: int, row: int) -> Polygon:
    """A square whose top two corners are swapped: the ring crosses itself."""
    x, y = ORIGIN[0] + col * SIDE, ORIGIN[1] + row * SIDE
    return Polygon([(x, y), (x + SIDE, y), (x, y + SIDE), (x + SIDE, y + SIDE), (x, y)])


def write_layer(path: Path, rows: list[tuple], *, crs: str | None = GK, driver: str | None = None,
                names: tuple[str, ...] = ("网格编码", "网格名称"), encoding: str | None = None) -> Path:
    """rows: (value for each name …, polygon)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [np.array([row[i] for row in rows], dtype=object) for i in range(len(names))]
    geometry = shapely.to_wkb(np.array([row[-1] for row in rows], dtype=object))
    kwargs = {"encoding": encoding} if encoding else {}
    write(str(path), geometry, columns, list(names), geometry_type="Polygon", crs=crs, driver=driver, **kwargs)
    return path


def zipped_shapefile(folder: Path, rows: list[tuple], *, crs: str | None = GK, prj: bool = True,
                     cpg: bool = True, encoding: str = "GBK", subfolder: str = "测绘成果/网格",
                     names: tuple[str, ...] = ("网格编码", "网格名称")) -> Path:
    """A Shapefile in a subfolder of a ZIP, attributes in GBK (with or without its .cpg), as ArcGIS writes it."""
    shp = write_layer(folder / "shp" / "网格.shp", rows, crs=crs, driver="ESRI Shapefile", names=names,
                      encoding=encoding)
    target = folder / "survey.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(shp.parent.iterdir()):
            if (part.suffix == ".prj" and not prj) or (part.suffix == ".cpg" and not cpg):
                continue
            archive.write(part, f"{subfolder}/{part.name}")
    return target
