"""A scanned report about a facility: the form knows what and where, the keeper hears of it and sees
it, and the facility is 破损 until the case is closed."""
from __future__ import annotations

import json
import re

import pytest

from civicloop.cases import services as cases
from civicloop.cases.models import Case
from civicloop.facilities.models import Facility, FacilityCase
from civicloop.notify.models import Delivery
from civicloop.org.models import User
from tests.facilities.conftest import KEEPER_PHONE


def report_about(client, place, **extra):
    data = {"lon": str(place.lon), "lat": str(place.lat), "description": "垃圾箱破损，垃圾散落",
            "category": "03005", "client_key": "scan-1", "facility": place.qr_token, **extra}
    return client.post("/api/citizen/reports", data, HTTP_X_CSRFTOKEN=client.csrf)


def close(case):
    staff = {u.username: u for u in User.objects.filter(username__in=[
        "operator", "dispatcher", "handler_hwz", "inspector_001", "leader"])}
    cases.file_case(case, staff["operator"], category="03005")
    cases.dispatch_case(case, staff["dispatcher"], department="hwz")
    cases.sign_case(case, staff["handler_hwz"])
    cases.handle_case(case, staff["handler_hwz"], note="已更换垃圾箱")
    cases.check_fix(case, staff["inspector_001"], passed=True)
    cases.close_case(case, staff["leader"])


def test_the_scan_link_opens_the_report_form_with_place_component_and_matter(bin_with_keeper, citizen_client):
    client = citizen_client()
    response = client.get(f"/f/{bin_with_keeper.qr_token}")
    assert response.status_code == 302 and response["Location"] == f"/m/report/?facility={bin_with_keeper.qr_token}"
    page = client.get(response["Location"]).content.decode()
    scanned = json.loads(re.search(r'data-scanned="([^"]*)"', page).group(1).replace("&quot;", '"'))
    assert scanned["category"] == "03005" and scanned["code"] == bin_with_keeper.id
    assert scanned["title"] == "垃圾箱 · 天马路垃圾箱001号" and scanned["address"] == "天马路12号旁"
    assert abs(scanned["lon"] - bin_with_keeper.lon) < 0.01  # in the tiles' system: a few hundred metres at most
    assert "扫码上报" in page and bin_with_keeper.qr_token in page


def test_an_unknown_scan_link_is_not_found(db, citizen_client):
    assert citizen_client().get("/f/not-a-token").status_code == 404


def test_a_signed_out_scan_keeps_the_facility_through_sign_in(bin_with_keeper, client):
    response = client.get(f"/m/report/?facility={bin_with_keeper.qr_token}")
    assert response.status_code == 302 and "facility%3D" in response["Location"]


def test_a_report_from_a_scan_marks_the_facility_damaged_and_texts_the_keeper(bin_with_keeper, citizen_client):
    response = report_about(citizen_client(), bin_with_keeper)
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.events.get(action="report").data["refs"] == {"facility": bin_with_keeper.id}
    bin_with_keeper.refresh_from_db()
    assert bin_with_keeper.state == "damaged"
    sms = Delivery.objects.get(channel="sms", recipient=KEEPER_PHONE, case=case)
    assert bin_with_keeper.id in sms.body and case.reference in sms.body and "天马路垃圾箱001号" in sms.body


def test_a_forged_token_is_refused_and_makes_no_case(bin_with_keeper, citizen_client):
    before = Case.objects.count()
    response = report_about(citizen_client(), bin_with_keeper, facility="forged-token")
    assert response.status_code == 422 and "二维码无效" in response.json()["errors"][0]["message"]
    assert Case.objects.count() == before


def test_the_keeper_sees_the_open_case_and_the_facility_comes_back_intact_when_it_closes(bin_with_keeper, citizen_client):
    reference = report_about(citizen_client(), bin_with_keeper).json()["reference"]
    keeper = citizen_client(KEEPER_PHONE)
    page = keeper.get("/m/facilities/mine/").content.decode()
    assert reference in page and "天马路垃圾箱001号" in page and "破损" in page

    close(Case.objects.get(reference=reference))
    bin_with_keeper.refresh_from_db()
    assert bin_with_keeper.state == "intact" and bin_with_keeper.changed_date is not None
    assert FacilityCase.objects.get(case__reference=reference).closed_at is not None
    page = keeper.get("/m/facilities/mine/").content.decode()
    assert "没有待处理的问题" in page and "完好" in page and "最近办结" in page


def test_two_open_cases_keep_it_damaged_until_both_close(bin_with_keeper, citizen_client):
    client = citizen_client()
    first = report_about(client, bin_with_keeper, client_key="a").json()["reference"]
    second = report_about(client, bin_with_keeper, client_key="b", description="垃圾箱盖子丢了").json()["reference"]
    close(Case.objects.get(reference=first))
    assert Facility.objects.get(pk=bin_with_keeper.pk).state == "damaged"
    close(Case.objects.get(reference=second))
    assert Facility.objects.get(pk=bin_with_keeper.pk).state == "intact"


def test_a_void_report_also_releases_the_facility(bin_with_keeper, citizen_client):
    reference = report_about(citizen_client(), bin_with_keeper).json()["reference"]
    cases.reject_report(Case.objects.get(reference=reference), User.objects.get(username="operator"), reason="重复上报")
    assert Facility.objects.get(pk=bin_with_keeper.pk).state == "intact"


def test_a_citizen_who_keeps_nothing_is_told_so(db, citizen_client):
    assert "没有登记为设施管护人" in citizen_client("13900009999").get("/m/facilities/mine/").content.decode()


def test_cases_about_nothing_are_untouched_by_the_registry(db, citizen_client):
    client = citizen_client()
    response = client.post("/api/citizen/reports", {
        "lon": "103.385", "lat": "23.367", "description": "暴露垃圾", "category": "06010", "client_key": "plain"},
        HTTP_X_CSRFTOKEN=client.csrf)
    assert response.status_code == 201
    assert not FacilityCase.objects.exists()


def test_the_console_case_panel_shows_the_facility_and_its_keeper(bin_with_keeper, citizen_client, signed_in):
    reference = report_about(citizen_client(), bin_with_keeper).json()["reference"]
    page = signed_in("operator").get(f"/console/cases/{reference}/").content.decode()
    assert 'data-testid="facility-panel"' in page and bin_with_keeper.id in page and "桶长 张桶长" in page


@pytest.mark.parametrize("username, status", [("operator", 200), ("operator_caoba", 404)])
def test_a_facility_page_is_for_staff_of_its_area(bin_with_keeper, signed_in, username, status):
    assert signed_in(username).get(f"/console/facilities/{bin_with_keeper.pk}/").status_code == status


def test_anonymous_callers_are_sent_to_sign_in(bin_with_keeper, client):
    for path in ("/console/facilities/", f"/console/facilities/{bin_with_keeper.pk}/", "/console/facilities/map.json?bbox=1,1,2,2",
                 "/console/facilities/labels.pdf", "/console/facilities/export.xlsx", "/console/facilities/import/"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login/" in response["Location"], path
