"""The workbench over HTTP (no browser): sign-in, role homes, acting, errors beside fields, races."""
from __future__ import annotations

import re

from django.test import override_settings

from civicloop.cases import services
from civicloop.cases.models import Case, CaseEvent
from civicloop.cases.rules import State
from tests.conftest import CAOBA, WENLAN

HTMX = {"HTTP_HX_REQUEST": "true"}


def report(description="路边垃圾桶满溢", point=WENLAN, **extra) -> Case:
    return services.report_case(actor=None, channel="citizen", lon=point[0], lat=point[1],
                                description=description, **extra)


def test_each_role_lands_on_its_own_queue(signed_in):
    homes = {"operator": "intake", "leader": "intake", "dispatcher": "dispatch", "handler_hwz": "tasks",
             "inspector_001": "checks", "commander": "requests"}
    for username, queue in homes.items():
        response = signed_in(username).get("/console/")
        assert response.status_code == 302 and response["Location"] == f"/console/q/{queue}/", username


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/console/q/intake/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


@override_settings(LOGIN_MAX_FAILURES=3)
def test_wrong_passwords_lock_the_account_for_a_while(db, client):
    for _ in range(3):
        response = client.post("/console/login/", {"username": "dispatcher", "password": "wrong-password"})
        assert response.status_code == 422
        assert "用户名或密码错误" in response.content.decode()
    # Even the right password is refused while locked, with the time to wait.
    response = client.post("/console/login/", {"username": "dispatcher", "password": "civicloop-demo"})
    assert response.status_code == 429
    assert re.search(r"登录失败次数过多，请\d+分钟后再试", response.content.decode())
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in_and_lands_on_the_queue(db, client):
    response = client.post("/console/login/", {"username": "operator", "password": "civicloop-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/console/q/intake/"
    assert "受理员 李娜" in response.content.decode()


def test_header_counts_waiting_yellow_and_red(signed_in):
    report("井盖缺失 header count")
    html = signed_in("operator").get("/console/tabs?current=intake").content.decode()
    waiting = re.search(r'data-queue="intake">[^<]*<span class="count"[^>]*>(\d+)</span>', html)
    assert waiting and int(waiting.group(1)) >= 1


def test_filing_from_the_queue_opens_the_next_case(signed_in):
    first, second = report("第一件 占道经营"), report("第二件 占道经营")
    operator = signed_in("operator")
    response = operator.post(f"/console/cases/{first.reference}/act/file", {
        "version": first.version, "category": "01001", "priority": "1", "queue": "intake"}, **HTMX)
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.state == State.FILED and first.category_id == "01001"
    html = response.content.decode()
    assert f'data-reference="{first.reference}"' not in html  # the next case is open now
    assert 'data-reference="' in html and response["HX-Push-Url"].startswith("/console/q/intake/?case=")
    assert "case-acted" in response["HX-Trigger"]
    assert second.reference in Case.objects.filter(state=State.REPORTED).values_list("reference", flat=True)


def test_bad_input_is_shown_beside_the_field_and_kept(signed_in):
    case = report("待立案 bad input")
    response = signed_in("operator").post(f"/console/cases/{case.reference}/act/not-file", {
        "version": case.version, "reason": "   "}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="field-error"' in html and "这个字段是必填项" in html
    case.refresh_from_db()
    assert case.state == State.REPORTED and case.version == 1

    response = signed_in("dispatcher").get("/")  # unrelated: another person is unaffected
    assert response.status_code == 302


def test_extension_form_keeps_what_was_typed(signed_in, persona):
    case = report("延期 keeps input")
    services.file_case(case, persona("operator"), category="01001")
    services.dispatch_case(case, persona("dispatcher"), department="szgs")
    services.sign_case(case, persona("handler_szgs"))
    response = signed_in("handler_szgs").post(f"/console/cases/{case.reference}/act/request-extension", {
        "version": case.version, "amount": "abc", "unit": "WD", "reason": "材料未到 waiting for parts"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "材料未到 waiting for parts" in html and 'value="abc"' in html
    assert "输入一个数字" in html and "field-error" in html


def test_a_stale_page_loses_with_a_clear_message(signed_in, persona):
    case = report("两人同时受理 race")
    seen = case.version
    services.file_case(case, persona("leader"), category="01001")  # someone else acts first
    response = signed_in("operator").post(f"/console/cases/{case.reference}/act/not-file", {
        "version": seen, "reason": "重复上报"}, **HTMX)
    assert response.status_code == 409
    assert "案件已被他人更新，请刷新后重试" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == 2  # report + file, nothing more


def test_an_out_of_scope_operator_gets_not_found_everywhere(signed_in):
    case = report("文澜街道的案件 scope")
    caoba = signed_in("operator_caoba")
    for url in (f"/console/cases/{case.reference}/", f"/console/cases/{case.reference}/panel",
                f"/console/cases/{case.reference}/sheet", f"/console/q/intake/?case={case.reference}"):
        assert caoba.get(url).status_code == 404, url
    response = caoba.post(f"/console/cases/{case.reference}/act/file", {"version": 1, "category": "01001"}, **HTMX)
    assert response.status_code == 404
    assert case.reference not in caoba.get("/console/q/intake/items").content.decode()
    caoba_case = report("草坝镇的案件", point=CAOBA)
    assert caoba_case.reference in caoba.get("/console/q/intake/items").content.decode()


def test_an_action_the_rules_do_not_allow_is_refused_with_a_message(signed_in):
    case = report("派遣员不能立案")
    response = signed_in("dispatcher").post(f"/console/cases/{case.reference}/act/file", {
        "version": case.version, "category": "01001"}, **HTMX)
    assert response.status_code == 422
    assert 'data-testid="action-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.REPORTED


def test_the_case_sheet_has_the_timeline(signed_in, persona):
    case = report("案卷 sheet")
    services.file_case(case, persona("operator"), category="01001", note="立案说明")
    html = signed_in("operator").get(f"/console/cases/{case.reference}/sheet").content.decode()
    assert "立案说明" in html and case.reference in html and "上报" in html


def test_duplicates_nearby_are_listed_before_filing(signed_in):
    first = report("垃圾满溢 原始", point=WENLAN)
    near = report("垃圾满溢 又一条", point=(WENLAN[0] + 0.0003, WENLAN[1]))  # ~30 m east
    html = signed_in("operator").get(f"/console/cases/{near.reference}/panel").content.decode()
    assert "可能重复" in html and first.reference in html


def test_the_commander_sees_overdue_cases_supervises_and_reassigns(signed_in, persona):
    from datetime import timedelta

    from django.utils import timezone

    case = report("超期案件 overdue", now=timezone.now() - timedelta(days=10))
    services.file_case(case, persona("operator"), category="01001")
    services.dispatch_case(case, persona("dispatcher"), department="szgs", now=timezone.now() - timedelta(days=9))
    commander = signed_in("commander")
    assert case.reference in commander.get("/console/q/overdue/items").content.decode()

    response = commander.post(f"/console/cases/{case.reference}/act/supervise", {
        "version": case.version, "reason": "超期严重，督办", "queue": "overdue"}, **HTMX)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.supervised
    assert case.reference in commander.get("/console/q/supervised/items").content.decode()

    response = commander.post(f"/console/cases/{case.reference}/act/reassign", {
        "version": case.version, "department": "szgs", "reason": "同一部门"}, **HTMX)
    # The current department is not offered, so picking it is refused beside the field.
    assert response.status_code == 422 and "选择一个有效的选项" in response.content.decode()
    response = commander.post(f"/console/cases/{case.reference}/act/reassign", {
        "version": case.version, "department": "hwz", "reason": "改由环卫处理"}, **HTMX)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.department_id == "hwz" and case.state == State.DISPATCHED


def test_an_administrator_sees_cases_but_has_no_buttons(signed_in):
    case = report("管理员只读")
    admin = signed_in("admin")
    html = admin.get(f"/console/cases/{case.reference}/").content.decode()
    assert case.reference in html and 'data-action="file"' not in html
    response = admin.post(f"/console/cases/{case.reference}/act/file", {"version": 1, "category": "01001"}, **HTMX)
    assert response.status_code == 403


def test_a_void_request_is_approved_by_the_shift_leader(signed_in):
    case = report("恶意重复上报 void")
    response = signed_in("operator").post(f"/console/cases/{case.reference}/act/request-void", {
        "version": case.version, "reason": "测试信息，无效"}, **HTMX)
    assert response.status_code == 200
    leader = signed_in("leader")
    assert case.reference in leader.get("/console/q/void-requests/items").content.decode()
    case.refresh_from_db()
    response = leader.post(f"/console/cases/{case.reference}/act/approve-void", {
        "version": case.version, "queue": "void-requests"}, **HTMX)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == State.VOID


def test_verification_by_an_inspector_then_merge_as_duplicate(signed_in, persona):
    original = report("原始 井盖缺失")
    copy = report("重复 井盖缺失", point=(WENLAN[0] + 0.0002, WENLAN[1]))
    operator = signed_in("operator")
    inspector = persona("inspector_001")
    response = operator.post(f"/console/cases/{copy.reference}/act/request-verification", {
        "version": copy.version, "inspector": inspector.pk}, **HTMX)
    assert response.status_code == 200
    field = signed_in("inspector_001")
    assert copy.reference in field.get("/console/q/checks/items").content.decode()
    copy.refresh_from_db()
    response = field.post(f"/console/cases/{copy.reference}/act/verify-report", {
        "version": copy.version, "real": "True", "note": "现场属实"}, **HTMX)
    assert response.status_code == 200
    copy.refresh_from_db()
    assert copy.state == State.REPORTED and copy.report_verified is True

    response = operator.post(f"/console/cases/{copy.reference}/act/merge", {
        "version": copy.version, "into": "532503-00000000-999999"}, **HTMX)
    assert response.status_code == 422 and "目标案件不存在" in response.content.decode()
    response = operator.post(f"/console/cases/{copy.reference}/act/merge", {
        "version": copy.version, "into": original.reference, "reason": "同一井盖"}, **HTMX)
    assert response.status_code == 200
    copy.refresh_from_db()
    assert copy.state == State.VOID and copy.duplicate_of_id == original.pk


def test_photos_are_served_only_within_scope_and_bad_files_are_refused(signed_in, persona, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.console.journey import png_file

    case = report("照片 scope")
    services.file_case(case, persona("operator"), category="01001")
    services.dispatch_case(case, persona("dispatcher"), department="szgs")
    services.sign_case(case, persona("handler_szgs"))
    worker = signed_in("handler_szgs")
    fake = SimpleUploadedFile("after.jpg", b"not an image at all", content_type="image/jpeg")
    response = worker.post(f"/console/cases/{case.reference}/act/handle", {
        "version": case.version, "note": "已修复", "photos": fake}, **HTMX)
    assert response.status_code == 422 and "只接受 JPEG、PNG、WebP 或 HEIC 图片" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and not case.attachments.exists()  # nothing half-saved

    good = SimpleUploadedFile("after.png", png_file(tmp_path, "a.png", (1, 2, 3)).read_bytes())
    response = worker.post(f"/console/cases/{case.reference}/act/handle", {
        "version": case.version, "note": "已修复", "photos": good}, **HTMX)
    assert response.status_code == 200
    photo = case.attachments.get()
    assert photo.kind == "after"
    url = f"/console/cases/{case.reference}/photos/{photo.pk}"
    assert worker.get(url).status_code == 200
    assert signed_in("operator_caoba").get(url).status_code == 404


def test_filing_can_correct_the_grid_within_the_operators_area(signed_in):
    from civicloop.geo.models import Grid

    case = report("落错网格 grid correction")
    first_grid = case.grid_id
    other = Grid.objects.filter(community__parent_id="532503001", active=True).exclude(pk=case.grid_id).first()
    caoba_grid = Grid.objects.filter(community__parent_id="532503102", active=True).first()
    wenlan = signed_in("operator_wenlan")
    response = wenlan.post(f"/console/cases/{case.reference}/act/file", {
        "version": case.version, "category": "01001", "grid": caoba_grid.pk}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "只能改到本人辖区内的网格" in html and f'value="{caoba_grid.pk}"' in html
    response = wenlan.post(f"/console/cases/{case.reference}/act/file", {
        "version": case.version, "category": "01001", "grid": other.pk}, **HTMX)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.grid_id == other.pk and case.community_id == other.community_id and case.state == State.FILED
    event = CaseEvent.objects.get(case=case, action="file")
    assert event.data["grid"] == {"from": first_grid, "to": other.pk}
