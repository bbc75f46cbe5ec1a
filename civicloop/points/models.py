"""Points (积分) as a ledger: immutable entries, a balance per citizen kept beside them, never below zero.

A citizen's balance is the sum of their entries. The `Account` row holds that sum so that spending
is one conditional UPDATE (`balance + amount >= 0`) under the row's lock, and a CHECK constraint
refuses a negative balance whatever code path tries it. Entries are written in the same
transaction as the account change, each with a unique idempotency key, so a retried request, a
replayed signal or a double click changes nothing the second time.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Account(models.Model):
    """One per citizen, created on first use. `balance` = Σ entries; `earned` = Σ earnings minus
    reversals (what honours and the credit level are measured by: spending does not lower it)."""

    citizen = models.OneToOneField("citizens.Citizen", models.CASCADE, primary_key=True, related_name="points_account",
                                   verbose_name="市民 citizen")
    balance = models.IntegerField("余额 balance", default=0)
    earned = models.IntegerField("累计获得 earned", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分账户 account"
        verbose_name_plural = verbose_name
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_account_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.citizen} {self.balance}"


class Entry(models.Model):
    """One change of a balance. Never updated or deleted: a mistake is corrected by a reversal."""

    class Kind(models.TextChoices):
        EARN = "earn", "获得 earned"
        SPEND = "spend", "兑换 spent"
        REFUND = "refund", "退还 refunded"
        REVERSAL = "reversal", "追回 reversed"
        DONATION = "donation", "捐赠 donated"
        ADJUSTMENT = "adjustment", "调整 adjusted"

    citizen = models.ForeignKey("citizens.Citizen", models.PROTECT, related_name="points_entries",
                                verbose_name="市民 citizen")
    amount = models.IntegerField("积分 points")
    kind = models.CharField("类型 kind", max_length=12, choices=Kind.choices)
    reason = models.CharField("事由 reason", max_length=200)
    case = models.ForeignKey("cases.Case", models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="案件 case")
    order = models.ForeignKey("points.Order", models.SET_NULL, null=True, blank=True, related_name="entries",
                              verbose_name="订单 order")
    source = models.CharField("来源 source", max_length=40, blank=True)  # "activity:12", "pool:3", "title:2"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="操作人 actor")
    key = models.CharField("幂等键 idempotency key", max_length=80, unique=True)
    created_at = models.DateTimeField("时间 at", db_index=True)

    class Meta:
        verbose_name = "积分流水 ledger entry"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["citizen", "-created_at"], name="points_entry_citizen_recent")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero")]


class EarningRule(models.Model):
    """Points per category (记分): on filing (立案) and when the fix is verified (核查通过/结案).
    The row without a category is the default for every category without its own row."""

    category = models.OneToOneField("taxonomy.Category", models.CASCADE, null=True, blank=True,
                                    related_name="points_rule", verbose_name="事项分类 category")
    on_file = models.PositiveIntegerField("立案得分 on filing", default=5)
    on_verified = models.PositiveIntegerField("核查通过得分 on verified fix", default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分规则 earning rule"
        verbose_name_plural = verbose_name


class HeldAward(models.Model):
    """Points a flagged report would have earned, kept until staff review it (no points until reviewed)."""

    case = models.ForeignKey("cases.Case", models.CASCADE, related_name="+")
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="+")
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    key = models.CharField(max_length=80, unique=True)  # the entry's key once released
    created_at = models.DateTimeField(auto_now_add=True)


class FraudFlag(models.Model):
    """A report that looks wrong (the same photo as another person's report, a burst of reports, far
    from the phone): its points wait for a review."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核 pending"
        RELEASED = "released", "已放行 released"
        REJECTED = "rejected", "已驳回 rejected"

    case = models.OneToOneField("cases.Case", models.CASCADE, related_name="fraud_flag", verbose_name="案件 case")
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="fraud_flags",
                                verbose_name="市民 citizen")
    signals = models.JSONField("信号 signals", default=list)  # [{"kind": "same_photo", "detail": "…"}]
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("审核意见 note", max_length=200, blank=True)

    class Meta:
        verbose_name = "疑似作弊 fraud flag"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "-created_at"], name="points_flag_status")]


class ReportOrigin(models.Model):
    """Where a citizen's phone was and which device sent a report (from the report's refs), for the
    "far from the phone" and "burst from one device" signals."""

    case = models.OneToOneField("cases.Case", models.CASCADE, primary_key=True, related_name="+")
    device = models.CharField(max_length=64, blank=True)
    phone_lon = models.FloatField(null=True, blank=True)
    phone_lat = models.FloatField(null=True, blank=True)
    reported_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["device", "reported_at"], name="points_origin_device")]


# ---------------------------------------------------------------------------- the mall (兑奖品, 兑荣誉)


class Item(models.Model):
    """Goods in the 文明市民荣誉超市, with stock that cannot go below zero."""

    name = models.CharField("名称 name", max_length=60)
    description = models.CharField("说明 description", max_length=300, blank=True)
    price = models.PositiveIntegerField("所需积分 points")
    stock = models.IntegerField("库存 stock", default=0)
    active = models.BooleanField("上架 on sale", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "商品 item"
        verbose_name_plural = verbose_name
        ordering = ["price", "pk"]
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="points_item_stock_not_negative"),
                       models.CheckConstraint(condition=Q(price__gt=0), name="points_item_price_positive")]
        permissions = [("keep_mall", "Can hand out orders and keep stock (mall keeper)"),
                       ("manage_points", "Can manage the catalogue, rules, fraud review and totals")]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "待领取 to collect"
        COLLECTED = "collected", "已领取 collected"
        CANCELLED = "cancelled", "已取消 cancelled"

    citizen = models.ForeignKey("citizens.Citizen", models.PROTECT, related_name="orders", verbose_name="市民 citizen")
    item = models.ForeignKey(Item, models.PROTECT, related_name="orders", verbose_name="商品 item")
    points = models.PositiveIntegerField("积分 points")
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.PLACED)
    pickup_code = models.CharField("取货码 pickup code", max_length=12, unique=True)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)  # a double tap orders once
    created_at = models.DateTimeField("下单时间 ordered")
    collected_at = models.DateTimeField("领取时间 collected", null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "兑换订单 order"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["citizen", "-created_at"], name="points_order_citizen")]


class Title(models.Model):
    """An honour title (称号) a citizen may exchange points for, shown on the profile (兑荣誉)."""

    name = models.CharField("称号 title", max_length=40, unique=True)
    description = models.CharField("说明 description", max_length=200, blank=True)
    price = models.PositiveIntegerField("所需积分 points")
    min_level = models.PositiveSmallIntegerField("最低等级 minimum level", default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "荣誉称号 title"
        verbose_name_plural = verbose_name
        ordering = ["price"]

    def __str__(self) -> str:
        return self.name


class CitizenTitle(models.Model):
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="titles")
    title = models.ForeignKey(Title, models.PROTECT, related_name="holders")
    awarded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["citizen", "title"], name="points_title_once")]


# ---------------------------------------------------------------------------- donations (兑爱心)


class Pool(models.Model):
    """A named charity pool; its total is public."""

    name = models.CharField("名称 name", max_length=60, unique=True)
    description = models.CharField("说明 description", max_length=300, blank=True)
    total = models.PositiveIntegerField("累计积分 total", default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "爱心公益池 charity pool"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Donation(models.Model):
    pool = models.ForeignKey(Pool, models.PROTECT, related_name="donations")
    citizen = models.ForeignKey("citizens.Citizen", models.PROTECT, related_name="donations")
    points = models.PositiveIntegerField()
    entry = models.OneToOneField(Entry, models.PROTECT, related_name="donation")
    created_at = models.DateTimeField()


# ---------------------------------------------------------------------------- credit (兑信用)


class Partner(models.Model):
    """A partner system (a bank, a service hall) that reads citizens' credit levels with an API key
    (`org.HashedKey`, kind "partner": only its hash is kept; the key is shown once)."""

    name = models.CharField("名称 name", max_length=60)
    key = models.OneToOneField("org.HashedKey", models.PROTECT, null=True, blank=True, related_name="+",
                               editable=False)
    active = models.BooleanField("启用 active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信用合作方 credit partner"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name
