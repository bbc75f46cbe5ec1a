"""IoT: events stored first, rules open one case per device and category, HTTP devices, pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as tz

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.cases import services as cases
from civicloop.cases.models import Case
from civicloop.iot import rules, services
from civicloop.iot.models import Alarm, Device, Event, Evidence, Rule

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=tz.utc)


# ---------------------------------------------------------------------------- pure rules


def rule(id=1, event_type="bin_overflow", device_id=None, facility_id="", threshold=None, cooldown=60, active=True):
    return rules.RuleView(id, event_type, device_id, facility_id, "03005", threshold, cooldown, active)


def test_the_most_specific_active_rule_wins():
    general, facility, own, off = rule(1), rule(2, facility_id="WC-1"), rule(3, device_id=7), rule(4, device_id=7, active=False)
    found = lambda **kw: rules.pick_rule([general, facility, own, off], event_type="bin_overflow", **kw)  # noqa: E731
    assert found(device_pk=7, facility_id="WC-1") is own
    assert found(device_pk=8, facility_id="WC-1") is facility
    assert found(device_pk=8, facility_id="") is general
    assert rules.pick_rule([general], event_type="odour", device_pk=7, facility_id="") is None


def test_what_an_event_does_depends_on_threshold_open_case_and_cool_down():
    r = rule(threshold=5.0, cooldown=60)
    assert rules.decide(None, 9, None, NOW) == rules.NO_RULE
    assert rules.decide(r, 4.9, None, NOW) == rules.BELOW
    assert rules.decide(r, None, None, NOW) == rules.BELOW
    assert rules.decide(r, 5.0, None, NOW) == rules.OPENED
    assert rules.decide(r, 9, rules.LastAlarm(True, NOW - timedelta(days=3), None), NOW) == rules.EVIDENCE
    closed_recently = rules.LastAlarm(False, NOW - timedelta(days=1), NOW - timedelta(minutes=10))
    assert rules.decide(r, 9, closed_recently, NOW) == rules.COOLDOWN
    closed_long_ago = rules.LastAlarm(False, NOW - timedelta(days=1), NOW - timedelta(minutes=61))
    assert rules.decide(r, 9, closed_long_ago, NOW) == rules.OPENED


def test_a_devices_message_is_checked_and_its_clock_distrusted():
    event = rules.parse_event({"event_id": "a1", "type": "odour", "value": "7.5", "time": "2026-10-05T08:59:00Z"}, now=NOW)
    assert (event.event_id, event.type, event.value, event.occurred_at) == ("a1", "odour", 7.5, NOW - timedelta(minutes=1))
    assert rules.parse_event({"event_id": "a", "type": "x", "time": "1999-01-01T00:00:00Z"}, now=NOW).occurred_at == NOW
    assert rules.parse_event({"event_id": "a", "type": "x", "time": NOW.timestamp() * 1000}, now=NOW).occurred_at == NOW
    for bad in (None, [], {"type": "x"}, {"event_id": "a"}, {"event_id": "a", "type": "x", "value": "high"},
                {"event_id": "a" * 65, "type": "x"}, {"event_id": "a", "type": "x", "value": float("nan")}):
        with pytest.raises(ValueError):
            rules.parse_event(bad, now=NOW)


def test_the_device_is_read_from_its_topic():
    assert rules.topic_device("civicloop/devices/cam-1/events", "civicloop/devices") == "cam-1"
    assert rules.topic_device("civicloop/devices/a/b/events", "civicloop/devices") is None
    assert rules.topic_device("other/cam-1/events", "civicloop/devices") is None
    assert rules.topic_of("civicloop/devices/", "cam-1") == "civicloop/devices/cam-1/events"


# ---------------------------------------------------------------------------- services


@pytest.fixture
def camera(db):
    device, token = services.register_device(device_id="cam-1", name="天马路摄像头", kind="camera",
                                             lon=103.385, lat=23.367, facility_id="BIN-9", address="天马路")
    device.raw_token = token
    Rule.objects.create(name="垃圾满溢", event_type="bin_overflow", category="03005", cooldown_minutes=30)
    return device


def send(device, *events, via="mqtt"):
    result = services.ingest([(device.device_id, e) for e in events], via=via)
    services.process_pending()
    return result


def test_a_storm_becomes_one_case_with_every_later_event_as_evidence(camera):
    send(camera, *[{"event_id": f"e{n}", "type": "bin_overflow", "value": 1} for n in range(30)])
    case = Case.objects.get(channel="camera")
    assert case.category_id == "03005" and "天马路摄像头" in case.description
    assert case.events.get(action="report").data["refs"]["device"] == "cam-1"
    alarm = Alarm.objects.get()
    assert alarm.case == case and alarm.events == 30 and Evidence.objects.filter(alarm=alarm).count() == 30
    assert Event.objects.filter(outcome="opened").count() == 1
    assert Event.objects.filter(outcome="evidence", case=case).count() == 29
    send(camera, {"event_id": "later", "type": "bin_overflow"})  # a later batch joins the same case
    assert Case.objects.filter(channel="camera").count() == 1 and Alarm.objects.get().events == 31


def test_a_repeated_event_is_stored_once(camera):
    send(camera, {"event_id": "e1", "type": "bin_overflow"}, {"event_id": "e1", "type": "bin_overflow"})
    send(camera, {"event_id": "e1", "type": "bin_overflow"})
    assert Event.objects.count() == 1 and Case.objects.filter(channel="camera").count() == 1


def test_after_closure_the_cool_down_holds_back_a_new_case_then_lets_one_open(camera, persona):
    send(camera, {"event_id": "e1", "type": "bin_overflow"})
    case = Case.objects.get(channel="camera")
    cases.reject_report(case, persona("operator"), reason="已现场处理")
    assert Alarm.objects.get().open_key is None  # the case left the open kind
    send(camera, {"event_id": "e2", "type": "bin_overflow"})
    assert Event.objects.get(event_id="e2").outcome == "cooldown"
    Alarm.objects.update(opened_at=timezone.now() - timedelta(hours=2))
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(hours=1))
    send(camera, {"event_id": "e3", "type": "bin_overflow"})
    assert Event.objects.get(event_id="e3").outcome == "opened"
    assert Case.objects.filter(channel="camera").count() == 2


def test_a_failing_rule_loses_nothing_and_the_events_run_again_once_it_is_fixed(camera):
    Rule.objects.update(category="99999")  # a category that does not exist
    send(camera, {"event_id": "e1", "type": "bin_overflow"}, {"event_id": "e2", "type": "other"})
    failed = Event.objects.get(event_id="e1")
    assert failed.status == "failed" and "category" in failed.error
    assert Event.objects.get(event_id="e2").outcome == "no_rule"
    Rule.objects.update(category="03005")
    assert services.rerun() == 1
    services.process_pending()
    assert Event.objects.get(event_id="e1").outcome == "opened" and Case.objects.filter(channel="camera").count() == 1


def test_unknown_devices_and_bad_messages_are_reported_not_stored(camera):
    result = services.ingest([("nobody", {"event_id": "1", "type": "x"}), ("cam-1", {"type": "x"}), ("cam-1", "text")])
    assert len(result.rejected) == 3 and not Event.objects.exists()


def test_a_sample_event_can_be_tried_against_the_rules_without_storing_it(camera):
    assert services.try_event(camera, event_type="bin_overflow", value=None).outcome == "opened"
    assert services.try_event(camera, event_type="smoke", value=1).outcome == "no_rule"
    assert not Event.objects.exists() and not Case.objects.filter(channel="camera").exists()


# ---------------------------------------------------------------------------- HTTP devices


def post(token, body):
    return Client().post("/iot/api/v1/events", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_device_posts_an_event_over_http_and_a_repeat_changes_nothing(camera):
    answer = post(camera.raw_token, {"event_id": "h1", "type": "bin_overflow", "value": 0.95})
    assert answer.status_code == 200
    body = answer.json()
    assert body["events"][0]["outcome"] == "opened" and body["events"][0]["case"]
    again = post(camera.raw_token, {"events": [{"event_id": "h1", "type": "bin_overflow"}, {"event_id": "h2", "type": "bin_overflow"}]})
    assert [e["outcome"] for e in again.json()["events"]] == ["opened", "evidence"]
    assert Event.objects.filter(via="http").count() == 2 and Case.objects.filter(channel="camera").count() == 1


def test_a_wrong_token_or_a_bad_event_is_refused(camera):
    assert post("dv_wrong", {"event_id": "h1", "type": "x"}).status_code == 401
    assert post(camera.raw_token, {"type": "x"}).status_code == 422
    assert not Event.objects.exists()


# ---------------------------------------------------------------------------- console pages


def test_a_commander_registers_a_device_and_sees_its_token_once(db, signed_in):
    client = signed_in("commander")
    page = client.post("/console/iot/", {"device_id": "cam-9", "name": "摄像头9", "kind": "camera", "lon": 103.385, "lat": 23.367})
    token = page.context["issued"]["token"]
    assert page.status_code == 200 and token in page.content.decode()
    assert token not in client.get("/console/iot/").content.decode()
    assert services.authenticate(token) == Device.objects.get(device_id="cam-9")


def test_a_rule_is_edited_and_tried_on_the_rules_page(camera, signed_in):
    client = signed_in("admin")
    saved = Rule.objects.get()
    page = client.post(f"/console/iot/rules/{saved.pk}", {"name": "满溢", "event_type": "bin_overflow", "category": "03005",
                                                          "threshold": "0.8", "cooldown_minutes": "10", "active": "on"})
    assert page.status_code == 302 and Rule.objects.get().threshold == 0.8
    tried = client.get("/console/iot/rules", {"device": camera.pk, "event_type": "bin_overflow", "value": "0.5"})
    assert "未达阈值" in tried.content.decode()
    bad = client.post("/console/iot/rules", {"name": "x", "event_type": "x", "category": "99999", "cooldown_minutes": "1"})
    assert bad.status_code == 422 and Rule.objects.count() == 1


def test_recent_events_show_their_outcome_and_failed_ones_can_run_again(camera, signed_in):
    Rule.objects.update(category="99999")
    send(camera, {"event_id": "e1", "type": "bin_overflow"})
    client = signed_in("commander")
    assert "99999" in client.get("/console/iot/events").content.decode()
    Rule.objects.update(category="03005")
    assert client.post("/console/iot/events/rerun").status_code == 302
    assert Event.objects.get().outcome == "opened"


def test_the_case_panel_shows_the_devices_evidence(camera, signed_in):
    send(camera, *[{"event_id": f"e{n}", "type": "bin_overflow"} for n in range(3)])
    reference = Case.objects.get(channel="camera").reference
    page = signed_in("operator").get(f"/console/cases/{reference}/panel")
    assert page.status_code == 200 and "cam-1" in page.content.decode()


def test_iot_pages_refuse_out_of_scope_staff_and_anonymous_callers(camera, signed_in):
    assert signed_in("operator_caoba").get("/console/iot/").status_code == 403
    assert signed_in("operator").post("/console/iot/", {"device_id": "x"}).status_code == 403
    assert signed_in("operator").post("/console/iot/events/rerun").status_code == 403
    assert signed_in("handler_hwz").get("/console/iot/rules").status_code == 403
    assert Client().get("/console/iot/events").status_code == 302


def test_the_demo_seeds_devices_rules_and_one_storm_case_once(db):
    import io

    from civicloop.iot import demo

    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert Device.objects.count() == 3 and Rule.objects.count() == 3
    assert out.getvalue().count("token (shown once)") == 3
    assert Case.objects.filter(channel="camera").count() == 1 and Alarm.objects.get().events == 5
    assert Event.objects.get(event_id="demo-odour-1").outcome == "below_threshold"
