"""Devices that speak HTTP rather than MQTT (its own OpenAPI page at /iot/api/v1/docs)."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer

from civicloop.core import api_errors
from civicloop.core.errors import InvalidInput
from civicloop.iot import services
from civicloop.iot.models import Event

api = NinjaAPI(
    title="civicloop IoT API", version="1", urls_namespace="iot_api", docs_url="/docs",
    description="设备事件上报（HTTP）— devices post events with their token; MQTT is the other way in.",
)
api_errors.install(api, ninja_refusals=False)
MAX_BATCH = 500


class DeviceToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return services.authenticate(token)


class EventsIn(Schema):
    """One event ({"event_id", "type", "value", "time"}) or several ({"events": [...]})."""

    events: list[dict[str, Any]] | None = None
    event_id: str | None = None
    type: str | None = None
    value: float | None = None
    time: str | float | None = None


class Outcome(Schema):
    event_id: str
    outcome: str
    case: str | None


class EventsOut(Schema):
    stored: int
    events: list[Outcome]


@api.post("/events", auth=DeviceToken(), response={200: EventsOut}, summary="上报事件 post events")
def post_events(request, payload: EventsIn):
    device = request.auth
    items = payload.events if payload.events is not None else [payload.dict(exclude={"events"}, exclude_none=True)]
    if not items or len(items) > MAX_BATCH:
        raise InvalidInput.field("events", f"每次 1 到 {MAX_BATCH} 条 / 1 to {MAX_BATCH} events a call")
    result = services.ingest([(device.device_id, item) for item in items], via="http")
    if result.rejected:
        raise InvalidInput.field("events", result.rejected[0][1])
    ids = [str(item.get("event_id") or item.get("id")).strip() for item in items]
    stored = Event.objects.filter(device=device, event_id__in=ids)
    services.process_events(list(stored.values_list("pk", flat=True)))
    rows = stored.select_related("case").order_by("pk")
    return {"stored": result.stored, "events": [
        {"event_id": e.event_id, "outcome": e.outcome or e.status, "case": e.case.reference if e.case else None}
        for e in rows]}
