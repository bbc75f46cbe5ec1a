"""A year's holiday arrangement: entered from a file, used by deadlines, warned about while missing."""
from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from civicloop.lib.workcal import Limit, Unit
from civicloop.taxonomy import queries
from civicloop.taxonomy.models import CalendarDay, CalendarYear
from civicloop.taxonomy.queries import config
from tests.lib.test_holidays import GOOD

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
WARNING = 'data-testid="calendar-warning"'


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def on_5_december_2026(monkeypatch):
    monkeypatch.setattr(queries, "today", lambda: date(2026, 12, 5))


@pytest.fixture
def load(tmp_path):
    def run(text: str, *args: str) -> str:
        path = tmp_path / "arrangement.toml"
        path.write_text(text, encoding="utf-8")
        out = StringIO()
        call_command("calendar", "load", str(path), *args, stdout=out)
        return out.getvalue()
    return run


def console(client) -> str:
    return client.get("/console/", follow=True).content.decode()


def test_the_warning_shows_while_2027_is_missing_and_goes_once_it_is_entered(on_5_december_2026, signed_in, client,
                                                                            load):
    admin = signed_in("admin")
    assert WARNING in console(admin) and "尚未录入国务院2027年节假日安排" in console(admin)
    assert "has not been entered" in console(signed_in("admin", language="en"))
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["database"]["ok"] is True
    assert body["calendar"] == {"ok": False, "year": 2027,
                                "reason": "the holiday arrangement for 2027 is not entered"}

    load(GOOD, "--by", "admin")

    assert WARNING not in console(admin)
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["calendar"] == {"ok": True, "year": 2027}
    assert CalendarYear.objects.get(year=2027).entered_by.username == "admin"


def test_the_warning_links_administrators_to_where_the_arrangement_is_entered(on_5_december_2026, signed_in):
    page = console(signed_in("admin"))
    assert 'href="/admin/taxonomy/calendaryear/"' in page


def test_city_wide_leaders_see_the_warning_and_operators_do_not(on_5_december_2026, signed_in):
    assert WARNING in console(signed_in("commander"))
    assert WARNING in console(signed_in("leader"))
    assert WARNING not in console(signed_in("operator"))
    assert WARNING not in console(signed_in("operator_caoba"))


def test_nothing_is_warned_before_november_when_this_years_arrangement_is_known(monkeypatch, signed_in, client):
    monkeypatch.setattr(queries, "today", lambda: date(2026, 10, 31))
    assert WARNING not in console(signed_in("admin"))
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_draft_keeps_the_warning_until_it_is_confirmed(on_5_december_2026, signed_in, client, load):
    out = load(GOOD.replace("confirmed = true", "confirmed = false"))
    assert "draft" in out
    assert "entered as a draft" in console(signed_in("admin", language="en"))
    assert client.get("/healthz").json()["calendar"]["reason"] == "the holiday arrangement for 2027 is entered but not confirmed"
    load(GOOD)
    assert WARNING not in console(signed_in("admin"))


def test_a_deadline_counts_an_entered_tiaoxiu_saturday_as_a_working_day(load):
    two_hours = Limit(2, Unit.WORK_HOURS)
    # Fri 19 Feb 2027 17:00: one hour that day; without an arrangement the next working day is Mon 22.
    assert config().calendar.deadline(sh(2027, 2, 19, 17), two_hours) == sh(2027, 2, 22, 9, 30)
    load(GOOD)  # makes Sat 20 Feb a working day (调休) and 9–11 Feb days off
    assert config().calendar.deadline(sh(2027, 2, 19, 17), two_hours) == sh(2027, 2, 20, 9, 30)
    assert not config().calendar.is_workday(date(2027, 2, 10))  # a bridged Wednesday


def test_a_deadline_across_the_2027_spring_festival_skips_the_statutory_days_before_anything_is_entered():
    # Thu 4 Feb 17:00 + 2 working hours: 除夕 (Fri 5) to 初三 (Mon 8) are off by law.
    assert config().calendar.deadline(sh(2027, 2, 4, 17), Limit(2, Unit.WORK_HOURS)) == sh(2027, 2, 9, 9, 30)


def test_a_malformed_file_is_refused_with_a_clear_message_and_nothing_is_saved(load):
    days_before = CalendarDay.objects.count()
    bad = GOOD.replace("work = [2027-02-20]", "work = [2027-02-22]")
    with pytest.raises(CommandError, match="2027-02-22 is a Monday.*Nothing was saved"):
        load(bad)
    assert not CalendarYear.objects.exists() and CalendarDay.objects.count() == days_before


def test_loading_a_year_again_replaces_its_days_and_takes_over_overrides_typed_in_before(load):
    CalendarDay.objects.create(date=date(2027, 2, 20), is_workday=True, note="typed in by hand")
    CalendarDay.objects.create(date=date(2027, 3, 8), is_workday=False, note="a local day off")
    out = load(GOOD)
    assert "1 earlier one-day overrides" in out
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).year_id == 2027
    load(GOOD.replace("work = [2027-02-20]", "work = [2027-02-21]"))
    assert not CalendarDay.objects.filter(date=date(2027, 2, 20)).exists()
    assert config().calendar.is_workday(date(2027, 2, 21)) and not config().calendar.is_workday(date(2027, 2, 20))
    assert CalendarDay.objects.get(date=date(2027, 3, 8)).year_id is None  # the local override stays


def test_a_day_of_another_years_arrangement_is_refused(load):
    load(GOOD)
    next_year = GOOD.replace("2027", "2028").replace("2028-02-05", "2028-01-25")  # not a real 2028: the test
    with pytest.raises(CommandError, match="Nothing was saved"):
        load(next_year.replace("from = 2028-01-01", "from = 2027-12-31"))


def test_show_tells_where_a_years_days_come_from(load):
    out = StringIO()
    call_command("calendar", "show", "2027", stdout=out)
    assert "NO ARRANGEMENT" in out.getvalue() and "2027-02-05 星期五  春节" in out.getvalue()
    load(GOOD, "--by", "admin")
    out = StringIO()
    call_command("calendar", "show", "2027", stdout=out)
    text = out.getvalue()
    assert "entered arrangement (confirmed), a test arrangement" in text and "by 系统管理员" in text
    assert "2027-02-20 星期六  春节" in text  # a weekend day worked
    out = StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    assert "chinesecalendar" in out.getvalue() and "2026-02-14 星期六" in out.getvalue()


def test_an_administrator_enters_a_year_by_uploading_its_file_in_the_admin(on_5_december_2026, signed_in):
    admin = signed_in("admin")
    bad = SimpleUploadedFile("2027.toml", GOOD.replace("confirmed = true", "").encode())
    page = admin.post("/admin/taxonomy/calendaryear/add/", {"file": bad}).content.decode()
    assert "&#x27;confirmed&#x27; must be true" in page and not CalendarYear.objects.exists()
    good = SimpleUploadedFile("2027.toml", GOOD.encode())
    answer = admin.post("/admin/taxonomy/calendaryear/add/", {"file": good})
    assert answer.status_code == 302
    assert CalendarYear.objects.get(year=2027).entered_by.username == "admin"
    assert WARNING not in console(admin)
    assert "2027-02-20" in admin.get("/admin/taxonomy/calendaryear/2027/change/").content.decode()
