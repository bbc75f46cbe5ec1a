"""The go-live check as a console page (administrators and city-wide leaders only) and as the
`civicloop city check` command (exit code 1 while anything blocks, for scripts)."""
from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from civicloop.taxonomy import queries
from civicloop.taxonomy.models import CalendarYear, Category

PAGE = "/console/golive/"


@pytest.fixture
def demo_ready(db, settings, monkeypatch):
    """The demo city with tiles chosen and next year's arrangement confirmed: nothing left to report."""
    settings.MAP_TILES = "osm"
    monkeypatch.setattr(queries, "today", lambda: date(2040, 11, 5))
    CalendarYear.objects.create(year=2041, confirmed=True, entered_at="2040-11-01T00:00:00Z")
    queries._cache.invalidate()
    return settings


def test_an_administrator_sees_each_finding_with_its_explanation_and_where_to_fix_it(signed_in, settings, monkeypatch):
    settings.MAP_TILES = "none"
    monkeypatch.setattr(queries, "today", lambda: date(2040, 11, 5))
    Category.objects.filter(code="01001").update(department=None, active=True)
    response = signed_in("admin", language="en").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-key="maps.no_basemap"' in html and 'data-key="calendar.next_year"' in html
    assert "2041" in html  # the year whose arrangement is missing
    assert 'href="/admin/taxonomy/calendaryear/"' in html  # where it is entered


def test_a_category_without_a_department_is_listed_with_a_link_to_the_routing_rules(signed_in):
    Category.objects.filter(code="01001").update(department=None, active=True)
    html = signed_in("admin", language="en").get(PAGE).content.decode()
    assert 'data-key="routes.nowhere"' in html
    assert "01001" in html and 'href="/console/routing/"' in html


def test_the_page_says_so_when_nothing_is_missing(signed_in, demo_ready):
    html = signed_in("admin", language="en").get(PAGE).content.decode()
    assert 'data-testid="golive-clean"' in html and 'data-testid="finding"' not in html


@pytest.mark.parametrize("username", ["leader", "commander"])
def test_city_wide_leaders_may_view_it(signed_in, username):
    assert signed_in(username).get(PAGE).status_code == 200


@pytest.mark.parametrize("username", ["operator_caoba", "dispatcher", "handler_hwz", "gridworker"])
def test_other_staff_are_refused(signed_in, username):
    response = signed_in(username).get(PAGE)
    assert response.status_code == 403
    assert b'data-testid="finding"' not in response.content


def test_anonymous_callers_are_sent_to_sign_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/console/login" in response["Location"]


def test_the_tool_bar_links_the_page_for_administrators_only(signed_in):
    admin, operator = signed_in("admin").get("/console/cases/"), signed_in("operator").get("/console/cases/")
    assert admin.status_code == operator.status_code == 200
    assert f'href="{PAGE}"'.encode() in admin.content
    assert f'href="{PAGE}"'.encode() not in operator.content


def test_the_command_exits_1_with_a_blocking_finding_and_names_it(db, demo_ready):
    Category.objects.filter(code="01001").update(department=None, active=True)
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("city", "check", stdout=out)
    assert exited.value.code == 1
    assert "01001" in out.getvalue()


def test_the_command_exits_0_when_nothing_blocks(db, demo_ready, settings):
    out = StringIO()
    call_command("city", "check", stdout=out)  # no SystemExit: exit code 0
    settings.MAP_TILES = "none"  # a warning alone does not stop a script either
    call_command("city", "check", stdout=out)
    assert "0" in out.getvalue()


def test_the_page_reads_in_chinese_by_default(signed_in):
    Category.objects.filter(code="01001").update(department=None, active=True)
    html = signed_in("admin").get(PAGE).content.decode()
    assert "城市配置检查" in html and "阻断" in html and "派遣规则" in html


def test_city_init_without_a_code_is_refused_now_that_check_needs_none(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="code"):
        call_command("city", "init")


def test_a_check_that_breaks_is_shown_as_such_and_the_others_still_run(signed_in, monkeypatch, settings):
    from civicloop.core import extensions

    def broken():
        raise RuntimeError("a bug in some app's check")

    settings.MAP_TILES = "none"
    declared = extensions.go_live_checks()
    monkeypatch.setattr(extensions, "go_live_checks", lambda: [("someapp", broken), *declared])
    response = signed_in("admin", language="en").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-key="failed.someapp.broken"' in html and 'data-key="maps.no_basemap"' in html
    assert "a bug in some app" not in html  # the details go to the log, not the page
