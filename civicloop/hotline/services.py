"""12345 hotline: work orders in (API and a day's Excel sheet), status callbacks out.

Every order ends in cases.services.report_case on the channel "hotline". An order id is taken
once per hotline system: a unique row links it to its case, and the case's client key is derived
from it, so a push repeated after a timeout (or three times over) returns the first case.
Callbacks are outbox rows written in the transaction of the case's change (signals.py), sent by
the worker with retries and back-off, each with a fixed event id and an HMAC signature.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.cases import services as cases
from civicloop.cases.models import Case, Channel
from civicloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from civicloop.gazetteer import placing
from civicloop.hotline import access, rules
from civicloop.hotline.models import HotlineOrder, HotlineSystem, Visit
from civicloop.lib import tabular
from civicloop.notify import webhook
from civicloop.org import keys
from civicloop.org.models import HashedKey
from civicloop.taxonomy.queries import config

DEFAULT_CRS = "gcj02"  # what Chinese hotline and map systems hand out unless they say otherwise


# ---------------------------------------------------------------------------- systems


def authenticate(raw_key: str) -> HotlineSystem | None:
    key = keys.authenticate(keys.HOTLINE, raw_key)
    return HotlineSystem.objects.filter(key_id=key.pk, active=True).first() if key else None


def create_system(*, name: str, webhook_url: str = "", by=None, via: str = "console") -> tuple[HotlineSystem, str]:
    """A new hotline system and its API key (returned once; only its hash is kept)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "不能为空 / is required")
    if HotlineSystem.objects.filter(name=name).exists():
        raise Conflict(f"已有同名热线系统 {name} / a hotline system of that name exists")
    with transaction.atomic():
        system = HotlineSystem.objects.create(name=name, webhook_url=(webhook_url or "").strip(),
                                              webhook_secret=secrets.token_hex(32))
        return system, _new_key(system, by=by, via=via)


def reissue_key(system: HotlineSystem, *, by=None, via: str = "console") -> str:
    """A new API key; the old one stops working (the webhook secret stays)."""
    with transaction.atomic():
        return _new_key(system, by=by, via=via)


def _new_key(system: HotlineSystem, *, by, via: str) -> str:
    old = HashedKey.objects.filter(pk=system.key_id).first()
    system.key, raw = keys.replace(old, keys.HOTLINE, f"hotline {system.name}", by=by, via=via)
    system.save(update_fields=["key"])
    return raw


# ---------------------------------------------------------------------------- orders in


@dataclass(frozen=True)
class Received:
    order: HotlineOrder
    created: bool


def receive_order(system: HotlineSystem, *, order_id, content: str, lon=None, lat=None, crs: str = DEFAULT_CRS,
                  caller_name: str = "", caller_phone: str = "", category: str = "", address: str = "",
                  deadline=None, via: str = "api") -> Received:
    """One work order → one case, however many times it is pushed. An order with an address and no
    coordinates is geocoded: placed when the geocoder is sure, else it waits in 待定位 without a case."""
    order_id = _order_id(order_id)
    existing = _known(system, order_id)
    if existing is not None:
        return existing
    order = HotlineOrder(system=system, order_id=order_id, caller_name=caller_name or "", caller_phone=caller_phone or "",
                         content=content or "", category_hint=str(category or "").strip()[:60],
                         deadline=_deadline(deadline), via=via, address=str(address or "").strip())
    try:
        if _blank(lon) and _blank(lat):
            return Received(_receive_by_address(order), True)
        return Received(_place(order, lon=lon, lat=lat, crs=crs or DEFAULT_CRS, placement="coordinates"), True)
    except IntegrityError:
        # The same order pushed twice at once: the other push's order is the answer.
        existing = _known(system, order_id)
        if existing is None:
            raise
        return existing


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _receive_by_address(order: HotlineOrder) -> HotlineOrder:
    if not order.address:
        raise InvalidInput.field("address", _("A hotline order needs coordinates (lon and lat) or an address."))
    _check_waiting_fields(order)
    candidates = placing.candidates(order.address, limit=CANDIDATES_KEPT)
    order.candidates = [_candidate_row(c) for c in candidates]
    best = placing.sure_candidate(candidates, settings.HOTLINE_GEOCODE_PLACE_CONFIDENCE)
    if best is not None:
        return _place(order, lon=best.lon, lat=best.lat, crs="wgs84", placement="geocoder", found=order.candidates[0])
    order.status = HotlineOrder.Status.TO_LOCATE
    with transaction.atomic():
        order.save(force_insert=True)
    return order


CANDIDATES_KEPT = placing.CANDIDATES_KEPT


def _candidate_row(c) -> dict:
    return {"lon": c.lon, "lat": c.lat, "confidence": c.confidence, "kind": c.kind, "label": c.label, "grid": c.grid}


def _check_waiting_fields(order: HotlineOrder) -> None:
    """What report_case would refuse, refused now: a waiting order must be placeable later without
    its text being refused then (bad input is refused when it arrives, never half-saved)."""
    limits = (("content", "content", settings.DESCRIPTION_MAX), ("caller_name", "caller_name", 40),
              ("caller_phone", "caller_phone", 20), ("address", "address", 200))
    for field_name, attribute, limit in limits:
        value = str(getattr(order, attribute) or "").strip()
        if field_name == "content" and not value:
            raise InvalidInput.field(field_name, _("This field is required."))
        if len(value) > limit:
            raise InvalidInput.field(field_name, _("At most %(limit)d characters.") % {"limit": limit})
        setattr(order, attribute, value)


def _place(order: HotlineOrder, *, lon, lat, crs: str, placement: str, actor=None, found: dict | None = None,
           now=None) -> HotlineOrder:
    """The order's case at this point, and the order saved with it, in one transaction (new or waiting)."""
    refs = {"hotline_order": order.order_id}
    if placement != "coordinates":
        refs["placed_by"] = placement
    if found:
        refs |= {"geocode_label": found["label"][:100], "geocode_confidence": f"{found['confidence']:.3f}"}
    if actor is not None:
        refs["placed_by_user"] = actor.pk
    with transaction.atomic():
        case = cases.report_case(
            actor=None, channel=Channel.HOTLINE, lon=lon, lat=lat, crs=crs, description=order.content,
            category=category_code(order.category_hint), address=order.address, reporter_name=order.caller_name,
            reporter_phone=order.caller_phone, client_key=rules.client_key(order.system_id, order.order_id), refs=refs)
        order.case, order.status, order.placement = case, HotlineOrder.Status.PLACED, placement
        order.caller_name, order.caller_phone, order.content = case.reporter_name, case.reporter_phone, case.description
        order.placed_by = actor
        order.placed_at = None if placement == "coordinates" else now or timezone.now()
        if order.pk is None:
            order.save(force_insert=True)
            return order
        claimed = HotlineOrder.objects.filter(pk=order.pk, status=HotlineOrder.Status.TO_LOCATE).update(
            case=case, status=order.status, placement=placement, placed_by=actor, placed_at=order.placed_at)
        if claimed != 1:
            raise _already_placed(order)  # rolls the case back with the transaction
    return order


# ---------------------------------------------------------------------------- 待定位: placing by hand


def waiting_orders():
    return HotlineOrder.objects.filter(status=HotlineOrder.Status.TO_LOCATE).select_related("system").order_by("id")


def place_order(order_id: int, *, actor, candidate: int | None = None, lon=None, lat=None,
                crs: str = "wgs84") -> HotlineOrder:
    """An operator places a waiting order: at one of its candidates (by position) or at a point they
    clicked. The case is made as receive_order makes it; two operators at once → one case, and the
    second is told the order is already placed."""
    if not access.can_locate(actor):
        raise Forbidden(_("Only city-wide operators and shift leaders place hotline orders."))
    with transaction.atomic():
        order = HotlineOrder.objects.select_for_update().select_related("system").filter(pk=order_id).first()
        if order is None:
            raise NotFound(_("No such hotline order."))
        if order.status != HotlineOrder.Status.TO_LOCATE:
            raise _already_placed(order)
        if candidate is not None:
            chosen = _chosen(order, candidate)
            return _place(order, lon=chosen["lon"], lat=chosen["lat"], crs="wgs84", placement="candidate",
                          actor=actor, found=chosen)
        if _blank(lon) or _blank(lat):
            raise InvalidInput.field("location", _("Pick a candidate or click on the map."))
        return _place(order, lon=lon, lat=lat, crs=crs or "wgs84", placement="point", actor=actor)


def _chosen(order: HotlineOrder, candidate) -> dict:
    try:
        index = int(candidate)
        if index < 0:
            raise IndexError(index)
        return order.candidates[index]
    except (ValueError, TypeError, IndexError):
        raise InvalidInput.field("candidate", _("No such candidate.")) from None


def _already_placed(order: HotlineOrder) -> Conflict:
    placed = HotlineOrder.objects.select_related("case").filter(pk=order.pk).first()
    reference = placed.case.reference if placed is not None and placed.case_id else ""
    return Conflict(_("Order %(order)s is already placed: case %(case)s.") % {"order": order.order_id, "case": reference})


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
    outcome: str  # created | waiting (待定位) | repeated | error
    reference: str = ""
    problem: tabular.Problem | None = None  # why an "error" row was refused, in the one shape every importer reports

    @property
    def message(self) -> str:
        return self.problem.message if self.problem else ""


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
    def waiting(self) -> int:
        return self.count("waiting")

    @property
    def repeated(self) -> int:
        return self.count("repeated")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def problems(self) -> list[tabular.Problem]:
        return [r.problem for r in self.rows if r.problem is not None]


def import_workbook(system: HotlineSystem, source, *, max_rows: int | None = None) -> ImportReport:
    """A day's orders from the hotline's Excel (or ODS) export; each row succeeds or fails on its own."""
    limit = max_rows or settings.HOTLINE_IMPORT_MAX_ROWS
    try:
        table = rules.read_sheet(source)
    except rules.SheetError as problem:
        return ImportReport(problem=problem.text(_))
    columns, missing = rules.header_map(table.header)
    if missing:
        return ImportReport(problem=_("missing columns: %(missing)s") % {"missing": ", ".join(missing)})
    report = ImportReport()
    for number, row in table.rows:
        if len(report.rows) >= limit:
            report.problem = f"超过{limit}行，其余未导入 / more than {limit} rows: the rest were not imported"
            break
        report.rows.append(_import_row(system, number, rules.row_values(row, columns), columns))
    return report


# The fields report_case names in its refusals, as the sheet's fields that give them; a point is
# two cells, named together.
_FIELD_COLUMNS = {"description": ("content",), "location": ("lon", "lat")}


def _row_problem(number: int, order_id: str, exc: ServiceError, values: dict, columns: dict[str, str]) -> tabular.Problem:
    """The refusal as the user sees it in the sheet: the column at fault when the refusal names one field."""
    named = exc.errors[0].get("field") if exc.errors else None
    names = [n for n in _FIELD_COLUMNS.get(named, (named,)) if n in columns] if named else []
    return tabular.Problem(row=number, message=exc.message, key=order_id,
                           column=", ".join(columns[n] for n in names),
                           value=", ".join(rules.cell_text(values.get(n)) for n in names))


def _import_row(system: HotlineSystem, number: int, values: dict, columns: dict[str, str]) -> RowOutcome:
    order_id = rules.cell_text(values.get("order_id"))
    try:
        received = receive_order(
            system, order_id=order_id, content=rules.cell_text(values.get("content")), lon=values.get("lon"),
            lat=values.get("lat"), crs=rules.cell_text(values.get("crs")) or DEFAULT_CRS,
            caller_name=rules.cell_text(values.get("caller_name")), caller_phone=rules.cell_text(values.get("caller_phone")),
            category=rules.cell_text(values.get("category")), address=rules.cell_text(values.get("address")),
            deadline=values.get("deadline"), via="excel")
    except ServiceError as exc:
        return RowOutcome(number, order_id, "error", problem=_row_problem(number, order_id, exc, values, columns))
    if not received.created:
        outcome = "repeated"
    elif received.order.case_id is None:
        outcome = "waiting"  # 待定位: received, without a place yet
    else:
        outcome = "created"
    case = received.order.case
    return RowOutcome(number, order_id, outcome, reference=case.reference if case else "")


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
    if order.case is None or order.case.state != "closed":  # a 待定位 order has no case to visit yet
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
