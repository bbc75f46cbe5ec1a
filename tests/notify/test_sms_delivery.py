"""SMS rows in the outbox go to the SMS backend: console keeps the text, real providers never see a test."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.notify import services as notify
from civicloop.notify import sms
from civicloop.notify.backends import Undeliverable
from civicloop.notify.models import Delivery
from civicloop.notify.sms import SmsError, aliyun, console, null, tencent

pytestmark = pytest.mark.django_db
PHONE = "13800138000"


class Recorder:
    """A provider stand-in: records what it was asked to send, or fails as told."""

    keeps_text = False

    def __init__(self, fail: Exception | None = None):
        self.fail, self.sent = fail, []

    def send(self, phone, template, params, text):
        if self.fail:
            raise self.fail
        self.sent.append((phone, template, params, text))
        return "provider-42"


def login_code(expires_in=300):
    return notify.enqueue_sms(phone=PHONE, template="login_code", params={"code": "042917", "minutes": 5},
                              subject="登录验证码", expires_at=timezone.now() + timedelta(seconds=expires_in))


def test_the_console_backend_logs_the_text_and_the_outbox_keeps_it(caplog):
    row = login_code()
    with caplog.at_level(logging.INFO, logger="civicloop.notify.sms"):
        assert notify.deliver_due(sms_backend=sms.get_backend("console")) == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT and row.provider_ref.startswith("console-")
    assert row.body == "您的验证码是042917，5分钟内有效。"
    assert "您的验证码是042917" in caplog.text
    assert console.last_text(PHONE) == "您的验证码是042917，5分钟内有效。"


def test_a_provider_gets_the_template_and_its_params_and_the_code_is_masked_once_sent():
    row, provider = login_code(), Recorder()
    notify.deliver_due(sms_backend=provider)
    assert provider.sent == [(PHONE, "login_code", {"code": "042917", "minutes": "5"}, "您的验证码是042917，5分钟内有效。")]
    row.refresh_from_db()
    assert (row.status, row.provider_ref) == (Delivery.Status.SENT, "provider-42")
    assert "042917" not in row.body + str(row.payload)
    assert row.body == "您的验证码是******，5分钟内有效。"


def test_a_code_not_sent_before_it_expires_is_dropped_not_sent_late():
    row, provider = login_code(expires_in=-1), Recorder()
    assert notify.deliver_due(sms_backend=provider) == 0
    row.refresh_from_db()
    assert provider.sent == [] and row.status == Delivery.Status.FAILED and "expired" in row.last_error
    assert "042917" not in row.body


def test_a_permanent_refusal_fails_at_once_and_a_passing_one_is_retried():
    dead, flaky = login_code(), notify.enqueue_sms(phone="13900139000", template="case_closed",
                                                   params={"reference": "532503-20261122-000001"}, subject="办结")
    notify.deliver_due(sms_backend=Recorder(fail=Undeliverable("isv.MOBILE_NUMBER_ILLEGAL")), limit=1)
    notify.deliver_due(sms_backend=Recorder(fail=SmsError("isv.BUSINESS_LIMIT_CONTROL")))
    dead.refresh_from_db(), flaky.refresh_from_db()
    assert (dead.status, dead.attempts) == (Delivery.Status.FAILED, 1) and "042917" not in dead.body
    assert (flaky.status, flaky.attempts) == (Delivery.Status.PENDING, 1) and flaky.next_attempt_at > timezone.now()
    assert flaky.body == "您反映的问题（532503-20261122-000001）已处理完毕，感谢参与城市管理。"


def test_other_channels_still_go_to_the_notify_backend():
    class Inbox:
        def __init__(self):
            self.sent = []

        def send(self, *, channel, recipient, subject, body, payload):
            self.sent.append((channel, recipient))

    notify.enqueue(recipient="department:hwz", subject="新任务", body="暴露垃圾")
    inbox, provider = Inbox(), Recorder()
    assert notify.deliver_due(backend=inbox, sms_backend=provider) == 1
    assert inbox.sent == [("inbox", "department:hwz")] and provider.sent == []


def test_free_text_sms_reaches_the_console_but_a_provider_refuses_it():
    """cases.services still enqueues its closure notice as free text; providers only send templates."""
    free = notify.enqueue(channel="sms", recipient=PHONE, subject="案件已办结", body="您反映的问题已处理完毕。")
    assert notify.deliver_due(sms_backend=sms.get_backend("console")) == 1
    with pytest.raises(Undeliverable, match="template"):
        sms.provider_template_id("")
    free.refresh_from_db()
    assert free.status == Delivery.Status.SENT


@pytest.mark.parametrize("provider", [aliyun.Backend, tencent.Backend])
def test_real_providers_refuse_to_send_outside_production(provider, settings):
    settings.SMS_TEMPLATES = {"login_code": "SMS_1"}
    row = login_code()
    assert notify.deliver_due(sms_backend=provider()) == 0
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED and "production" in row.last_error


def test_get_backend_follows_the_setting(settings):
    settings.SMS_BACKEND = "null"
    assert isinstance(sms.get_backend(), null.Backend)
    assert isinstance(sms.get_backend("console"), console.Backend)
    with pytest.raises(ValueError):
        sms.get_backend("carrier-pigeon")


@pytest.mark.parametrize("env, words", [
    ({"CIVICLOOP_SMS_BACKEND": "aliyun"}, "only with CIVICLOOP_ENV=production"),
    ({"CIVICLOOP_SMS_BACKEND": "tencent", "CIVICLOOP_ENV": "production", "CIVICLOOP_SECRET_KEY": "k" * 50,
      "CIVICLOOP_DEBUG": "false"}, "CIVICLOOP_SMS_ACCESS_KEY_ID"),
    ({"CIVICLOOP_SMS_BACKEND": "smoke-signals"}, "expected console, null, aliyun or tencent"),
    ({"CIVICLOOP_SMS_TEMPLATES": "login_code"}, "name=provider_template_id"),
])
def test_settings_refuse_a_dangerous_or_incomplete_sms_configuration(env, words, tmp_path):
    environment = {**os.environ, "CIVICLOOP_ENV": "test", "CIVICLOOP_DATA_DIR": str(tmp_path), **env}
    result = subprocess.run([sys.executable, "-c", "import civicloop.settings"], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and words in result.stderr, result.stderr[-500:]


def test_old_messages_and_sign_in_codes_are_forgotten_but_pending_ones_kept(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.citizens.models import LoginCode
    from civicloop.citizens.services import forget_old_codes
    from civicloop.notify.models import Delivery
    from civicloop.notify.services import enqueue_sms, forget_old_deliveries

    settings.DELIVERY_KEEP_DAYS = 90
    now = timezone.now()
    old, recent, waiting = (enqueue_sms(phone="13800138000", template="case_closed", params={"reference": r},
                                        subject="s") for r in ("A", "B", "C"))
    Delivery.objects.filter(pk__in=[old.pk, waiting.pk]).update(created_at=now - timedelta(days=91))
    Delivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status="sent")
    LoginCode.objects.create(phone="13800138000", code_hash="x", created_at=now - timedelta(days=2),
                             expires_at=now - timedelta(days=2))
    LoginCode.objects.create(phone="13800138000", code_hash="y", created_at=now - timedelta(minutes=30),
                             expires_at=now - timedelta(minutes=25))
    assert forget_old_deliveries(now=now) == 1 and forget_old_codes(now=now) == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}  # pending is kept
    assert list(LoginCode.objects.values_list("code_hash", flat=True)) == ["y"]  # still counts for the hour's limit
    assert forget_old_deliveries(now=now) == 0 and forget_old_codes(now=now) == 0
