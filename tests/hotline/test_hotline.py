"""12345 hotline: orders pushed in (idempotent), status callbacks out (signed, once each, retried)."""
from __future__ import annotations

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from civicloop.cases import services as cases
from civicloop.cases.models import Case
from civicloop.hotline import services
from civicloop.hotline.models import HotlineOrder, Visit
from civicloop.notify import webhook
from civicloop.notify.models import Delivery
from civicloop.notify.services import deliver_due

WENLAN = (103.385, 23.367)


@pytest.fixture
def system(db):
    system, key = services.create_system(name="12345 测试", webhook_url="http://127.0.0.1:9/hook")
    system.raw_key = key
    return system


def order(**extra) -> dict:
    return {"order_id": "MZ20261005001", "content": "天马路垃圾桶满溢，异味大", "lon": WENLAN[0], "lat": WENLAN[1],
            "crs": "wgs84", "caller_name": "张女士", "caller_phone": "13988730001", "category": "06010",
            "address": "天马路 12 号", "deadline": "2026-10-06T18:00:00+08:00", **extra}


def push(system, body: dict, *, key: str | None = None):
    return Client().post("/hotline/api/v1/orders", body, content_type="application/json",
                         HTTP_X_API_KEY=key if key is not None else system.raw_key)


def test_the_same_order_pushed_three_times_gives_one_case(system):
    answers = [push(system, order()) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    references = {a.json()["case"] for a in answers}
    assert len(references) == 1
    case = Case.objects.get(reference=references.pop())
    assert case.channel == "hotline" and case.category_id == "06010" and case.reporter_phone == "13988730001"
    assert HotlineOrder.objects.get().pushes == 3
    assert Case.objects.filter(channel="hotline").count() == 1
    assert case.events.get(action="report").data["refs"] == {"hotline_order": "MZ20261005001"}


def test_an_unknown_category_is_kept_on_the_order_and_left_to_the_operator(system):
    answer = push(system, order(order_id="X1", category="城市管理-其他"))
    assert answer.status_code == 201
    saved = HotlineOrder.objects.get(order_id="X1")
    assert saved.case.category_id is None and saved.category_hint == "城市管理-其他"


def test_a_bearer_key_works_too_and_the_order_can_be_looked_up(system):
    push(system, order())
    answer = Client().get("/hotline/api/v1/orders/MZ20261005001", HTTP_AUTHORIZATION=f"Bearer {system.raw_key}")
    assert answer.status_code == 200 and answer.json()["state"] == "reported"


def test_a_wrong_or_missing_key_is_refused(system):
    assert push(system, order(), key="hl_wrong").status_code == 401
    assert Client().post("/hotline/api/v1/orders", order(), content_type="application/json").status_code == 401
    assert not HotlineOrder.objects.exists()


def test_another_system_cannot_see_this_systems_orders(system):
    push(system, order())
    _, other_key = services.create_system(name="另一个系统")
    answer = Client().get("/hotline/api/v1/orders/MZ20261005001", HTTP_X_API_KEY=other_key)
    assert answer.status_code == 404


def test_an_order_outside_the_city_is_refused_with_a_clear_message_and_nothing_saved(system):
    answer = push(system, order(lon=116.4, lat=39.9))
    assert answer.status_code == 422 and "网格" in answer.json()["detail"]
    assert not HotlineOrder.objects.exists() and not Case.objects.filter(channel="hotline").exists()


# ---------------------------------------------------------------------------- callbacks


class Receiver:
    """A real HTTP server on a fixed port that is first down (connection refused), then accepts."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received: list[dict] = []
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"headers": dict(self.headers), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def walk_to_closed(case, persona):
    cases.file_case(case, persona("operator"), category="06010")
    cases.dispatch_case(case, persona("dispatcher"), department="hwz")
    cases.sign_case(case, persona("handler_hwz"))
    cases.handle_case(case, persona("handler_hwz"), note="已清运")
    cases.check_fix(case, persona("inspector_001"), passed=True)
    cases.close_case(case, persona("leader"))


def time_passes():
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(next_attempt_at=timezone.now())


def test_status_callbacks_arrive_once_each_signed_and_retried_while_the_receiver_is_down(system, receiver, persona):
    system.webhook_url = receiver.url
    system.save(update_fields=["webhook_url"])
    push(system, order())
    case = Case.objects.get(channel="hotline")
    walk_to_closed(case, persona)
    services.record_visit(HotlineOrder.objects.get(), satisfied=True, stars=5, comment="很满意", actor=persona("operator"))
    http = webhook.HttpBackend(timeout=2)

    hooks = Delivery.objects.filter(channel="webhook")
    def attempts():
        return [d.attempts for d in hooks.order_by("pk")]

    deliver_due(webhook_backend=http)  # nobody listening: 签收 is refused, the later steps wait their turn
    assert hooks.count() == 4 and attempts() == [1, 0, 0, 0] and all(d.status == "pending" for d in hooks.all())
    time_passes()
    deliver_due(webhook_backend=http)  # still down: a second attempt
    receiver.start()
    deliver_due(webhook_backend=http)  # backing off: nothing is due yet
    assert not receiver.received and attempts() == [2, 0, 0, 0]
    time_passes()
    deliver_due(webhook_backend=http)
    assert hooks.filter(status="sent").count() == 4
    time_passes()
    deliver_due(webhook_backend=http)  # sent is sent: nothing goes twice
    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert [b["event"] for b in bodies] == ["sign", "reply", "close", "visit"]
    assert {b["order_id"] for b in bodies} == {"MZ20261005001"} and {b["case"] for b in bodies} == {case.reference}
    assert bodies[1]["message"] == "已清运" and bodies[3]["stars"] == 5 and bodies[3]["satisfied"] is True
    ids = [r["headers"][webhook.EVENT_ID_HEADER] for r in receiver.received]
    assert len(set(ids)) == 4 and ids == [b["event_id"] for b in bodies]
    assert all(webhook.verify(system.webhook_secret, r["body"], r["headers"][webhook.SIGNATURE_HEADER])
               for r in receiver.received)
    assert all(d.status == "sent" for d in hooks.all()) and attempts() == [3, 1, 1, 1]


def test_a_callback_is_written_with_the_case_step_or_not_at_all(system, persona):
    push(system, order())
    case = Case.objects.get(channel="hotline")
    cases.file_case(case, persona("operator"), category="06010")
    cases.dispatch_case(case, persona("dispatcher"), department="hwz")
    with pytest.raises(Exception):
        cases.sign_case(case, persona("handler_cgj"))  # not this department's task: refused
    assert not Delivery.objects.filter(channel="webhook").exists()
    cases.sign_case(Case.objects.get(pk=case.pk), persona("handler_hwz"))
    assert list(Delivery.objects.filter(channel="webhook").values_list("subject", flat=True)) == [
        "12345 MZ20261005001 签收 signed for"]


def test_cases_from_other_channels_send_no_callbacks(system, persona, wenlan_point):
    case = cases.report_case(actor=persona("inspector_001"), channel="inspector", lon=wenlan_point[0],
                             lat=wenlan_point[1], description="井盖缺失", category="01001")
    cases.file_case(case, persona("operator"))
    assert not Delivery.objects.filter(channel="webhook").exists()


def test_a_not_filed_order_is_returned_to_the_hotline(system, persona):
    push(system, order())
    cases.reject_report(Case.objects.get(channel="hotline"), persona("operator"), reason="非城管职责")
    hook = Delivery.objects.get(channel="webhook")
    assert json.loads(hook.body)["event"] == "return" and json.loads(hook.body)["message"] == "非城管职责"


def test_a_return_visit_needs_a_closed_order(system, persona):
    push(system, order())
    with pytest.raises(Exception, match="办结后"):
        services.record_visit(HotlineOrder.objects.get(), satisfied=False)
    assert not Visit.objects.exists()


# ---------------------------------------------------------------------------- a day's sheet


def workbook(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电人", "来电号码", "诉求内容", "事项分类", "地址", "经度", "纬度", "坐标系", "办理时限"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_a_days_orders_import_from_excel_with_a_report_per_row(system):
    push(system, order(order_id="20261005002"))
    sheet = workbook([
        [20261005001, "张女士", "13988730001", "天马路垃圾满溢", "06010", "天马路", WENLAN[0], WENLAN[1], "wgs84", "2026-10-06 18:00"],
        [20261005002, "李先生", "13988730002", "重复推送的工单", "", "", WENLAN[0], WENLAN[1], "wgs84", None],
        [20261005003, "王先生", "", "", "", "", WENLAN[0], WENLAN[1], "wgs84", None],
        [20261005004, "赵先生", "", "北京的问题", "", "", 116.4, 39.9, "wgs84", None],
    ])
    report = services.import_workbook(system, sheet)
    assert [(r.row, r.order_id, r.outcome) for r in report.rows] == [
        (2, "20261005001", "created"), (3, "20261005002", "repeated"), (4, "20261005003", "error"),
        (5, "20261005004", "error")]
    assert "description" in report.rows[2].message and "网格" in report.rows[3].message
    assert [(p.row, p.column, p.value, p.key) for p in report.problems] == [
        (4, "诉求内容", "", "20261005003"), (5, "经度, 纬度", "116.4, 39.9", "20261005004")]
    assert HotlineOrder.objects.get(order_id="20261005001").via == "excel"
    assert timezone.localtime(HotlineOrder.objects.get(order_id="20261005001").deadline).hour == 18


def test_a_sheet_without_the_needed_columns_is_refused_whole(system):
    book = Workbook()
    book.active.append(["编号", "内容"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    report = services.import_workbook(system, out)
    assert report.problem.startswith("缺少列") and not report.rows


# ---------------------------------------------------------------------------- console pages


def test_the_operator_imports_a_sheet_on_the_console_and_sees_each_row(system, signed_in):
    sheet = workbook([[1001, "张女士", "", "天马路垃圾满溢", "06010", "", WENLAN[0], WENLAN[1], "wgs84", None]])
    sheet.name = "orders.xlsx"
    page = signed_in("operator").post("/console/hotline/import", {"system": system.pk, "file": sheet})
    assert page.status_code == 200
    text = page.content.decode()
    assert "1001" in text and HotlineOrder.objects.get(order_id="1001").case.reference in text


def test_a_refused_row_shows_its_row_column_and_reason_in_the_shared_table(system, signed_in):
    sheet = workbook([[1002, "赵先生", "", "北京的问题", "", "", 116.4, 39.9, "wgs84", None]])
    sheet.name = "orders.xlsx"
    page = signed_in("operator").post("/console/hotline/import", {"system": system.pk, "file": sheet})
    text = page.content.decode()
    table = text[text.index('data-testid="row-problems"'):]
    assert '<td class="num">2</td><td>经度, 纬度</td><td>116.4, 39.9</td><td>location: 位置不在' in table


def test_the_orders_page_shows_orders_and_their_callbacks(system, signed_in):
    push(system, order())
    page = signed_in("operator").get("/console/hotline/")
    assert page.status_code == 200 and "MZ20261005001" in page.content.decode()


def test_an_administrator_adds_a_system_and_sees_its_key_once(db, signed_in):
    client = signed_in("admin")
    page = client.post("/console/hotline/systems", {"name": "红河州12345", "webhook_url": "https://12345.example/cb"})
    key = page.context["issued"]["key"]
    assert page.status_code == 200 and key in page.content.decode()
    assert key not in client.get("/console/hotline/systems").content.decode()
    assert push(None, order(), key=key).status_code == 201


def test_hotline_pages_refuse_out_of_scope_staff_and_anonymous_callers(system, signed_in):
    assert signed_in("operator_caoba").get("/console/hotline/").status_code == 403
    assert signed_in("operator").get("/console/hotline/systems").status_code == 403
    assert signed_in("handler_hwz").get("/console/hotline/import").status_code == 403
    assert Client().get("/console/hotline/").status_code == 302


def test_the_demo_seeds_a_hotline_system_and_todays_orders_once(db):
    from civicloop.hotline import demo

    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert out.getvalue().count("API key (shown once)") == 1
    assert HotlineOrder.objects.count() == 3 and Case.objects.filter(channel="hotline").count() == 3
