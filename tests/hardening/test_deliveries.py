"""Deliveries while a provider is down: retried with growing back-off, sent exactly once
when the provider is back, and never again afterwards."""
from __future__ import annotations

import pytest
from django.utils import timezone

from civicloop.notify import services as notify
from civicloop.notify.models import Delivery
from civicloop.notify.sms import SmsError

pytestmark = pytest.mark.django_db


class Provider:
    """An SMS provider that is down until told otherwise, and counts what it really sent."""

    keeps_text = False

    def __init__(self):
        self.up, self.sent, self.calls = False, [], 0

    def send(self, phone, template, params, text):
        self.calls += 1
        if not self.up:
            raise SmsError("isp.SYSTEM_BUSY: the provider is down")
        self.sent.append((phone, template, params["reference"]))
        return f"provider-{len(self.sent)}"


def time_passes(row: Delivery) -> None:
    """The back-off has run out (instead of sleeping through it)."""
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_message_waits_out_a_provider_outage_with_back_off_and_goes_exactly_once():
    provider = Provider()
    row = notify.enqueue_sms(phone="13800138000", template="case_closed",
                             params={"reference": "532503-20261122-000001"}, subject="办结")
    waits = []
    for _outage_round in range(4):
        assert notify.deliver_due(sms_backend=provider) == 0
        row.refresh_from_db()
        assert row.status == Delivery.Status.PENDING and "down" in row.last_error
        waits.append((row.next_attempt_at - timezone.now()).total_seconds())
        assert notify.deliver_due(sms_backend=provider) == 0  # not due yet: nothing is tried
        time_passes(row)
    assert waits == sorted(waits) and waits[-1] > waits[0]  # the waits grow
    assert provider.calls == 4

    provider.up = True
    assert notify.deliver_due(sms_backend=provider) == 1
    for _later in range(3):  # the worker keeps looping: nothing is sent twice
        time_passes(row)
        assert notify.deliver_due(sms_backend=provider) == 0
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT and row.attempts == 5
    assert provider.sent == [("13800138000", "case_closed", "532503-20261122-000001")]
