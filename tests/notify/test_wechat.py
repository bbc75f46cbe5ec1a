"""WeChat (公众号) template messages: requests built to WeChat's documented shapes and answers read as
recorded, never sent from tests; binding through the web sign-in; bound citizens hear in WeChat."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from civicloop.cases import services as cases
from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY
from civicloop.notify.backends import Undeliverable
from civicloop.notify.models import Delivery
from civicloop.notify.services import deliver_due
from civicloop.notify.sms import SignedRequest
from civicloop.notify.wechat import Message, WechatError, official
from tests.conftest import WENLAN

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"  # the openid of WeChat's own documentation example


def test_the_template_message_request_has_wechats_documented_shape():
    request = official.build_send_request(
        access_token="ACCESS_TOKEN", openid=OPENID, template_id="ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        url="https://city.example.cn/m/reports/532503-20261122-000001/",
        data={"character_string1": {"value": "532503-20261122-000001"}, "phrase2": {"value": "已办结"}})
    assert request.method == "POST" and request.headers["Content-Type"] == "application/json; charset=utf-8"
    parts = urlsplit(request.url)
    assert (parts.netloc, parts.path, dict(parse_qsl(parts.query))) == (
        "api.weixin.qq.com", "/cgi-bin/message/template/send", {"access_token": "ACCESS_TOKEN"})
    assert json.loads(request.body) == {
        "touser": OPENID, "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
        "url": "https://city.example.cn/m/reports/532503-20261122-000001/",
        "data": {"character_string1": {"value": "532503-20261122-000001"}, "phrase2": {"value": "已办结"}}}
    assert "已办结".encode() in request.body  # UTF-8 as it is, not \\u escapes


def test_the_token_and_sign_in_requests_have_wechats_documented_shapes():
    token = official.build_token_request("wx1234567890abcdef", "SECRET")
    assert token.method == "GET" and token.url == (
        "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1234567890abcdef&secret=SECRET")
    assert official.build_authorize_url(app_id="wx1234567890abcdef", redirect_uri="https://city.example.cn/m/wechat/callback/",
                                        state="s1") == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef&redirect_uri="
        "https%3A%2F%2Fcity.example.cn%2Fm%2Fwechat%2Fcallback%2F&response_type=code&scope=snsapi_base&state=s1"
        "#wechat_redirect")
    code = official.build_code_request(app_id="wx1", app_secret="S", code="CODE")
    assert code.url == ("https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx1&secret=S&code=CODE"
                        "&grant_type=authorization_code")


class Recorded:
    """WeChat's recorded answers, in order; the requests the backend made are kept to compare."""

    def __init__(self, *answers: bytes):
        self.answers, self.requests = list(answers), []

    def __call__(self, request: SignedRequest) -> tuple[int, bytes]:
        self.requests.append(request)
        return 200, self.answers.pop(0)


TOKEN = b'{"access_token":"TOKEN-1","expires_in":7200}'
SENT = b'{"errcode":0,"errmsg":"ok","msgid":200228332}'


@pytest.fixture
def production(settings):
    settings.ENVIRONMENT = "production"
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1234567890abcdef", "SECRET"
    settings.WECHAT_TEMPLATES = {"case_closed": "TEMPLATE-CLOSED"}
    cache.delete(official.TOKEN_CACHE_KEY)
    yield
    cache.delete(official.TOKEN_CACHE_KEY)


def message() -> Message:
    return Message(openid=OPENID, template="case_closed", url="https://city.example.cn/m/reports/R/",
                   params={"reference": "532503-20261122-000001", "status": "已办结", "time": "2026-11-22 10:30"})


def test_the_official_backend_fetches_a_token_once_and_sends(production):
    wire = Recorded(TOKEN, SENT, SENT)
    backend = official.Backend(transport=wire)
    assert backend.send(message()) == "200228332" and backend.send(message()) == "200228332"
    assert [urlsplit(r.url).path for r in wire.requests] == [
        "/cgi-bin/token", "/cgi-bin/message/template/send", "/cgi-bin/message/template/send"]
    body = json.loads(wire.requests[1].body)
    assert body["template_id"] == "TEMPLATE-CLOSED" and body["data"] == {
        "character_string1": {"value": "532503-20261122-000001"}, "phrase2": {"value": "已办结"},
        "time3": {"value": "2026-11-22 10:30"}}


def test_an_expired_token_is_fetched_again_and_the_message_resent(production):
    wire = Recorded(TOKEN, b'{"errcode":42001,"errmsg":"access_token expired"}',
                    b'{"access_token":"TOKEN-2","expires_in":7200}', SENT)
    assert official.Backend(transport=wire).send(message()) == "200228332"
    assert "access_token=TOKEN-2" in wire.requests[-1].url


def test_an_unfollowed_user_is_given_up_and_a_busy_wechat_retried(production):
    cache.set(official.TOKEN_CACHE_KEY, "TOKEN-1")
    with pytest.raises(Undeliverable, match="43004"):
        official.Backend(transport=Recorded(b'{"errcode":43004,"errmsg":"require subscribe"}')).send(message())
    with pytest.raises(WechatError, match="-1"):
        official.Backend(transport=Recorded(b'{"errcode":-1,"errmsg":"system error"}')).send(message())


def test_nothing_real_is_sent_outside_production(settings):
    settings.ENVIRONMENT = "development"
    with pytest.raises(Undeliverable, match="production"):
        official.Backend(transport=Recorded()).send(message())


# ---------------------------------------------------------------------------- binding and notices


@pytest.fixture
def citizen_client(db):
    citizen, _ = Citizen.objects.get_or_create(phone="13800138000")
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    return client, citizen


def test_a_citizen_binds_wechat_and_then_hears_there_instead_of_by_sms(citizen_client, persona):
    client, citizen = citizen_client
    assert "绑定微信" in client.get("/m/").content.decode()
    to_wechat = client.get("/m/wechat/bind/")
    back = urlsplit(to_wechat["Location"])  # the console backend sends the browser straight back, as WeChat would
    assert back.path == "/m/wechat/callback/"
    home = client.get(f"{back.path}?{back.query}", follow=True).content.decode()
    citizen.refresh_from_db()
    assert citizen.wechat_openid.startswith("o") and "已绑定微信" in home and "绑定微信，用微信" not in home

    case = cases.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="井盖缺失",
                             category="01002", reporter_phone="13800138000")
    cases.file_case(case, persona("leader"))
    notice = Delivery.objects.get(case=case, recipient=citizen.wechat_openid)
    assert notice.channel == "wechat" and f"（{case.reference}）已受理" in notice.body
    assert notice.payload["wechat"]["url"].endswith(f"/m/reports/{case.reference}/")
    assert not Delivery.objects.filter(case=case, channel="sms").exists()
    assert deliver_due() >= 1
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.provider_ref.startswith("console-")


def test_a_callback_without_this_browsers_state_binds_nothing(citizen_client):
    client, citizen = citizen_client
    client.get("/m/wechat/bind/")
    home = client.get("/m/wechat/callback/?code=console-forged&state=someone-elses", follow=True).content.decode()
    citizen.refresh_from_db()
    assert citizen.wechat_openid == "" and "微信绑定已过期" in home


def test_one_wechat_account_belongs_to_one_citizen(db):
    from civicloop.citizens.services import bind_wechat

    old, new = Citizen.objects.create(phone="13800000001"), Citizen.objects.create(phone="13800000002")
    bind_wechat(old, OPENID)
    bind_wechat(new, OPENID)
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.wechat_openid, new.wechat_openid) == ("", OPENID)


def test_with_wechat_off_reporters_get_sms_and_no_binding_is_offered(citizen_client, persona, settings):
    settings.WECHAT_BACKEND = "null"
    client, citizen = citizen_client
    Citizen.objects.filter(pk=citizen.pk).update(wechat_openid=OPENID)
    assert "绑定微信" not in client.get("/m/").content.decode()
    case = cases.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="井盖缺失",
                             category="01002", reporter_phone="13800138000")
    cases.file_case(case, persona("leader"))
    assert Delivery.objects.get(case=case, channel="sms").recipient == "13800138000"
