"""A number (or an address) locked for too many wrong sign-in codes is sent no new code (security
probe finding: each SMS costs money and the code could not be used), and the person is told the
local time from which to try again."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone, translation

from civicloop.citizens import services
from civicloop.notify.models import Delivery
from civicloop.notify.sms import console

pytestmark = pytest.mark.django_db
PHONE = "13700137000"
WHEN_ZH = re.compile(r"^该手机号验证码错误次数过多，请(明天)? (?:(\d\d)-(\d\d) )?(\d\d):(\d\d) 后再试。$")


@pytest.fixture(autouse=True)
def limits(settings):
    settings.CITIZEN_CODE_INTERVAL_SECONDS = 0
    settings.CITIZEN_CODE_MAX_ATTEMPTS = 5
    settings.CITIZEN_WRONG_CODES_PER_PHONE_DAY = 3
    settings.CITIZEN_WRONG_CODES_PER_IP_HOUR = 30


def texts_to(phone: str) -> int:
    """SMS written to the outbox for this number: what the city pays for."""
    return Delivery.objects.filter(channel="sms", recipient=phone).count()


def wrong_code(phone: str) -> str:
    code = re.search(r"验证码是(\d{6})", console.last_text(phone)).group(1)
    return f"{(int(code) + 1) % 10**6:06d}"


def ask_code(client, phone=PHONE, **extra):
    return client.post("/api/citizen/code", {"phone": phone}, content_type="application/json", **extra)


def sign_in(client, code, phone=PHONE, **extra):
    return client.post("/api/citizen/session", {"phone": phone, "code": code}, content_type="application/json", **extra)


def time_said(message: str) -> datetime:
    """The moment a refusal names: "请明天 08:30 后再试", "请 08:30 后再试" (today), or with the date
    when it is neither (a lock ending just before midnight, rounded up past it)."""
    tomorrow, month, day, hour, minute = WHEN_ZH.match(message).groups()
    date = timezone.localdate() + timedelta(days=1 if tomorrow else 0)
    if month:
        date = date.replace(month=int(month), day=int(day))
    return datetime(date.year, date.month, date.day, int(hour), int(minute), tzinfo=timezone.get_current_timezone())


def lock_by_wrong_codes(client, phone=PHONE, tries=3, **extra) -> None:
    assert ask_code(client, phone, **extra).status_code == 202
    code = wrong_code(phone)
    for _ in range(tries):
        assert sign_in(client, code, phone, **extra).status_code == 422


# ---------------------------------------------------------------------------- through the API

def test_a_locked_number_is_sent_no_code_and_told_when_to_try_again(client):
    lock_by_wrong_codes(client)
    sent = texts_to(PHONE)
    refused = ask_code(client)
    assert refused.status_code == 429, refused.content
    assert texts_to(PHONE) == sent == 1
    body = refused.json()
    assert body["code"] == "rate_limited" and body["retry_after"] == int(refused["Retry-After"])
    # The lock ends a day after the code whose wrong tries reached the limit: the time said is that
    # moment, in the city's time, rounded up to the minute.
    ends = timezone.localtime(timezone.now() + timedelta(seconds=body["retry_after"]))
    assert timedelta(seconds=-5) <= time_said(body["detail"]) - ends <= timedelta(seconds=65)


def test_the_lock_is_told_in_english_to_who_chose_english(client):
    lock_by_wrong_codes(client)
    client.cookies["django_language"] = "en"
    refused = ask_code(client)
    assert refused.status_code == 429 and texts_to(PHONE) == 1
    assert re.fullmatch(r"Too many wrong codes for this number\. Try again after (\d\d-\d\d )?\d\d:\d\d( tomorrow)?\.",
                        refused.json()["detail"])


def test_signing_in_on_a_locked_number_says_the_same(client):
    lock_by_wrong_codes(client)
    refused = sign_in(client, "123456")
    assert refused.status_code == 429 and WHEN_ZH.match(refused.json()["detail"])


def test_a_locked_address_is_sent_no_code_for_any_number(client, settings):
    settings.CITIZEN_WRONG_CODES_PER_IP_HOUR = 3
    guesser = {"REMOTE_ADDR": "203.0.113.50"}
    for n in range(3):  # one wrong code each for three numbers: no number is locked, the address is
        lock_by_wrong_codes(client, f"1370013710{n}", tries=1, **guesser)
    refused = ask_code(client, "13700137109", **guesser)
    assert refused.status_code == 429 and texts_to("13700137109") == 0
    assert re.fullmatch(r"此网络验证码错误次数过多，请(?:明天)? \d\d:\d\d 后再试。", refused.json()["detail"])
    assert 0 < refused.json()["retry_after"] <= 3600
    assert ask_code(client, "13700137109", REMOTE_ADDR="198.51.100.7").status_code == 202  # another address
    assert texts_to("13700137109") == 1


def test_an_unlocked_number_still_gets_its_code(client):
    lock_by_wrong_codes(client, tries=2)  # one below the limit
    assert ask_code(client).status_code == 202 and texts_to(PHONE) == 2


# ---------------------------------------------------------------------------- the time said, exactly

CITY = ZoneInfo(settings.TIME_ZONE)
ASKED = datetime(2026, 3, 2, 8, 29, 10, tzinfo=CITY)  # the code whose wrong tries lock the number


def lock_the_number(asked: datetime = ASKED):
    services.request_code(PHONE, "10.0.0.1", now=asked)
    code = wrong_code(PHONE)
    for _ in range(3):
        with pytest.raises(services.InvalidInput):
            services.verify_code(PHONE, code, "10.0.0.1", now=asked + timedelta(seconds=10))


def refusal(now: datetime, language: str = "zh-hans") -> services.TooManyRequests:
    with translation.override(language), pytest.raises(services.TooManyRequests) as caught:
        services.request_code(PHONE, "10.0.0.2", now=now)
    return caught.value


def test_the_evening_before_it_says_tomorrow_and_the_minute_after_the_lock_ends():
    lock_the_number()
    evening = refusal(ASKED + timedelta(hours=12))
    assert evening.message == "该手机号验证码错误次数过多，请明天 08:30 后再试。"
    assert evening.extra["retry_after"] == 12 * 3600
    assert refusal(ASKED + timedelta(hours=12), "en").message == (
        "Too many wrong codes for this number. Try again after 08:30 tomorrow.")
    assert texts_to(PHONE) == 1


def test_the_same_morning_it_says_the_time_only_and_the_code_comes_once_it_has_passed():
    lock_the_number()
    morning = refusal(ASKED + timedelta(days=1, minutes=-10))
    assert morning.message == "该手机号验证码错误次数过多，请 08:30 后再试。"
    assert morning.extra["retry_after"] == 600
    assert refusal(ASKED + timedelta(days=1, minutes=-10), "en").message == (
        "Too many wrong codes for this number. Try again after 08:30.")
    services.request_code(PHONE, "10.0.0.2", now=ASKED + timedelta(days=1, seconds=1))
    assert texts_to(PHONE) == 2


def test_a_lock_ending_a_moment_before_midnight_names_the_day_after():
    lock_the_number(datetime(2026, 3, 2, 23, 59, 30, tzinfo=CITY))  # ends 3 March 23:59:30, said as 00:00
    assert refusal(datetime(2026, 3, 2, 23, 59, 50, tzinfo=CITY)).message == "该手机号验证码错误次数过多，请 03-04 00:00 后再试。"
    assert refusal(datetime(2026, 3, 3, 0, 5, tzinfo=CITY)).message == "该手机号验证码错误次数过多，请明天 00:00 后再试。"
