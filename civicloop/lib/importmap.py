"""History import, the Django-free half: the mapping file, the source file's rows, one row's history.

A city's old system exports cases as CSV, Excel or ODS with its own column names, codes and date formats.
The mapping (TOML, docs/import.md) says which column holds which of our fields. Here the mapping is
read and checked, rows are read with their line numbers (lib/tabular), and each row becomes a `History`: plain
values and aware timestamps in the order the loop happens, or a RowError saying why not (Chinese
first, then English). cases/importing.py turns a History into a Case and its events.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from civicloop.lib import tabular
from civicloop.lib.tabular import cell_text

# Our fields a mapping may name, with their Chinese label for messages.
LABELS = {
    "external_id": "外部编号", "reference": "案件编号", "channel": "来源渠道", "category": "事项分类",
    "description": "问题描述", "address": "地址", "lon": "经度", "lat": "纬度",
    "reporter_name": "上报人", "reporter_phone": "上报人电话", "department": "责任部门", "state": "案件状态",
    "reported_at": "上报时间", "filed_at": "立案时间", "dispatched_at": "派遣时间", "signed_at": "签收时间",
    "handled_at": "处置时间", "checked_at": "核查时间", "closed_at": "结案时间", "suspended_at": "挂账时间",
    "voided_at": "作废时间", "handle_deadline": "处置时限", "close_deadline": "结案时限",
}
REQUIRED = ("external_id", "state", "reported_at")
# The loop's timestamps in the order the steps happen (after reported_at).
LOOP = ("filed_at", "dispatched_at", "signed_at", "handled_at", "checked_at", "closed_at")
# Desk steps a source often does not record apart (one click files and dispatches): when missing they
# are taken as done at once, at the previous step's time. Field steps (handle, check) are taken as done
# at the next recorded time, the latest they can have happened, so a verdict is never flattered.
AT_ONCE = frozenset({"filed_at", "dispatched_at", "signed_at"})
DEADLINES = ("handle_deadline", "close_deadline")
TIMES = ("reported_at", *LOOP, "suspended_at", "voided_at", *DEADLINES)

# Where a case ended up in the source system; the mapping's state values map onto these.
OUTCOMES = {
    "closed": "已结案", "self_handled": "自行处置结案", "void": "已作废", "not_filed": "不予立案",
    "open": "办理中", "suspended": "挂账",
}
DEFAULT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                   "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S")
CRS_NAMES = ("wgs84", "cgcs2000", "gcj02", "bd09")


class MappingError(Exception):
    """The mapping or the file's header is wrong: nothing can be imported."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class RowError(Exception):
    """This row cannot be imported; the message is bilingual, without the line number. `field` is our
    field at fault, when the check is about one (the report names the source's column for it)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Column:
    name: str | None  # the source's column; None: every row takes `default`
    values: dict[str, str] = field(default_factory=dict)  # the source's own codes → ours
    default: str | None = None
    match: str = "auto"  # category / department: by "code", "name", or "auto" (either)


@dataclass(frozen=True)
class Mapping:
    source: str
    columns: dict[str, Column]
    crs: str = "wgs84"
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai")
    date_formats: tuple[str, ...] = DEFAULT_FORMATS
    encoding: str | None = None  # None: UTF-8 or GB18030, whichever reads the file (lib/tabular)
    delimiter: str = ","
    sheet: str | None = None
    fallback_point: tuple[float, float, str] | None = None  # lon, lat, crs

    def raw(self, row: dict, name: str) -> object:
        """The row's value for our field, through the value map and default; None when empty."""
        column = self.columns.get(name)
        if column is None:
            return None
        value = row.get(column.name) if column.name else None
        if value is None or (isinstance(value, str) and not value.strip()):
            return column.default
        if isinstance(value, str):
            value = value.strip()
        key = cell_text(value)
        return column.values.get(key, value) if column.values else value

    def text(self, row: dict, name: str) -> str:
        value = self.raw(row, name)
        return "" if value is None else cell_text(value)


# ---------------------------------------------------------------------------- the mapping file


def load_mapping(path: str | Path) -> Mapping:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError([f"无法读取映射文件 / cannot read the mapping: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([f"映射文件不是有效的TOML / the mapping is not valid TOML: {exc}"]) from None
    return parse_mapping(data)


def parse_mapping(data: dict) -> Mapping:
    problems: list[str] = []
    source = str(data.get("source", "")).strip()
    if not source or len(source) > 40:
        problems.append("映射须有 source（来源系统名称，最多40字）/ the mapping needs a source name (at most 40 characters)")
    columns = _columns(data.get("fields") or {}, problems)
    for name in REQUIRED:
        if name not in columns:
            problems.append(f"映射缺少必填字段 {name}（{LABELS[name]}）/ the mapping lacks the required field {name}")
    fallback = _fallback(data.get("fallback_point"), problems)
    if not fallback and not ("lon" in columns and "lat" in columns):
        problems.append("映射须有 lon 和 lat（经纬度），或 fallback_point / the mapping needs lon and lat, or a fallback_point")
    crs = str(data.get("crs", "wgs84")).lower()
    if crs not in CRS_NAMES:
        problems.append(f"不支持的坐标系 {crs}，可用 {'/'.join(CRS_NAMES)} / unknown crs")
    tz = _zone(str(data.get("timezone", "Asia/Shanghai")), problems)
    if problems:
        raise MappingError(problems)
    formats = data.get("date_formats") or DEFAULT_FORMATS
    if isinstance(formats, str):
        formats = [formats]
    return Mapping(source=source, columns=columns, crs=crs, tz=tz, date_formats=tuple(formats),
                   encoding=data.get("encoding"), delimiter=data.get("delimiter", ","),
                   sheet=data.get("sheet"), fallback_point=fallback)


def _columns(fields: dict, problems: list[str]) -> dict[str, Column]:
    columns = {}
    for name, spec in fields.items():
        if name not in LABELS:
            problems.append(f"未知字段 {name} / unknown field {name}; known: {', '.join(LABELS)}")
        elif isinstance(spec, str):
            columns[name] = Column(spec)
        elif isinstance(spec, dict) and (spec.get("column") or "default" in spec):
            values = {str(k): str(v) for k, v in (spec.get("values") or {}).items()}
            default = None if spec.get("default") is None else str(spec["default"])
            match = spec.get("match", "auto")
            if match not in ("code", "name", "auto"):
                problems.append(f"字段 {name} 的 match 须为 code/name/auto / match must be code, name or auto")
            columns[name] = Column(spec.get("column"), values, default, match)
        else:
            problems.append(f"字段 {name} 须为列名或 {{column = …}} / field {name} must be a column name or a table with column")
    return columns


def _fallback(spec, problems: list[str]):
    if spec is None:
        return None
    try:
        return float(spec["lon"]), float(spec["lat"]), str(spec.get("crs", "wgs84")).lower()
    except (KeyError, TypeError, ValueError):
        problems.append("fallback_point 须为 {lon = …, lat = …, crs = …} / fallback_point needs lon and lat")
        return None


def _zone(name: str, problems: list[str]) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"未知时区 {name} / unknown timezone")
        return ZoneInfo("UTC")


def missing_columns(mapping: Mapping, header: list[str]) -> list[str]:
    """Mapped columns the file does not have, as bilingual problems (checked before any row)."""
    present = set(header)
    return [f"文件中没有映射的列「{c.name}」（{name} {LABELS[name]}）/ column '{c.name}' for {name} is not in the file"
            for name, c in mapping.columns.items() if c.name and c.name not in present]


# ---------------------------------------------------------------------------- reading the file


def open_source(path: str | Path, mapping: Mapping, *, translate: Callable[[str], str] = str) -> tabular.Table:
    """The file's header and numbered rows (lib/tabular); MappingError, in `translate`'s language,
    when the file cannot be read."""
    try:
        return tabular.read(path, sheet=mapping.sheet, encoding=mapping.encoding, delimiter=mapping.delimiter)
    except tabular.TableError as problem:
        raise MappingError([problem.text(translate)]) from None


# ---------------------------------------------------------------------------- one row


@dataclass
class History:
    external_id: str
    outcome: str
    times: dict[str, datetime | None]
    reference: str = ""
    channel: str = ""
    category: str = ""
    description: str = ""
    address: str = ""
    lon: object = None
    lat: object = None
    reporter_name: str = ""
    reporter_phone: str = ""
    department: str = ""

    def steps(self) -> list[tuple[str, datetime]]:
        """The loop's steps this case took, each with its time, missing ones filled (see AT_ONCE)."""
        last = _last_step(self)
        if last is None:
            return []
        names = LOOP[:LOOP.index(last) + 1]
        known = [self.times["reported_at"]] + [self.times.get(n) for n in names]
        steps = []
        for i, name in enumerate(names, start=1):
            at = known[i]
            if at is None:
                at = _previous(known, i) if name in AT_ONCE else _next(known, i)
                known[i] = at
            steps.append((name, at))
        return steps

    @property
    def end_time(self) -> datetime | None:
        """When a void, not-filed or suspended case reached that state."""
        for name in ("voided_at", "suspended_at", "closed_at"):
            if self.times.get(name):
                return self.times[name]
        return None


def _last_step(h: History) -> str | None:
    if h.outcome == "closed":
        return "closed_at"
    if h.outcome in ("self_handled", "not_filed"):
        return None
    recorded = [n for n in LOOP[:-1] if h.times.get(n)]
    if h.outcome == "suspended":
        return "signed_at"  # suspended while in the unit's hands
    if h.outcome == "void":
        return "filed_at" if h.times.get("filed_at") else None
    return recorded[-1] if recorded else None


def _previous(known: list, i: int) -> datetime:
    return next(t for t in reversed(known[:i]) if t is not None)


def _next(known: list, i: int) -> datetime:
    return next((t for t in known[i + 1:] if t is not None), None) or _previous(known, i)


def history_of(mapping: Mapping, row: dict) -> History:
    """One row as a History, or RowError with the first thing wrong."""
    external_id = mapping.text(row, "external_id")
    if not external_id:
        raise RowError("缺少外部编号 / the external id is empty", field="external_id")
    if len(external_id) > 64:
        raise RowError("外部编号超过64个字符 / the external id is longer than 64 characters", field="external_id")
    outcome = _outcome(mapping, row)
    times = {name: parse_time(mapping, row, name) for name in TIMES if name in mapping.columns}
    if times.get("reported_at") is None:
        raise RowError("缺少上报时间 / the report time is empty", field="reported_at")
    history = History(external_id=external_id, outcome=outcome, times=times,
                      lon=mapping.raw(row, "lon"), lat=mapping.raw(row, "lat"),
                      **{name: mapping.text(row, name) for name in (
                          "reference", "channel", "category", "description", "address", "reporter_name",
                          "reporter_phone", "department")})
    check_order(history)
    _check_outcome(history)
    return history


def _outcome(mapping: Mapping, row: dict) -> str:
    value = mapping.text(row, "state")
    if value not in OUTCOMES:
        raise RowError(f"无法识别的案件状态「{value}」，请在映射的 state.values 中对应到 "
                       f"{'/'.join(OUTCOMES)} / unknown state '{value}'", field="state")
    return value


def parse_time(mapping: Mapping, row: dict, name: str) -> datetime | None:
    value = mapping.raw(row, name)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # an Excel date cell: local time without a zone
        return _aware(value, mapping.tz)
    text = cell_text(value)
    for fmt in mapping.date_formats:
        try:
            if fmt == "epoch":
                return datetime.fromtimestamp(float(text), timezone.utc)
            return _aware(datetime.strptime(text, fmt), mapping.tz)
        except (ValueError, OverflowError):
            continue
    raise RowError(f"{LABELS[name]}「{text}」不是可识别的时间 / {name} '{text}' is not a date-time "
                   f"(formats: {', '.join(mapping.date_formats)})", field=name)


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=tz)


def check_order(h: History) -> None:
    """Each recorded step comes after the ones before it, and after the report."""
    seen = [("reported_at", h.times["reported_at"])]
    for name in (*LOOP, "suspended_at", "voided_at"):
        at = h.times.get(name)
        if at is None:
            continue
        for earlier, earlier_at in seen:
            if at < earlier_at:
                raise RowError(f"{LABELS[name]}早于{LABELS[earlier]} / {_en(name)} before {_en(earlier)}", field=name)
        if name in LOOP:
            seen.append((name, at))


def _en(name: str) -> str:
    return name.removesuffix("_at")


def _check_outcome(h: History) -> None:
    t = h.times
    if h.outcome in ("closed", "self_handled") and not t.get("closed_at"):
        raise RowError("已结案的案件须有结案时间 / a closed case needs its closing time")
    if h.outcome in ("void", "not_filed") and h.end_time is None:
        raise RowError("作废或不予立案的案件须有作废时间或结案时间 / a void case needs voided_at or closed_at")
    if h.outcome == "not_filed" and t.get("filed_at"):
        raise RowError("不予立案的案件不应有立案时间 / a case not filed has no filing time")
    if h.outcome == "void" and t.get("dispatched_at"):
        raise RowError("已派遣的案件不能作废 / a dispatched case cannot be void")
    if h.outcome == "suspended" and not t.get("dispatched_at"):
        raise RowError("挂账的案件须有派遣时间 / a suspended case needs its dispatch time")
