"""History import: a city's past cases from another system, as if our workflow had handled them.

Each good row becomes a Case and the CaseEvents engine.plan() writes for that history (report, file,
dispatch, sign, handle, check, close; not_file; request_void + approve_void; request_suspension +
approve_suspension), with the same states, stage verdicts, departments and case columns, so the
metrics count imported history exactly like live cases. Where the source gives a deadline (handle,
close), that stage's clock runs to it in natural time, so its verdict is the source's own.

Rows are read and checked in memory; each batch is saved in one transaction with the bulk inserter.
A row is all or nothing: if a batch fails to save, its rows are saved one by one. A case already
imported (same source and external id) is skipped, so a re-run doubles nothing.

A row without coordinates but with an address is placed by the geocoder when it is sure (the same rule
as 12345 orders, gazetteer/placing.py); an address it is not sure of is refused, naming its candidates.
"""
from __future__ import annotations

import importlib.util
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.cases import engine, rules, serials, services
from civicloop.cases.models import Case, CaseEvent, Channel
from civicloop.cases.rules import Action
from civicloop.core import bulk, extensions
from civicloop.core.errors import ServiceError
from civicloop.lib import codes, tabular
from civicloop.lib.importmap import History, Mapping, MappingError, RowError, history_of, load_mapping
from civicloop.lib.importmap import missing_columns, open_source
from civicloop.org.models import Department
from civicloop.org.roles import Role
from civicloop.taxonomy.queries import TaxonomyConfig, config
from civicloop.taxonomy.stages import Stage

__all__ = ["MappingError", "Placed", "Problem", "Result", "import_cases", "load_mapping"]

IMPORT_NOTE = "历史数据导入 / imported history"
# Who takes each step, as the engine checks roles (the event records the role; no staff account).
ROLE_OF = {
    Action.FILE: Role.OPERATOR, Action.NOT_FILE: Role.OPERATOR, Action.REQUEST_VOID: Role.OPERATOR,
    Action.APPROVE_VOID: Role.SHIFT_LEADER, Action.CLOSE: Role.SHIFT_LEADER, Action.DISPATCH: Role.DISPATCHER,
    Action.SIGN: Role.HANDLER, Action.HANDLE: Role.HANDLER, Action.REQUEST_SUSPENSION: Role.HANDLER,
    Action.APPROVE_SUSPENSION: Role.DISPATCHER, Action.CHECK: Role.INSPECTOR,
}
# The role behind a report, as the live channels record it (hotline work orders are typed in by the desk).
REPORTER_ROLE = {Channel.INSPECTOR: Role.INSPECTOR, Channel.GRID_WORKER: Role.GRID_WORKER, Channel.HOTLINE: Role.OPERATOR}
# The stamp each loop step sets (importmap.LOOP) and the action it is.
ACTION_OF = {"filed_at": Action.FILE, "dispatched_at": Action.DISPATCH, "signed_at": Action.SIGN,
             "handled_at": Action.HANDLE, "checked_at": Action.CHECK, "closed_at": Action.CLOSE}
DEADLINE_OF = {Stage.HANDLE: "handle_deadline", Stage.CLOSE: "close_deadline"}


@dataclass(frozen=True)
class Problem(tabular.Problem):
    """A refused row in the one shape every importer reports; the message is bilingual, without the line."""

    @property
    def line(self) -> int:
        return self.row

    @property
    def external_id(self) -> str:
        return self.key

    def __str__(self) -> str:
        zh, _, en = self.message.partition(" / ")
        return f"第{self.line}行：{zh} / line {self.line}: {en or zh}"


@dataclass(frozen=True)
class Placed:
    """A row without coordinates, placed at its address by the geocoder."""

    line: int
    external_id: str
    label: str
    confidence: float

    def __str__(self) -> str:
        return (f"第{self.line}行：按地址定位：{self.label}（{self.confidence:.2f}） / "
                f"line {self.line}: placed by address: {self.label} ({self.confidence:.2f})")


@dataclass
class Result:
    total: int = 0  # data rows read
    created: int = 0
    present: list[tuple[int, str]] = field(default_factory=list)  # (line, external id) imported before
    problems: list[Problem] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)  # rows placed by address (saved, or would be on a dry run)
    events: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Actor:
    """A stand-in for the staff of the old system: the engine checks its role and department."""

    role: str
    department_id: str | None = None


@dataclass
class _Built:
    line: int
    external_id: str
    case: Case
    events: list[CaseEvent]
    given_reference: str = ""  # the source's; otherwise ours is numbered when the batch is saved


# ---------------------------------------------------------------------------- the run


def import_cases(path: str | Path, mapping: Mapping, *, batch: int = 1000, progress=None,
                 dry_run: bool = False) -> Result:
    """Load every good row of the file; MappingError before any row when the mapping does not fit."""
    started = time.perf_counter()
    source = open_source(path, mapping, translate=gettext)
    problems = missing_columns(mapping, source.header)
    if problems:
        raise MappingError(problems)
    run = _Run(mapping, dry_run=dry_run)
    chunk: list[tuple[int, dict]] = []
    for line, row in source.rows:
        chunk.append((line, row))
        if len(chunk) >= batch:
            run.load(chunk)
            chunk = []
            if progress:
                progress(run.result.total, max(source.total, run.result.total + 1))
    run.load(chunk)
    if run.result.created and not dry_run:
        run.finish()
    run.result.seconds = time.perf_counter() - started
    if progress:
        progress(run.result.total, run.result.total)
    return run.result


class _Run:
    def __init__(self, mapping: Mapping, *, dry_run: bool):
        self.mapping = mapping
        self.dry_run = dry_run
        self.cfg = config()
        self.lookup = _Lookup(self.cfg)
        self.result = Result()
        self.lines: dict[str, int] = {}  # external id → the line that first had it
        self.sequence_floor: dict = {}  # day → the highest serial of our own format among source references

    def load(self, chunk: list[tuple[int, dict]]) -> None:
        if not chunk:
            return
        self.result.total += len(chunk)
        fresh = self._fresh(chunk)
        built = [b for b in (self._build(line, history) for line, history in fresh) if b]
        built = self._unused_references(built)
        self._note_placed(built)
        if self.dry_run:
            self.result.created += len(built)  # would be
            return
        if not built:
            return
        try:
            self._save(built)
        except IntegrityError:
            # Another import or a live case took a key meanwhile: save row by row and name the one.
            for one in built:
                self._save_alone(one)

    def _fresh(self, chunk) -> list[tuple[int, History]]:
        """Rows parsed, minus bad ones, repeats within the file, and cases imported before."""
        parsed = []
        for line, row in chunk:
            try:
                history = history_of(self.mapping, row)
            except RowError as exc:
                self._problem(line, self.mapping.text(row, "external_id"), str(exc), field=exc.field, row=row)
                continue
            first = self.lines.setdefault(history.external_id, line)
            if first != line:
                self._problem(line, history.external_id,
                              f"外部编号与第{first}行重复 / the external id repeats line {first}")
                continue
            parsed.append((line, history))
        ids = [h.external_id for _, h in parsed]
        before = set(Case.objects.filter(source=self.mapping.source, external_id__in=ids)
                     .values_list("external_id", flat=True))
        self.result.present.extend((line, h.external_id) for line, h in parsed if h.external_id in before)
        return [(line, h) for line, h in parsed if h.external_id not in before]

    def _note_placed(self, built: list[_Built]) -> None:
        for b in built:
            refs = b.events[0].data.get("refs") or {}
            if refs.get("placed_by") == "geocoder":
                self.result.placed.append(Placed(b.line, b.external_id, refs["geocode_label"],
                                                 float(refs["geocode_confidence"])))

    def _problem(self, line: int, external_id: str, message: str, *, field: str = "", row: dict | None = None,
                 value: str = "") -> None:
        """`field`: our field at fault, named in the report by the source's column for it, with the cell's
        text from `row` (or `value`, the history's, when the row is gone)."""
        column = self.mapping.columns.get(field) if field else None
        name = column.name if column is not None and column.name else ""
        if name and row is not None:
            value = tabular.cell_text(row.get(name))
        self.result.problems.append(Problem(row=line, message=message, key=external_id, column=name,
                                            value=value if name else ""))

    def _build(self, line: int, history: History) -> _Built | None:
        try:
            case, events = build_case(history, mapping=self.mapping, cfg=self.cfg, lookup=self.lookup)
        except RowError as exc:
            self._problem(line, history.external_id, str(exc), field=exc.field,
                          value=tabular.cell_text(getattr(history, exc.field, "")) if exc.field else "")
            return None
        except ServiceError as exc:
            self._problem(line, history.external_id, _message(exc))
            return None
        except rules.NotAllowed as exc:  # a history our workflow cannot take: name it, do not guess
            self._problem(line, history.external_id, str(exc))
            return None
        return _Built(line, history.external_id, case, events, history.reference)

    def _unused_references(self, built: list[_Built]) -> list[_Built]:
        """Source references must be new to us, in the file and in the database."""
        given = [b for b in built if b.given_reference]
        if not given:
            return built
        taken = set(Case.objects.filter(reference__in=[b.given_reference for b in given])
                    .values_list("reference", flat=True))
        keep, seen = [], set()
        for b in built:
            ref = b.given_reference
            if ref and (ref in taken or ref in seen):
                self._problem(b.line, b.external_id, f"案件编号 {ref} 已被其他案件使用 / reference {ref} is already in use")
                continue
            seen.add(ref)
            keep.append(b)
            self._note_own_format(ref)
        return keep

    def _note_own_format(self, reference: str) -> None:
        match = _OWN_REFERENCE.match(reference or "")
        # The day's serial is shared by every county of the jurisdiction (serials.py).
        if match and match["city"].startswith(settings.JURISDICTION):
            day = datetime.strptime(match["day"], "%Y%m%d").date()
            self.sequence_floor[day] = max(self.sequence_floor.get(day, 0), int(match["serial"]))

    # -------------------------------------------------------------- saving

    def _save(self, built: list[_Built]) -> None:
        with transaction.atomic():
            self._raise_sequences()
            _number(built)
            case_ids = reserve_ids(Case, len(built))
            event_ids = iter(reserve_ids(CaseEvent, sum(len(b.events) for b in built)))
            for b, case_id in zip(built, case_ids):
                b.case.pk = case_id
                for event in b.events:
                    event.pk, event.case_id = next(event_ids), case_id
            bulk.insert(Case, [b.case for b in built])
            bulk.insert(CaseEvent, [e for b in built for e in b.events])
        self.sequence_floor = {}
        self.result.created += len(built)
        self.result.events += sum(len(b.events) for b in built)

    def _save_alone(self, one: _Built) -> None:
        try:
            self._save([one])
        except IntegrityError:
            if Case.objects.filter(source=self.mapping.source, external_id=one.external_id).exists():
                self.result.present.append((one.line, one.external_id))
            else:
                self._problem(one.line, one.external_id,
                              "案件编号或外部编号已被占用 / the reference or external id is already in use")

    def _raise_sequences(self) -> None:
        """Source references in our own format claim their serials, so live intake never repeats one."""
        for day, serial in self.sequence_floor.items():
            serials.raise_floor(day, serial)

    def finish(self) -> None:
        # No sequence reset: ids came from the sequence itself (PostgreSQL), and setting it to MAX(id)
        # while the app runs could hand out an id a live transaction already holds.
        refresh_metrics()


_OWN_REFERENCE = re.compile(r"^(?P<city>\d{6})-(?P<day>\d{8})-(?P<serial>\d{6})$")


def _message(exc: ServiceError) -> str:
    """An InvalidInput names the field first ("location: …"); the row message needs only the words."""
    if exc.errors:
        return exc.errors[0]["message"]
    return exc.message


def _number(built: list[_Built]) -> None:
    """Our own references for cases the source gave none: the days' serials, reserved at once."""
    days = Counter(timezone.localtime(b.case.reported_at).date() for b in built if not b.given_reference)
    reserved = {day: iter(numbers) for day, numbers in serials.reserve(days).items()}
    for b in built:
        b.case.reference = b.given_reference  # a failed batch may have numbered it already
        if b.given_reference:
            continue
        day = timezone.localtime(b.case.reported_at).date()
        b.case.reference = codes.case_reference(codes.county_of(b.case.community_id), day, next(reserved[day]))


def reserve_ids(model, count: int) -> list[int]:
    """Fresh primary keys while the app runs: PostgreSQL hands them out from the table's sequence;
    SQLite's writer lock (BEGIN IMMEDIATE) is held by the calling transaction, so MAX+1 is ours."""
    if count == 0:
        return []
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [count])
            return [row[0] for row in cursor.fetchall()]
    first = bulk.reserve_ids(model, count)
    return list(range(first, first + count))


def refresh_metrics() -> None:
    """The evaluation app's counters (kept from the event log) take in the history now, rather than
    over the worker's next turns. Looked up lazily: the import works without that app."""
    if importlib.util.find_spec("civicloop.evaluation") is None:
        return
    for name in ("civicloop.evaluation.services", "civicloop.evaluation.rollup"):
        if importlib.util.find_spec(name) is None:
            continue
        refresh = getattr(importlib.import_module(name), "refresh", None)
        if callable(refresh):
            refresh()
            return


# ---------------------------------------------------------------------------- one case


class _Lookup:
    """Categories and departments by code or name, read once per run."""

    def __init__(self, cfg: TaxonomyConfig):
        self.categories = {info.code: info.code for info in cfg.categories.values()}
        self.category_names = {info.name: info.code for info in cfg.categories.values()}
        departments = list(Department.objects.values_list("code", "name"))
        self.departments = {code: code for code, _ in departments}
        self.department_names = {name: code for code, name in departments}

    def category(self, value: str, match: str) -> str | None:
        if not value:
            return None
        code = _find(value, match, self.categories, self.category_names)
        if code is None:
            raise RowError(f"未知的事项分类「{value}」/ unknown category '{value}'", field="category")
        return code

    def department(self, value: str, match: str) -> str | None:
        if not value:
            return None
        code = _find(value, match, self.departments, self.department_names)
        if code is None:
            raise RowError(f"未知的部门「{value}」/ unknown department '{value}'", field="department")
        return code


def _find(value: str, match: str, by_code: dict, by_name: dict) -> str | None:
    if match in ("code", "auto") and value in by_code:
        return by_code[value]
    if match in ("name", "auto"):
        return by_name.get(value)
    return None


def build_case(history: History, *, mapping: Mapping, cfg: TaxonomyConfig, lookup: _Lookup) -> tuple[Case, list[CaseEvent]]:
    """The unsaved case and its events, walked through engine.plan() step by step."""
    columns = mapping.columns
    category = lookup.category(history.category, columns["category"].match if "category" in columns else "auto")
    department = lookup.department(history.department, columns["department"].match if "department" in columns else "auto")
    fields = _report_fields(history, mapping, category, cfg)
    found = fields.pop(GEOCODED, None)
    walk = _Walk(history, cfg, fields, department)
    if found is not None:  # recorded as a 12345 order placed by address records it (hotline/services.py)
        walk.events[0].data = {**walk.events[0].data, "refs": {
            "placed_by": "geocoder", "geocode_label": found.label[:100], "geocode_confidence": f"{found.confidence:.3f}"}}
    walk.run()
    return walk.case, walk.events


def _report_fields(history: History, mapping: Mapping, category: str | None, cfg: TaxonomyConfig) -> dict:
    """The report as intake would have taken it (services.report_fields: channel, text, point → grid)."""
    channel = history.channel or Channel.OTHER
    description = history.description or (cfg.categories[category].name if category else "")
    if not description:
        raise RowError(gettext("The description is empty."), field="description")
    fields = _located(history, mapping, channel=channel, description=description[:settings.DESCRIPTION_MAX])
    fields["category_id"] = category  # history keeps categories since switched off, so not _category()
    fields["priority"] = cfg.categories[category].priority if category else 1
    fields["self_handled"] = history.outcome == "self_handled"
    if fields["self_handled"] and not category:
        raise RowError("自行处置的案件须有事项分类 / a self-handled case needs a category")
    if len(history.reference) > 24:
        raise RowError(gettext("The reference is longer than 24 characters."), field="reference")
    fields.update(source=mapping.source, external_id=history.external_id)
    return fields


GEOCODED = "_geocoded"  # the fields' key for the geocoder's answer a row was placed at (popped before the case)
CANDIDATES_NAMED = 3


def _located(history: History, mapping: Mapping, **given) -> dict:
    common = dict(actor=None, category=None, address=history.address[:200], reporter_name=history.reporter_name[:40],
                  reporter_phone=history.reporter_phone[:20], self_handled=False, client_key=None, **given)
    has_point = history.lon not in (None, "") and history.lat not in (None, "")
    if has_point:
        try:
            return services.report_fields(lon=history.lon, lat=history.lat, crs=mapping.crs, **common)
        except ServiceError as exc:
            outside = bool(exc.errors) and exc.errors[0]["field"] == "location"
            if not (outside and mapping.fallback_point):
                raise
    elif history.address.strip():
        best, found = extensions.place_address(history.address.strip()[:200])
        if best is not None:
            fields = services.report_fields(lon=best.lon, lat=best.lat, crs="wgs84", **common)
            fields[GEOCODED] = best
            return fields
        if not mapping.fallback_point:
            raise RowError(_not_placed(history.address.strip(), found))
    elif not mapping.fallback_point:
        raise RowError("缺少经纬度，且映射没有 fallback_point / no point, and the mapping has no fallback_point")
    lon, lat, crs = mapping.fallback_point
    return services.report_fields(lon=lon, lat=lat, crs=crs, **common)


def _not_placed(address: str, found: list) -> str:
    """Why an address could not place its row, with the geocoder's best answers, so the file can be fixed."""
    if not found:
        return (f"缺少经纬度，且地址「{address}」在地址库中找不到 / "
                f"no point, and the address '{address}' is not in the gazetteer")
    named = found[:CANDIDATES_NAMED]
    zh = "、".join(f"{c.label}（{c.confidence:.2f}）" for c in named)
    en = ", ".join(f"{c.label} ({c.confidence:.2f})" for c in named)
    return (f"缺少经纬度，且地址「{address}」不能确定位置，候选：{zh}；请填写经纬度或更完整的地址 / "
            f"no point, and the address '{address}' is not sure enough to place; candidates: {en}; "
            f"give lon/lat or a fuller address")


class _Walk:
    """One case's recorded history, replayed through engine.plan() (as demo.history does)."""

    def __init__(self, history: History, cfg: TaxonomyConfig, fields: dict, department: str | None):
        self.history, self.cfg, self.department = history, cfg, department
        reported = history.times["reported_at"]
        self.case, first = services.new_case(None, fields, reported, reference=history.reference)
        first.actor_role = REPORTER_ROLE.get(fields["channel"], "")
        if fields["self_handled"] and first.actor_role not in services.FIELD_ROLES:
            first.actor_role = Role.INSPECTOR  # only field staff self-handle
        first.request_id = ""
        self.events = [first]
        self._deadline(reported)

    def run(self) -> None:
        h = self.history
        for stamp, at in h.steps():
            self._loop_step(stamp, at)
        if h.outcome == "self_handled":
            self.step(Action.CLOSE, h.times["closed_at"])
        elif h.outcome == "not_filed":
            self.step(Action.NOT_FILE, h.end_time, reason=IMPORT_NOTE)
        elif h.outcome == "void":
            at = h.times.get("voided_at") or h.end_time
            self.step(Action.REQUEST_VOID, at, reason=IMPORT_NOTE, data={"reason": IMPORT_NOTE, "by": None})
            self.step(Action.APPROVE_VOID, at)
        elif h.outcome == "suspended":
            at = max(h.times.get("suspended_at") or self.case.updated_at, self.case.updated_at)
            self.step(Action.REQUEST_SUSPENSION, at, reason=IMPORT_NOTE, data={"reason": IMPORT_NOTE, "by": None})
            self.step(Action.APPROVE_SUSPENSION, at)

    def _loop_step(self, stamp: str, at: datetime) -> None:
        action = ACTION_OF[stamp]
        if action == Action.FILE:
            if not self.case.category_id:
                raise RowError("已立案的案件须有事项分类 / a filed case needs a category")
            self.step(action, at, changes={"category_id": self.case.category_id, "condition": "",
                                           "priority": self.case.priority})
        elif action == Action.DISPATCH:
            department = self.department or self.cfg.department_for(self.case.category_id, self.case.street_id)
            if not department:
                raise RowError("缺少责任部门，且该事项没有派遣规则 / no department, and no routing rule for the category")
            self.step(action, at, changes={"department_id": department, "assignee_id": None},
                      data={"department": department})
        elif action == Action.SIGN:
            self.step(action, at, changes={"assignee_id": None})
        elif action == Action.CHECK:
            self.step(action, at, passed=True, data={"passed": True})
        else:
            self.step(action, at)

    def step(self, action: str, at: datetime, **kwargs) -> None:
        actor = _Actor(ROLE_OF[action], self.case.department_id)
        plan = engine.plan(self.case, actor, action, cfg=self.cfg, now=at, **kwargs)
        engine.apply(self.case, plan)
        self.events.append(CaseEvent(seq=len(self.events) + 1, **{**plan.event, "actor": None}))
        self._deadline(at)

    def _deadline(self, at: datetime) -> None:
        """A stage that just started runs to the source's own deadline, in natural time."""
        case = self.case
        name = DEADLINE_OF.get(case.stage)
        deadline = self.history.times.get(name) if name else None
        if deadline is None or case.stage_run_from != at or case.stage_consumed:
            return
        limit = (deadline - at).total_seconds()
        warn = at + timedelta(seconds=limit * settings.WARN_FRACTION) if limit > 0 else deadline
        case.stage_limit_seconds, case.stage_working = limit, False
        case.stage_deadline, case.stage_warn_at = deadline, warn
