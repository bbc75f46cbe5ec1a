"""IoT and AI cameras: devices, events in (MQTT and HTTP), rules that open cases on 重点自动识别.

Two steps, so nothing is lost: `ingest` stores a batch of events (one INSERT, repeats ignored by
the unique (device, event id)), and only then does `process_pending` run the rules over stored
events. A rule that fails (a category since deactivated, a device placed outside the city) marks
its event failed with the error; `rerun` puts it back once the rule is fixed.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from civicloop.cases import services as cases
from civicloop.cases.rules import Kind
from civicloop.core import changes
from civicloop.core.errors import Conflict, InvalidInput, ServiceError
from civicloop.iot import rules
from civicloop.iot.models import Alarm, Device, Event, Evidence, Rule
from civicloop.org import keys
from civicloop.org.models import HashedKey

log = logging.getLogger("civicloop.iot")


# ---------------------------------------------------------------------------- devices


def authenticate(raw_token: str) -> Device | None:
    key = keys.authenticate(keys.DEVICE, raw_token)
    return Device.objects.filter(key_id=key.pk, active=True).first() if key else None


def register_device(*, device_id: str, name: str, kind: str = Device.Kind.CAMERA, lon: float, lat: float,
                    facility_id: str = "", address: str = "", by=None, via: str = "console") -> tuple[Device, str]:
    """A new device and its token (returned once; only its hash is kept)."""
    from django.utils.text import slugify

    device_id = (device_id or "").strip()
    if not device_id or slugify(device_id) != device_id.lower() or len(device_id) > 64:
        raise InvalidInput.field("device_id", "设备编号只能含字母、数字、-、_ / letters, digits, - and _ only")
    if Device.objects.filter(device_id=device_id).exists():
        raise Conflict(f"设备编号已存在 {device_id} / device id already registered")
    if kind not in Device.Kind.values:
        raise InvalidInput.field("kind", "类型须为 camera 或 sensor / kind is camera or sensor")
    device = Device(device_id=device_id, name=(name or device_id).strip()[:80], kind=kind, lon=float(lon),
                    lat=float(lat), facility_id=(facility_id or "").strip(), address=(address or "").strip()[:200])
    with transaction.atomic():
        device.save()
        return device, reissue_token(device, by=by, via=via)


def reissue_token(device: Device, *, by=None, via: str = "console") -> str:
    """A new token; the old one stops working."""
    with transaction.atomic():
        old = HashedKey.objects.filter(pk=device.key_id).first()
        device.key, raw = keys.replace(old, keys.DEVICE, f"device {device.device_id}", by=by, via=via)
        device.save(update_fields=["key"])
    return raw


class Directory:
    """device id → (pk, active), kept by a long-running consumer; an unknown id is looked up again
    (a device registered after the consumer started), at most once a minute per id."""

    def __init__(self):
        self._known: dict[str, tuple[int, bool]] = {}
        self._missing: dict[str, float] = {}

    def get(self, device_id: str) -> int | None:
        import time

        hit = self._known.get(device_id)
        if hit is None:
            if time.monotonic() - self._missing.get(device_id, -1e9) < 60:
                return None
            row = Device.objects.filter(device_id=device_id).values_list("pk", "active").first()
            if row is None:
                self._missing[device_id] = time.monotonic()
                return None
            hit = self._known[device_id] = (row[0], row[1])
        return hit[0] if hit[1] else None


# ---------------------------------------------------------------------------- events in


@dataclass
class Ingested:
    stored: int = 0  # rows offered to the database (repeats among them are ignored there)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (device id, why)


def ingest(messages: list[tuple[str, object]], *, via: str = "mqtt", directory: Directory | None = None,
           now: datetime | None = None) -> Ingested:
    """Store a batch of (device id, JSON event) in one statement. Repeats of a stored event are
    ignored by the database; bad messages are reported, never stored half-way."""
    now = now or timezone.now()
    directory = directory or Directory()
    result, rows, seen = Ingested(), [], set()
    for device_id, data in messages:
        pk = directory.get(device_id)
        if pk is None:
            result.rejected.append((device_id, "未知或停用的设备 / unknown or inactive device"))
            continue
        try:
            incoming = rules.parse_event(data, now=now)
        except ValueError as exc:
            result.rejected.append((device_id, str(exc)))
            continue
        if (pk, incoming.event_id) in seen:
            continue
        seen.add((pk, incoming.event_id))
        rows.append(Event(device_id=pk, event_id=incoming.event_id, type=incoming.type, value=incoming.value,
                          occurred_at=incoming.occurred_at, received_at=now, payload=incoming.payload, via=via))
    if rows:
        with transaction.atomic():
            _insert_ignoring_repeats(rows)
            Device.objects.filter(pk__in={row.device_id for row in rows}).update(last_seen_at=now)
    result.stored = len(rows)
    return result


_EVENT_COLUMNS = ("device_id", "event_id", "type", "value", "occurred_at", "received_at", "payload", "via",
                  "status", "outcome", "error")


def _insert_ignoring_repeats(rows: list[Event]) -> None:
    """One executemany of INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): the ORM's
    bulk_create costs more per row than the database does, and this is the consumer's hot path."""
    table = connection.ops.quote_name(Event._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))}) "
           "ON CONFLICT (device_id, event_id) DO NOTHING")
    when = _sqlite_time if connection.vendor == "sqlite" else (lambda value: value)
    values = [(e.device_id, e.event_id, e.type, e.value, when(e.occurred_at), when(e.received_at),
               json.dumps(e.payload, ensure_ascii=False), e.via, Event.Status.NEW, "", "") for e in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _sqlite_time(value: datetime) -> str:
    """What Django stores for an aware datetime on SQLite: naive UTC text."""
    return value.astimezone(dt_timezone.utc).replace(tzinfo=None).isoformat(" ")


# ---------------------------------------------------------------------------- rules over stored events


def process_pending(*, limit: int = 500, now: datetime | None = None) -> int:
    """Run the rules over stored events not yet processed (the worker's and the consumer's job)."""
    return _process(Q(status=Event.Status.NEW), limit=limit, now=now)


def process_events(ids: list[int], *, now: datetime | None = None) -> int:
    return _process(Q(status=Event.Status.NEW, pk__in=ids), limit=len(ids) or 1, now=now)


def rerun(*, ids: list[int] | None = None) -> int:
    """Failed events back into the queue (after the rule or device was fixed)."""
    failed = Event.objects.filter(status=Event.Status.FAILED)
    if ids is not None:
        failed = failed.filter(pk__in=ids)
    return failed.update(status=Event.Status.NEW, outcome="", error="")


def _process(where: Q, *, limit: int, now: datetime | None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        # skip_locked: the consumer and the worker share the queue without taking the same events.
        events = list(Event.objects.select_for_update(skip_locked=True, of=("self",)).filter(where)
                      .select_related("device").order_by("pk")[:limit])
        if not events:
            return 0
        batch = _Batch(list(Rule.objects.filter(active=True)), now)
        for event in events:
            batch.apply(event)
        batch.save()
    return len(events)


class _Batch:
    """One pass of the rules over a batch of events: the quiet outcomes are written with one UPDATE
    each, a storm's evidence with one INSERT; only opening a case costs a transaction of its own."""

    def __init__(self, active_rules: list[Rule], now: datetime):
        self.rules, self.now = active_rules, now
        self.alarms: dict[tuple[int, str], Alarm | None] = {}
        self.done: dict[tuple[str, int | None, int | None], list[int]] = defaultdict(list)
        self.evidence: list[Evidence] = []
        self.alarm_counts: dict[int, tuple[int, datetime]] = {}

    def apply(self, event: Event) -> None:
        device = event.device
        rule = rules.pick_rule(self.rules, event_type=event.type, device_pk=device.pk, facility_id=device.facility_id)
        alarm = self._alarm(device.pk, rule.category) if rule is not None else None
        outcome = rules.decide(rule, event.value, _last(alarm), self.now)
        if outcome == rules.OPENED:
            try:
                alarm = self._open(event, rule)
            except Exception as exc:  # the event stays stored, marked failed, re-runnable
                self._fail(event, rule, exc)
                return
        if outcome in (rules.OPENED, rules.EVIDENCE, rules.COOLDOWN):
            self._attach(event, alarm, outcome)
        self.done[(outcome, rule.pk if rule else None, alarm.case_id if alarm else None)].append(event.pk)

    def _alarm(self, device_pk: int, category: str) -> Alarm | None:
        key = (device_pk, category)
        if key not in self.alarms:
            self.alarms[key] = (Alarm.objects.filter(device_id=device_pk, category=category)
                                .select_related("case").order_by("-opened_at", "-pk").first())
        return self.alarms[key]

    def _open(self, event: Event, rule: Rule) -> Alarm:
        device = event.device
        try:
            with transaction.atomic():
                case = cases.report_case(
                    actor=None, channel=device.kind, lon=device.lon, lat=device.lat, crs="wgs84",
                    description=_description(device, rule, event), category=rule.category, address=device.address,
                    client_key=rules.case_key(device.pk, event.event_id),
                    refs={"device": device.device_id, "iot_event": event.event_id})
                alarm = Alarm.objects.create(device=device, category=rule.category, case=case, rule=rule,
                                             opened_at=self.now, last_event_at=event.occurred_at, events=0,
                                             open_key=rules.open_key(device.pk, rule.category))
        except IntegrityError:
            # Another processor opened this device's case for the category a moment ago: join it.
            alarm = Alarm.objects.select_related("case").get(open_key=rules.open_key(device.pk, rule.category))
        self.alarms[(device.pk, rule.category)] = alarm
        return alarm

    def _attach(self, event: Event, alarm: Alarm, outcome: str) -> None:
        self.evidence.append(Evidence(alarm=alarm, event=event))
        count, last = self.alarm_counts.get(alarm.pk, (0, event.occurred_at))
        self.alarm_counts[alarm.pk] = (count + 1, max(last, event.occurred_at))

    def _fail(self, event: Event, rule: Rule, exc: Exception) -> None:
        message = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
        log.warning("iot event %s (%s) failed in rule %s: %s", event.pk, event.device.device_id, rule.pk, message)
        Event.objects.filter(pk=event.pk).update(status=Event.Status.FAILED, outcome=rules.ERROR, rule=rule,
                                                 error=message[:300])

    def save(self) -> None:
        for (outcome, rule_id, case_id), ids in self.done.items():
            Event.objects.filter(pk__in=ids).update(status=Event.Status.DONE, outcome=outcome, rule_id=rule_id,
                                                    case_id=case_id, error="")
        Evidence.objects.bulk_create(self.evidence, ignore_conflicts=True)
        for alarm_pk, (count, last) in self.alarm_counts.items():
            Alarm.objects.filter(pk=alarm_pk).update(events=F("events") + count, last_event_at=last)


def _last(alarm: Alarm | None) -> rules.LastAlarm | None:
    if alarm is None:
        return None
    return rules.LastAlarm(open=alarm.open_key is not None and alarm.case.kind == Kind.OPEN,
                           opened_at=alarm.opened_at, closed_at=alarm.case.closed_at)


def _description(device: Device, rule: Rule, event: Event) -> str:
    value = "" if event.value is None else f"，数值 {event.value:g}"
    where = f"（{device.address}）" if device.address else ""
    return f"【{rule.name}】{device.name}{where}报告 {event.type}{value}。设备 {device.device_id}，事件 {event.event_id}。"


def case_left_open(case, event) -> None:
    """case_changed: once a device's case is closed, voided or merged, the next storm may open a new one."""
    if case.channel not in (Device.Kind.CAMERA, Device.Kind.SENSOR) or case.kind == Kind.OPEN:
        return
    Alarm.objects.filter(case_id=case.pk, open_key__isnull=False).update(open_key=None)


# ---------------------------------------------------------------------------- trying a rule


@dataclass(frozen=True)
class Trial:
    rule: Rule | None
    outcome: str
    message: str


def try_event(device: Device, *, event_type: str, value: float | None) -> Trial:
    """What a sample event from this device would do now, without storing it (the rules page)."""
    rule = rules.pick_rule(list(Rule.objects.filter(active=True)), event_type=event_type, device_pk=device.pk,
                           facility_id=device.facility_id)
    alarm = None
    if rule is not None:
        alarm = (Alarm.objects.filter(device=device, category=rule.category).select_related("case")
                 .order_by("-opened_at", "-pk").first())
    outcome = rules.decide(rule, value, _last(alarm), timezone.now())
    detail = rules.OUTCOME_LABELS[outcome]
    if alarm is not None and outcome in (rules.EVIDENCE, rules.COOLDOWN):
        detail += f" → {alarm.case.reference}"
    return Trial(rule, outcome, detail)


def save_rule(actor, rule: Rule, *, via: str = changes.Via.CONSOLE, reason: str = "") -> Rule:
    """An IoT rule, new or changed: validated, saved and recorded in the configuration change log."""
    return changes.save(actor, rule, via=via, reason=reason)
