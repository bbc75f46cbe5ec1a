"""The patrol phone page's JSON endpoints (patrols/api/…), authenticated by the staff session
and protected by CSRF like every console form. Each answers JSON, errors as {"code", "detail"}."""
from __future__ import annotations

import json
from functools import wraps

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from civicloop.core.errors import Forbidden, InvalidInput, ServiceError
from civicloop.patrols import services
from civicloop.patrols.models import Patrol


def _json(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            if not request.user.is_authenticated:
                raise Forbidden("请先登录 / sign in first")
            body = view(request, _body(request), *args, **kwargs)
            return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        except ServiceError as error:
            return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return require_POST(wrapper)


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise InvalidInput("请求不是有效的 JSON / the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("请求须为 JSON 对象 / the body must be a JSON object")
    return data


def patrol_json(patrol: Patrol) -> dict:
    return {"id": patrol.pk, "state": patrol.state, "started_at": patrol.started_at.isoformat(),
            "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None,
            "points": patrol.point_count, "distance_m": round(patrol.distance_m)}


@_json
def start(request, data):
    return patrol_json(services.start_patrol(request.user, client_key=str(data.get("client_key") or "")))


@_json
def points(request, data, patrol_id: int):
    return services.upload_points(request.user, patrol_id, batch_id=str(data.get("batch_id") or ""),
                                  points=data.get("points"))


@_json
def end(request, data, patrol_id: int):
    return patrol_json(services.end_patrol(request.user, patrol_id))


@_json
def position(request, data):
    where = services.report_position(request.user, lon=data.get("lon"), lat=data.get("lat"),
                                     accuracy=data.get("acc"), crs=str(data.get("crs") or "wgs84"))
    return {"lon": where.lon, "lat": where.lat, "at": where.at.isoformat()}


@_json
def duty(request, data):
    if data.get("on"):
        shift = services.check_in(request.user)
        return {"on_duty": True, "since": shift.started_at.isoformat()}
    services.check_out(request.user)
    return {"on_duty": False}
