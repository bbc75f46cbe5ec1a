"""One kind of API key for every system that presents one (org.HashedKey, org/keys.py): each kind is
issued on its own page and shown once, works at the endpoint that takes it, and is refused there,
with the error that endpoint has always given, once revoked."""
from __future__ import annotations

import pytest
from django.test import Client

from civicloop.demo.city import DEMO_PASSWORD
from civicloop.org import keys
from civicloop.org.models import HashedKey
from tests.open311.conftest import BASE, WENLAN, post_request

pytestmark = pytest.mark.django_db


def shown_once(page, secret: str, again) -> None:
    """The secret is on the answer that issued it, that answer is not cached, and a second view of
    the page (and the keys' admin) does not show it."""
    text = page.content.decode()
    assert page.status_code == 200 and f"data-raw-key>{secret}<" in text and "no-store" in page["Cache-Control"]
    assert secret not in again().content.decode()


def admin_list_hides(signed_in, secret: str) -> None:
    admin = signed_in("admin")
    key = HashedKey.objects.get(digest=keys.digest(secret))
    for url in ("/admin/org/hashedkey/", f"/admin/org/hashedkey/{key.pk}/change/"):
        page = admin.get(url)
        assert page.status_code == 200 and secret not in page.content.decode() and key.prefix in page.content.decode()


def secret_on(page) -> str:
    return page.content.decode().split("data-raw-key>")[1].split("<")[0]


def revoke(secret: str, signed_in) -> None:
    """Through the one admin for keys."""
    key = HashedKey.objects.get(digest=keys.digest(secret))
    signed_in("admin").post("/admin/org/hashedkey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by.username == "admin"


def test_an_open311_key_posts_requests_until_revoked(client, signed_in):
    admin = signed_in("admin")
    page = admin.post("/console/open311/keys/", {"name": "市民 App", "rate_per_minute": "30"})
    secret = secret_on(page)
    shown_once(page, secret, lambda: admin.get("/console/open311/keys/"))
    assert secret.startswith("o311_") and post_request(client, secret).status_code == 201
    revoke(secret, signed_in)
    refused = post_request(client, secret)
    assert refused.status_code == 403 and "Invalid api_key" in refused.json()[0]["description"]


def test_a_device_token_sends_events_until_revoked(signed_in):
    commander = signed_in("commander")
    page = commander.post("/console/iot/", {"device_id": "cam-7", "name": "摄像头7", "kind": "camera",
                                            "lon": WENLAN[0], "lat": WENLAN[1]})
    secret = secret_on(page)
    shown_once(page, secret, lambda: commander.get("/console/iot/"))
    send = lambda: Client().post("/iot/api/v1/events", {"event_id": "e1", "type": "bin_overflow"},  # noqa: E731
                                 content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert send().status_code == 200
    revoke(secret, signed_in)
    assert send().status_code == 401


def test_a_hotline_key_pushes_orders_until_revoked(signed_in):
    admin = signed_in("admin")
    page = admin.post("/console/hotline/systems", {"name": "红河州12345", "webhook_url": ""})
    secret = secret_on(page)
    shown_once(page, secret, lambda: admin.get("/console/hotline/systems"))
    push = lambda n: Client().post("/hotline/api/v1/orders", {  # noqa: E731
        "order_id": f"K{n}", "content": "天马路垃圾桶满溢", "lon": WENLAN[0], "lat": WENLAN[1], "crs": "wgs84",
        "category": "06010"}, content_type="application/json", HTTP_X_API_KEY=secret)
    assert push(1).status_code == 201
    revoke(secret, signed_in)
    assert push(2).status_code == 401


def test_a_partner_key_reads_credit_until_revoked(signed_in):
    admin = signed_in("admin")
    page = admin.post("/console/points/partners/", {"name": "某银行"})
    secret = secret_on(page)
    shown_once(page, secret, lambda: admin.get("/console/points/partners/"))
    read = lambda: Client().get("/points/api/v1/credit", {"phone": "13999999999"}, HTTP_X_API_KEY=secret)  # noqa: E731
    assert read().status_code == 404  # let in; no such citizen
    revoke(secret, signed_in)
    refused = read()
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"


def test_a_staff_token_calls_the_api_until_revoked(signed_in):
    page = Client().post("/api/auth/token", {"username": "operator", "password": DEMO_PASSWORD},
                         content_type="application/json")
    secret = page.json()["token"]
    admin_list_hides(signed_in, secret)
    me = lambda: Client().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {secret}")  # noqa: E731
    assert me().status_code == 200 and me().json()["username"] == "operator"
    revoke(secret, signed_in)
    assert me().status_code == 401


def test_every_kind_is_one_row_with_its_hash_only_and_listed_in_one_admin(signed_in):
    from civicloop.hotline import services as hotline
    from civicloop.iot import services as iot
    from civicloop.open311 import services as open311
    from civicloop.points import credit

    issued = [open311.issue_key(name="CRM")[1], credit.issue_key("政务大厅")[1],
              hotline.create_system(name="12345")[1],
              iot.register_device(device_id="s-1", name="s", lon=WENLAN[0], lat=WENLAN[1])[1]]
    rows = HashedKey.objects.all()
    assert sorted(rows.values_list("kind", flat=True)) == ["device", "hotline", "open311", "partner"]
    for secret in issued:
        row = HashedKey.objects.get(digest=keys.digest(secret))
        assert secret.startswith(row.prefix) and len(row.digest) == 64 and secret not in row.digest
        admin_list_hides(signed_in, secret)
    listed = signed_in("admin").get("/admin/org/hashedkey/", {"kind": "hotline", "revoked": "no"}).content.decode()
    assert "12345" in listed and "CRM" not in listed


def test_a_new_device_token_stops_the_old_one(signed_in):
    from civicloop.iot import services as iot

    device, old = iot.register_device(device_id="s-2", name="s", lon=WENLAN[0], lat=WENLAN[1])
    new = iot.reissue_token(device)
    assert iot.authenticate(old) is None and iot.authenticate(new).pk == device.pk
    assert HashedKey.objects.get(digest=keys.digest(old)).revoked_at is not None


def test_a_key_of_one_kind_is_not_taken_for_another():
    from civicloop.points import credit

    _partner, secret = credit.issue_key("某银行")
    assert keys.authenticate(keys.PARTNER, secret) is not None
    assert keys.authenticate(keys.OPEN311, secret) is None and keys.authenticate(keys.STAFF, secret) is None


def test_last_used_is_written_at_most_once_a_minute(django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.points import credit

    partner, secret = credit.issue_key("某银行")
    now = timezone.now()
    keys.authenticate(keys.PARTNER, secret, now=now)
    with django_assert_num_queries(0):
        for seconds in (1, 20, 59):
            assert keys.authenticate(keys.PARTNER, secret, now=now + timedelta(seconds=seconds)) is not None
    with django_assert_num_queries(1):
        keys.authenticate(keys.PARTNER, secret, now=now + timedelta(seconds=61))
    assert HashedKey.objects.get(pk=partner.key_id).last_used_at == now + timedelta(seconds=61)


def test_issuing_and_revoking_are_in_the_change_log(persona):
    from civicloop.core.models import ChangeRecord
    from civicloop.open311 import services as open311

    admin = persona("admin")
    client, _secret = open311.issue_key(name="CRM", by=admin)
    open311.revoke_key(client, by=admin)
    records = ChangeRecord.objects.filter(object_id=str(client.key_id)).order_by("at", "pk")
    assert [(r.action, r.actor) for r in records] == [("create", "admin"), ("update", "admin")]
    assert all(client.key.digest not in str(r.after) for r in records)
