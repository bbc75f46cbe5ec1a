"""Admin forms for the geography: a grid's boundary typed in, and unit grids imported from GeoJSON.

Grids are saved through the model (Grid.clean, Grid.save), so each save bumps the grids revision
(geo/signals.py) and every process's point → grid index follows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import shapely
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from civicloop.geo.index import as_geojson
from civicloop.geo.models import Division, Grid
from civicloop.lib.coords import CRS, to_wgs84

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
GEOMETRY_HELP = ("GeoJSON 几何对象（Polygon 或 MultiPolygon），WGS-84 经纬度，例如 "
                 '{"type": "Polygon", "coordinates": [[[103.38, 23.36], [103.39, 23.36], [103.39, 23.37], [103.38, 23.36]]]}'
                 " / a GeoJSON Polygon or MultiPolygon in WGS-84 longitude, latitude")
CRS_CHOICES = [
    (CRS.WGS84.value, "WGS-84 / CGCS2000（标准 GeoJSON、天地图）"),
    (CRS.GCJ02.value, "GCJ-02（高德、腾讯地图导出）"),
    (CRS.BD09.value, "BD-09（百度地图导出）"),
]


def _geometry_widget() -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 8, "cols": 100, "spellcheck": "false",
                                 "style": "font-family: monospace; font-size: 12px"})


def normalized_geometry(text: str) -> str:
    """The geometry as stored: compact GeoJSON written by shapely, so equal shapes compare equal."""
    return as_geojson(shape(json.loads(text)))


class GridForm(forms.ModelForm):
    """A grid edited by hand. Grid.clean() judges code and boundary; its messages sit beside them."""

    class Meta:
        model = Grid
        fields = ["code", "name", "community", "geometry", "active", "workers"]
        widgets = {"geometry": _geometry_widget()}
        help_texts = {
            "code": "15位：6位区县 + 3位街道 + 3位社区 + 3位序号 / 15 digits: county, street, community, serial",
            "geometry": GEOMETRY_HELP,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "community" in self.fields:
            self.fields["community"].queryset = Division.objects.filter(level=Division.Level.COMMUNITY)
        if "workers" in self.fields:
            self.fields["workers"].queryset = self.fields["workers"].queryset.order_by("username")

    def clean_geometry(self):
        text = (self.cleaned_data.get("geometry") or "").strip()
        try:
            return normalized_geometry(text)
        except Exception:
            return text  # Grid.clean() explains what is wrong with it


class DivisionForm(forms.ModelForm):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "geometry"]
        widgets = {"geometry": _geometry_widget()}
        help_texts = {"geometry": "可留空 / optional. " + GEOMETRY_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            self.fields["parent"].queryset = Division.objects.exclude(level=Division.Level.COMMUNITY)

    def clean_geometry(self):
        text = (self.cleaned_data.get("geometry") or "").strip()
        if not text:
            return ""
        problem = _polygon_problem(text)
        if problem:
            raise ValidationError(problem)
        return normalized_geometry(text)


def _polygon_problem(text: str) -> str | None:
    try:
        geom = shape(json.loads(text))
    except Exception:
        return "不是有效的 GeoJSON 几何对象 / not a valid GeoJSON geometry"
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        return f"须为 Polygon 或 MultiPolygon，而不是 {geom.geom_type} / must be a polygon"
    if not geom.is_valid:
        return f"面不合法（{explain_validity(geom)}）/ invalid polygon"
    return None


# ---------------------------------------------------------------------------- GeoJSON import


class GridImportForm(forms.Form):
    file = forms.FileField(
        label="GeoJSON 文件 file",
        help_text="FeatureCollection，每个要素的 properties：code（15位网格编码）、name（名称）、community（12位社区代码，"
                  "可省略，默认取编码前12位）。同一编码再次导入即更新，内容相同则不变。/ properties: code, name, community; "
                  "importing a code again updates that grid.",
    )
    crs = forms.ChoiceField(label="坐标系 coordinate system", choices=CRS_CHOICES, initial=CRS.WGS84.value)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(f"文件过大（上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）/ the file is too large")
        try:
            data = json.loads(upload.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError("不是有效的 JSON 文件（须为 UTF-8 编码）/ not a valid UTF-8 JSON file") from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
                data.get("features"), list):
            raise ValidationError("须为 GeoJSON FeatureCollection / the file must be a GeoJSON FeatureCollection")
        if not data["features"]:
            raise ValidationError("文件中没有要素 / the collection has no features")
        return data

    def save(self) -> "ImportResult":
        return import_grids(self.cleaned_data["file"]["features"], crs=self.cleaned_data["crs"])


@dataclass
class Problem:
    index: int  # 1-based, as a person counts the features
    code: str
    reason: str


@dataclass
class ImportResult:
    created: list[Grid] = field(default_factory=list)
    updated: list[Grid] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.problems)


class FeatureProblem(Exception):
    pass


def import_grids(features: list, *, crs: str = CRS.WGS84.value) -> ImportResult:
    """Check each feature on its own; save the good ones (one transaction), list the bad with a reason."""
    result = ImportResult()
    codes = [_code_of(f) for f in features]
    existing = {g.code: g for g in Grid.objects.filter(code__in=[c for c in codes if c])}
    communities = set(Division.objects.filter(level=Division.Level.COMMUNITY).values_list("code", flat=True))
    first_seen: dict[str, int] = {}
    with transaction.atomic():
        for index, feature in enumerate(features, start=1):
            code = codes[index - 1]
            try:
                if code in first_seen:
                    raise FeatureProblem(f"与第 {first_seen[code]} 个要素的编码重复 / duplicate of feature {first_seen[code]}")
                if code:
                    first_seen[code] = index
                _import_one(feature, code, existing.get(code), communities, crs, result)
            except FeatureProblem as e:
                result.problems.append(Problem(index, code, str(e)))
    return result


def _code_of(feature) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    value = props.get("code") if isinstance(props, dict) else None
    return str(value).strip() if value is not None else ""


def _import_one(feature, code: str, grid: Grid | None, communities: set[str], crs: str, result: ImportResult) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise FeatureProblem("不是 GeoJSON Feature 要素 / not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise FeatureProblem("缺少 properties / the feature has no properties")
    if not code:
        raise FeatureProblem("缺少网格编码 code / the code property is missing")
    name = str(props.get("name") or "").strip()
    if not name:
        raise FeatureProblem("缺少网格名称 name / the name property is missing")
    community = str(props.get("community") or props.get("community_code") or code[:12]).strip()
    if community not in communities:
        raise FeatureProblem(f"社区代码 {community} 不存在（须为已有的12位社区/村代码）/ unknown community")
    geometry = _geometry(feature.get("geometry"), crs)
    if grid is None:
        candidate = Grid(code=code, name=name, community_id=community, geometry=geometry)
    else:
        if (grid.name, grid.community_id, grid.geometry) == (name, community, geometry):
            result.unchanged.append(code)
            return
        candidate = grid
        candidate.name, candidate.community_id, candidate.geometry = name, community, geometry
    try:
        candidate.full_clean(exclude=["workers"])
    except ValidationError as e:
        raise FeatureProblem("；".join(_messages(e))) from None
    candidate.save()
    (result.created if grid is None else result.updated).append(candidate)


def _geometry(geometry, crs: str) -> str:
    if not isinstance(geometry, dict):
        raise FeatureProblem("缺少几何对象 geometry / the feature has no geometry")
    try:
        geom = shape(geometry)
    except Exception:
        raise FeatureProblem("几何对象无法解析 / the geometry cannot be read") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise FeatureProblem(f"几何类型须为 Polygon 或 MultiPolygon，而不是 {geom.geom_type} / must be a polygon")
    if crs not in (CRS.WGS84, CRS.CGCS2000):
        geom = shapely.transform(geom, lambda xy: _to_wgs84(xy, crs))
    lon_min, lat_min, lon_max, lat_max = geom.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise FeatureProblem("坐标超出经纬度范围（是否为投影坐标？）/ coordinates are not longitude, latitude")
    if not geom.is_valid:
        raise FeatureProblem(f"面不合法（{explain_validity(geom)}）/ invalid polygon")
    return as_geojson(geom)


def _to_wgs84(xy, crs: str):
    import numpy as np

    return np.array([to_wgs84(float(x), float(y), crs) for x, y in xy])


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        labels = {f.name: str(f.verbose_name) for f in Grid._meta.fields}
        return [f"{labels.get(name, name)}: {m}" for name, ms in error.message_dict.items() for m in ms]
    return list(error.messages)
