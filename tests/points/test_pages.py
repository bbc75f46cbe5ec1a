"""The citizen's points pages, the mall and its pickup desk, the staff pages' permissions, the public
pool totals, the partners' credit API and the printable certificate."""
from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from civicloop.citizens.services import SESSION_KEY
from civicloop.org.models import User
from civicloop.points import credit, services
from civicloop.points.models import Item, Order, Pool, Title
from tests.points import factories as f

pytestmark = pytest.mark.django_db


def as_citizen(citizen) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    return client


def keeper(*codenames: str) -> Client:
    user = User.objects.create_user(username=f"keeper_{'_'.join(codenames) or 'none'}", password="x")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def rich(points: int = 100):
    person = f.citizen()
    services.post(citizen_id=person.pk, amount=points, kind="earn", key=f"seed:{person.pk}", reason="上报立案 测试")
    return person


def test_the_points_page_shows_balance_level_and_history():
    person = rich(40)
    page = as_citizen(person).get("/m/points/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="balance">40<' in text and "热心市民" in text and "上报立案 测试" in text


def test_points_pages_send_strangers_to_sign_in():
    for path in ("/m/points/", "/m/points/mall/", "/m/points/orders/", "/m/points/honours/", "/m/points/donate/"):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/m/login/?next=")


def test_redeem_shows_a_pickup_qr_and_the_keeper_hands_it_out():
    person = rich(100)
    item = Item.objects.create(name="环保袋", price=30, stock=2)
    phone = as_citizen(person)
    answer = phone.post(f"/m/points/mall/{item.pk}/redeem/", {"tap": "t1"})
    order = Order.objects.get(citizen=person)
    assert answer["Location"] == f"/m/points/orders/{order.pk}/"
    page = phone.get(answer["Location"]).content.decode()
    assert "<svg" in page and order.pickup_code in page
    assert services.balance(person.pk) == 70

    desk = keeper("keep_mall")
    done = desk.post("/console/points/pickup/", {"code": f" {order.pickup_code.lower()} "})
    assert done.status_code == 200 and "环保袋" in done.content.decode()
    order.refresh_from_db()
    assert order.status == "collected"
    again = desk.post("/console/points/pickup/", {"code": order.pickup_code}).content.decode()
    assert "不能再次核销" in again


def test_a_cancelled_order_refunds_and_restocks():
    person = rich(100)
    item = Item.objects.create(name="雨伞", price=60, stock=1)
    phone = as_citizen(person)
    phone.post(f"/m/points/mall/{item.pk}/redeem/", {"tap": "t2"})
    order = Order.objects.get(citizen=person)
    phone.post(f"/m/points/orders/{order.pk}/cancel/")
    item.refresh_from_db()
    assert services.balance(person.pk) == 100 and item.stock == 1
    assert "积分已退回" in phone.get(f"/m/points/orders/{order.pk}/").content.decode()


def test_redeeming_without_enough_points_says_so():
    person = rich(10)
    item = Item.objects.create(name="水杯", price=30, stock=2)
    phone = as_citizen(person)
    page = phone.post(f"/m/points/mall/{item.pk}/redeem/", {"tap": "t3"}, follow=True).content.decode()
    assert "积分不足" in page and not Order.objects.filter(citizen=person).exists()


def test_another_citizens_order_is_not_found():
    owner, other = rich(100), rich(100)
    order = services.redeem(owner, Item.objects.create(name="毛巾", price=5, stock=3).pk)
    assert as_citizen(other).get(f"/m/points/orders/{order.pk}/").status_code == 404
    as_citizen(other).post(f"/m/points/orders/{order.pk}/cancel/")
    order.refresh_from_db()
    assert order.status == "placed"


def test_staff_pages_need_their_permission(signed_in):
    operator = signed_in("operator")
    for path in ("/console/points/", "/console/points/catalogue/", "/console/points/rules/", "/console/points/flags/",
                 "/console/points/pickup/", "/console/points/partners/"):
        assert operator.get(path).status_code == 403, path
        assert Client().get(path).status_code == 302, path
    desk = keeper("keep_mall")
    assert desk.get("/console/points/pickup/").status_code == 200
    assert desk.get("/console/points/catalogue/").status_code == 403
    manager = keeper("manage_points")
    for path in ("/console/points/", "/console/points/catalogue/", "/console/points/rules/", "/console/points/flags/"):
        assert manager.get(path).status_code == 200, path


def test_a_keeper_without_the_permission_cannot_hand_out():
    order = services.redeem(rich(100), Item.objects.create(name="毛巾", price=5, stock=3).pk)
    keeper().post("/console/points/pickup/", {"code": order.pickup_code})
    order.refresh_from_db()
    assert order.status == "placed"


def test_the_manager_adds_an_item_and_sets_a_rule():
    manager = keeper("manage_points")
    manager.post("/console/points/catalogue/", {"name": "节能灯泡", "price": "40", "stock": "12", "active": "on"})
    assert Item.objects.get(name="节能灯泡").stock == 12
    bad = manager.post("/console/points/catalogue/", {"name": "坏", "price": "0", "stock": "1"}, follow=True)
    assert "不能小于1" in bad.content.decode()
    manager.post("/console/points/rules/", {"category": "06010", "on_file": "7", "on_verified": "9"})
    assert services.rule_for("06010").on_file == 7


def test_totals_page_counts_issued_and_redeemed():
    person = rich(100)
    services.redeem(person, Item.objects.create(name="扇子", price=25, stock=3).pk)
    text = keeper("manage_points").get("/console/points/").content.decode()
    assert re.search(r"issued|发放", text, re.I)
    figures = re.search(r'data-testid="period-totals">(.*?)</p>', text, re.S).group(1)
    numbers = [int(n) for n in re.findall(r"<b>(\d+)</b>", figures)]
    assert numbers[0] >= 100 and numbers[1] >= 25


def test_donations_add_to_the_public_total():
    person = rich(50)
    pool = Pool.objects.create(name="助学基金")
    phone = as_citizen(person)
    phone.post("/m/points/donate/", {"pool": pool.pk, "points": "20", "tap": "d1"})
    phone.post("/m/points/donate/", {"pool": pool.pk, "points": "20", "tap": "d1"})  # a double tap
    pool.refresh_from_db()
    assert pool.total == 20 and services.balance(person.pk) == 30
    assert "助学基金" in Client().get("/points/pools/").content.decode()
    refused = phone.post("/m/points/donate/", {"pool": pool.pk, "points": "999", "tap": "d2"}, follow=True)
    assert "积分不足" in refused.content.decode()


def test_titles_cost_points_and_show_on_the_profile():
    person = rich(100)
    title = Title.objects.create(name="环境守护者", price=30)
    phone = as_citizen(person)
    phone.post(f"/m/points/honours/{title.pk}/exchange/")
    phone.post(f"/m/points/honours/{title.pk}/exchange/")
    assert services.balance(person.pk) == 70
    assert "环境守护者" in phone.get("/m/points/").content.decode()


def test_the_certificate_is_a_pdf_with_the_level():
    from pypdf import PdfReader

    person = rich(10)
    answer = as_citizen(person).get("/m/points/certificate.pdf")
    assert answer["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(answer.streaming_content))).pages[0].extract_text()
    assert "荣" in text and "热心市民" in text


def test_partners_read_the_credit_grade_with_a_key_only():
    person = rich(10)
    _partner, raw = credit.issue_key("某银行")
    client = Client()
    assert client.get("/points/api/v1/credit", {"phone": person.phone}).status_code == 401
    assert client.get("/points/api/v1/credit", {"phone": person.phone}, HTTP_X_API_KEY="clp_wrong").status_code == 401
    answer = client.get("/points/api/v1/credit", {"phone": person.phone}, HTTP_X_API_KEY=raw)
    assert answer.status_code == 200
    body = answer.json()
    assert body["grade"] in "ABCD" and body["phone"] != person.phone and "*" in body["phone"]
    assert client.get("/points/api/v1/credit", {"phone": "13999999999"}, HTTP_X_API_KEY=raw).status_code == 404


def test_the_api_key_is_stored_only_as_a_hash():
    partner, raw = credit.issue_key("政务大厅")
    assert raw not in partner.key.digest and len(partner.key.digest) == 64


def test_the_citizen_home_links_to_points(client):
    person = rich(1)
    assert "/m/points/" in as_citizen(person).get("/m/").content.decode()
