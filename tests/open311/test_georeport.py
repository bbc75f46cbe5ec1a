"""Open311 GeoReport v2 through Django's test client: every answer is checked against the published
JSON Schemas, errors against the spec's shape and HTTP status."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from PIL import Image

from civicloop.cases import services as cases
from civicloop.cases.models import Case, CaseEvent, Channel
from civicloop.open311 import services
from civicloop.open311.models import ApiKey, Open311Request
from tests.open311.conftest import BASE, CAOBA, WENLAN, post_request


def spec_error(response, status: int) -> str:
    """The spec's error: the HTTP status, and a list of {code, description}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    return body[0]["description"]


def other_channel_case(description: str = "井盖丢失，电话13812345678", **kw):
    return cases.report_case(actor=None, channel=Channel.CITIZEN, lon=WENLAN[0], lat=WENLAN[1],
                             description=description, category="01001", reporter_name="张三",
                             reporter_phone="13812345678", **kw)


# ---------------------------------------------------------------------------- discovery, services


def test_discovery_lists_both_formats_in_json_and_xml(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert endpoint["url"].endswith("/open311/v2") and body["changeset"] and body["key_service"]
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery" and [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_are_the_categories_with_groups_and_keywords(client, db, schemas):
    response = client.get(f"{BASE}/services.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services_ = response.json()
    schemas("services.json", services_)
    by_code = {s["service_code"]: s for s in services_}
    assert by_code["06010"]["service_name"] == "暴露垃圾" and by_code["06010"]["type"] == "realtime"
    assert all(s["group"] for s in services_)
    assert any(s["keywords"] for s in services_)
    assert "other" in by_code
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and len(xml.findall("service")) == len(services_)


def test_service_definition_has_its_attributes(client, db, schemas):
    from civicloop.taxonomy.models import TimeLimit

    TimeLimit.objects.get_or_create(category_id="06010", condition="成堆、成片", stage="handle", defaults={"amount": 2, "unit": "WD"})
    from civicloop.core import revisions

    revisions.bump("taxonomy")
    definition = client.get(f"{BASE}/services/06010.json").json()
    schemas("service-definition.json", definition)
    condition = next(a for a in definition["attributes"] if a["code"] == "condition")
    assert condition["datatype"] == "singlevaluelist" and {"key": "成堆、成片", "name": "成堆、成片"} in condition["values"]
    listed = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert listed["06010"]["metadata"] is True
    xml = ET.fromstring(client.get(f"{BASE}/services/06010.xml").content)
    assert xml.tag == "service_definition" and xml.find("attributes/attribute/code") is not None


def test_unknown_service_definition_is_a_404_in_the_spec_shape(client, db):
    assert "not found" in spec_error(client.get(f"{BASE}/services/99999.json"), 404)
    xml = client.get(f"{BASE}/services/99999.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).find("error/code").text == "404"


def test_unknown_resource_and_wrong_method_answer_in_the_spec_shape(client, db):
    spec_error(client.get(f"{BASE}/nothing-here.json"), 404)
    assert ET.fromstring(client.get(f"{BASE}/nothing-here").content).tag == "errors"
    spec_error(client.delete(f"{BASE}/requests.json"), 405)


def test_a_foreign_jurisdiction_is_not_found(client, db, settings):
    settings.OPEN311_JURISDICTION = "mengzi.gov.cn"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "mengzi.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200  # conditional: may be left out
    spec_error(client.get(f"{BASE}/services.json", {"jurisdiction_id": "sfgov.org"}), 404)


# ---------------------------------------------------------------------------- POST requests


def test_anonymous_and_bad_keys_are_refused(client, db, key):
    assert "api_key" in spec_error(post_request(client, None), 403)
    spec_error(post_request(client, "o311_not-a-real-key"), 403)
    services.revoke_key(ApiKey.objects.get())
    spec_error(post_request(client, key), 403)
    assert Case.objects.count() == 0


def test_post_makes_a_case_through_the_intake_door(client, db, key, schemas):
    response = post_request(client, key, description="垃圾堆在路边，联系我 13912345678", first_name="李",
                            last_name="四", phone="13912345678", email="li@example.com", device_id="phone-7",
                            address_string="天马路 12 号")
    assert response.status_code == 201, response.content
    answer = response.json()[0]
    assert set(answer) == {"service_request_id", "service_notice", "account_id"} and answer["service_notice"]
    case = Case.objects.get(reference=answer["service_request_id"])
    assert case.channel == Channel.OTHER and case.category_id == "06010" and case.address == "天马路 12 号"
    assert case.reporter_name == "李 四" and case.reporter_phone == "13912345678"  # for the centre's call back
    report = CaseEvent.objects.get(case=case, seq=1)
    key_id = ApiKey.objects.get().pk
    assert report.data["refs"] == {"open311_key": key_id}
    assert Open311Request.objects.get(case=case).device_id == "phone-7"

    shown = client.get(f"{BASE}/requests/{case.reference}.json").json()
    schemas("requests.json", shown)
    text = str(shown)
    assert "13912345678" not in text and "139****5678" in shown[0]["description"]
    assert "李" not in text and "example.com" not in text


def test_other_leaves_the_category_to_the_centre(client, db, key, schemas):
    reference = post_request(client, key, service_code="other").json()[0]["service_request_id"]
    assert Case.objects.get(reference=reference).category_id is None
    shown = client.get(f"{BASE}/requests/{reference}.json").json()
    schemas("requests.json", shown)
    assert shown[0]["service_code"] == "other"


def test_post_answers_in_xml_too(client, db, key):
    response = client.post(f"{BASE}/requests.xml", {"api_key": key, "service_code": "06010", "lat": WENLAN[1],
                                                     "long": WENLAN[0], "description": "xml 客户端"})
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("532503-")


@pytest.mark.parametrize("fields, status, words", [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "99999"}, 404, "service_code"),
    ({"lat": None, "long": None}, 400, "lat and long"),
    ({"lat": None, "long": None, "address_string": "天马路 1 号"}, 400, "address"),
    ({"lat": "40.75", "long": "-73.98"}, 400, "location"),
    ({"lat": "北纬"}, 400, "lat"),
    ({"description": "x" * 4001}, 400, "4,000"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"attribute[condition]": "not-a-listed-key"}, 400, "attribute[condition]"),
])
def test_bad_posts_are_refused_with_the_spec_status(client, db, key, fields, status, words):
    from civicloop.taxonomy.models import TimeLimit
    from civicloop.core import revisions

    TimeLimit.objects.get_or_create(category_id="06010", condition="成堆、成片", stage="handle", defaults={"amount": 2, "unit": "WD"})
    revisions.bump("taxonomy")
    assert words in spec_error(post_request(client, key, **fields), status)
    assert Case.objects.count() == 0


def test_attributes_are_kept_and_shown_to_staff(client, db, key, signed_in):
    from civicloop.taxonomy.models import TimeLimit
    from civicloop.core import revisions

    TimeLimit.objects.get_or_create(category_id="06010", condition="成堆、成片", stage="handle", defaults={"amount": 2, "unit": "WD"})
    revisions.bump("taxonomy")
    response = post_request(client, key, **{"attribute[condition]": "成堆、成片", "attribute[fixmystreet_id]": "7"})
    reference = response.json()[0]["service_request_id"]
    row = Open311Request.objects.get(case__reference=reference)
    assert row.attributes == {"condition": "成堆、成片"}
    page = signed_in("operator").get(f"/console/cases/{reference}/")
    assert page.status_code == 200 and "成堆、成片" in page.content.decode() and "test partner" in page.content.decode()


def test_a_repeated_client_key_returns_the_first_request(client, db, key):
    first = post_request(client, key, client_key="retry-1")
    again = post_request(client, key, client_key="retry-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Case.objects.count() == 1


def test_the_rate_limit_counts_per_key_per_minute(client, db):
    _key, raw = services.issue_key(name="slow partner", rate_per_minute=2)
    _other, other_raw = services.issue_key(name="another partner", rate_per_minute=2)
    assert post_request(client, raw).status_code == 201
    assert post_request(client, raw).status_code == 201
    refused = post_request(client, raw)
    assert "rate limit" in spec_error(refused, 429) and 1 <= int(refused["Retry-After"]) <= 60
    assert post_request(client, other_raw).status_code == 201  # each key has its own minute
    assert Case.objects.count() == 3


def test_a_refused_post_does_not_use_up_the_keys_minute(client, db):
    _key, raw = services.issue_key(name="careful partner", rate_per_minute=2)
    assert post_request(client, raw, lat="39.90", long="116.40").status_code == 400  # Beijing: not our city
    assert post_request(client, raw).status_code == 201
    assert post_request(client, raw).status_code == 201
    assert post_request(client, raw).status_code == 429
    assert Case.objects.count() == 2


def test_a_posts_rows_and_its_rate_count_reach_postgresql_in_one_statement(client, db, key):
    """Each statement is a round trip that costs both servers CPU under load (docs/performance.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = post_request(client, key)
    assert response.status_code == 201, response.content
    writes = [q["sql"] for q in captured if "INSERT INTO" in q["sql"] and "casesequence" not in q["sql"]]
    tables = ("cases_case", "cases_caseevent", "duplicates_opencase", "open311_open311request", "core_throttle")
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and all(f'INTO "{t}"' in writes[0] for t in tables), writes
    else:
        assert len(writes) == len(tables)
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    assert Open311Request.objects.get(case=case).key.name == "test partner"
    assert case.events.count() == 1


def test_rate_window_turns_over_each_minute(db):
    key, _raw = services.issue_key(name="p", rate_per_minute=1)
    services.take_rate(key, now=600.0)
    with pytest.raises(services.Open311Error):
        services.take_rate(key, now=610.0)
    services.take_rate(key, now=660.0)  # the next minute


def test_a_photo_uploaded_as_media_is_served_without_its_metadata(client, db, key, schemas):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    response = client.post(f"{BASE}/requests.json", {"api_key": key, "service_code": "06010", "lat": WENLAN[1],
                                                      "long": WENLAN[0], "description": "带照片", "media": buffer})
    assert response.status_code == 201, response.content
    shown = client.get(f"{BASE}/requests/{response.json()[0]['service_request_id']}.json").json()
    schemas("requests.json", shown)
    url = shown[0]["media_url"]
    assert url.startswith("http") and "/open311/v2/media/" in url
    photo = client.get(urlsplit(url).path)
    assert photo.status_code == 200 and photo["Content-Type"].startswith("image/")


def test_photos_of_other_channels_are_not_published(client, db):
    from civicloop.cases.models import Attachment

    case = other_channel_case()
    item = Attachment.objects.create(case=case, kind="before", content_type="image/jpeg", size=1, sha256="x")
    assert client.get(f"/open311/v2/media/{case.reference}/{item.pk}").status_code == 404
    assert client.get(f"{BASE}/requests/{case.reference}.json").json()[0]["media_url"] is None


def test_a_token_names_its_request(client, db, key):
    answer = post_request(client, key, extensions="true").json()[0]
    found = client.get(f"{BASE}/tokens/{answer['token']}.json").json()
    assert found == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    spec_error(client.get(f"{BASE}/tokens/nope.json"), 404)


# ---------------------------------------------------------------------------- GET requests


def test_a_single_request_and_a_missing_one(client, db, key, schemas):
    reference = post_request(client, key).json()[0]["service_request_id"]
    body = client.get(f"{BASE}/requests/{reference}.json").json()
    schemas("requests.json", body)
    assert len(body) == 1 and body[0]["status"] == "open" and body[0]["service_code"] == "06010"
    xml = ET.fromstring(client.get(f"{BASE}/requests/{reference}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/status").text == "open"
    spec_error(client.get(f"{BASE}/requests/532503-20000101-999999.json"), 404)


def test_privacy_other_channels_show_no_description_names_or_phones(client, db, settings, schemas):
    case = other_channel_case()
    body = client.get(f"{BASE}/requests/{case.reference}.json").json()
    schemas("requests.json", body)
    assert body[0]["description"] is None
    assert "13812345678" not in str(body) and "张三" not in str(body)
    settings.OPEN311_PUBLIC_DESCRIPTIONS = "all"
    body = client.get(f"{BASE}/requests/{case.reference}.json").json()
    assert body[0]["description"] == "井盖丢失，电话138****5678"


def _closed_case(operator, leader, dispatcher, handler, inspector):
    case = other_channel_case("已修好的井盖")
    case = cases.file_case(case, operator, category="01001")
    case = cases.dispatch_case(case, dispatcher, department="szgs")
    case = cases.sign_case(case, handler)
    case = cases.handle_case(case, handler, note="换了新井盖")
    case = cases.check_fix(case, inspector, passed=True)
    return cases.close_case(case, leader)


def test_status_filter_maps_the_kind_of_state(client, db, key, persona, schemas):
    open_ref = post_request(client, key).json()[0]["service_request_id"]
    closed = _closed_case(persona("operator"), persona("leader"), persona("dispatcher"), persona("handler_szgs"),
                          persona("inspector_001"))
    opened = client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    shut = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    both = client.get(f"{BASE}/requests.json", {"status": "open,closed"}).json()
    for body in (opened, shut, both):
        schemas("requests.json", body)
    assert [r["service_request_id"] for r in opened] == [open_ref]
    assert [r["service_request_id"] for r in shut] == [closed.reference]
    assert shut[0]["agency_responsible"] == "市政工程公司" and shut[0]["expected_datetime"] is None
    assert len(both) == 2
    spec_error(client.get(f"{BASE}/requests.json", {"status": "pending"}), 400)


def test_extensions_add_the_notes_of_each_step(client, db, persona, schemas):
    closed = _closed_case(persona("operator"), persona("leader"), persona("dispatcher"), persona("handler_szgs"),
                          persona("inspector_001"))
    body = client.get(f"{BASE}/requests.json", {"extensions": "true"}).json()
    schemas("requests.json", body)
    notes = [n["description"] for n in body[0]["notes"]]
    assert body[0]["service_request_id"] == closed.reference
    assert notes[0].startswith("提交上报") and notes[-1].startswith("办结") and len(notes) >= 5
    assert body[0]["extended_attributes"]["detailed_status"] == "closed"
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml", {"extensions": "true"}).content)
    assert len(xml.findall("request/notes/note")) == len(notes)


def test_service_request_id_overrides_every_other_filter(client, db, key):
    refs = [post_request(client, key).json()[0]["service_request_id"] for _ in range(3)]
    body = client.get(f"{BASE}/requests.json", {"service_request_id": f"{refs[0]},{refs[2]}", "status": "closed",
                                                "service_code": "01001"}).json()
    assert sorted(r["service_request_id"] for r in body) == sorted([refs[0], refs[2]])


def test_service_code_and_dates_filter(client, db, key):
    now = timezone.now()
    old = other_channel_case("一个月前的", now=now - timedelta(days=30))
    new = post_request(client, key).json()[0]["service_request_id"]
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "01001"}).json()
    assert [r["service_request_id"] for r in by_code] == [old.reference]
    window = {"start_date": (now - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end_date": (now - timedelta(days=29)).isoformat()}
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", window).json()] == [old.reference]
    recent = client.get(f"{BASE}/requests.json", {"start_date": (now - timedelta(days=1)).date().isoformat()}).json()
    assert [r["service_request_id"] for r in recent] == [new]
    # A '+' sent unencoded arrives as a space; read as the offset it was.
    loose = client.get(f"{BASE}/requests.json?start_date=" + (now - timedelta(hours=1)).astimezone(
        timezone.get_current_timezone()).strftime("%Y-%m-%dT%H:%M:%S+08:00").replace("+", "%20"))
    assert [r["service_request_id"] for r in loose.json()] == [new]


def test_dates_beyond_ninety_days_are_refused_and_the_default_is_ninety_days(client, db):
    now = timezone.now()
    other_channel_case("半年前的", now=now - timedelta(days=180))
    recent = other_channel_case("昨天的", now=now - timedelta(days=1))
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [recent.reference]
    wide = {"start_date": (now - timedelta(days=200)).isoformat(), "end_date": now.isoformat()}
    assert "90" in spec_error(client.get(f"{BASE}/requests.json", wide), 400)
    spec_error(client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}), 400)
    backwards = {"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()}
    spec_error(client.get(f"{BASE}/requests.json", backwards), 400)


def test_pages_and_page_size(client, db, key):
    refs = [post_request(client, key).json()[0]["service_request_id"] for _ in range(5)]
    newest_first = list(reversed(refs))
    page1 = client.get(f"{BASE}/requests.json", {"page_size": 2}).json()
    page3 = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 3}).json()
    assert [r["service_request_id"] for r in page1] == newest_first[:2]
    assert [r["service_request_id"] for r in page3] == newest_first[4:]
    spec_error(client.get(f"{BASE}/requests.json", {"page_size": 1001}), 400)
    spec_error(client.get(f"{BASE}/requests.json", {"page": 0}), 400)


def test_near_a_point_within_a_radius(client, db, key):
    here = post_request(client, key).json()[0]["service_request_id"]
    post_request(client, key, lat=str(CAOBA[1]), long=str(CAOBA[0]))  # ~13 km away
    near = client.get(f"{BASE}/requests.json", {"lat": WENLAN[1], "long": WENLAN[0], "radius": 500}).json()
    assert [r["service_request_id"] for r in near] == [here]
    wide = client.get(f"{BASE}/requests.json", {"lat": WENLAN[1], "long": WENLAN[0], "radius": 20000}).json()
    assert len(wide) == 2
    spec_error(client.get(f"{BASE}/requests.json", {"lat": WENLAN[1]}), 400)


def test_updated_after_finds_what_changed(client, db, key, persona):
    first = post_request(client, key).json()[0]["service_request_id"]
    post_request(client, key)
    mark = timezone.now()
    case = Case.objects.get(reference=first)
    cases.file_case(case, persona("operator"), category="06010", now=mark + timedelta(seconds=1))
    changed = client.get(f"{BASE}/requests.json", {"updated_after": mark.isoformat()}).json()
    assert [r["service_request_id"] for r in changed] == [first]
    before = client.get(f"{BASE}/requests.json", {"updated_before": mark.isoformat()}).json()
    assert first not in [r["service_request_id"] for r in before] and len(before) == 1


def test_a_list_page_shows_a_change_once_the_cache_lag_has_passed(client, db, key, settings):
    settings.OPEN311_LIST_CACHE_SECONDS = 0
    post_request(client, key)
    assert len(client.get(f"{BASE}/requests.json").json()) == 1
    post_request(client, key)
    assert len(client.get(f"{BASE}/requests.json").json()) == 2
    settings.OPEN311_LIST_CACHE_SECONDS = 300
    post_request(client, key)
    assert len(client.get(f"{BASE}/requests.json").json()) == 2  # within the lag: the cached page
    assert len(client.get(f"{BASE}/requests.json", {"status": "open"}).json()) == 3  # another query: fresh


# ---------------------------------------------------------------------------- key management


def test_keys_are_stored_hashed(db):
    key, raw = services.issue_key(name="partner")
    assert raw not in (key.key.digest, key.prefix) and len(key.key.digest) == 64 and raw.startswith(key.prefix)
    assert services.authenticate(raw).pk == key.pk


def test_the_key_page_is_for_administrators_only(client, db, signed_in):
    url = "/console/open311/keys/"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert signed_in("operator").get(url).status_code == 403
    assert signed_in("operator_caoba").post(url, {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()
    admin = signed_in("admin")
    page = admin.post(url, {"name": "市民 App", "contact": "app@example.com", "rate_per_minute": "30"})
    assert page.status_code == 200
    key = ApiKey.objects.get()
    raw = page.content.decode().split("data-raw-key>")[1].split("<")[0]
    assert services.authenticate(raw).pk == key.pk and key.rate_per_minute == 30
    assert raw not in admin.get(url).content.decode()  # shown once
    assert signed_in("operator").post(f"/console/open311/keys/{key.pk}/revoke/").status_code == 403
    assert admin.post(f"/console/open311/keys/{key.pk}/revoke/").status_code == 302
    with pytest.raises(services.Open311Error):
        services.authenticate(raw)


def test_the_admin_issues_a_key_shown_once(client, db, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    client.force_login(superuser)
    response = client.post("/admin/open311/apikey/add/", {"name": "CRM", "contact": "", "rate_per_minute": 60})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    raw = response.content.decode().split("data-raw-key>")[1].split("<")[0].strip()
    assert services.authenticate(raw).name == "CRM"
    key = ApiKey.objects.get(name="CRM")
    assert raw not in client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()


def test_the_demo_seed_sends_a_few_requests_once(db, client):
    from civicloop.open311 import demo

    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert out.getvalue().count("demo key") == 1
    assert Open311Request.objects.count() == len(demo.REPORTS)
    listed = client.get(f"{BASE}/requests.json").json()
    assert {r["service_code"] for r in listed} == {"06010", "01001", "other"}
