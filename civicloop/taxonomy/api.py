from __future__ import annotations

from ninja import Router, Schema

from civicloop.org.api import staff_auth
from civicloop.taxonomy.queries import config

router = Router(tags=["categories 事项分类"], auth=staff_auth)


class CategoryOut(Schema):
    code: str
    name: str
    major_name: str
    department: str | None
    priority: int


@router.get("", response=list[CategoryOut], summary="事项分类 categories")
def categories(request, major: str | None = None):
    rows = [c for c in config().categories.values() if c.active and (not major or c.code.startswith(major))]
    return [{"code": c.code, "name": c.name, "major_name": c.major_name, "department": c.department_id,
             "priority": c.priority} for c in sorted(rows, key=lambda c: c.code)]
