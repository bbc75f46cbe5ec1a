"""Volunteers sign up, check in and out on site (QR secret + position within the radius), their hours
add up per person and team, and the hours earn points once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from civicloop.citizens.services import SESSION_KEY
from civicloop.core.errors import Conflict, Forbidden
from civicloop.org.models import User
from civicloop.points import services as points
from civicloop.volunteers import queries, services
from civicloop.volunteers.models import Activity, Team
from tests.points import factories as f

pytestmark = pytest.mark.django_db
SITE = (103.385, 23.367)


@pytest.fixture
def activity():
    team = Team.objects.create(name="文澜街道青年志愿队")
    start = timezone.now() - timedelta(hours=1)
    return Activity.objects.create(team=team, title="南湖清洁", place="南湖公园", lon=SITE[0], lat=SITE[1], radius_m=200,
                                   starts_at=start, ends_at=start + timedelta(hours=3), capacity=2, code="secret-code")


def test_check_in_and_out_on_site_earns_points_for_the_hours(activity, settings):
    settings.VOLUNTEER_POINTS_PER_HOUR = 10
    person = f.citizen()
    services.check_in(person, activity.pk, code="secret-code", lon=SITE[0] + 0.001, lat=SITE[1],
                      now=activity.starts_at)
    out = services.check_out(person, activity.pk, code="secret-code", lon=SITE[0], lat=SITE[1],
                             now=activity.starts_at + timedelta(hours=2, minutes=30))
    assert out.minutes == 150 and points.balance(person.pk) == 25
    services.check_out(person, activity.pk, code="secret-code", lon=SITE[0], lat=SITE[1])  # again: nothing more
    assert points.balance(person.pk) == 25
    assert queries.hours_of(person) == 2.5
    assert queries.team_hours()[0]["hours"] == 2.5


def test_check_in_far_from_the_place_or_without_the_code_is_refused(activity):
    person = f.citizen()
    with pytest.raises(Forbidden, match="米"):
        services.check_in(person, activity.pk, code="secret-code", lon=SITE[0] + 0.01, lat=SITE[1])
    with pytest.raises(Forbidden):
        services.check_in(person, activity.pk, code="guess", lon=SITE[0], lat=SITE[1])


def test_the_last_place_goes_once(activity):
    services.sign_up(f.citizen(), activity.pk)
    services.sign_up(f.citizen(), activity.pk)
    with pytest.raises(Conflict):
        services.sign_up(f.citizen(), activity.pk)


def test_check_out_needs_a_check_in(activity):
    with pytest.raises(Conflict):
        services.check_out(f.citizen(), activity.pk, code="secret-code", lon=SITE[0], lat=SITE[1])


def test_the_scan_page_checks_in_through_the_browser_endpoint(activity):
    person = f.citizen()
    client = Client()
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    assert "签到" in client.get(f"/m/volunteers/a/{activity.pk}/scan/secret-code/").content.decode()
    answer = client.post(f"/m/volunteers/a/{activity.pk}/scan/secret-code/in", {"lon": SITE[0], "lat": SITE[1]})
    assert answer.status_code == 200 and answer.json()["checked_in"]
    far = client.post(f"/m/volunteers/a/{activity.pk}/scan/secret-code/out", {"lon": SITE[0] + 0.02, "lat": SITE[1]})
    assert far.status_code == 403 and "米" in far.json()["detail"]
    assert client.get(f"/m/volunteers/a/{activity.pk}/scan/wrong/").status_code == 404


def test_staff_pages_need_the_permission(activity, signed_in):
    assert signed_in("operator").get("/console/volunteers/").status_code == 403
    assert Client().get("/console/volunteers/").status_code == 302
    user = User.objects.create_user(username="vol_admin", password="x")
    user.user_permissions.add(Permission.objects.get(codename="manage_volunteers"))
    client = Client()
    client.force_login(user)
    page = client.get("/console/volunteers/").content.decode()
    assert "文澜街道青年志愿队" in page
    assert "<svg" in client.get(f"/console/volunteers/a/{activity.pk}/").content.decode()
    client.post("/console/volunteers/", {"team": activity.team_id, "title": "交通劝导", "place": "天马路口",
                                         "lon": "103.38", "lat": "23.36", "starts_at": "2030-01-01T09:00",
                                         "ends_at": "2030-01-01T11:00", "radius_m": "300", "capacity": "10"})
    assert Activity.objects.filter(title="交通劝导").exists()


def test_citizens_sign_up_from_the_list(activity):
    person = f.citizen()
    client = Client()
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    client.post(f"/m/volunteers/a/{activity.pk}/sign-up/")
    assert "已报名" in client.get("/m/volunteers/").content.decode()
