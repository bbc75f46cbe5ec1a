"""Open311 GeoReport v2: the clients that post requests (their keys are org.HashedKey rows, their
per-minute counters core.Throttle rows), and which cases came in through Open311 (what they sent
beyond the case itself)."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """An Open311 client (a city app, a partner's CRM) and its key, an `org.HashedKey` of kind
    "open311": only its hash is stored, the key itself is shown once, when it is issued. Revoked keys
    stay, so their requests keep their source."""

    name = models.CharField("名称 name", max_length=80, help_text="谁在用这把密钥 / who uses this key")
    contact = models.CharField("联系人 contact", max_length=120, blank=True)
    key = models.OneToOneField("org.HashedKey", models.PROTECT, null=True, blank=True, related_name="+",
                               editable=False)
    rate_per_minute = models.PositiveIntegerField(
        "每分钟上限 requests per minute", default=60,
        help_text="超过后返回 429，直到下一分钟 / over it, POSTs get 429 until the next minute")
    created_at = models.DateTimeField("签发时间 issued", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name="签发人 issued by")

    class Meta:
        verbose_name = "Open311 密钥 API key"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        return self.key.prefix if self.key_id else ""

    @property
    def revoked_at(self):
        return self.key.revoked_at if self.key_id else None

    @property
    def active(self) -> bool:
        return self.key_id is not None and self.revoked_at is None


class Open311Request(models.Model):
    """A case that came in through Open311: which key sent it, the token that names it, and the
    service attributes the client filled in (the case has no place for them)."""

    case = models.OneToOneField("cases.Case", models.CASCADE, related_name="open311", verbose_name="案件 case")
    key = models.ForeignKey(ApiKey, models.PROTECT, related_name="requests", verbose_name="密钥 key")
    token = models.CharField(max_length=32, unique=True)
    attributes = models.JSONField("服务属性 attributes", default=dict, blank=True)
    device_id = models.CharField(max_length=64, blank=True)
    # A photo the client hosts itself (the spec's media_url); shown when the case has no photo of ours.
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Open311 请求 request"
        verbose_name_plural = verbose_name


class ServiceChangeset(models.Model):
    """When this endpoint first saw each revision of the taxonomy: discovery's `changeset`, a stamp
    that moves when services change and is the same on every app server."""

    revision = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
