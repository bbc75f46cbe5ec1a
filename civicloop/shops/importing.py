"""Shops from a registry file: one row → one shop, keyed by licence number (re-runs update)."""
from __future__ import annotations

from civicloop.core.errors import ServiceError
from civicloop.facilities import rows
from civicloop.facilities.rows import BadRow
from civicloop.facilities.services import place_fields
from civicloop.shops.models import Kind, Shop

KIND_NAMES = {"餐饮": Kind.CATERING, "住宿": Kind.LODGING, "catering": Kind.CATERING, "lodging": Kind.LODGING}


def shop_rows():
    """The row function for a file of shops (facilities/importing.py builds one per file)."""
    return shop_row


def shop_row(row: dict) -> tuple[str, str]:
    licence = rows.text(row, "licence_no", 40)
    if not licence:
        raise BadRow("缺少许可证号 / the licence number is missing", fields=("licence_no",))
    name = rows.text(row, "name", 80)
    if not name:
        raise BadRow("缺少店名 / the name is missing", fields=("name",))
    kind = KIND_NAMES.get(rows.text(row, "kind", 10))
    if kind is None:
        raise BadRow(f"类型应为 餐饮 或 住宿：{rows.text(row, 'kind', 10) or '（空）'} / the type is 餐饮 or 住宿", fields=("kind",))
    lon, lat = rows.point(row)
    try:
        place = place_fields(lon, lat)
    except ServiceError as exc:
        raise BadRow(str(exc)) from None
    fields = {"name": name, "kind": kind, "address": rows.text(row, "address", 200), **place,
              "operator_name": rows.text(row, "operator_name", 40), "operator_phone": rows.text(row, "operator_phone", 20)}
    shop = Shop.objects.filter(licence_no=licence).first()
    if shop is None:
        Shop.objects.create(licence_no=licence, **fields)
        return "created", licence
    changed = [k for k, v in fields.items() if v not in (None, "") and getattr(shop, k) != v]
    if not changed:
        return "unchanged", licence
    for key in changed:
        setattr(shop, key, fields[key])
    shop.save(update_fields=changed)
    return "updated", licence
