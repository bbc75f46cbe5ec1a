"""IoT's pure rules: what a device's message must hold, which rule applies to an event, and what
the event does (open a case, add evidence to one, or nothing). No ORM here."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# What became of an event (Event.outcome).
OPENED = "opened"  # it opened a case
EVIDENCE = "evidence"  # the device's case for this category is open: added to it
COOLDOWN = "cooldown"  # that case was closed only a short while ago: added to it, no new case
BELOW = "below_threshold"
NO_RULE = "no_rule"
ERROR = "error"
OUTCOME_LABELS = {OPENED: "立案 opened a case", EVIDENCE: "追加证据 added as evidence", COOLDOWN: "冷却中 cooling down",
                  BELOW: "未达阈值 below threshold", NO_RULE: "无规则 no rule", ERROR: "出错 error"}


@dataclass(frozen=True)
class Incoming:
    event_id: str
    type: str
    value: float | None
    occurred_at: datetime
    payload: dict


def parse_event(data, *, now: datetime) -> Incoming:
    """A device's JSON event: {"event_id", "type", "value"?, "time"? (ISO 8601 or epoch seconds), …}."""
    if not isinstance(data, dict):
        raise ValueError("事件须为 JSON 对象 / an event is a JSON object")
    event_id = str(data.get("event_id") or data.get("id") or "").strip()
    if not event_id or len(event_id) > 64:
        raise ValueError("event_id 必填且不超过64个字符 / event_id is required, at most 64 characters")
    kind = str(data.get("type") or "").strip()
    if not kind or len(kind) > 40:
        raise ValueError("type 必填且不超过40个字符 / type is required, at most 40 characters")
    return Incoming(event_id, kind, _value(data.get("value")), _time(data.get("time"), now), data)


def _value(raw) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return float(raw)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError("value 须为数字 / value must be a number") from None
    if not math.isfinite(value):
        raise ValueError("value 须为有限数字 / value must be finite")
    return value


def _time(raw, now: datetime) -> datetime:
    """A device's clock may be wrong or unset: no time, or one far off, is taken as received."""
    if raw in (None, ""):
        return now
    try:
        if isinstance(raw, (int, float)):
            at = datetime.fromtimestamp(raw / 1000 if raw > 1e11 else raw, tz=timezone.utc)
        else:
            at = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ValueError("time 须为 ISO 8601 或 Unix 时间 / time must be ISO 8601 or Unix seconds") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=now.tzinfo)
    return at if abs(at - now) <= timedelta(days=7) else now


def topic_device(topic: str, prefix: str) -> str | None:
    """<prefix>/<device id>/events → the device id."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head) or not topic.endswith("/events"):
        return None
    device = topic[len(head):-len("/events")]
    return device if device and "/" not in device else None


def topic_of(prefix: str, device_id: str) -> str:
    return f"{prefix.rstrip('/')}/{device_id}/events"


@dataclass(frozen=True)
class RuleView:
    """What matching needs of a rule (models.Rule has these attributes)."""

    id: int
    event_type: str
    device_id: int | None
    facility_id: str
    category: str
    threshold: float | None
    cooldown_minutes: int
    active: bool = True


def pick_rule(rules, *, event_type: str, device_pk: int, facility_id: str):
    """The most specific active rule for the event: this device's, then its facility's, then any."""
    best, best_rank = None, 0
    for rule in rules:
        if not rule.active or rule.event_type != event_type:
            continue
        if rule.device_id:
            rank = 3 if rule.device_id == device_pk else 0
        elif rule.facility_id:
            rank = 2 if facility_id and rule.facility_id == facility_id else 0
        else:
            rank = 1
        if rank > best_rank or (rank == best_rank and rank and rule.id < best.id):
            best, best_rank = rule, rank
    return best


@dataclass(frozen=True)
class LastAlarm:
    open: bool
    opened_at: datetime
    closed_at: datetime | None


def decide(rule, value: float | None, last: LastAlarm | None, now: datetime) -> str:
    """What an event does, given its rule and the device's last case in the rule's category."""
    if rule is None:
        return NO_RULE
    if rule.threshold is not None and (value is None or value < rule.threshold):
        return BELOW
    if last is not None and last.open:
        return EVIDENCE
    if last is not None:
        quiet_from = max(last.opened_at, last.closed_at or last.opened_at)
        if now - quiet_from < timedelta(minutes=rule.cooldown_minutes):
            return COOLDOWN
    return OPENED


def case_key(device_pk: int, event_id: str) -> str:
    """The opened case's idempotency key (report_case's client_key, at most 64 characters)."""
    return "iot:" + hashlib.sha1(f"{device_pk}:{event_id}".encode()).hexdigest()


def open_key(device_pk: int, category: str) -> str:
    """Alarm.open_key: unique while the alarm's case is open, so two processors never open two."""
    return f"{device_pk}:{category}"
