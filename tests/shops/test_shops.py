"""安心码: inspections against a checklist make the quarter's stars; the public page; 卫生点赞 once."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.core.errors import Forbidden, InvalidInput
from civicloop.org.models import User
from civicloop.shops import rules, services
from civicloop.shops.models import ChecklistItem, Shop
from tests.conftest import WENLAN


@pytest.fixture
def restaurant(db):
    for order, (text, points) in enumerate([("证照公示", 20), ("后厨清洁", 40), ("餐具消毒", 40)]):
        ChecklistItem.objects.create(kind="catering", text=text, points=points, order=order)
    return services.register_shop(licence_no="JY253250300001", name="过桥米线", kind="catering",
                                  lon=WENLAN[0], lat=WENLAN[1], address="天马路1号")


@pytest.fixture
def inspector(db):
    return User.objects.get(username="inspector_001")


def items(kind="catering"):
    return {item.text: item.pk for item in ChecklistItem.objects.filter(kind=kind)}


def at(month: int, day: int = 10):
    return timezone.make_aware(datetime(2026, month, day, 10))


@pytest.mark.parametrize("kind, score, stars", [
    ("catering", Decimal("98"), 7), ("catering", Decimal("90"), 6), ("catering", Decimal("84.9"), 4),
    ("catering", Decimal("59"), 1), ("lodging", Decimal("96"), 5), ("lodging", Decimal("71"), 2), ("lodging", Decimal("10"), 1)])
def test_stars_follow_the_bands_up_to_seven_for_restaurants_and_five_for_lodging(kind, score, stars):
    assert rules.stars_for(kind, score) == stars


def test_quarters_and_checklist_scores():
    assert rules.quarter(datetime(2026, 11, 22).date()) == "2026Q4" and rules.quarter(datetime(2026, 1, 1).date()) == "2026Q1"
    assert rules.checklist_score({1: 20, 2: 80}, {1: 20, 2: 60}) == Decimal("80.0")
    assert rules.checklist_score({1: 20, 2: 80}, {1: 99}) == Decimal("20.0")  # capped at the item's points


def test_the_quarters_inspections_make_its_stars_and_history(restaurant, inspector):
    ids = items()
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 20, ids["后厨清洁"]: 40, ids["餐具消毒"]: 40}, at=at(10))
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 20, ids["后厨清洁"]: 30, ids["餐具消毒"]: 40}, at=at(11))
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 0, ids["后厨清洁"]: 10, ids["餐具消毒"]: 10}, at=at(7))
    assert services.rate_quarter("2026Q4") == 1
    restaurant.refresh_from_db()
    assert restaurant.stars == 7 and restaurant.rated_period == "2026Q4"  # (100 + 90) / 2 = 95: 七星
    # an older quarter rated later keeps the newer stars on the shop but is kept in the history
    services.rate_quarter("2026Q3")
    restaurant.refresh_from_db()
    assert restaurant.rated_period == "2026Q4"
    assert [(r.period, r.stars) for r in restaurant.ratings.all()] == [("2026Q4", restaurant.stars), ("2026Q3", 1)]


def test_a_rerating_replaces_the_quarter_instead_of_adding_one(restaurant, inspector):
    ids = items()
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 20, ids["后厨清洁"]: 40, ids["餐具消毒"]: 40}, at=at(10))
    services.rate_quarter("2026Q4")
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 0, ids["后厨清洁"]: 20, ids["餐具消毒"]: 20}, at=at(12))
    services.rate_quarter("2026Q4")
    restaurant.refresh_from_db()
    assert restaurant.ratings.count() == 1 and restaurant.stars == 3  # (100 + 40) / 2 = 70: 三星


def test_points_outside_an_items_range_and_non_inspectors_are_refused(restaurant, inspector):
    ids = items()
    with pytest.raises(InvalidInput, match="0–20"):
        services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 25})
    with pytest.raises(Forbidden):
        services.record_inspection(restaurant, User.objects.get(username="admin"), scores={})
    assert not restaurant.inspections.exists()


def citizen_client(phone="13800138011") -> Client:
    citizen, _ = Citizen.objects.get_or_create(phone=phone)
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    return client


def test_the_public_page_shows_stars_last_inspection_and_a_report_button(restaurant, inspector, client):
    ids = items()
    services.record_inspection(restaurant, inspector, scores={ids["证照公示"]: 20, ids["后厨清洁"]: 35, ids["餐具消毒"]: 40})
    services.rate_quarter(rules.quarter(timezone.localdate()))
    page = client.get(f"/s/{restaurant.qr_token}").content.decode()
    assert "★★★★★★★ 7星" in page  # 95 of 100: 七星, out of seven
    assert "合格（95.0分）" in page and f"/m/report/?shop={restaurant.qr_token}" in page
    assert client.get("/s/forged").status_code == 404


def test_a_lodging_page_counts_up_to_five_stars(db, client):
    hotel = services.register_shop(licence_no="ZS1", name="南湖宾馆", kind="lodging", lon=WENLAN[0], lat=WENLAN[1])
    Shop.objects.filter(pk=hotel.pk).update(stars=4, rated_period="2026Q4")
    assert "★★★★☆ 4星" in client.get(f"/s/{hotel.qr_token}").content.decode()


def test_a_hygiene_like_counts_once_per_citizen(restaurant, client):
    like = f"/s/{restaurant.qr_token}/like"
    assert "/m/login/" in client.post(like)["Location"]  # signed out: sign in first
    one, two = citizen_client("13800138011"), citizen_client("13800138012")
    one.post(like)
    one.post(like)  # a double tap
    two.post(like)
    restaurant.refresh_from_db()
    assert restaurant.likes == 2
    page = one.get(f"/s/{restaurant.qr_token}").content.decode()
    assert "每人限一次" in page and "disabled" in page


def test_a_report_from_a_shops_code_is_placed_at_the_shop_and_carries_it(restaurant):
    client = citizen_client()
    page = client.get(f"/m/report/?shop={restaurant.qr_token}").content.decode()
    assert "扫码上报" in page and "过桥米线" in page
    client.get("/m/")
    response = client.post("/api/citizen/reports", {"lon": str(restaurant.lon), "lat": str(restaurant.lat),
                                                    "description": "店外经营占道", "category": "09005",
                                                    "shop": restaurant.qr_token, "client_key": "shop-1"},
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 201, response.content
    from civicloop.cases.models import Case
    assert Case.objects.get(reference=response.json()["reference"]).events.get(action="report").data["refs"]["shop"] == restaurant.pk


def test_staff_record_an_inspection_in_the_console_and_rate_the_quarter(restaurant, signed_in):
    ids = items()
    inspector = signed_in("inspector_001")
    response = inspector.post(f"/console/shops/{restaurant.pk}/", {f"item_{ids['证照公示']}": "20", f"item_{ids['后厨清洁']}": "40",
                                                                   f"item_{ids['餐具消毒']}": "30", "note": "餐具柜未关"})
    assert response.status_code == 302
    bad = inspector.post(f"/console/shops/{restaurant.pk}/", {f"item_{ids['证照公示']}": "50"})
    assert bad.status_code == 200 and "0–20" in bad.content.decode()
    assert restaurant.inspections.count() == 1 and restaurant.inspections.get().score == Decimal("90.0")
    assert signed_in("inspector_001").post("/console/shops/rate", {"period": rules.quarter(timezone.localdate())}).status_code == 403
    signed_in("operator").post("/console/shops/rate", {"period": rules.quarter(timezone.localdate())})
    restaurant.refresh_from_db()
    assert restaurant.stars == 6


def test_shop_pages_are_for_staff_of_the_area(restaurant, signed_in, client):
    assert signed_in("operator").get(f"/console/shops/{restaurant.pk}/").status_code == 200
    assert signed_in("operator_caoba").get(f"/console/shops/{restaurant.pk}/").status_code == 404
    assert client.get("/console/shops/").status_code == 302


def test_the_console_list_shows_shops_by_stars_with_the_rating_and_label_buttons(restaurant, signed_in):
    Shop.objects.filter(pk=restaurant.pk).update(stars=5)
    page = signed_in("operator").get("/console/shops/").content.decode()
    assert "过桥米线" in page and "/console/shops/rate" in page and "/console/shops/labels.pdf" in page
    labels = signed_in("operator").get("/console/shops/labels.pdf")
    assert labels.status_code == 200 and labels["Content-Type"] == "application/pdf"
