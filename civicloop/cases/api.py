"""Cases over JSON: create, list, detail with timeline, one endpoint per workflow action, attachments."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from civicloop.cases import attachments, queries, services
from civicloop.cases.filters import CaseFilter
from civicloop.cases.models import channel_of_role
from civicloop.cases.rules import Action
from civicloop.org.api import staff_auth

router = Router(tags=["cases 案件"], auth=staff_auth)

class ErrorOut(Schema):
    code: str
    detail: str
    errors: list[dict] | None = None
    allowed_actions: list[str] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CaseIn(Schema):
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    description: str = ""
    category: str | None = None
    address: str = ""
    channel: str | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    self_handled: bool = False
    client_key: str | None = None


class CaseSummary(Schema):
    reference: str
    state: str
    state_label: str
    kind: str
    pending: str
    channel: str
    category: str | None
    category_name: str | None
    description: str
    address: str
    lon: float
    lat: float
    grid: str
    community: str
    street: str
    road: str | None = None  # the nearest gazetteer road's code when reported (docs/gazetteer.md)
    priority: int
    department: str | None
    department_name: str | None
    supervised: bool
    stage: str | None
    stage_deadline: datetime | None
    stage_warn_at: datetime | None
    light: str | None
    reported_at: datetime
    closed_at: datetime | None
    version: int


class CaseDetail(CaseSummary):
    condition: str
    road_name: str | None = None
    reporter_name: str
    reporter_phone: str
    assignee: int | None
    inspector: int | None
    duplicate_of: str | None
    self_handled: bool
    report_verified: bool | None
    rework_count: int
    return_count: int
    extension_count: int
    pending_data: dict
    public: bool  # staff made the reporter's description and photos public (POST …/publish)
    published_at: datetime | None
    filed_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    handled_at: datetime | None
    checked_at: datetime | None
    on_time: dict[str, bool | None]
    allowed_actions: list[str]
    timeline: list[dict[str, Any]]
    attachments: list[dict[str, Any]]


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None


@router.post("", response={201: CaseDetail, 200: CaseDetail, **ERRORS}, summary="上报案件 report a case")
def create_case(request, payload: CaseIn):
    user = request.auth
    channel = payload.channel or channel_of_role(user.role)
    before = payload.client_key and services.Case.objects.filter(client_key=payload.client_key).exists()
    case = services.report_case(
        actor=user, channel=channel, lon=payload.lon, lat=payload.lat, crs=payload.crs,
        description=payload.description, category=payload.category, address=payload.address,
        reporter_name=payload.reporter_name, reporter_phone=payload.reporter_phone,
        self_handled=payload.self_handled, client_key=payload.client_key,
    )
    case = services.get_case(user, case.reference)
    return Status(200 if before else 201, queries.detail(case, user))


@router.get("", response={200: CasePage, **ERRORS}, summary="案件列表 list cases")
def list_cases(request, filters: Query[CaseFilter], cursor: str | None = None, limit: int = 50):
    """The filter's parameters are the console list's (cases/filters.py); a bad value is a 422 naming its field."""
    rows, next_cursor = queries.page(filters.cases(request.auth), cursor=cursor, limit=limit)
    return {"items": [queries.summary(c, request.auth) for c in rows], "next_cursor": next_cursor}


@router.get("/{reference}", response={200: CaseDetail, **ERRORS}, summary="案件详情 case detail with timeline")
def case_detail(request, reference: str):
    case = services.get_case(request.auth, reference)
    return queries.detail(case, request.auth)


# ---------------------------------------------------------------------------- one endpoint per action


class ActionIn(Schema):
    version: int | None = None


class NoteIn(ActionIn):
    note: str = ""


class ReasonIn(ActionIn):
    reason: str = ""


class VerificationRequestIn(NoteIn):
    inspector: int | None = None


class VerifyIn(NoteIn):
    real: bool | None = None


class FileIn(NoteIn):
    category: str | None = None
    condition: str = ""
    priority: int | None = None
    grid: str | None = None  # only to correct a report placed in the wrong grid


class DispatchIn(NoteIn):
    department: str | None = None


class CheckIn(NoteIn):
    passed: bool | None = None


class ExtensionIn(ReasonIn):
    amount: float | None = None
    unit: str | None = None


class MergeIn(ReasonIn):
    into: str = ""


class ReassignIn(ReasonIn):
    department: str | None = None


SCHEMAS: dict[str, type[ActionIn]] = {
    Action.REQUEST_VERIFICATION: VerificationRequestIn,
    Action.VERIFY_REPORT: VerifyIn,
    Action.FILE: FileIn,
    Action.NOT_FILE: ReasonIn,
    Action.DISPATCH: DispatchIn,
    Action.SIGN: ActionIn,
    Action.HANDLE: NoteIn,
    Action.CHECK: CheckIn,
    Action.CLOSE: NoteIn,
    Action.REQUEST_VOID: ReasonIn,
    Action.APPROVE_VOID: ReasonIn,
    Action.DENY_VOID: ReasonIn,
    Action.REQUEST_RETURN: ReasonIn,
    Action.APPROVE_RETURN: ReasonIn,
    Action.DENY_RETURN: ReasonIn,
    Action.REQUEST_EXTENSION: ExtensionIn,
    Action.APPROVE_EXTENSION: ExtensionIn,
    Action.DENY_EXTENSION: ReasonIn,
    Action.REQUEST_SUSPENSION: ReasonIn,
    Action.APPROVE_SUSPENSION: ReasonIn,
    Action.DENY_SUSPENSION: ReasonIn,
    Action.RESUME: NoteIn,
    Action.SUPERVISE: ReasonIn,
    Action.UNSUPERVISE: ReasonIn,
    Action.REOPEN: ReasonIn,
    Action.MERGE: MergeIn,
    Action.REASSIGN: ReassignIn,
}


def _register(action: str, schema: type[ActionIn]) -> None:
    service = services.ACTIONS[action]

    def endpoint(request, reference: str, payload: schema):  # type: ignore[valid-type]
        user = request.auth
        case = services.get_case(user, reference, for_action=True)
        service(case, user, **payload.dict())
        return queries.detail(case, user)

    endpoint.__name__ = f"case_{action}"
    endpoint.__annotations__ = {"reference": str, "payload": schema}  # resolved now, not as strings
    router.post(
        f"/{{reference}}/{action.replace('_', '-')}", response={200: CaseDetail, **ERRORS},
        summary=Action(action).label, operation_id=f"case_{action}",
    )(endpoint)


for _action, _schema in SCHEMAS.items():
    _register(_action, _schema)


class PublishIn(ActionIn):
    public: bool | None = None
    reason: str = ""


@router.post("/{reference}/publish", response={200: CaseDetail, **ERRORS}, operation_id="case_publish",
             summary="公开 make public: others may read the report and see its photos (or no longer)")
def publish_case(request, reference: str, payload: PublishIn):
    user = request.auth
    case = services.get_case(user, reference, for_action=True)
    services.set_public(case, user, public=payload.public, reason=payload.reason, version=payload.version)
    return queries.detail(case, user)


class ReasonIn(ActionIn):
    reason: str = ""


def _register_command(path: str, service, summary: str) -> None:
    """市级接管 / 交回区级 (two-level command): timeline decisions by the city centre's leaders."""
    def endpoint(request, reference: str, payload: ReasonIn):
        user = request.auth
        case = services.get_case(user, reference, for_action=True)
        service(case, user, reason=payload.reason, version=payload.version)
        return queries.detail(case, user)

    endpoint.__name__ = f"case_{path.replace('-', '_')}"
    router.post(f"/{{reference}}/{path}", response={200: CaseDetail, **ERRORS}, operation_id=endpoint.__name__,
                summary=summary)(endpoint)


_register_command("take-over", services.take_over_case, "市级接管 the city centre takes over a case its district's centre runs")
_register_command("hand-back", services.hand_back_case, "交回区级 hand a taken-over case back to its district's centre")


# ---------------------------------------------------------------------------- attachments


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int


@router.post("/{reference}/attachments", response={201: AttachmentOut, **ERRORS}, summary="上传附件 upload a photo")
def upload_attachment(request, reference: str, file: File[UploadedFile], kind: Form[str] = "before"):
    case = services.get_case(request.auth, reference, for_action=True)
    item = attachments.attach(case, request.auth, file, kind=kind)
    return Status(201, {"id": item.pk, "kind": item.kind, "content_type": item.content_type, "size": item.size})


@router.get("/{reference}/attachments/{attachment_id}", summary="下载附件 download a photo")
def download_attachment(request, reference: str, attachment_id: int, size: str = "full"):
    """The photo without metadata; `?size=thumb` its JPEG thumbnail (long side 320)."""
    case = services.get_case(request.auth, reference)
    item = attachments.get(case, attachment_id)
    return attachments.file_response(item, size=size)
