"""Citizen reports over HTTP: idempotent intake with photos, all-or-nothing, nearby, follow, privacy."""
from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from civicloop.cases.models import Attachment, Case
from civicloop.citizens.models import Citizen, CitizenReport
from civicloop.citizens.services import SESSION_KEY
from tests.conftest import WENLAN


def jpeg(name="photo.jpg", size=(800, 600), colour=(120, 80, 40)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.fixture
def citizen_client(db):
    def make(phone="13800138000") -> Client:
        citizen, _ = Citizen.objects.get_or_create(phone=phone)
        client = Client(enforce_csrf_checks=True)
        session = client.session
        session[SESSION_KEY] = citizen.pk
        session.save()
        client.get("/m/")  # sets the CSRF cookie, as the app's pages do
        client.csrf = client.cookies["csrftoken"].value
        return client
    return make


def post_report(client, *, client_key="k-1", photos=(), **fields):
    data = {"lon": str(WENLAN[0]), "lat": str(WENLAN[1]), "description": "路边垃圾桶满溢，垃圾散落",
            "category": "06010", "client_key": client_key, **fields}
    if photos:
        data["photos"] = list(photos)
    return client.post("/api/citizen/reports", data, HTTP_X_CSRFTOKEN=client.csrf)


def test_a_report_with_two_photos_makes_one_case_linked_to_the_citizen(citizen_client):
    client = citizen_client()
    response = post_report(client, photos=[jpeg("a.jpg"), jpeg("b.jpg", colour=(10, 200, 30))])
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert body["status"] == "已受理" and body["url"] == f"/m/reports/{case.reference}/"
    assert case.channel == "citizen" and case.reporter_phone == "13800138000"
    assert case.attachments.filter(kind="before").count() == 2
    assert CitizenReport.objects.get(case=case).citizen.phone == "13800138000"


def test_the_same_client_key_three_times_makes_one_case(citizen_client):
    client = citizen_client()
    answers = [post_report(client, client_key="same-key", photos=[jpeg()]) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert Case.objects.filter(client_key="same-key").count() == 1
    assert Attachment.objects.filter(case__client_key="same-key").count() == 1


def test_a_large_phone_photo_is_acknowledged_at_once_and_shown_when_the_worker_has_made_it(
        citizen_client, settings, tmp_path):
    settings.IMAGE_PROCESSING, settings.MEDIA_ROOT, settings.PRIVATE_ROOT = "worker", tmp_path, tmp_path / "p"
    client = citizen_client()
    response = post_report(client, photos=[jpeg("IMG_0001.jpg", size=(3000, 2000))])
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    photo = case.attachments.get()
    url = f"/api/citizen/reports/{case.reference}/photos/{photo.pk}"
    assert "照片处理中" in client.get(url, {"size": "thumb"}).content.decode()

    from civicloop.cases.attachments import process_pending

    assert process_pending() == 1
    ready = client.get(url, {"size": "thumb"})
    assert ready["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(ready.streaming_content))).size == (320, 214)


@pytest.mark.parametrize("bad, message", [
    (lambda: [io.BytesIO(b"")], "文件为空"),
    (lambda: [type("F", (io.BytesIO,), {"name": "x.jpg"})(b"this is a text file, not a photo")], "只接受"),
    (lambda: [jpeg(f"{i}.jpg") for i in range(10)], "最多上传9张照片"),
])
def test_bad_photos_are_refused_and_nothing_is_stored(citizen_client, bad, message):
    client = citizen_client()
    before = (Case.objects.count(), Attachment.objects.count(), CitizenReport.objects.count())
    files = bad()
    for i, f in enumerate(files):
        f.name = getattr(f, "name", None) or f"f{i}.jpg"
    response = post_report(client, client_key="bad-photos", photos=files)
    assert response.status_code == 422
    assert message in response.json()["detail"] + str(response.json().get("errors"))
    assert (Case.objects.count(), Attachment.objects.count(), CitizenReport.objects.count()) == before


def test_no_location_and_a_point_in_the_sea_are_refused(citizen_client):
    client = citizen_client()
    response = post_report(client, client_key="no-where", lon="", lat="")
    assert response.status_code == 422
    response = post_report(client, client_key="sea", lon="122.5", lat="30.0")  # the East China Sea
    assert response.status_code == 422 and "不在" in response.json()["detail"]
    assert not Case.objects.filter(client_key__in=["no-where", "sea"]).exists()


def test_without_csrf_nothing_is_accepted(citizen_client):
    client = citizen_client()
    response = client.post("/api/citizen/reports", {"lon": "103.385", "lat": "23.367", "description": "x",
                                                    "category": "06010", "client_key": "no-csrf"})
    assert response.status_code == 403 and not Case.objects.filter(client_key="no-csrf").exists()


def test_anonymous_reports_get_a_tracking_code_where_the_category_allows_it(db):
    from civicloop.taxonomy.models import Category

    anonymous = Client()
    anonymous.get("/m/login/")
    token = anonymous.cookies["csrftoken"].value
    data = {"lon": "103.385", "lat": "23.367", "description": "井盖松动", "category": "06010", "client_key": "anon-1"}
    response = anonymous.post("/api/citizen/reports", data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    code = response.json()["tracking_code"]
    assert code and len(code) == 10
    reference = response.json()["reference"]
    assert anonymous.get(f"/m/reports/{reference}/?code={code.lower()}").status_code == 200
    assert anonymous.get(f"/m/reports/{reference}/?code=ABCDEFGHJK").status_code == 404

    category = Category.objects.get(code="01001")
    category.allow_anonymous = False
    category.save()
    response = anonymous.post("/api/citizen/reports", {**data, "category": "01001", "client_key": "anon-2"},
                              HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 401 and "请先用手机号登录" in response.json()["detail"]
    assert not Case.objects.filter(client_key="anon-2").exists()


def test_nearby_shows_the_same_problem_and_following_adds_a_photo(citizen_client):
    first = citizen_client("13800138001")
    reference = post_report(first, client_key="orig").json()["reference"]
    second = citizen_client("13800138002")
    rows = second.get("/api/citizen/nearby", {"lon": WENLAN[0] + 0.0002, "lat": WENLAN[1], "category": "06010"}).json()
    assert [r["reference"] for r in rows] == [reference]
    assert set(rows[0]) == {"reference", "category_name", "description", "distance_m", "status"}  # nothing personal
    response = second.post(f"/api/citizen/reports/{reference}/follow", {"photos": [jpeg()]},
                           HTTP_X_CSRFTOKEN=second.csrf)
    assert response.status_code == 200
    assert CitizenReport.objects.filter(case__reference=reference, followed=True).count() == 1
    assert Case.objects.get(reference=reference).attachments.count() == 1
    mine = second.get("/api/citizen/reports").json()
    assert mine[0]["reference"] == reference and mine[0]["followed"] is True


def test_a_citizen_reads_only_their_own_reports(citizen_client):
    owner = citizen_client("13800138003")
    reference = post_report(owner, client_key="own", photos=[jpeg()]).json()["reference"]
    page = owner.get(f"/m/reports/{reference}/")
    assert page.status_code == 200 and "已受理" in page.content.decode()
    stranger = citizen_client("13800138004")
    assert stranger.get(f"/m/reports/{reference}/").status_code == 404
    photo = Case.objects.get(reference=reference).attachments.get()
    assert stranger.get(f"/api/citizen/reports/{reference}/photos/{photo.pk}").status_code == 404
    assert owner.get(f"/api/citizen/reports/{reference}/photos/{photo.pk}?size=thumb").status_code == 200


def test_the_reporter_gets_sms_notices_from_approved_templates_when_filed_handled_and_closed(citizen_client, persona):
    from civicloop.notify.models import Delivery

    reference = post_report(citizen_client("13800138005"), client_key="closing").json()["reference"]
    case = Case.objects.get(reference=reference)
    close_through_the_workflow(case, persona)
    sent = list(Delivery.objects.filter(channel="sms", recipient="13800138005", case=case).order_by("pk"))
    assert [d.payload["sms"]["template"] for d in sent] == ["case_filed", "case_handled", "case_closed"]
    assert sent[-1].body == f"您反映的问题（{reference}）已处理完毕，感谢参与城市管理。"


def close_through_the_workflow(case, persona):
    from civicloop.cases import services as cases

    if case.state == "reported":
        cases.file_case(case, persona("operator"), category="06010")
        cases.dispatch_case(case, persona("dispatcher"), department="hwz")
        cases.sign_case(case, persona("handler_hwz"))
    cases.handle_case(case, persona("handler_hwz"), note="已清运")
    cases.check_fix(case, persona("inspector_001"), passed=True)
    cases.close_case(case, persona("leader"))


def rate(client, reference, **body):
    return client.post(f"/api/citizen/reports/{reference}/rating", body, content_type="application/json",
                       HTTP_X_CSRFTOKEN=client.csrf)


def test_not_fixed_reopens_the_case_for_rework_a_limited_number_of_times(citizen_client, persona, settings):
    from civicloop.cases.models import CaseEvent

    settings.CITIZEN_REOPEN_MAX = 1
    owner = citizen_client("13800138006")
    reference = post_report(owner, client_key="rate-me").json()["reference"]
    case = Case.objects.get(reference=reference)
    assert rate(owner, reference, stars=3, fixed=True).status_code == 422  # not closed yet
    close_through_the_workflow(case, persona)

    assert rate(owner, reference, stars=9, fixed=False).json()["errors"][0]["field"] == "stars"
    stranger = citizen_client("13800138007")
    assert rate(stranger, reference, stars=1, fixed=False).status_code == 404
    response = rate(owner, reference, stars=1, fixed=False, comment="垃圾又堆满了")
    assert response.status_code == 200 and response.json()["reopened"] is True
    case.refresh_from_db()
    assert case.state == "in_progress" and case.rework_count == 1
    event = CaseEvent.objects.filter(case=case).latest("seq")
    assert event.action == "reopen" and event.actor_id is None and event.actor_role == "reporter"
    assert "垃圾又堆满了" in event.reason and event.data["citizen"] == Citizen.objects.get(phone="13800138006").pk
    assert rate(owner, reference, stars=1, fixed=False).status_code == 422  # open again: nothing to rate

    case.refresh_from_db()
    close_through_the_workflow(case, persona)
    response = rate(owner, reference, stars=1, fixed=False)
    assert response.status_code == 200 and response.json()["reopened"] is False
    assert "12345" in response.json()["message"]
    case.refresh_from_db()
    assert case.state == "closed"
    assert rate(owner, reference, stars=2, fixed=False).status_code == 409  # once per closure


def test_a_closure_older_than_the_window_is_rated_but_not_reopened(citizen_client, persona, settings):
    from datetime import timedelta

    from django.utils import timezone

    owner = citizen_client("13800138008")
    reference = post_report(owner, client_key="too-late").json()["reference"]
    case = Case.objects.get(reference=reference)
    close_through_the_workflow(case, persona)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=settings.REOPEN_WINDOW_DAYS + 1))
    response = rate(owner, reference, stars=2, fixed=False)
    assert response.status_code == 200 and response.json()["reopened"] is False
    assert "不能重新办理" in response.json()["message"]
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_only_the_desk_sees_the_phone_whole_and_every_such_view_is_recorded(citizen_client, persona, api):
    from django.test import Client as StaffClient

    from civicloop.cases.models import PersonalDataView

    reference = post_report(citizen_client("13800138009"), client_key="privacy").json()["reference"]
    case = Case.objects.get(reference=reference)
    from civicloop.cases import services as cases

    cases.file_case(case, persona("operator"), category="06010")
    cases.dispatch_case(case, persona("dispatcher"), department="hwz")
    worker = StaffClient()
    worker.force_login(persona("handler_hwz"))
    page = worker.get(f"/console/cases/{reference}/").content.decode()
    assert "138****8009" in page and "13800138009" not in page
    assert api("handler_hwz").get(f"/cases/{reference}").json()["reporter_phone"] == "138****8009"
    assert not PersonalDataView.objects.filter(case=case).exists()

    operator = StaffClient()
    operator.force_login(persona("operator"))
    assert "13800138009" in operator.get(f"/console/cases/{reference}/").content.decode()
    assert api("leader").get(f"/cases/{reference}").json()["reporter_phone"] == "13800138009"
    admin = StaffClient()
    admin.force_login(persona("admin"))
    assert admin.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    seen = list(PersonalDataView.objects.filter(case=case).order_by("pk").values_list("user__username", "where"))
    assert seen == [("operator", "console"), ("leader", "api"), ("admin", "admin")]


def test_notices_in_the_app_follow_the_case(citizen_client, persona):
    from civicloop.cases import services as cases

    owner = citizen_client("13800138010")
    reference = post_report(owner, client_key="notices").json()["reference"]
    case = Case.objects.get(reference=reference)
    cases.file_case(case, persona("operator"), category="06010")
    cases.dispatch_case(case, persona("dispatcher"), department="hwz")
    cases.sign_case(case, persona("handler_hwz"))
    cases.handle_case(case, persona("handler_hwz"), note="已清运")
    page = owner.get("/m/").content.decode()
    notices = page[page.index('data-testid="notices"'):page.index("我的上报")]
    assert notices.index("处置完成") < notices.index("立案")  # newest first
    assert "派往" not in notices and "处置员" not in notices  # internal steps and staff stay inside


def test_the_public_map_is_off_unless_the_city_turns_it_on_and_then_shows_no_personal_data(citizen_client, settings):
    from django.test import Client

    client = citizen_client()
    reference = post_report(client, description="张三 13800138000 家门口井盖缺失").json()["reference"]
    anonymous = Client()
    assert anonymous.get("/m/map/").status_code == 404 and anonymous.get("/m/map/cases.json").status_code == 404
    settings.PUBLIC_MAP = True
    assert "问题地图" in anonymous.get("/m/map/").content.decode()
    raw = anonymous.get("/m/map/cases.json").content.decode()
    features = [f for f in __import__("json").loads(raw)["features"]]
    assert {"category": "暴露垃圾", "status": "已受理", "closed": False} == {
        k: v for k, v in features[0]["properties"].items() if k != "day"}
    assert "13800138000" not in raw and "张三" not in raw and reference not in raw and "井盖" not in raw
