"""Citizens sign in with their mobile number and a one-time SMS code read from the console outbox."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.utils import timezone

from civicloop.citizens import services
from civicloop.citizens.models import Citizen, CitizenReport, LoginCode
from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.notify.models import Delivery
from civicloop.notify.sms import console

PHONE = "13800138000"
IP = "203.0.113.7"
TOO_MANY_WRONG = "验证码错误次数过多，请重新获取"


def code_from_outbox(phone: str = PHONE) -> str:
    """What a person reads on the phone; here, the console backend's outbox."""
    return re.search(r"验证码是(\d{6})", console.last_text(phone)).group(1)


def refusal(call, *args, **kwargs) -> str:
    """The message the person sees (for a field error, the field's own message)."""
    with pytest.raises((InvalidInput, Forbidden)) as caught:
        call(*args, **kwargs)
    return caught.value.errors[0]["message"] if caught.value.errors else caught.value.message


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# ------------------------------------------------------------------------------ the services


@pytest.mark.django_db
class TestCodes:
    def test_a_citizen_signs_in_with_the_code_from_the_console_outbox(self):
        sent = services.request_code(PHONE, IP)
        assert (sent.phone, sent.expires_in, sent.resend_in) == ("138****8000", 300, 60)
        assert re.fullmatch(r"您的验证码是\d{6}，5分钟内有效。", console.last_text(PHONE))
        code = code_from_outbox()
        citizen = services.verify_code(PHONE, code, IP)
        assert citizen.phone == PHONE and citizen.active and citizen.last_seen_at is not None
        assert Citizen.objects.count() == 1

    def test_the_code_itself_is_never_stored_only_its_hmac(self):
        services.request_code(PHONE, IP)
        code = code_from_outbox()
        login = LoginCode.objects.get()
        assert code not in login.code_hash and len(login.code_hash) == 64
        assert login.expires_at - login.created_at == timedelta(minutes=5)

    def test_signing_in_again_finds_the_same_citizen(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        first = services.verify_code(PHONE, code_from_outbox(), IP, now=now)
        later = now + timedelta(minutes=2)
        services.request_code("+86 138-0013-8000", IP, now=later)
        assert services.verify_code(PHONE, code_from_outbox(), IP, now=later) == first

    def test_a_code_entered_wrong_five_times_is_dead_with_a_clear_message(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        code = code_from_outbox()
        messages = [refusal(services.verify_code, PHONE, wrong(code), IP, now=now) for _ in range(5)]
        assert [m.split(" /")[0] for m in messages[:4]] == [f"验证码错误，还可以再试{n}次" for n in (4, 3, 2, 1)]
        assert messages[4] == "验证码错误次数过多，请重新获取 / too many wrong codes; request a new one"
        # Even the right code is refused now; a new code works.
        assert TOO_MANY_WRONG in refusal(services.verify_code, PHONE, code, IP, now=now)
        later = now + timedelta(seconds=61)
        services.request_code(PHONE, IP, now=later)
        assert services.verify_code(PHONE, code_from_outbox(), IP, now=later).phone == PHONE

    def test_an_expired_code_is_refused(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        message = refusal(services.verify_code, PHONE, code_from_outbox(), IP, now=now + timedelta(seconds=301))
        assert message.startswith("验证码已过期，请重新获取")
        assert Citizen.objects.count() == 0

    def test_a_code_works_once(self):
        services.request_code(PHONE, IP)
        code = code_from_outbox()
        services.verify_code(PHONE, code, IP)
        assert refusal(services.verify_code, PHONE, code, IP).startswith("验证码已使用，请重新获取")

    def test_only_the_newest_code_counts(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        old = code_from_outbox()
        services.request_code(PHONE, IP, now=now + timedelta(seconds=61))
        new = code_from_outbox()
        if old != new:
            assert "验证码错误" in refusal(services.verify_code, PHONE, old, IP, now=now + timedelta(seconds=62))
        assert services.verify_code(PHONE, new, IP, now=now + timedelta(seconds=62))

    def test_a_code_for_another_number_does_not_sign_in(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        services.request_code("13900139000", IP, now=now)
        assert "验证码错误" in refusal(services.verify_code, "13900139000", code_from_outbox(PHONE), IP, now=now) \
            or code_from_outbox(PHONE) == code_from_outbox("13900139000")

    def test_without_a_code_the_citizen_is_told_to_request_one(self):
        assert refusal(services.verify_code, PHONE, "123456", IP).startswith("请先获取验证码")

    @pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "", "一二三四五六"])
    def test_a_malformed_code_is_refused_without_using_a_try(self, code):
        services.request_code(PHONE, IP)
        assert refusal(services.verify_code, PHONE, code, IP).startswith("请输入6位数字验证码")
        assert LoginCode.objects.get().attempts == 0

    def test_a_code_typed_with_full_width_digits_or_spaces_works(self):
        services.request_code(PHONE, IP)
        code = code_from_outbox()
        typed = " ".join(chr(ord(d) + 0xFEE0) for d in code)  # ０４２… as some Chinese keyboards type them
        assert services.verify_code(PHONE, typed, IP).phone == PHONE

    @pytest.mark.parametrize("phone", ["12345", "23800138000", "1380013800", "138001380001", "12800138000",
                                       "abcdefghijk", "", "+1 415 555 0100"])
    def test_a_bad_phone_number_is_refused_and_nothing_is_sent(self, phone):
        message = refusal(services.request_code, phone, IP)
        assert message == "请输入正确的手机号 / enter a valid mobile number"
        assert not LoginCode.objects.exists() and not Delivery.objects.exists()

    @pytest.mark.parametrize("phone", ["13800138000", "+8613800138000", "008613800138000", "138 0013 8000",
                                       "138-0013-8000", "１３８００１３８０００"])
    def test_common_ways_of_writing_a_number_are_accepted(self, phone):
        assert services.normalise_phone(phone) == "13800138000"

    def test_a_disabled_citizen_cannot_sign_in(self):
        Citizen.objects.create(phone=PHONE, active=False)
        services.request_code(PHONE, IP)
        assert "账号已停用" in refusal(services.verify_code, PHONE, code_from_outbox(), IP)


@pytest.mark.django_db
class TestRateLimits:
    def test_a_second_code_within_a_minute_says_how_many_seconds_to_wait(self):
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        with pytest.raises(services.TooManyRequests) as caught:
            services.request_code(PHONE, IP, now=now + timedelta(seconds=20))
        assert caught.value.extra["retry_after"] == 40
        assert caught.value.message == "获取验证码太频繁，请40秒后再试 / codes are asked for too often; try again in 40 seconds"
        assert LoginCode.objects.count() == 1

    def test_five_codes_an_hour_per_number(self):
        start = timezone.now()
        for i in range(5):
            services.request_code(PHONE, f"198.51.100.{i}", now=start + timedelta(seconds=61 * i))
        with pytest.raises(services.TooManyRequests) as caught:
            services.request_code(PHONE, "198.51.100.99", now=start + timedelta(seconds=305))
        assert caught.value.extra["retry_after"] == 3600 - 305
        assert caught.value.message.startswith("该手机号获取验证码次数过多，请55分钟后再试")
        # An hour after the first, one more is allowed.
        services.request_code(PHONE, "198.51.100.99", now=start + timedelta(seconds=3601))

    def test_twenty_codes_an_hour_per_address(self):
        now = timezone.now()
        for i in range(20):
            services.request_code(f"1390000{i:04d}", IP, now=now)
        with pytest.raises(services.TooManyRequests) as caught:
            services.request_code("13700000000", IP, now=now + timedelta(seconds=10))
        assert caught.value.message.startswith("此网络获取验证码次数过多，请60分钟后再试")
        services.request_code("13700000000", "198.51.100.1", now=now + timedelta(seconds=10))

    def test_limits_follow_the_settings(self, settings):
        settings.CITIZEN_CODE_INTERVAL_SECONDS = 0
        settings.CITIZEN_CODES_PER_PHONE_HOUR = 2
        now = timezone.now()
        services.request_code(PHONE, IP, now=now)
        services.request_code(PHONE, IP, now=now)
        with pytest.raises(services.TooManyRequests):
            services.request_code(PHONE, IP, now=now)


# ------------------------------------------------------------------------------ tracking codes and case links


def test_tracking_codes_are_ten_unambiguous_characters():
    codes = {services.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 10 and not set(code) & set("0O1I") and set(code) <= set(services.TRACKING_ALPHABET)
    assert not set(services.TRACKING_ALPHABET) & set("0O1I") and len(services.TRACKING_ALPHABET) == 32


@pytest.fixture
def case(db, persona):
    from civicloop.cases.services import report_case
    from tests.conftest import WENLAN

    return report_case(actor=persona("operator"), channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                       description="暴露垃圾", category="06010")


@pytest.mark.django_db
class TestCaseLinks:
    def test_an_anonymous_report_gets_a_tracking_code_that_finds_it(self, case):
        link = services.link_reporter(case)
        assert link.citizen is None and not link.followed and len(link.tracking_code) == 10
        typed = f"{link.tracking_code[:5].lower()}-{link.tracking_code[5:].lower()}"
        assert services.find_by_tracking_code(typed).case == case
        assert services.find_by_tracking_code("ABCDEFGHJK") is None

    def test_one_reporter_per_case_and_many_followers(self, case):
        reporter, a, b = (Citizen.objects.create(phone=p) for p in ("13800000001", "13800000002", "13800000003"))
        services.link_reporter(case, citizen=reporter)
        with pytest.raises(IntegrityError), transaction.atomic():
            services.link_reporter(case)
        assert services.follow(case, a).followed and services.follow(case, b).followed
        assert services.follow(case, a) == services.follow(case, a)  # following twice is one link
        assert not services.follow(case, reporter).followed  # following one's own report changes nothing
        assert case.citizen_links.filter(followed=True).count() == 2
        services.unfollow(case, a)
        services.unfollow(case, reporter)  # a reporter's link is not removed by unfollowing
        assert set(case.citizen_links.values_list("citizen__phone", flat=True)) == {"13800000001", "13800000003"}

    @pytest.mark.parametrize("fields", [
        {"followed": True},  # a follower must be a citizen
        {"followed": True, "tracking_code": "ABCDEFGHJK"},
        {"followed": False},  # a reporter is a citizen or has a tracking code
    ])
    def test_the_database_refuses_links_that_make_no_sense(self, case, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            CitizenReport.objects.create(case=case, **fields)


# ------------------------------------------------------------------------------ the API


def api_code(client, phone=PHONE, **extra):
    return client.post("/api/citizen/code", {"phone": phone}, content_type="application/json", **extra)


def api_sign_in(client, code, phone=PHONE, **extra):
    return client.post("/api/citizen/session", {"phone": phone, "code": code}, content_type="application/json", **extra)


@pytest.mark.django_db
class TestApi:
    def test_sign_in_me_and_sign_out(self, client):
        response = api_code(client)
        assert response.status_code == 202, response.content
        assert response.json() == {"detail": "验证码已发送至 138****8000 / code sent to 138****8000",
                                   "phone": "138****8000", "expires_in": 300, "resend_in": 60}
        assert client.get("/api/citizen/me").status_code == 401
        response = api_sign_in(client, code_from_outbox())
        assert response.status_code == 200, response.content
        assert response.json()["phone"] == "138****8000"
        me = client.get("/api/citizen/me")
        assert me.status_code == 200 and me.json()["id"] == Citizen.objects.get(phone=PHONE).pk
        assert client.delete("/api/citizen/session").status_code == 204
        assert client.get("/api/citizen/me").status_code == 401

    def test_errors_are_422_and_429_with_chinese_messages(self, client):
        bad = api_code(client, phone="12345")
        assert bad.status_code == 422 and bad.json()["errors"] == [
            {"field": "phone", "message": "请输入正确的手机号 / enter a valid mobile number"}]
        assert api_code(client).status_code == 202
        again = api_code(client)
        assert again.status_code == 429 and "秒后再试" in again.json()["detail"]
        assert 0 < int(again["Retry-After"]) <= 60 and again.json()["retry_after"] == int(again["Retry-After"])
        code = code_from_outbox()
        for _ in range(4):
            assert api_sign_in(client, wrong(code)).status_code == 422
        fifth = api_sign_in(client, wrong(code))
        assert fifth.status_code == 422 and fifth.json()["errors"][0] == {
            "field": "code", "message": "验证码错误次数过多，请重新获取 / too many wrong codes; request a new one"}
        assert api_sign_in(client, code).status_code == 422
        assert client.get("/api/citizen/me").status_code == 401

    def test_a_post_without_the_csrf_token_is_refused(self):
        browser = Client(enforce_csrf_checks=True)
        refused = api_code(browser)
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
        assert "刷新" in refused.json()["detail"] and not LoginCode.objects.exists()
        token = browser.get("/api/citizen/csrf").json()["csrf_token"]
        assert api_code(browser, HTTP_X_CSRFTOKEN=token).status_code == 202
        code = code_from_outbox()
        assert api_sign_in(browser, code).status_code == 403
        assert api_sign_in(browser, code, HTTP_X_CSRFTOKEN=token).status_code == 200
        assert browser.get("/api/citizen/me").status_code == 200  # reading needs no token
        assert browser.delete("/api/citizen/session").status_code == 403
        assert browser.delete("/api/citizen/session", HTTP_X_CSRFTOKEN=token).status_code == 403  # rotated at sign-in
        token = browser.get("/api/citizen/csrf").json()["csrf_token"]
        assert browser.delete("/api/citizen/session", HTTP_X_CSRFTOKEN=token).status_code == 204

    def test_a_staff_session_is_not_a_citizen_session(self, client, persona):
        client.force_login(persona("operator"))
        assert client.get("/api/auth/me").status_code == 200
        assert client.get("/api/citizen/me").status_code == 401

    def test_a_citizen_session_is_not_a_staff_session(self, client):
        api_code(client)
        api_sign_in(client, code_from_outbox())
        assert client.get("/api/citizen/me").status_code == 200
        assert client.get("/api/auth/me").status_code == 401
        assert client.get("/api/cases").status_code == 401

    def test_signing_in_as_a_citizen_signs_a_staff_member_out_and_never_mixes(self, client, persona):
        client.force_login(persona("operator"))
        api_code(client)
        assert api_sign_in(client, code_from_outbox()).status_code == 200
        assert client.get("/api/auth/me").status_code == 401
        client.force_login(persona("operator"))  # staff signing in later in the same browser
        assert client.get("/api/auth/me").status_code == 200
        assert client.get("/api/citizen/me").status_code == 401

    def test_the_endpoints_are_documented(self, client):
        paths = client.get("/api/openapi.json").json()["paths"]
        assert {"/api/citizen/code", "/api/citizen/session", "/api/citizen/me", "/api/citizen/csrf"} <= set(paths)

    def test_disabling_a_citizen_ends_their_session(self, client):
        api_code(client)
        api_sign_in(client, code_from_outbox())
        Citizen.objects.filter(phone=PHONE).update(active=False)
        assert client.get("/api/citizen/me").status_code == 401


def test_the_admin_pages_open_and_never_show_a_code(admin_client, case):
    services.request_code(PHONE, IP)
    citizen = services.verify_code(PHONE, code_from_outbox(), IP)
    services.link_reporter(case, citizen=citizen)
    login = LoginCode.objects.get(phone=PHONE)
    for url in ("/admin/citizens/citizen/", f"/admin/citizens/citizen/{citizen.pk}/change/",
                "/admin/citizens/logincode/", f"/admin/citizens/logincode/{login.pk}/change/",
                "/admin/citizens/citizenreport/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert login.code_hash not in response.content.decode(), url
    assert admin_client.get("/admin/citizens/citizen/add/").status_code == 403


# ------------------------------------------------------------------------------ at the same time


def _at_once(count: int, work) -> list:
    barrier, results = threading.Barrier(count), []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except InvalidInput as exc:
            results.append(("refused", exc.errors[0]["message"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_two_sign_ins_with_the_same_code_at_once_one_succeeds():
    services.request_code(PHONE, IP)
    code = code_from_outbox()
    results = _at_once(2, lambda i: services.verify_code(PHONE, code, IP).pk)
    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    assert next(m for kind, m in results if kind == "refused").startswith("验证码已使用")
    assert Citizen.objects.filter(phone=PHONE).count() == 1 and LoginCode.objects.get(phone=PHONE).used_at is not None


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_wrong_guesses_sent_at_once_use_up_the_five_tries_and_no_more():
    services.request_code(PHONE, IP)
    code = code_from_outbox()
    results = _at_once(8, lambda i: services.verify_code(PHONE, f"{(int(code) + 1 + i) % 10**6:06d}", IP))
    assert all(kind == "refused" for kind, _ in results)
    compared = [m for _, m in results if "还可以再试" in m or TOO_MANY_WRONG in m]
    assert len(compared) == 8 and LoginCode.objects.get(phone=PHONE).attempts == 5
    assert TOO_MANY_WRONG in refusal(services.verify_code, PHONE, code, IP)
