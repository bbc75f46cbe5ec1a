from django.db import models


class Delivery(models.Model):
    """An outgoing message. Written in the same transaction as the change it reports, so it is
    never lost; sent by the worker after commit, retried with back-off while a provider is down."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送 pending"
        SENT = "sent", "已发送 sent"
        FAILED = "failed", "发送失败 failed"

    channel = models.CharField("渠道 channel", max_length=20, default="inbox")
    recipient = models.CharField("接收方 recipient", max_length=120)
    subject = models.CharField("主题 subject", max_length=120)
    body = models.TextField("内容 body")
    payload = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey("cases.Case", models.CASCADE, null=True, blank=True, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    # A message worth nothing later (a sign-in code) is dropped rather than sent after this time.
    expires_at = models.DateTimeField("过期时间 expires", null=True, blank=True)
    provider_ref = models.CharField("服务商消息号 provider's id", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name = "消息投递 delivery"
        verbose_name_plural = verbose_name
