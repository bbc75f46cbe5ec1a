"""State changes of the 安心码: shops, inspections, quarterly ratings, 卫生点赞."""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.facilities.services import place_fields
from civicloop.org.roles import Role
from civicloop.shops import rules
from civicloop.shops.models import ChecklistItem, Inspection, Kind, Like, Rating, Shop

INSPECTORS = frozenset({Role.INSPECTOR, Role.GRID_WORKER, Role.HANDLER, Role.OPERATOR, Role.SHIFT_LEADER, Role.COMMANDER})


def register_shop(*, licence_no: str, name: str, kind: str, lon: float, lat: float, **attributes) -> Shop:
    if kind not in Kind.values:
        raise InvalidInput.field("kind", "类型应为 餐饮 或 住宿 / the type is catering or lodging")
    if not licence_no.strip():
        raise InvalidInput.field("licence_no", "缺少许可证号 / the licence number is missing")
    return Shop.objects.create(licence_no=licence_no.strip(), name=name.strip()[:80], kind=kind,
                               **place_fields(lon, lat), **attributes)


def checklist(kind: str) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(kind=kind, active=True))


def record_inspection(shop: Shop, inspector, *, scores: dict, note: str = "", at=None) -> Inspection:
    """An inspection against the shop type's checklist; each item's points between 0 and its maximum."""
    if getattr(inspector, "role", "") not in INSPECTORS:
        raise Forbidden("只有检查人员可以录入检查结果 / only inspectors record inspections")
    items = {item.pk: item.points for item in checklist(shop.kind)}
    if not items:
        raise InvalidInput.field("scores", "该类型没有检查项目，请先在管理后台配置 / no checklist for this type yet")
    given = {}
    for pk, most in items.items():
        raw = scores.get(pk, scores.get(str(pk), 0))
        try:
            value = int(raw or 0)
        except (TypeError, ValueError):
            raise InvalidInput.field(f"item_{pk}", "得分应为整数 / points are whole numbers") from None
        if not 0 <= value <= most:
            raise InvalidInput.field(f"item_{pk}", f"得分应在0–{most}之间 / points are 0–{most}")
        given[pk] = value
    at = at or timezone.now()
    score = rules.checklist_score(items, given)
    return Inspection.objects.create(shop=shop, inspector=inspector, inspected_at=at,
                                     period=rules.quarter(timezone.localtime(at).date()),
                                     scores={str(k): v for k, v in given.items()}, score=score,
                                     result=rules.result_of(score), note=note[:300])


def rate_quarter(period: str) -> int:
    """The quarter's stars for every shop inspected in it (the average of its inspections); re-runs
    replace the quarter's rating. Returns how many shops were rated."""
    by_shop: dict[int, list] = {}
    for shop_id, score in Inspection.objects.filter(period=period).values_list("shop_id", "score"):
        by_shop.setdefault(shop_id, []).append(score)
    kinds = dict(Shop.objects.filter(pk__in=by_shop).values_list("pk", "kind"))
    with transaction.atomic():
        for shop_id, scores in by_shop.items():
            average = rules.average(scores)
            stars = rules.stars_for(kinds[shop_id], average, settings.SHOPS_STAR_BANDS)
            Rating.objects.update_or_create(shop_id=shop_id, period=period, defaults={
                "score": average, "stars": stars, "inspections": len(scores)})
            # Only the latest quarter shows on the shop's code; rating an old quarter again leaves it.
            Shop.objects.filter(pk=shop_id).exclude(rated_period__gt=period).update(stars=stars, rated_period=period)
    return len(by_shop)


def like(shop: Shop, citizen) -> bool:
    """卫生点赞, once per citizen: True when this was a new like."""
    try:
        with transaction.atomic():
            Like.objects.create(shop=shop, citizen=citizen)
            Shop.objects.filter(pk=shop.pk).update(likes=F("likes") + 1)
    except IntegrityError:
        return False  # a double tap, or liked before
    return True
