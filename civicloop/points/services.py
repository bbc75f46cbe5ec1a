"""Every change of points goes through `post` (one door): an immutable entry and the balance in one
transaction, keyed for idempotency. Earning from cases, the mall, titles, donations, fraud review
and volunteer hours are built on it.

Concurrency: the entry is inserted first (its unique key claims the change; a concurrent replay
waits on the index and then finds it), then the balance moves by one conditional UPDATE
(`balance + amount >= 0`) that takes the account row's lock. Stock moves the same way. The CHECK
constraints on both are the last guard if a code path ever forgets.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from civicloop.cases.models import Attachment, Case
from civicloop.cases.rules import Action
from civicloop.citizens.models import CitizenReport
from civicloop.core import changes
from civicloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from civicloop.points import access, queries, rules
from civicloop.points.models import (Account, CitizenTitle, Donation, EarningRule, Entry, FraudFlag, HeldAward, Item,
                                     Order, Pool, ReportOrigin, Title)
from civicloop.taxonomy.models import Category

log = logging.getLogger(__name__)
Kind = Entry.Kind


class InsufficientPoints(Conflict):
    code = "insufficient_points"


class SoldOut(Conflict):
    code = "sold_out"


# ---------------------------------------------------------------------------- the ledger door


def post(*, citizen_id: int, amount: int, kind: str, key: str, reason: str, case_id: int | None = None,
         order: Order | None = None, source: str = "", actor=None, now: datetime | None = None) -> tuple[Entry, bool]:
    """Write one entry and move the balance; (entry, True). A key already used: (that entry, False)
    and nothing changes. Raises InsufficientPoints when the balance would go below zero."""
    if not amount:
        raise InvalidInput.field("amount", "积分不能为0 / amount must not be zero")
    existing = Entry.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        ensure_account(citizen_id)
        try:
            with transaction.atomic():
                entry = Entry.objects.create(citizen_id=citizen_id, amount=amount, kind=kind, reason=reason[:200],
                                             case_id=case_id, order=order, source=source, actor=actor, key=key,
                                             created_at=now or timezone.now())
        except IntegrityError:
            replayed = Entry.objects.filter(key=key).first()
            if replayed is None:
                raise
            return replayed, False
        earned = amount if kind in (Kind.EARN, Kind.REVERSAL) else 0
        moved = (Account.objects.filter(pk=citizen_id, balance__gte=-amount)
                 .update(balance=F("balance") + amount, earned=F("earned") + earned, updated_at=timezone.now()))
        if moved != 1:
            raise InsufficientPoints("积分不足 / not enough points")
    return entry, True


def ensure_account(citizen_id: int) -> None:
    if not Account.objects.filter(pk=citizen_id).exists():
        # Two first entries at once: ON CONFLICT DO NOTHING, so neither fails.
        Account.objects.bulk_create([Account(citizen_id=citizen_id)], ignore_conflicts=True)


def balance(citizen_id: int) -> int:
    return Account.objects.filter(pk=citizen_id).values_list("balance", flat=True).first() or 0


def _lock_account(citizen_id: int) -> Account:
    ensure_account(citizen_id)
    return Account.objects.select_for_update().get(pk=citizen_id)


# ---------------------------------------------------------------------------- earning from reports


def rule_for(category_id: str | None) -> EarningRule:
    rule = EarningRule.objects.filter(category_id=category_id).first() if category_id else None
    return rule or EarningRule.objects.filter(category__isnull=True).order_by("pk").first() or EarningRule()


def earned_today(citizen_id: int, now: datetime) -> int:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    total = (Entry.objects.filter(citizen_id=citizen_id, kind=Kind.EARN, case__isnull=False, created_at__gte=midnight)
             .aggregate(s=Sum("amount"))["s"])
    return total or 0


def earn_for_report(case, citizen_id: int, *, amount: int, key: str, reason: str, now: datetime) -> Entry | None:
    """记分 for a report, within the daily cap; the account is locked first so two filings of the
    same citizen's reports at once cannot both pass the cap."""
    if amount <= 0 or Entry.objects.filter(key=key).exists():
        return None
    _lock_account(citizen_id)
    allowed = rules.capped(amount, earned_today(citizen_id, now), settings.POINTS_DAILY_CAP)
    if allowed <= 0:
        return None
    note = reason if allowed == amount else f"{reason}（已达每日上限，计{allowed}分）"
    entry, _ = post(citizen_id=citizen_id, amount=allowed, kind=Kind.EARN, key=key, reason=note, case_id=case.pk, now=now)
    return entry


def reporter_of(case) -> int | None:
    return (CitizenReport.objects.filter(case_id=case.pk, followed=False, citizen__isnull=False)
            .values_list("citizen_id", flat=True).first())


def award(case, *, stage: str, now: datetime) -> None:
    """stage "filed" (立案) or "verified" (核查通过/结案). Held while the report is flagged."""
    citizen_id = reporter_of(case)
    if citizen_id is None:
        return
    rule = rule_for(case.category_id)
    amount = rule.on_file if stage == "filed" else rule.on_verified
    key = f"case:{case.reference}:{stage}"
    reason = f"上报{'立案' if stage == 'filed' else '问题已解决'} {case.reference}"
    flag = assess(case, citizen_id, now) if stage == "filed" else FraudFlag.objects.filter(case_id=case.pk).first()
    if flag is not None and flag.status == FraudFlag.Status.REJECTED:
        return
    if flag is not None and flag.status == FraudFlag.Status.PENDING:
        if amount > 0:
            HeldAward.objects.bulk_create([HeldAward(case_id=case.pk, citizen_id=citizen_id, amount=amount, reason=reason,
                                                     key=key)], ignore_conflicts=True)
        return
    earn_for_report(case, citizen_id, amount=amount, key=key, reason=reason, now=now)


def reverse_case(case, *, actor=None, why: str, now: datetime) -> Entry | None:
    """追回: a report voided as invalid or merged as a duplicate gives back what it earned. What has
    already been spent cannot be taken back from goods handed out: the reversal takes what the
    balance holds and says what it could not (the account never goes below zero)."""
    HeldAward.objects.filter(case_id=case.pk).delete()
    FraudFlag.objects.filter(case_id=case.pk, status=FraudFlag.Status.PENDING).update(
        status=FraudFlag.Status.REJECTED, reviewed_at=now, note=why[:200])
    rows = Entry.objects.filter(case_id=case.pk, kind__in=(Kind.EARN, Kind.REVERSAL))
    net = rows.aggregate(s=Sum("amount"))["s"] or 0
    if net <= 0:
        return None
    citizen_id = rows.values_list("citizen_id", flat=True).first()
    account = _lock_account(citizen_id)
    taken = min(net, account.balance)
    if taken <= 0:
        log.warning("points: %s voided but its %s points were already spent", case.reference, net)
        return None
    reason = f"{why} {case.reference} 追回{taken}分" + (f"（余额不足，{net - taken}分未能追回）" if taken < net else "")
    entry, _ = post(citizen_id=citizen_id, amount=-taken, kind=Kind.REVERSAL, key=f"case:{case.reference}:reversal",
                    reason=reason, case_id=case.pk, actor=actor, now=now)
    return entry


def on_case_changed(sender, *, case, event, refs, **kwargs) -> None:
    """The case_changed receiver, inside the case's transaction: points commit with the transition."""
    action, now = event.action, event.created_at or timezone.now()
    if action == Action.REPORT:
        record_origin(case, refs)
    elif action == Action.FILE:
        award(case, stage="filed", now=now)
    elif action == Action.CLOSE or (action == Action.CHECK and (event.data or {}).get("passed")):
        award(case, stage="verified", now=now)
    elif action in (Action.APPROVE_VOID, Action.MERGE):
        reverse_case(case, actor=event.actor, why="合并重复上报" if action == Action.MERGE else "上报作废", now=now)


# ---------------------------------------------------------------------------- fraud signals


def record_origin(case, refs: dict) -> None:
    """The citizen app sends the device id and the phone's own position with a report (refs)."""
    device = str(refs.get("client_device") or "")[:64]
    lon, lat = _float(refs.get("phone_lon")), _float(refs.get("phone_lat"))
    if not device and (lon is None or lat is None):
        return
    ReportOrigin.objects.bulk_create([ReportOrigin(case_id=case.pk, device=device, phone_lon=lon, phone_lat=lat,
                                                   reported_at=case.reported_at)], ignore_conflicts=True)


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None


def assess(case, citizen_id: int, now: datetime) -> FraudFlag | None:
    """Look at a citizen's report when it is filed; any signal flags it for review (no points until)."""
    flag = FraudFlag.objects.filter(case_id=case.pk).first()
    if flag is not None:
        return flag
    found = same_photo(case) + burst(case, citizen_id) + far_from_phone(case)
    if not found:
        return None
    return FraudFlag.objects.create(case_id=case.pk, citizen_id=citizen_id, signals=found)


def same_photo(case) -> list[dict]:
    """Report photos of other cases within POINTS_SAME_PHOTO_BITS of this one's (difference hashes).

    It runs inside the filing transaction, so it reads two narrow columns and compares integers:
    about 100,000 photos in the look-back window cost tens of milliseconds, not a join per row.
    """
    mine = [int(h, 16) for h in case.attachments.filter(kind="before").exclude(phash="").values_list("phash", flat=True)]
    if not mine:
        return []
    since = case.reported_at - timedelta(days=settings.POINTS_PHOTO_LOOKBACK_DAYS)
    others = (Attachment.objects.filter(kind="before", created_at__gte=since).exclude(phash="").exclude(case_id=case.pk)
              .values_list("phash", "case_id"))
    limit = settings.POINTS_SAME_PHOTO_BITS
    ids = {case_id for phash, case_id in others.iterator(chunk_size=20000)
           if any((int(phash, 16) ^ m).bit_count() <= limit for m in mine)}
    if not ids:
        return []
    hits = sorted(Case.objects.filter(pk__in=ids).values_list("reference", flat=True))
    return [{"kind": "same_photo", "detail": f"照片与其他上报相同：{'、'.join(hits[:5])}"}]


def burst(case, citizen_id: int) -> list[dict]:
    window = timedelta(minutes=settings.POINTS_BURST_WINDOW_MIN)
    span = (case.reported_at - window, case.reported_at)
    found = []
    by_account = CitizenReport.objects.filter(citizen_id=citizen_id, followed=False, case__reported_at__range=span).count()
    if rules.is_burst(by_account, settings.POINTS_BURST_LIMIT):
        found.append({"kind": "burst_account", "detail": f"同一账号{settings.POINTS_BURST_WINDOW_MIN}分钟内上报{by_account}次"})
    origin = ReportOrigin.objects.filter(case_id=case.pk).first()
    if origin is not None and origin.device:
        by_device = ReportOrigin.objects.filter(device=origin.device, reported_at__range=span).count()
        if rules.is_burst(by_device, settings.POINTS_BURST_LIMIT):
            found.append({"kind": "burst_device", "detail": f"同一设备{settings.POINTS_BURST_WINDOW_MIN}分钟内上报{by_device}次"})
    return found


def far_from_phone(case) -> list[dict]:
    origin = ReportOrigin.objects.filter(case_id=case.pk).first()
    if origin is None or origin.phone_lon is None or origin.phone_lat is None:
        return []
    metres = rules.distance_m(float(case.lon), float(case.lat), origin.phone_lon, origin.phone_lat)
    if metres <= settings.POINTS_FAR_FROM_PHONE_M:
        return []
    return [{"kind": "far_from_phone", "detail": f"上报位置距手机定位{round(metres)}米"}]


def review_flag(flag_id: int, user, *, release: bool, note: str = "", now: datetime | None = None) -> FraudFlag:
    """Staff decide: release (the held points are posted now) or reject (they never are)."""
    if not access.can_manage(user):
        raise Forbidden("无权审核 / you may not review reports")
    now = now or timezone.now()
    status = FraudFlag.Status.RELEASED if release else FraudFlag.Status.REJECTED
    with transaction.atomic():
        changed = FraudFlag.objects.filter(pk=flag_id, status=FraudFlag.Status.PENDING).update(
            status=status, reviewed_by=user, reviewed_at=now, note=(note or "").strip()[:200])
        flag = FraudFlag.objects.filter(pk=flag_id).select_related("case").first()
        if flag is None:
            raise NotFound("没有这条记录 / no such flag")
        if not changed:
            raise Conflict("已审核过 / already reviewed")
        held = list(HeldAward.objects.filter(case_id=flag.case_id).order_by("pk"))
        if release:
            for item in held:
                post(citizen_id=item.citizen_id, amount=item.amount, kind=Kind.EARN, key=item.key, reason=item.reason,
                     case_id=item.case_id, actor=user, now=now)
        HeldAward.objects.filter(pk__in=[h.pk for h in held]).delete()
    return flag


# ---------------------------------------------------------------------------- the mall


def redeem(citizen, item_id: int, *, client_key: str = "", now: datetime | None = None) -> Order:
    """兑奖品: stock −1 and points −price in one transaction, or nothing at all."""
    client_key = (client_key or "").strip()[:64] or None
    if client_key:
        earlier = Order.objects.filter(client_key=client_key, citizen=citizen).first()
        if earlier is not None:
            return earlier
    now = now or timezone.now()
    try:
        with transaction.atomic():
            item = Item.objects.filter(pk=item_id, active=True).first()
            if item is None:
                raise NotFound("商品不存在或已下架 / no such item")
            if Item.objects.filter(pk=item.pk, stock__gte=1).update(stock=F("stock") - 1) != 1:
                raise SoldOut(f"“{item.name}”已兑完 / sold out")
            order = Order.objects.create(citizen=citizen, item=item, points=item.price, pickup_code=_pickup_code(),
                                         client_key=client_key, created_at=now)
            post(citizen_id=citizen.pk, amount=-item.price, kind=Kind.SPEND, key=f"order:{order.pk}:spend",
                 reason=f"兑换 {item.name}", order=order, now=now)
    except IntegrityError:
        earlier = Order.objects.filter(client_key=client_key, citizen=citizen).first() if client_key else None
        if earlier is None:
            raise
        return earlier
    return order


def _pickup_code() -> str:
    for _ in range(5):
        code = rules.new_pickup_code()
        if not Order.objects.filter(pickup_code=code).exists():
            return code
    raise RuntimeError("no free pickup code")  # 31^8 codes: never in practice


def cancel_order(order_id: int, *, citizen=None, actor=None, now: datetime | None = None) -> Order:
    """取消: by the citizen or the mall; the stock comes back and the points are refunded."""
    now = now or timezone.now()
    with transaction.atomic():
        scope = Order.objects.filter(pk=order_id)
        if citizen is not None:
            scope = scope.filter(citizen=citizen)
        order = scope.select_related("item").first()
        if order is None:
            raise NotFound("订单不存在 / no such order")
        if not Order.objects.filter(pk=order.pk, status=Order.Status.PLACED).update(
                status=Order.Status.CANCELLED, cancelled_at=now):
            raise Conflict("订单已领取或已取消 / the order was already collected or cancelled")
        Item.objects.filter(pk=order.item_id).update(stock=F("stock") + 1)
        post(citizen_id=order.citizen_id, amount=order.points, kind=Kind.REFUND, key=f"order:{order.pk}:refund",
             reason=f"取消兑换 {order.item.name}", order=order, actor=actor, now=now)
    order.refresh_from_db()
    return order


def collect_order(code: str, user, *, now: datetime | None = None) -> Order:
    """核销: the mall keeper scans or types the pickup code and hands the goods over."""
    if not access.can_keep_mall(user):
        raise Forbidden("无权核销 / only mall staff hand out orders")
    normalised = rules.normalise_pickup_code(code)
    order = Order.objects.select_related("item", "citizen").filter(pickup_code=normalised).first() if normalised else None
    if order is None:
        raise NotFound("取货码无效 / no order with this pickup code")
    changed = Order.objects.filter(pk=order.pk, status=Order.Status.PLACED).update(
        status=Order.Status.COLLECTED, collected_at=now or timezone.now(), collected_by=user)
    if not changed:
        order.refresh_from_db()
        raise Conflict(f"该订单{order.get_status_display()}，不能再次核销 / the order is {order.status}")
    order.refresh_from_db()
    return order


# ---------------------------------------------------------------------------- titles, donations, volunteers


def exchange_title(citizen, title_id: int, *, now: datetime | None = None) -> CitizenTitle:
    """兑荣誉: points for a title shown on the profile; each title once, and only from its level up."""
    title = Title.objects.filter(pk=title_id, active=True).first()
    if title is None:
        raise NotFound("称号不存在 / no such title")
    if queries.level(citizen).rank < title.min_level:
        raise Forbidden("等级不够 / your honour level is too low for this title")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            held = CitizenTitle.objects.create(citizen=citizen, title=title, awarded_at=now)
            post(citizen_id=citizen.pk, amount=-title.price, kind=Kind.SPEND, key=f"title:{title.pk}:{citizen.pk}",
                 reason=f"兑换称号 {title.name}", source=f"title:{title.pk}", now=now)
    except IntegrityError:
        raise Conflict("已拥有该称号 / you already hold this title") from None
    return held


def donate(citizen, pool_id: int, points, *, client_key: str = "", now: datetime | None = None) -> Donation:
    """兑爱心: points to a named charity pool, whose total is public."""
    try:
        amount = int(points)
    except (TypeError, ValueError):
        raise InvalidInput.field("points", "请填写积分数 / points must be a whole number") from None
    if amount <= 0 or amount > 100000:
        raise InvalidInput.field("points", "捐赠积分须大于0 / points must be positive")
    pool = Pool.objects.filter(pk=pool_id, active=True).first()
    if pool is None:
        raise NotFound("公益池不存在 / no such pool")
    now = now or timezone.now()
    key = f"donation:{citizen.pk}:{(client_key or '').strip()[:40] or uuid.uuid4().hex}"
    with transaction.atomic():
        entry, created = post(citizen_id=citizen.pk, amount=-amount, kind=Kind.DONATION, key=key,
                              reason=f"捐赠 {pool.name}", source=f"pool:{pool.pk}", now=now)
        if not created:
            return entry.donation
        Pool.objects.filter(pk=pool.pk).update(total=F("total") + amount)
        return Donation.objects.create(pool=pool, citizen=citizen, points=amount, entry=entry, created_at=now)


def earn_for_service(citizen_id: int, *, amount: int, key: str, reason: str, source: str,
                     now: datetime | None = None) -> Entry | None:
    """Volunteer hours earn points (not counted against the reports' daily cap)."""
    if amount <= 0:
        return None
    entry, _ = post(citizen_id=citizen_id, amount=amount, kind=Kind.EARN, key=key, reason=reason, source=source, now=now)
    return entry


# ---------------------------------------------------------------------------- configuration (the staff pages)


def save_earning_rule(actor, data, *, via: str = changes.Via.CONSOLE) -> EarningRule:
    """A category's points for filing and for a verified fix (no category: the default), recorded
    in the configuration change log. InvalidInput, with nothing saved, on a bad value."""
    code = (data.get("category") or "").strip()
    if code and not Category.objects.filter(pk=code).exists():
        raise InvalidInput.field("category", f"未知的事项分类 {code} / unknown category")
    on_file, on_verified = _whole(data, "on_file", 0), _whole(data, "on_verified", 0)
    if on_file > 1000 or on_verified > 1000:
        raise InvalidInput.field("on_file", "积分须在0到1000之间 / points must be 0–1000")
    rule = EarningRule.objects.filter(category_id=code or None).order_by("pk").first() or EarningRule(category_id=code or None)
    rule.on_file, rule.on_verified = on_file, on_verified
    return changes.save(actor, rule, via=via, validate=False)


def save_item(actor, data, *, via: str = changes.Via.CONSOLE) -> Item:
    """A mall item, new or changed, recorded in the configuration change log."""
    item = Item.objects.filter(pk=data.get("item") or 0).first() or Item()
    name = (data.get("name") or item.name or "").strip()
    if not name:
        raise InvalidInput.field("name", "请填写名称 / a name is required")
    item.name, item.price, item.stock = name[:60], _whole(data, "price", 1), _whole(data, "stock", 0)
    item.description = (data.get("description") or "").strip()[:300]
    item.active = data.get("active") == "on"
    return changes.save(actor, item, via=via, validate=False)


def _whole(data, name: str, low: int) -> int:
    try:
        value = int(data.get(name, ""))
    except ValueError:
        raise InvalidInput.field(name, "请填写整数 / a whole number is required") from None
    if value < low:
        raise InvalidInput.field(name, f"不能小于{low} / at least {low}")
    return value
