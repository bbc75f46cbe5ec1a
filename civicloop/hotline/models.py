from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HotlineSystem(models.Model):
    """A 12345 hotline system that pushes work orders here and hears back at its webhook.

    Its API key is an `org.HashedKey` (kind "hotline": only its hash is kept, shown once when issued).
    The webhook secret is kept as it is: we need it to sign every callback, and the hotline needs it
    to check them."""

    name = models.CharField("名称 name", max_length=60, unique=True)
    key = models.OneToOneField("org.HashedKey", models.PROTECT, null=True, blank=True, related_name="+",
                               editable=False)
    webhook_url = models.URLField("回调地址 webhook URL", max_length=500, blank=True)
    webhook_secret = models.CharField("回调签名密钥 webhook secret", max_length=64, editable=False)
    active = models.BooleanField("启用 active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "热线系统 hotline system"
        verbose_name_plural = verbose_name

    def __str__(self):
        return self.name

class HotlineOrder(models.Model):
    """热线工单: one 12345 work order and the case it became (one case however often it is pushed).

    An order that gave an address and no coordinates, which the geocoder could not place surely, has
    no case yet: it waits as 待定位 (to be located) with the candidates found, until an operator
    places it (services.place_order)."""

    class Status(models.TextChoices):
        PLACED = "placed", _("placed")
        TO_LOCATE = "to_locate", _("to be located")

    system = models.ForeignKey(HotlineSystem, models.PROTECT, related_name="orders", verbose_name="热线系统 system")
    order_id = models.CharField("工单编号 order id", max_length=64)
    case = models.OneToOneField("cases.Case", models.PROTECT, related_name="hotline_order", verbose_name="案件 case",
                                null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLACED, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The geocoder's answers when the order arrived: [{lon, lat, confidence, kind, label, grid}], best first (WGS-84).
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    # How the place was found: coordinates (the hotline's), geocoder, candidate or point (an operator's choice).
    placement = models.CharField(_("placed by"), max_length=12, blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    caller_name = models.CharField("来电人 caller", max_length=40, blank=True)
    caller_phone = models.CharField("来电号码 phone", max_length=20, blank=True)
    content = models.TextField("诉求内容 content")
    category_hint = models.CharField("热线分类 hotline's category", max_length=60, blank=True)
    deadline = models.DateTimeField("办理时限 deadline", null=True, blank=True)
    via = models.CharField("接收方式 received by", max_length=10, default="api")  # api | excel
    received_at = models.DateTimeField("接收时间 received", auto_now_add=True)
    pushes = models.PositiveIntegerField("推送次数 pushes", default=1)

    class Meta:
        verbose_name = "热线工单 hotline order"
        verbose_name_plural = verbose_name
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "order_id"], name="hotline_order_once"),
            # A placed order has its case; one waiting for a place has none.
            models.CheckConstraint(condition=models.Q(status="placed", case__isnull=False)
                                   | models.Q(status="to_locate", case__isnull=True), name="hotline_order_case_iff_placed"),
        ]

    def __str__(self):
        return f"{self.system} {self.order_id}"


class Visit(models.Model):
    """回访: what the caller said when asked about the result (by the hotline's staff or ours)."""

    order = models.ForeignKey(HotlineOrder, models.CASCADE, related_name="visits", verbose_name="工单 order")
    satisfied = models.BooleanField("满意 satisfied")
    stars = models.PositiveSmallIntegerField("评分 stars", null=True, blank=True)
    comment = models.CharField("回访意见 comment", max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("回访时间 at", auto_now_add=True)

    class Meta:
        verbose_name = "回访 return visit"
        verbose_name_plural = verbose_name
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(stars__isnull=True) | models.Q(stars__gte=1, stars__lte=5),
                                              name="hotline_visit_stars_1_to_5")]
