"""Patrols: start, points in batches (retries change nothing), end, coverage, missed patrols,
reports made on patrol, and who may do what."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from civicloop.cases.models import Case, CaseEvent
from civicloop.core.errors import Forbidden, NotFound
from civicloop.patrols import services
from civicloop.patrols.models import (GridCoverage, MissedPatrol, Patrol, PatrolPoint, PatrolReport,
                                      PatrolRequirement)
from tests.patrols.conftest import post_json

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 18, 9, 0, tzinfo=TZ)  # an ordinary working day


def test_a_repeated_start_gives_the_same_patrol(db, gridworker):
    first = services.start_patrol(gridworker, client_key="k1", now=WEDNESDAY)
    assert services.start_patrol(gridworker, client_key="k1", now=WEDNESDAY) == first
    assert services.start_patrol(gridworker, client_key="k2", now=WEDNESDAY) == first  # one patrol at a time
    assert first.grid_id == gridworker.scope_grid_id
    assert Patrol.objects.filter(worker=gridworker).count() == 1


def test_a_batch_sent_twice_is_stored_once(db, gridworker, grid, walk):
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    points = walk(grid, start=WEDNESDAY + timedelta(minutes=1))[:20]
    later = WEDNESDAY + timedelta(hours=1)
    first = services.upload_points(gridworker, patrol.pk, batch_id="b1", points=points, now=later)
    again = services.upload_points(gridworker, patrol.pk, batch_id="b1", points=points, now=later)
    assert (first["accepted"], first["repeated"]) == (20, False)
    assert (again["accepted"], again["repeated"]) == (20, True)
    patrol.refresh_from_db()
    assert PatrolPoint.objects.filter(patrol=patrol).count() == patrol.point_count == 20
    assert patrol.distance_m > 50


def test_unusable_fixes_are_counted_not_stored(db, gridworker, grid, walk):
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    good = walk(grid, start=WEDNESDAY + timedelta(minutes=1))[:3]
    bad = [{"t": good[0]["t"], "lon": 103.38, "lat": 23.36, "acc": 500},  # a poor fix
           {"t": (WEDNESDAY - timedelta(hours=2)).timestamp() * 1000, "lon": 103.38, "lat": 23.36},  # before the start
           {"t": good[0]["t"], "lon": "x", "lat": 23.36}, {"t": good[0]["t"], "lon": 10.0, "lat": 10.0}, "junk"]
    answer = services.upload_points(gridworker, patrol.pk, batch_id="b", points=good + bad,
                                    now=WEDNESDAY + timedelta(hours=1))
    assert (answer["accepted"], answer["rejected"]) == (3, 5)


def test_ending_computes_the_grids_coverage_for_the_day(db, gridworker, grid, walk):
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    points = walk(grid, start=WEDNESDAY + timedelta(minutes=1))
    for n in range(0, len(points), 25):
        services.upload_points(gridworker, patrol.pk, batch_id=f"b{n}", points=points[n:n + 25],
                               now=WEDNESDAY + timedelta(hours=1))
    assert GridCoverage.objects.get(grid=grid, day=WEDNESDAY.date()).dirty
    services.end_patrol(gridworker, patrol.pk, now=WEDNESDAY + timedelta(hours=1))
    row = GridCoverage.objects.get(grid=grid, day=WEDNESDAY.date())
    assert not row.dirty and row.patrols == 1 and row.points == len(points)
    assert row.fraction >= 0.9
    assert services.end_patrol(gridworker, patrol.pk).state == Patrol.State.ENDED  # twice is harmless


def test_a_grid_walked_only_partly_is_flagged_as_missed_at_day_end(db, persona, walk):
    gridworker = persona("gridworker")
    grid = gridworker.scope_grid
    PatrolRequirement.objects.create(grid=grid, min_coverage=0.8)
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    services.upload_points(gridworker, patrol.pk, batch_id="b", points=walk(grid, start=WEDNESDAY, share=0.4),
                           now=WEDNESDAY + timedelta(hours=1))
    services.end_patrol(gridworker, patrol.pk, now=WEDNESDAY + timedelta(hours=1))
    services.flag_missed(now=WEDNESDAY.replace(hour=17))  # before the day's end: Tuesday closes, not Wednesday
    assert MissedPatrol.objects.filter(grid=grid, day=WEDNESDAY.date() - timedelta(days=1)).exists()
    assert not MissedPatrol.objects.filter(day=WEDNESDAY.date()).exists()
    evening = WEDNESDAY.replace(hour=18, minute=30)
    assert services.flag_missed(now=evening) >= 1
    missed = MissedPatrol.objects.get(grid=grid, day=WEDNESDAY.date())
    assert 0.2 < missed.coverage < 0.8 and missed.required == 0.8
    assert services.flag_missed(now=evening) == 0  # the day is closed once


def test_a_well_patrolled_grid_is_not_flagged_and_an_unvisited_one_is(db, persona, walk):
    gridworker = persona("gridworker")
    walked, idle = gridworker.scope_grid, gridworker.scope_grid.__class__.objects.exclude(
        pk=gridworker.scope_grid_id).order_by("code").first()
    PatrolRequirement.objects.create(grid=walked, min_coverage=0.6)
    PatrolRequirement.objects.create(grid=idle, min_coverage=0.6)
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    services.upload_points(gridworker, patrol.pk, batch_id="b", points=walk(walked, start=WEDNESDAY),
                           now=WEDNESDAY + timedelta(hours=1))
    services.flag_missed(now=WEDNESDAY.replace(hour=19), day=WEDNESDAY.date())  # refreshes the dirty coverage
    flagged = set(MissedPatrol.objects.filter(day=WEDNESDAY.date()).values_list("grid_id", flat=True))
    assert flagged == {idle.pk}


def test_someone_elses_patrol_cannot_be_touched(db, persona):
    patrol = services.start_patrol(persona("gridworker"), now=WEDNESDAY)
    with pytest.raises(NotFound):
        services.upload_points(persona("inspector_001"), patrol.pk, batch_id="b", points=[])
    with pytest.raises(Forbidden):
        services.start_patrol(persona("operator"))


# ---------------------------------------------------------------------------- over HTTP


def test_the_phone_api_starts_uploads_and_ends(signed_in, gridworker, grid, walk):
    client = signed_in("gridworker")
    started = post_json(client, "/patrols/api/start", {"client_key": "phone-1"})
    assert started.status_code == 200, started.content
    patrol_id = started.json()["id"]
    assert post_json(client, "/patrols/api/start", {"client_key": "phone-1"}).json()["id"] == patrol_id
    points = walk(grid, start=timezone.now(), step_s=1)
    sent = post_json(client, f"/patrols/api/{patrol_id}/points", {"batch_id": "b-1", "points": points})
    assert sent.json() == {"batch_id": "b-1", "accepted": len(points), "rejected": 0, "repeated": False}
    assert post_json(client, f"/patrols/api/{patrol_id}/points", {"batch_id": "b-1", "points": points}).json()["repeated"]
    ended = post_json(client, f"/patrols/api/{patrol_id}/end")
    assert ended.json()["state"] == "ended" and ended.json()["points"] == len(points)
    assert GridCoverage.objects.get(grid=grid, day=timezone.localdate()).fraction > 0


def test_the_phone_api_refuses_strangers_and_bad_input(signed_in, client, gridworker):
    assert post_json(client, "/patrols/api/start").status_code == 403  # anonymous
    assert post_json(signed_in("operator"), "/patrols/api/start").status_code == 403
    mine = post_json(signed_in("gridworker"), "/patrols/api/start").json()["id"]
    other = post_json(signed_in("inspector_001"), f"/patrols/api/{mine}/points", {"batch_id": "x", "points": []})
    assert other.status_code == 404
    bad = signed_in("gridworker").post(f"/patrols/api/{mine}/points", "not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "malformed_json"  # unreadable JSON: refused at the door
    missing = post_json(signed_in("gridworker"), f"/patrols/api/{mine}/points", {"points": []})
    assert missing.status_code == 422 and "batch_id" in missing.json()["detail"]
    assert signed_in("gridworker").get("/patrols/api/start").status_code == 405


def test_a_report_made_on_patrol_carries_the_patrol(signed_in, gridworker, grid):
    patrol = services.start_patrol(gridworker)
    client = signed_in("gridworker")
    page = client.get("/console/report/")
    assert page.status_code == 200 and "data-testid=\"on-patrol\"" in page.content.decode()
    centre = grid.polygon().centroid
    response = client.post("/console/report/", {"lon": centre.x, "lat": centre.y, "description": "路边垃圾堆积",
                                                "category": "06010", "client_key": "field-1", "patrol": patrol.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(client_key="field-1")
    assert PatrolReport.objects.get(case=case).patrol == patrol
    assert CaseEvent.objects.get(case=case, seq=1).data["refs"] == {"patrol": patrol.pk}
    assert case.reference in client.get(f"/console/patrols/{patrol.pk}/").content.decode()


def test_a_report_naming_someone_elses_patrol_is_not_linked(signed_in, persona, gridworker, grid):
    stranger = services.start_patrol(persona("inspector_001"))
    centre = grid.polygon().centroid
    signed_in("gridworker").post("/console/report/", {"lon": centre.x, "lat": centre.y, "description": "井盖缺失",
                                                      "client_key": "field-2", "patrol": stranger.pk})
    case = Case.objects.get(client_key="field-2")
    assert not PatrolReport.objects.filter(case=case).exists()
    assert "refs" not in CaseEvent.objects.get(case=case, seq=1).data


def test_the_coverage_page_shows_the_areas_grids_and_missed_patrols(signed_in, persona, gridworker, grid, walk):
    PatrolRequirement.objects.create(grid=grid, min_coverage=0.9)
    MissedPatrol.objects.create(grid=grid, day=WEDNESDAY.date(), coverage=0.3, required=0.9, flagged_at=WEDNESDAY)
    page = signed_in("operator_wenlan").get("/console/patrols/coverage/?day=2026-11-18")
    html = page.content.decode()
    assert page.status_code == 200 and grid.code in html and 'class="missed"' in html
    assert grid.code not in signed_in("operator_caoba").get("/console/patrols/coverage/?day=2026-11-18").content.decode()
    assert signed_in("handler_hwz").get("/console/patrols/coverage/").status_code == 403
    assert signed_in("operator").get("/console/patrols/").status_code == 403  # the phone page is for field staff
    assert signed_in("gridworker").get("/console/patrols/").status_code == 200


def test_a_patrol_track_is_visible_to_its_area_only(signed_in, gridworker, grid, walk):
    patrol = services.start_patrol(gridworker, now=WEDNESDAY)
    services.upload_points(gridworker, patrol.pk, batch_id="b", points=walk(grid, start=WEDNESDAY)[:10],
                           now=WEDNESDAY + timedelta(hours=1))
    assert "<polyline" in signed_in("operator_wenlan").get(f"/console/patrols/{patrol.pk}/").content.decode()
    assert signed_in("operator_caoba").get(f"/console/patrols/{patrol.pk}/").status_code == 404
