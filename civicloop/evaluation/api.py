"""Evaluation over JSON: figures, scores and the 红黑榜, for staff (token or session), scoped."""
from __future__ import annotations

from ninja import Query, Router, Schema, Status

from civicloop.core.errors import Forbidden
from civicloop.evaluation import queries, services
from civicloop.evaluation.models import Ranking
from civicloop.evaluation.periods import parse
from civicloop.org.api import staff_auth
from civicloop.org.roles import Scope

router = Router(tags=["evaluation 综合评价"], auth=staff_auth)


class ErrorOut(Schema):
    code: str
    detail: str
    errors: list[dict] | None = None


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MetricsQuery(Schema):
    period: str = "this-month"
    by: str | None = None
    department: str | None = None
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    category: str | None = None
    channel: str | None = None
    actor: str | None = None


class RowOut(Schema):
    key: str
    label: str
    counts: dict[str, int]
    rates: dict[str, str | None]


class MetricsOut(Schema):
    period: str
    start: str
    end: str
    by: str | None
    rows: list[RowOut]


@router.get("/metrics", response={200: MetricsOut, **ERRORS}, summary="统计指标 counts and rates")
def metrics(request, q: Query[MetricsQuery]):
    period = parse(q.period)
    filters = q.dict(exclude={"period", "by"})
    rows = queries.metrics(period, q.by, user=request.auth, **filters)
    return {"period": period.label, "start": str(period.start), "end": str(period.end), "by": q.by,
            "rows": [r.as_dict() for r in rows]}


class ScoredOut(RowOut):
    score: str | None
    grade: str | None
    parts: dict[str, str | None]


class ScoresOut(Schema):
    period: str
    subject: str
    rows: list[ScoredOut]


@router.get("/scores", response={200: ScoresOut, **ERRORS}, summary="综合评价得分 weighted scores and grades")
def scores(request, subject: str, period: str = "last-month", area: str = "street"):
    found = queries.scores(parse(period), subject, user=request.auth, area=area)
    return {"period": parse(period).label, "subject": subject, "rows": [s.as_dict() for s in found]}


class RankingOut(Schema):
    month: str
    subject: str
    published: bool
    published_at: str | None
    rows: list[dict]
    red: list[dict]
    black: list[dict]


def _city_wide(user) -> None:
    if getattr(user, "scope", None) != Scope.CITY:
        raise Forbidden("红黑榜的计算仅限全市范围的工作人员 / rankings are for city-wide staff")


@router.get("/rankings/{month}/{subject}", response={200: RankingOut, **ERRORS},
            summary="红黑榜（已发布的，或当前计算的）a month's ranking, published or live")
def ranking(request, month: str, subject: str, size: int = services.DEFAULT_LIST_SIZE, area: str = "street"):
    """`area=district` ranks the districts (two-level command); published rankings are of streets."""
    period = services._month(month)
    frozen = None
    if area == "street":
        frozen = Ranking.objects.filter(month=period.start, subject=subject, published_at__isnull=False).first()
    if frozen is None:
        _city_wide(request.auth)
    rows = frozen.rows if frozen else queries.ranking(period, subject, area=area)
    red, black = queries.red_and_black(rows, frozen.list_size if frozen else size)
    return {"month": period.label, "subject": subject, "published": frozen is not None,
            "published_at": frozen.published_at.isoformat() if frozen else None, "rows": rows, "red": red,
            "black": black}


class PublishIn(Schema):
    list_size: int = services.DEFAULT_LIST_SIZE


@router.post("/rankings/{month}/{subject}/publish", response={201: RankingOut, **ERRORS},
             summary="发布红黑榜 publish (freeze) a month's ranking")
def publish(request, month: str, subject: str, payload: PublishIn):
    frozen = services.publish_ranking(month, subject, request.auth, list_size=payload.list_size)
    red, black = queries.red_and_black(frozen.rows, frozen.list_size)
    return Status(201, {"month": f"{frozen.month:%Y-%m}", "subject": subject, "published": True,
                 "published_at": frozen.published_at.isoformat(), "rows": frozen.rows, "red": red, "black": black})


class PublishedOut(Schema):
    month: str
    subject: str
    published_at: str


@router.get("/rankings", response={200: list[PublishedOut], **ERRORS}, summary="已发布的红黑榜 published months")
def published(request):
    return [{"month": f"{r.month:%Y-%m}", "subject": r.subject, "published_at": r.published_at.isoformat()}
            for r in queries.published()]
