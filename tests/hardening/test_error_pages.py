"""Safe by default: Django's debug pages are off unless asked for, and a person who mistypes a link or
meets a failure sees the city's own page in their language with a reference for the help desk."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.browser import PHONE


def _debug_setting(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLOOP_")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], env={**clean, "DJANGO_SETTINGS_MODULE": "civicloop.settings",
                                                             **env}, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_debug_is_off_unless_asked_for_even_in_development():
    assert _debug_setting(CIVICLOOP_ENV="development") == "False"
    assert _debug_setting(CIVICLOOP_ENV="development", CIVICLOOP_DEBUG="true") == "True"


def test_a_server_error_shows_the_friendly_page_with_the_request_id(db, settings):
    from django.urls import path

    from civicloop import urls

    def broken(request):
        raise RuntimeError("secret internals")

    settings.ROOT_URLCONF = type("Conf", (), {"urlpatterns": [path("boom/", broken)] + urls.urlpatterns,
                                               "handler500": urls.handler500, "handler404": urls.handler404})
    response = Client(raise_request_exception=False, HTTP_X_REQUEST_ID="req-abc-123").get("/boom/")
    text = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时不可用" in text and "req-abc-123" in text
    assert "secret internals" not in text and "Traceback" not in text


def test_the_english_page_is_english_only(db, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get("/m/no-such-page/").content.decode()
    assert "Page not found" in text and "页面不存在" not in text


@pytest.mark.parametrize("mistyped", ["/m/reprot/", "/m/reports/532503-20260101-999999/"])
def test_a_mistyped_citizen_link_shows_the_friendly_chinese_404(site, browser, shots, mistyped):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        response = page.goto(site + mistyped)
        assert response.status == 404
        shots(page, "not-found")
        assert page.get_by_role("heading", name="页面不存在").is_visible()
        body = page.inner_text("body")
        assert "我的上报" in body and "请向客服提供此编号" in body
        for django_text in ("Page not found (404)", "Using the URLconf", "Request Method", "DEBUG = True"):
            assert django_text not in body
        page.get_by_role("link", name="随手拍").click()
        page.wait_for_url(f"{site}/m/**")
    finally:
        context.close()
