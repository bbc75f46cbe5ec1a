"""The 12345 hotline's machine API (its own OpenAPI page at /hotline/api/v1/docs).

The hotline system authenticates with its API key (X-Api-Key, or Authorization: Bearer), pushes
work orders, and may ask how one is going. Callbacks go the other way (docs/hotline.md).
"""
from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Schema, Status
from ninja.security import APIKeyHeader, HttpBearer

from civicloop.core import api_errors
from civicloop.core.errors import NotFound
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder

api = NinjaAPI(
    title="civicloop 12345 hotline API", version="1", urls_namespace="hotline_api", docs_url="/docs",
    description="12345 热线工单推送与状态查询 — the hotline pushes work orders; callbacks are signed webhooks.",
)
api_errors.install(api, ninja_refusals=False)


class SystemKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return services.authenticate(key or "")


class SystemBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return services.authenticate(token)


AUTH = [SystemKey(), SystemBearer()]


class ErrorOut(Schema):
    code: str
    detail: str


ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class OrderIn(Schema):
    order_id: str
    content: str
    lon: float | None = None
    lat: float | None = None
    crs: str = services.DEFAULT_CRS
    caller_name: str = ""
    caller_phone: str = ""
    category: str = ""
    address: str = ""
    deadline: datetime | None = None


class OrderOut(Schema):
    order_id: str
    status: str = Field(description="placed: the order is a case; to_locate (待定位): received, waiting for an "
                                    "operator to place it (an address the geocoder was not sure of)")
    status_label: str
    case: str | None = Field(description="the case's reference; null while the order waits for a place")
    created: bool
    state: str | None
    state_label: str | None
    deadline: datetime | None
    pushes: int


def _out(order: HotlineOrder, created: bool) -> dict:
    case = order.case
    return {"order_id": order.order_id, "status": order.status, "status_label": order.get_status_display(),
            "case": case.reference if case else None, "created": created, "state": case.state if case else None,
            "state_label": case.get_state_display() if case else None, "deadline": order.deadline,
            "pushes": order.pushes}


@api.post("/orders", auth=AUTH, response={201: OrderOut, 200: OrderOut, **ERRORS},
          summary="推送工单 push a work order (idempotent on order_id)")
def push_order(request, payload: OrderIn):
    received = services.receive_order(request.auth, **payload.dict())
    order = HotlineOrder.objects.select_related("case").get(pk=received.order.pk)
    return Status(201 if received.created else 200, _out(order, received.created))


@api.get("/orders/{order_id}", auth=AUTH, response={200: OrderOut, **ERRORS}, summary="查询工单 how an order is going")
def get_order(request, order_id: str):
    order = HotlineOrder.objects.select_related("case").filter(system=request.auth, order_id=order_id).first()
    if order is None:
        raise NotFound(f"工单不存在 / order {order_id} not found")
    return _out(order, False)
