from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.notify.backends import get_backend
from civicloop.notify.models import Delivery

log = logging.getLogger("civicloop.notify")
MAX_ATTEMPTS = 12


def enqueue(*, recipient: str, subject: str, body: str, channel: str = "inbox", case=None, payload=None) -> Delivery:
    """Call inside the transaction of the change being reported."""
    return Delivery.objects.create(
        channel=channel, recipient=recipient, subject=subject, body=body, payload=payload or {},
        case=case, next_attempt_at=timezone.now(),
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def deliver_due(*, limit: int = 100, backend=None) -> int:
    """Send what is due; returns how many were sent. Safe to run in several workers."""
    backend = backend or get_backend(settings.NOTIFY_BACKEND)
    sent = 0
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now())
    for pk in list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        sent += _deliver_one(pk, backend)
    return sent


def _deliver_one(pk: int, backend) -> int:
    with transaction.atomic():
        # skip_locked: two workers never send the same message twice.
        row = Delivery.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Delivery.Status.PENDING).first()
        if row is None:
            return 0
        row.attempts += 1
        try:
            backend.send(channel=row.channel, recipient=row.recipient, subject=row.subject, body=row.body,
                         payload=row.payload)
        except Exception as exc:  # a provider's failure must not stop the queue
            row.last_error = str(exc)[:300]
            row.status = Delivery.Status.FAILED if row.attempts >= MAX_ATTEMPTS else Delivery.Status.PENDING
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            log.warning("delivery %s failed (attempt %s): %s", pk, row.attempts, exc)
            return 0
        row.status, row.sent_at = Delivery.Status.SENT, timezone.now()
        row.save(update_fields=["attempts", "status", "sent_at"])
        return 1
