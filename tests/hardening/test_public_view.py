"""What a citizen may see of a case that is not theirs (docs/security.md): following gives notices,
not access; the reporter's words and photos go further only when staff mark the case public, the
city publishes filed reports, or it came through Open311 — on every page, photo URL and feed."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from civicloop.cases import services as cases
from civicloop.cases.models import Case
from civicloop.open311 import queries as open311
from tests.citizens.test_reports import citizen_client, jpeg, post_report  # noqa: F401 (a fixture)
from tests.conftest import ApiClient, WENLAN

pytestmark = pytest.mark.django_db

SECRET = "张三家门口 13800138000 垃圾桶满溢"
PLACE = (WENLAN[0] + 0.00037, WENLAN[1] + 0.00021)  # more decimals than a rough place keeps
ADDRESS = "天马路 12 号 3 单元"


@pytest.fixture(autouse=True)
def _fresh_open311_pages(settings):
    settings.OPEN311_LIST_CACHE_SECONDS = 0
    open311.pages.clear()
    yield
    open311.pages.clear()


@pytest.fixture
def reported(citizen_client):
    """A citizen's report with a photo, and a second citizen who followed it with a photo of their own."""
    reporter = citizen_client("13800138101")
    answer = post_report(reporter, client_key="public-view", description=SECRET, address=ADDRESS,
                         lon=str(PLACE[0]), lat=str(PLACE[1]),
                         photos=[jpeg("mine.jpg")])
    assert answer.status_code == 201, answer.content
    reference = answer.json()["reference"]
    follower = citizen_client("13800138102")
    followed = follower.post(f"/api/citizen/reports/{reference}/follow",
                             {"photos": [jpeg("theirs.jpg", colour=(9, 9, 9))]}, HTTP_X_CSRFTOKEN=follower.csrf)
    assert followed.status_code == 200, followed.content
    case = Case.objects.get(reference=reference)
    own, added = case.attachments.order_by("pk")
    return {"reference": reference, "case": case, "reporter": reporter, "follower": follower,
            "reporter_photo": f"/api/citizen/reports/{reference}/photos/{own.pk}",
            "follower_photo": f"/api/citizen/reports/{reference}/photos/{added.pk}"}


def page(client, reference: str) -> str:
    response = client.get(f"/m/reports/{reference}/")
    assert response.status_code == 200
    return response.content.decode()


def publish(reference: str, user: str = "operator", public: bool = True, reason: str = "市民关注度高，公开进展"):
    from civicloop.org.models import User

    return ApiClient(User.objects.get(username=user)).post(f"/cases/{reference}/publish",
                                                           {"public": public, "reason": reason})


def test_a_follower_sees_category_status_and_place_but_not_the_report(reported):
    html = page(reported["follower"], reported["reference"])
    assert "暴露垃圾" in html and "已受理" in html and "文澜街道" in html
    assert "张三" not in html and "13800138000" not in html and "垃圾桶满溢" not in html and "天马路" not in html
    assert reported["reporter_photo"] not in html
    assert reported["follower"].get(reported["reporter_photo"]).status_code == 404
    assert reported["follower"].get(reported["reporter_photo"], {"size": "thumb"}).status_code == 404


def test_the_follower_sees_their_own_photo_and_the_reporter_does_not(reported):
    follower, reporter = reported["follower"], reported["reporter"]
    assert follower.get(reported["follower_photo"]).status_code == 200
    assert reported["follower_photo"] in page(follower, reported["reference"])
    assert reporter.get(reported["follower_photo"]).status_code == 404
    assert reported["follower_photo"] not in page(reporter, reported["reference"])


def test_the_reporter_still_sees_everything_of_their_own_report(reported):
    html = page(reported["reporter"], reported["reference"])
    assert SECRET in html and ADDRESS in html and reported["reporter_photo"] in html
    assert reported["reporter"].get(reported["reporter_photo"]).status_code == 200


def test_my_reports_lists_no_description_for_a_followed_case(reported):
    mine = reported["follower"].get("/api/citizen/reports").json()
    row = next(r for r in mine if r["reference"] == reported["reference"])
    assert row["followed"] is True and row["description"] == ""
    own = reported["reporter"].get("/api/citizen/reports").json()
    assert own[0]["description"] == SECRET[:80]
    assert "垃圾桶满溢" not in reported["follower"].get("/m/").content.decode()
    assert "垃圾桶满溢" not in reported["follower"].get("/m/me/data.json").content.decode()  # their data, not the report


def test_nearby_shows_no_one_elses_description(reported, citizen_client):
    passer_by = citizen_client("13800138103")
    near = {"lon": WENLAN[0] + 0.0002, "lat": WENLAN[1], "category": "06010"}
    rows = passer_by.get("/api/citizen/nearby", near).json()
    assert [r["reference"] for r in rows] == [reported["reference"]]
    assert rows[0]["description"] == "" and rows[0]["category_name"] == "暴露垃圾"


def test_staff_mark_the_case_public_and_the_follower_then_sees_it_until_they_unmark_it(reported):
    follower, reference = reported["follower"], reported["reference"]
    answer = publish(reference)
    assert answer.status_code == 200, answer.content
    assert answer.json()["public"] is True
    event = reported["case"].events.order_by("-seq").first()
    assert (event.action, event.actor.username, event.reason) == ("publish", "operator", "市民关注度高，公开进展")
    html = page(follower, reference)
    assert "垃圾桶满溢" in html and reported["reporter_photo"] in html
    assert follower.get(reported["reporter_photo"]).status_code == 200
    assert reported["reporter"].get(reported["follower_photo"]).status_code == 200  # public now: the follower's too
    assert publish(reference, public=False, reason="含个人信息").status_code == 200
    assert "垃圾桶满溢" not in page(follower, reference)  # asked again on every request
    assert follower.get(reported["reporter_photo"]).status_code == 404


def test_only_the_desk_in_scope_may_mark_a_case_public_and_always_with_a_reason(reported):
    reference = reported["reference"]
    assert publish(reference, user="operator_caoba").status_code == 404  # 草坝镇's operator: not their case
    assert publish(reference, user="handler_hwz").status_code in (403, 404)
    missing = publish(reference, reason="")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert Case.objects.get(reference=reference).published_at is None
    assert publish(reference, user="operator_wenlan").status_code == 200


def test_after_filing_the_city_shows_filed_reports_and_not_unfiled_ones(reported, citizen_client, persona, settings):
    settings.CITIZEN_REPORTS_PUBLIC = "after_filing"
    follower, reference = reported["follower"], reported["reference"]
    assert "垃圾桶满溢" not in page(follower, reference)  # received, not yet screened
    cases.file_case(reported["case"], persona("operator"), category="06010")
    assert "垃圾桶满溢" in page(follower, reference)
    assert follower.get(reported["reporter_photo"]).status_code == 200
    body = Client().get(f"/open311/v2/requests/{reference}.json").json()
    assert body[0]["description"] == "张三家门口 138****8000 垃圾桶满溢"
    settings.CITIZEN_REPORTS_PUBLIC = "never"
    assert "垃圾桶满溢" not in page(follower, reference)


def test_open311_shows_a_citizen_report_only_as_the_policy_says(reported):
    reference, anonymous = reported["reference"], Client()
    body = anonymous.get(f"/open311/v2/requests/{reference}.json", {"extensions": "true"}).json()[0]
    assert body["description"] is None and body["media_url"] is None
    assert body["extended_attributes"]["photos"] == [] and "张三" not in json.dumps(body, ensure_ascii=False)
    assert publish(reference).status_code == 200
    body = anonymous.get(f"/open311/v2/requests/{reference}.json", {"extensions": "true"}).json()[0]
    assert body["description"] == "张三家门口 138****8000 垃圾桶满溢"
    assert len(body["extended_attributes"]["photos"]) == 2  # the follower's too, now that it is public
    from urllib.parse import urlsplit

    photo = urlsplit(body["media_url"]).path + "?" + urlsplit(body["media_url"]).query
    assert anonymous.get(photo).status_code == 200
    assert publish(reference, public=False, reason="含个人信息").status_code == 200
    assert anonymous.get(photo).status_code == 404
    assert anonymous.get(f"/open311/v2/requests/{reference}.json").json()[0]["description"] is None


def test_a_follower_photo_on_an_open311_request_stays_the_followers(citizen_client, db):
    from civicloop.open311 import services as open311_services

    _key, raw = open311_services.issue_key(name="partner", rate_per_minute=1000)
    answer = Client().post("/open311/v2/requests.json", {"api_key": raw, "service_code": "06010", "lat": WENLAN[1],
                                                        "long": WENLAN[0], "description": "路边暴露垃圾"})
    reference = answer.json()[0]["service_request_id"]
    follower = citizen_client("13800138104")
    assert follower.post(f"/api/citizen/reports/{reference}/follow", {"photos": [jpeg()]},
                         HTTP_X_CSRFTOKEN=follower.csrf).status_code == 200
    body = Client().get(f"/open311/v2/requests/{reference}.json", {"extensions": "true"}).json()[0]
    assert body["description"] == "路边暴露垃圾"  # the sender knew the feed is public
    assert body["media_url"] is None and body["extended_attributes"]["photos"] == []
    assert "路边暴露垃圾" in page(follower, reference)


def test_the_public_map_shows_a_rough_place_unless_the_case_is_public(reported, settings):
    settings.PUBLIC_MAP = True
    raw = Client().get("/m/map/cases.json").content.decode()
    assert "张三" not in raw and "垃圾桶满溢" not in raw and reported["reference"] not in raw
    [feature] = json.loads(raw)["features"]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == (round(lon, 3), round(lat, 3))  # ~100 m: the block, not the doorway
    assert publish(reported["reference"]).status_code == 200
    [feature] = json.loads(Client().get("/m/map/cases.json").content)["features"]
    assert feature["geometry"]["coordinates"] != [lon, lat]


def test_two_desks_marking_at_once_one_wins_and_the_other_is_told(reported, persona):
    from civicloop.core.errors import Conflict

    stale = Case.objects.get(reference=reported["reference"])
    cases.set_public(Case.objects.get(pk=stale.pk), persona("operator"), public=True, reason="公开进展")
    with pytest.raises(Conflict):
        cases.set_public(stale, persona("leader"), public=False, reason="含个人信息", version=stale.version)
    after = Case.objects.get(pk=stale.pk)
    assert after.published_at is not None and after.state == stale.state
    marks = after.events.filter(action__in=["publish", "unpublish"]).values_list("action", flat=True)
    assert list(marks) == ["publish"]


@pytest.mark.parametrize("facts, mode, details, follower_photo", [
    ({}, "never", False, False),
    ({"marked_public": True}, "never", True, True),
    ({"via_open311": True}, "never", True, False),
    ({"filed": True}, "never", False, False),
    ({"filed": True}, "after_filing", True, True),
    ({"filed": True, "void": True}, "after_filing", False, False),
    ({}, "after_filing", False, False),
])
def test_the_rules_of_the_public_view(facts, mode, details, follower_photo):
    from civicloop.cases import publicity

    fact = publicity.Facts(**{"marked_public": False, "via_open311": False, "filed": False, "void": False, **facts})
    assert publicity.details_public(fact, mode) is details
    others = publicity.may_see_photo(fact, mode, kind="before", follower_id=7, is_reporter=True, citizen_id=1)
    assert others is follower_photo  # a follower's photo, seen by the reporter
    assert publicity.may_see_photo(fact, mode, kind="before", follower_id=7, is_reporter=False, citizen_id=7)
    assert publicity.may_see_photo(fact, mode, kind="before", follower_id=None, is_reporter=True, citizen_id=1)
    assert not publicity.may_see_photo(fact, mode, kind="evidence", follower_id=None, is_reporter=True, citizen_id=1)


def test_open311_gives_a_private_reports_place_roughly_and_not_its_typed_address(reported):
    reference = reported["reference"]
    body = Client().get(f"/open311/v2/requests/{reference}.json").json()[0]
    assert (body["lat"], body["long"]) == (round(PLACE[1], 3), round(PLACE[0], 3)) and body["address"] == ""
    assert publish(reference).status_code == 200
    body = Client().get(f"/open311/v2/requests/{reference}.json").json()[0]
    assert body["address"] == ADDRESS and round(body["long"], 5) == round(PLACE[0], 5)


def test_open311s_own_photo_url_does_not_serve_a_followers_photo(citizen_client, db):
    from civicloop.open311 import services as open311_services

    _key, raw = open311_services.issue_key(name="partner", rate_per_minute=1000)
    answer = Client().post("/open311/v2/requests.json", {"api_key": raw, "service_code": "06010", "lat": WENLAN[1],
                                                        "long": WENLAN[0], "description": "路边暴露垃圾"})
    reference = answer.json()[0]["service_request_id"]
    follower = citizen_client("13800138105")
    assert follower.post(f"/api/citizen/reports/{reference}/follow", {"photos": [jpeg()]},
                         HTTP_X_CSRFTOKEN=follower.csrf).status_code == 200
    added = Case.objects.get(reference=reference).attachments.get()
    assert Client().get(f"/open311/v2/media/{reference}/{added.pk}").status_code == 404  # guessing its id


def test_a_public_description_shown_to_others_has_its_phone_numbers_masked(reported, citizen_client):
    assert publish(reported["reference"]).status_code == 200
    passer_by = citizen_client("13800138106")
    near = {"lon": WENLAN[0] + 0.0002, "lat": WENLAN[1], "category": "06010"}
    row = passer_by.get("/api/citizen/nearby", near).json()[0]
    assert "13800138000" not in row["description"] and "138****8000" in row["description"]
    assert "13800138000" not in page(reported["follower"], reported["reference"])
    assert "13800138000" in page(reported["reporter"], reported["reference"])  # their own words, whole
