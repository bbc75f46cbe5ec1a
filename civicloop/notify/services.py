from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.notify import sms, webhook, wechat
from civicloop.notify.backends import Undeliverable, get_backend
from civicloop.notify.models import Delivery

log = logging.getLogger("civicloop.notify")
MAX_ATTEMPTS = 12


def enqueue(*, recipient: str, subject: str, body: str, channel: str = "inbox", case=None, payload=None,
            expires_at: datetime | None = None) -> Delivery:
    """Call inside the transaction of the change being reported."""
    return Delivery.objects.create(
        channel=channel, recipient=recipient, subject=subject, body=body, payload=payload or {},
        case=case, next_attempt_at=timezone.now(), expires_at=expires_at,
    )


def enqueue_sms(*, phone: str, template: str, params: dict, subject: str, case=None,
                expires_at: datetime | None = None) -> Delivery:
    """An SMS from one of our templates (notify.sms.TEMPLATES) to a mainland mobile number."""
    params = {name: str(value) for name, value in params.items()}
    text = sms.template(template).render(params)
    return enqueue(channel="sms", recipient=phone, subject=subject, body=text, case=case,
                   payload={"sms": {"template": template, "params": params}}, expires_at=expires_at)


def enqueue_wechat(*, openid: str, template: str, params: dict, url: str, subject: str, case=None) -> Delivery:
    """A WeChat template message (notify.wechat) to a citizen who bound their account."""
    params = {name: str(value) for name, value in params.items()}
    message = wechat.Message(openid=openid, template=template, params=params, url=url)
    return enqueue(channel="wechat", recipient=openid, subject=subject, body=wechat.text_of(message), case=case,
                   payload={"wechat": {"template": template, "params": params, "url": url}})


def enqueue_reporter_notice(*, phone: str, template: str, reference: str, url: str, subject: str, case=None,
                            at: datetime | None = None) -> Delivery:
    """Tell a reporter how their case goes: in WeChat when they bound it (free, and where they are),
    otherwise by SMS from an approved template."""
    openid = _bound_openid(phone)
    if openid:
        at = timezone.localtime(at or timezone.now())
        params = {"reference": reference, "status": wechat.STATUS.get(template, ""), "time": f"{at:%Y-%m-%d %H:%M}"}
        return enqueue_wechat(openid=openid, template=template, params=params, url=url, subject=subject, case=case)
    return enqueue_sms(phone=phone, template=template, params={"reference": reference}, subject=subject, case=case)


def _bound_openid(phone: str) -> str:
    if not wechat.enabled():
        return ""
    from django.apps import apps

    citizen = apps.get_model("citizens", "Citizen")  # notify does not import the citizens app's code
    return (citizen.objects.filter(phone=phone, active=True).exclude(wechat_openid="")
            .values_list("wechat_openid", flat=True).first() or "")


def forget_old_deliveries(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete sent and failed messages older than CIVICLOOP_DELIVERY_KEEP_DAYS: they hold phone numbers
    and openids, and nothing reads them after that. Pending ones are never deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DELIVERY_KEEP_DAYS)
    ids = list(Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Delivery.Status.PENDING)
               .values_list("pk", flat=True)[:batch])
    return Delivery.objects.filter(pk__in=ids).delete()[0] if ids else 0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def deliver_due(*, limit: int = 100, backend=None, sms_backend=None, wechat_backend=None, webhook_backend=None) -> int:
    """Send what is due; returns how many were sent. Safe to run in several workers."""
    backend = backend or get_backend(settings.NOTIFY_BACKEND)
    sms_backend = sms_backend or sms.get_backend()
    backends = {"sms": sms_backend, "wechat": wechat_backend or wechat.get_backend(),
                "webhook": webhook_backend or webhook.get_backend()}
    sent = 0
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now())
    # Of what is due, the oldest goes first, so a retried backlog leaves in the order it was written.
    for pk in sorted(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        sent += _deliver_one(pk, backend, backends)
    return sent


def _waits_its_turn(row: Delivery) -> bool:
    """A case's callbacks to one receiver go in order (签收 before 回复 before 办结): a later one
    waits while an earlier one is still pending, e.g. in its back-off."""
    return row.channel == "webhook" and Delivery.objects.filter(
        channel="webhook", recipient=row.recipient, case_id=row.case_id, status=Delivery.Status.PENDING,
        pk__lt=row.pk).exists()


def _deliver_one(pk: int, backend, backends: dict) -> int:
    sms_backend = backends["sms"]
    with transaction.atomic():
        # skip_locked: two workers never send the same message twice.
        row = Delivery.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Delivery.Status.PENDING).first()
        if row is None or _waits_its_turn(row):
            return 0
        if row.expires_at and row.expires_at <= timezone.now():
            return _give_up(row, "expired before it could be sent", sms_backend)
        row.attempts += 1
        try:
            row.provider_ref = _send(row, backend, backends)[:100]
        except Undeliverable as exc:
            return _give_up(row, str(exc), sms_backend)
        except Exception as exc:  # a provider's failure must not stop the queue
            row.last_error = str(exc)[:300]
            row.status = Delivery.Status.FAILED if row.attempts >= MAX_ATTEMPTS else Delivery.Status.PENDING
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            log.warning("delivery %s failed (attempt %s): %s", pk, row.attempts, exc)
            return 0
        row.status, row.sent_at = Delivery.Status.SENT, timezone.now()
        _forget_secrets(row, sms_backend)
        row.save(update_fields=["attempts", "status", "sent_at", "provider_ref", "body", "payload"])
        return 1


def _send(row: Delivery, backend, backends: dict) -> str:
    if row.channel == webhook.CHANNEL:
        return webhook.send(row, backends["webhook"])
    if row.channel == "wechat":
        message = row.payload["wechat"]
        return backends["wechat"].send(wechat.Message(openid=row.recipient, template=message["template"],
                                                      params=message["params"], url=message["url"])) or ""
    sms_backend = backends["sms"]
    if row.channel != "sms":
        backend.send(channel=row.channel, recipient=row.recipient, subject=row.subject, body=row.body,
                     payload=row.payload)
        return ""
    # Free text (no template) reaches the console backend; providers refuse it (sms.provider_template_id).
    message = row.payload.get("sms") or {"template": "", "params": {}}
    return sms_backend.send(row.recipient, message["template"], message["params"], row.body) or ""


def _give_up(row: Delivery, reason: str, sms_backend) -> int:
    row.status, row.last_error = Delivery.Status.FAILED, reason[:300]
    _forget_secrets(row, sms_backend)
    row.save(update_fields=["attempts", "status", "last_error", "body", "payload"])
    log.warning("delivery %s dropped: %s", row.pk, reason)
    return 0


def _forget_secrets(row: Delivery, sms_backend) -> None:
    """A sign-in code stays in the outbox only until it is sent (or given up), except with the console
    backend, where the outbox is how a developer or a browser test reads it."""
    message = row.payload.get("sms") if row.channel == "sms" else None
    if not message or getattr(sms_backend, "keeps_text", False) or message["template"] not in sms.TEMPLATES:
        return
    template = sms.TEMPLATES[message["template"]]
    if not template.secret:
        return
    masked = template.masked(message["params"])
    row.body = template.render(masked)
    row.payload = {**row.payload, "sms": {**message, "params": masked}}
