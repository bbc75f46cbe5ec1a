"""The registry out: GeoJSON (for GIS) and Excel, with the same column names the importer reads back."""
from __future__ import annotations

import io
import json

from openpyxl import Workbook

COLUMNS = (  # (header, how to read it from a facility)
    ("标识码", lambda f: f.id),
    ("名称", lambda f: f.name),
    ("部件代码", lambda f: f.component_id),
    ("部件类型", lambda f: f.component.name),
    ("经度", lambda f: f.lon),
    ("纬度", lambda f: f.lat),
    ("状态", lambda f: f.get_state_display().split()[0]),
    ("地址", lambda f: f.address),
    ("网格", lambda f: f.grid_id),
    ("社区", lambda f: f.community_id),
    ("街道", lambda f: f.street_id),
    ("主管部门代码", lambda f: f.competent_code),
    ("主管部门", lambda f: f.competent_name),
    ("权属单位", lambda f: f.owner_unit),
    ("养护单位", lambda f: f.maintainer_unit),
    ("初始日期", lambda f: f.initial_date.isoformat() if f.initial_date else ""),
    ("变更日期", lambda f: f.changed_date.isoformat() if f.changed_date else ""),
    ("数据来源", lambda f: f.data_source),
    ("管护人", lambda f: f.keeper.name if f.keeper else ""),
    ("管护人电话", lambda f: f.keeper.phone if f.keeper else ""),
)


def _rows(queryset):
    return queryset.select_related("component", "keeper").order_by("id").iterator(chunk_size=2000)


def geojson(queryset) -> bytes:
    features = []
    for f in _rows(queryset):
        properties = {header: read(f) for header, read in COLUMNS if header not in ("经度", "纬度")}
        features.append({"type": "Feature", "id": f.id, "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                         "properties": properties})
    body = {"type": "FeatureCollection", "name": "facilities", "features": features,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def excel(queryset) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("部件")
    sheet.append([header for header, _read in COLUMNS])
    for f in _rows(queryset):
        sheet.append([read(f) for _header, read in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
