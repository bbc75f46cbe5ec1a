"""12345 hotline: work orders in (API and a day's Excel sheet), status callbacks out.

Every order ends in cases.services.report_case on the channel "hotline". An order id is taken
once per hotline system: a unique row links it to its case, and the case's client key is derived
from it, so a push repeated after a timeout (or three times over) returns the first case.
Callbacks are outbox rows written in the transaction of the case's change (signals.py), sent by
the worker with retries and back-off, each with a fixed event id and an HMAC signature.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicloop.cases import services as cases
from civicloop.cases.models import Case, Channel
from civicloop.core.errors import Conflict, InvalidInput, ServiceError
from civicloop.hotline import rules
from civicloop.hotline.models import HotlineOrder, HotlineSystem, Visit, digest
from civicloop.notify import webhook
from civicloop.taxonomy.queries import config

DEFAULT_CRS = "gcj02"  # what Chinese hotline and map systems hand out unless they say otherwise


# ---------------------------------------------------------------------------- systems


def authenticate(raw_key: str) -> HotlineSystem | None:
    if not raw_key:
        return None
    system = HotlineSystem.objects.filter(key_digest=digest(raw_key), active=True).first()
    if system is not None:
        HotlineSystem.objects.filter(pk=system.pk).update(last_used_at=timezone.now())
    return system


def create_system(*, name: str, webhook_url: str = "") -> tuple[HotlineSystem, str]:
    """A new hotline system and its API key (returned once; only its hash is kept)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "不能为空 / is required")
    if HotlineSystem.objects.filter(name=name).exists():
        raise Conflict(f"已有同名热线系统 {name} / a hotline system of that name exists")
    system = HotlineSystem(name=name, webhook_url=(webhook_url or "").strip())
    raw = system.issue_key()
    system.save()
    return system, raw


def reissue_key(system: HotlineSystem) -> str:
    raw = system.issue_key()
    system.save(update_fields=["key_digest", "key_prefix", "webhook_secret"])
    return raw


# ---------------------------------------------------------------------------- orders in


@dataclass(frozen=True)
class Received:
    order: HotlineOrder
    created: bool


def receive_order(system: HotlineSystem, *, order_id, content: str, lon, lat, crs: str = DEFAULT_CRS,
                  caller_name: str = "", caller_phone: str = "", category: str = "", address: str = "",
                  deadline=None, via: str = "api") -> Received:
    """One work order → one case, however many times it is pushed."""
    order_id = _order_id(order_id)
    existing = _known(system, order_id)
    if existing is not None:
        return existing
    hint = str(category or "").strip()[:60]
    due = _deadline(deadline)
    try:
        with transaction.atomic():
            case = cases.report_case(
                actor=None, channel=Channel.HOTLINE, lon=lon, lat=lat, crs=crs or DEFAULT_CRS,
                description=content, category=category_code(hint), address=address,
                reporter_name=caller_name, reporter_phone=caller_phone,
                client_key=rules.client_key(system.pk, order_id), refs={"hotline_order": order_id})
            order = HotlineOrder.objects.create(
                system=system, order_id=order_id, case=case, caller_name=case.reporter_name,
                caller_phone=case.reporter_phone, content=case.description, category_hint=hint,
                deadline=due, via=via)
    except IntegrityError:
        # The same order pushed twice at once: the other push's order is the answer.
        existing = _known(system, order_id)
        if existing is None:
            raise
        return existing
    return Received(order, True)


def _known(system: HotlineSystem, order_id: str) -> Received | None:
    order = HotlineOrder.objects.select_related("case").filter(system=system, order_id=order_id).first()
    if order is None:
        return None
    HotlineOrder.objects.filter(pk=order.pk).update(pushes=F("pushes") + 1)
    return Received(order, False)


def _order_id(value) -> str:
    text = rules.cell_text(value)
    if not text:
        raise InvalidInput.field("order_id", "不能为空 / is required")
    if len(text) > 64:
        raise InvalidInput.field("order_id", "不能超过64个字符 / at most 64 characters")
    return text


def _deadline(value) -> datetime | None:
    try:
        parsed = rules.deadline_value(value)
    except ValueError as exc:
        raise InvalidInput.field("deadline", str(exc)) from None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def category_code(hint: str) -> str | None:
    """The hotline's category, when it names one of ours (by code or by name); otherwise the
    operator chooses, and the hotline's wording stays on the order."""
    if not hint:
        return None
    categories = config().categories
    info = categories.get(hint)
    if info is None:
        info = next((c for c in categories.values() if c.name == hint), None)
    return info.code if info is not None and info.active else None


# ---------------------------------------------------------------------------- a day's sheet


@dataclass
class RowOutcome:
    row: int
    order_id: str
    outcome: str  # created | repeated | error
    reference: str = ""
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowOutcome] = field(default_factory=list)
    problem: str = ""  # the whole file was refused (not a sheet, a missing column)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def repeated(self) -> int:
        return self.count("repeated")

    @property
    def errors(self) -> int:
        return self.count("error")


def import_workbook(system: HotlineSystem, source, *, max_rows: int | None = None) -> ImportReport:
    """A day's orders from the hotline's Excel export; each row succeeds or fails on its own."""
    from django.conf import settings
    from openpyxl import load_workbook

    limit = max_rows or settings.HOTLINE_IMPORT_MAX_ROWS
    try:
        sheet = load_workbook(source, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns, missing = rules.header_map(list(next(rows, ())))
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return ImportReport(problem="不是有效的 Excel 文件（.xlsx）/ not an Excel workbook (.xlsx)")
    if missing:
        return ImportReport(problem=f"缺少列 / missing columns: {', '.join(missing)}")
    report = ImportReport()
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        if len(report.rows) >= limit:
            report.problem = f"超过{limit}行，其余未导入 / more than {limit} rows: the rest were not imported"
            break
        report.rows.append(_import_row(system, number, rules.row_values(row, columns)))
    return report


def _import_row(system: HotlineSystem, number: int, values: dict) -> RowOutcome:
    order_id = rules.cell_text(values.get("order_id"))
    try:
        received = receive_order(
            system, order_id=order_id, content=rules.cell_text(values.get("content")), lon=values.get("lon"),
            lat=values.get("lat"), crs=rules.cell_text(values.get("crs")) or DEFAULT_CRS,
            caller_name=rules.cell_text(values.get("caller_name")), caller_phone=rules.cell_text(values.get("caller_phone")),
            category=rules.cell_text(values.get("category")), address=rules.cell_text(values.get("address")),
            deadline=values.get("deadline"), via="excel")
    except ServiceError as exc:
        return RowOutcome(number, order_id, "error", message=exc.message)
    outcome = "created" if received.created else "repeated"
    return RowOutcome(number, order_id, outcome, reference=received.order.case.reference)


# ---------------------------------------------------------------------------- callbacks out


def announce_case_step(case: Case, event) -> None:
    """The case_changed receiver's work: an outbox row for the hotline, in the same transaction."""
    kind = rules.WEBHOOK_OF.get(event.action)
    if kind is None or case.channel != Channel.HOTLINE:
        return
    order = HotlineOrder.objects.select_related("system").filter(case_id=case.pk).first()
    if order is None:
        return
    order.case = case
    department = case.department if case.department_id else None
    _send(order, kind, seq=event.seq, at=event.created_at, data={
        "state": case.state, "message": event.reason or "", "department": department.name if department else "",
    })


def record_visit(order: HotlineOrder, *, satisfied: bool, stars: int | None = None, comment: str = "",
                 actor=None) -> Visit:
    """回访: the caller's verdict on a closed order, sent to the hotline like the case's steps."""
    if order.case.state != "closed":
        raise InvalidInput.field("satisfied", "工单办结后才能回访 / a return visit follows the closure")
    if stars is not None and not 1 <= int(stars) <= 5:
        raise InvalidInput.field("stars", "评分须为 1 到 5 / stars are 1 to 5")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise InvalidInput.field("comment", "不能超过500个字符 / at most 500 characters")
    with transaction.atomic():
        visit = Visit.objects.create(order=order, satisfied=bool(satisfied), stars=stars, comment=comment,
                                     recorded_by=actor)
        _send(order, "visit", seq=visit.pk, at=visit.created_at,
              data={"satisfied": visit.satisfied, "stars": visit.stars, "comment": visit.comment})
    return visit


def _send(order: HotlineOrder, kind: str, *, seq: int, at, data: dict) -> None:
    system = order.system
    if not system.active or not system.webhook_url:
        return
    reference = order.case.reference
    webhook.enqueue_webhook(
        url=system.webhook_url, secret=system.webhook_secret, event=kind, at=at,
        event_id=rules.event_id(reference, kind, seq), case=order.case,
        subject=f"12345 {order.order_id} {rules.EVENT_LABELS[kind]}",
        data={"order_id": order.order_id, "case": reference, **data})
