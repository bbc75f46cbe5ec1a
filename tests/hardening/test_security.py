"""Security headers, sign-in lockouts, the personal-data access log, retention, and a citizen's own data."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.citizens import services as citizens
from civicloop.citizens.models import Citizen, CitizenReport, LoginCode
from civicloop.citizens import retention
from civicloop.core.models import AccessLog
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db


def report(**extra) -> Case:
    return services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="路边垃圾桶满溢", **extra)


def test_every_page_carries_a_strict_content_security_policy(client):
    for path in ("/console/login/", "/m/login/", "/healthz"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
        assert "camera=(self)" in response["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_event_handler():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "civicloop"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+\s*=\s*[\"']", re.I)
    offenders = [f"{path.relative_to(root)}: {m.group(0)}" for path in root.rglob("templates/**/*.html")
                 for m in inline.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


@override_settings(MAP_TILES="tianditu")
def test_the_policy_allows_the_configured_map_tiles():
    from civicloop.core.security import content_security_policy

    assert "https://*.tianditu.gov.cn" in content_security_policy()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_the_api_token_door_locks_an_account_after_wrong_passwords(client):
    for _ in range(3):
        wrong = client.post("/api/auth/token", {"username": "operator", "password": "nope"}, content_type="application/json")
        assert wrong.status_code == 422
    locked = client.post("/api/auth/token", {"username": "operator", "password": "civicloop-demo"},
                         content_type="application/json")
    assert locked.status_code == 429 and "too many" in locked.json()["detail"]


@override_settings(LOGIN_MAX_FAILURES=3)
def test_the_admin_sign_in_shares_the_lockout(client):
    for _ in range(3):
        client.post("/admin/login/", {"username": "admin", "password": "nope"})
    assert client.post("/admin/login/", {"username": "admin", "password": "civicloop-demo"}).status_code == 429


@override_settings(CITIZEN_WRONG_CODES_PER_IP_HOUR=4, CITIZEN_CODE_INTERVAL_SECONDS=0)
def test_one_address_guessing_codes_for_many_numbers_is_locked_out():
    from civicloop.citizens.services import TooManyRequests
    from civicloop.core.errors import InvalidInput

    for n in range(4):
        phone = f"1380013800{n}"
        citizens.request_code(phone, f"10.0.0.{n}")
        with pytest.raises(InvalidInput):
            citizens.verify_code(phone, "000000" if n % 2 else "111111", "203.0.113.9")
    citizens.request_code("13800138009", "10.0.1.1")
    with pytest.raises(TooManyRequests):
        citizens.verify_code("13800138009", "123456", "203.0.113.9")
    with pytest.raises(InvalidInput):  # another address is not affected
        citizens.verify_code("13800138009", "123456", "198.51.100.7")


@override_settings(CITIZEN_WRONG_CODES_PER_PHONE_DAY=6, CITIZEN_CODE_INTERVAL_SECONDS=0)
def test_a_number_is_locked_after_many_wrong_codes_across_new_codes():
    from civicloop.citizens.services import TooManyRequests
    from civicloop.core.errors import InvalidInput

    for round_ in range(2):
        citizens.request_code("13900139000", f"10.0.0.{round_}")
        for _ in range(3):
            with pytest.raises(InvalidInput):
                citizens.verify_code("13900139000", "999999" if round_ else "888888", f"10.1.0.{round_}")
    with pytest.raises(TooManyRequests):  # not even sent a new code (tests/hardening/test_sms_lock.py)
        citizens.request_code("13900139000", "10.0.0.9")
    with pytest.raises(TooManyRequests):
        citizens.verify_code("13900139000", "123456", "10.2.0.1")


def test_the_reporter_name_in_the_case_panel_and_citizen_pages_in_the_admin_are_logged(signed_in):
    case = report(reporter_name="李四", reporter_phone="13700137000")
    page = signed_in("operator_wenlan").get(f"/console/cases/{case.reference}/panel")
    assert "李四" in page.content.decode()
    logged = AccessLog.objects.get(what="reporter_name", subject=f"case:{case.reference}")
    assert logged.username == "operator_wenlan" and logged.where == "console" and logged.request_id
    citizen = Citizen.objects.create(phone="13600136000")
    admin = signed_in("admin")
    assert admin.get(f"/admin/citizens/citizen/{citizen.pk}/change/").status_code == 200
    assert admin.get("/admin/citizens/citizen/").status_code == 200
    assert AccessLog.objects.filter(username="admin", subject=f"citizen:{citizen.pk}", where="admin").count() == 2
    with pytest.raises(ValueError):
        logged.save()  # append-only


def test_reporters_are_anonymised_after_the_retention_but_recent_and_open_cases_keep_them(settings):
    settings.REPORTER_RETENTION_DAYS = 30
    citizen = Citizen.objects.create(phone="13500135000")
    old_closed, old_open = report(reporter_name="王五", reporter_phone="13500135000"), report(reporter_phone="13500135001")
    recent = report(reporter_phone="13500135002")
    CitizenReport.objects.create(case=old_closed, citizen=citizen)
    long_ago = timezone.now() - timedelta(days=40)
    Case.objects.filter(pk=old_closed.pk).update(kind="closed", state="closed", reported_at=long_ago, updated_at=long_ago)
    Case.objects.filter(pk=old_open.pk).update(reported_at=long_ago, updated_at=long_ago)
    Case.objects.filter(pk=recent.pk).update(kind="closed", state="closed")
    assert retention.anonymise_due(force=True) == 1
    assert retention.anonymise_due(force=True) == 0
    old_closed.refresh_from_db(), old_open.refresh_from_db(), recent.refresh_from_db()
    assert (old_closed.reporter_name, old_closed.reporter_phone) == ("", "")
    assert not CitizenReport.objects.filter(case=old_closed).exists()
    assert old_open.reporter_phone == "13500135001" and recent.reporter_phone == "13500135002"


def citizen_client(phone: str) -> tuple[Client, Citizen]:
    client = Client()
    citizen = Citizen.objects.create(phone=phone)
    session = client.session
    session[citizens.SESSION_KEY] = citizen.pk
    session.save()
    return client, citizen


def test_a_citizen_downloads_their_data_and_deletes_their_account_while_the_report_stays():
    client, citizen = citizen_client("13300133000")
    case = report(reporter_phone="13300133000")
    CitizenReport.objects.create(case=case, citizen=citizen)
    LoginCode.objects.create(phone="13300133000", code_hash="x", created_at=timezone.now(), expires_at=timezone.now())
    export = client.get("/m/me/data.json")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    data = json.loads(export.content)
    assert data["account"]["phone"] == "13300133000" and data["reports"][0]["reference"] == case.reference
    assert len(data["sign_in_codes"]) == 1

    assert client.post("/m/me/delete", {}).status_code == 422  # not without the tick
    gone = client.post("/m/me/delete", {"confirm": "yes"})
    assert gone.status_code == 302 and gone["Location"].startswith("/m/login")
    case.refresh_from_db(), citizen.refresh_from_db()
    assert Case.objects.filter(pk=case.pk).exists() and case.reporter_phone == ""
    assert not citizen.active and citizen.phone != "13300133000"
    assert not LoginCode.objects.filter(phone="13300133000").exists()
    assert client.get("/m/me/data.json").status_code == 302  # signed out
    assert Citizen.objects.get_or_create(phone="13300133000")[1]  # the number may sign up afresh


@pytest.mark.parametrize("env, words", [
    ({"CIVICLOOP_SECRET_KEY": "k" * 50}, "CIVICLOOP_ALLOWED_HOSTS, CIVICLOOP_PUBLIC_URL"),
    ({}, "CIVICLOOP_SECRET_KEY"),
])
def test_production_refuses_to_start_with_development_defaults(env, words, tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CIVICLOOP_")}
    environment.update({"CIVICLOOP_ENV": "production", "CIVICLOOP_DATA_DIR": str(tmp_path), "CIVICLOOP_DEBUG": "false",
                        **env})
    result = subprocess.run([sys.executable, "-c", "import civicloop.settings"], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and words in result.stderr, result.stderr[-500:]


def test_production_refuses_accounts_that_still_have_the_demo_password(settings):
    from civicloop.ops.checks import no_demo_accounts_in_production

    assert no_demo_accounts_in_production() == []  # not production: demos are fine
    settings.ENVIRONMENT = "production"
    errors = no_demo_accounts_in_production()
    assert errors and errors[0].id == "civicloop.E001" and "admin" in errors[0].msg
