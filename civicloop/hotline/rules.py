"""The hotline's pure rules: which case steps the 12345 system hears about, and how a day's Excel
sheet maps to work orders. No ORM here."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time

from civicloop.cases.rules import Action
from civicloop.lib import tabular
from civicloop.lib.tabular import cell_text  # noqa: F401 (an order id typed as a number: 20261005001.0)

# Case action → the callback the hotline hears (签收, 回复, 办结; 退回 when we will not handle it).
# 回访 (visit) is not a case action: it is sent when a return visit is recorded.
WEBHOOK_OF: dict[str, str] = {
    Action.SIGN: "sign",
    Action.HANDLE: "reply",
    Action.CLOSE: "close",
    Action.NOT_FILE: "return",
    Action.APPROVE_VOID: "return",
}
EVENT_LABELS = {"sign": "签收 signed for", "reply": "回复 replied", "close": "办结 closed",
                "return": "退回 returned", "visit": "回访 return visit"}


def client_key(system_id: int, order_id: str) -> str:
    """The case's idempotency key: fixed per system and order, within report_case's 64 characters."""
    return "hotline:" + hashlib.sha1(f"{system_id}:{order_id}".encode()).hexdigest()


def event_id(reference: str, kind: str, seq: int) -> str:
    """The same step always gets the same id, so the receiver can drop a repeat."""
    return f"{reference}:{kind}:{seq}"


# A sheet's column headers (Chinese as the hotline exports them, or English) → our field names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("工单编号", "工单号", "order_id", "order id"),
    "caller_name": ("来电人", "来电人姓名", "caller_name", "caller"),
    "caller_phone": ("来电号码", "联系电话", "caller_phone", "phone"),
    "content": ("诉求内容", "工单内容", "content"),
    "category": ("事项分类", "分类", "category"),
    "address": ("地址", "事发地址", "address"),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "crs": ("坐标系", "crs"),
    "deadline": ("办理时限", "deadline"),
}
REQUIRED = ("order_id", "content")
# A place: coordinates, or an address for the geocoder (待定位 when it is not sure).
PLACE = (("lon", "lat"), ("address",))


HEADERS = tabular.Aliases(COLUMNS)
SheetError = tabular.TableError  # the sheet cannot be read: its text(gettext) says why


def read_sheet(source) -> tabular.Table:
    """A day's sheet, Excel or ODS (an upload or an open file), its rows numbered as in the sheet."""
    return tabular.read(source, formats=(tabular.XLSX, tabular.ODS))


def header_map(headers: list) -> tuple[dict[str, str], list[str]]:
    """The sheet's column for each of our fields, and the required fields that no column gives."""
    found = HEADERS.columns(headers)
    missing = [name for name in REQUIRED if name not in found]
    if not any(all(name in found for name in names) for names in PLACE):
        missing += [name for name in PLACE[0] if name not in found]
    return found, missing


def row_values(row: dict, columns: dict[str, str]) -> dict:
    values = {}
    for name, column in columns.items():
        value = row.get(column)
        values[name] = value.strip() if isinstance(value, str) else value
    return values


def deadline_value(value) -> datetime | None:
    """A deadline as Excel or JSON gives it: a datetime, a date (end of that day) or ISO text."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59))
    text = str(value).strip().replace("/", "-")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("办理时限格式应为 2026-10-05 18:00 / deadline must look like 2026-10-05 18:00") from None
    return parsed if len(text) > 10 else datetime.combine(parsed.date(), time(23, 59, 59))
