"""The console's 上报 form sent with a point and no address: the case gets the point's address from the
gazetteer (console/reporting.py), as the form's script would have filled it; an address typed is kept."""
from __future__ import annotations

from civicloop.cases.models import Case
from tests.gazetteer.test_geocoding import gazetteer, north, x, y  # noqa: F401  (the fixture)

REPORTER = "operator"  # a city-wide role: the fixture's plates are in no one grid worker's area
PLATE_12 = (x(15) + 0.0002, north(y(10), 120))  # 学府路12号 in the fixture


def report(client, key: str, **fields):
    data = {"lon": PLATE_12[0], "lat": PLATE_12[1], "description": "路边垃圾堆积", "category": "06010",
            "client_key": key, **fields}
    return client.post("/console/report/", data)


def test_a_staff_report_without_an_address_gets_the_points_address(signed_in, gazetteer):  # noqa: F811
    response = report(signed_in(REPORTER), "addr-1")
    assert response.status_code == 302, [l for l in response.content.decode().splitlines() if "alert" in l]
    case = Case.objects.get(client_key="addr-1")
    assert "学府路12号" in case.address
    assert case.address.startswith("蒙自市")


def test_an_address_the_staff_member_typed_is_kept(signed_in, gazetteer):  # noqa: F811
    report(signed_in(REPORTER), "addr-2", address="学府路东侧花坛边")
    assert Case.objects.get(client_key="addr-2").address == "学府路东侧花坛边"


def test_the_report_page_asks_the_browser_to_fill_the_address(signed_in):
    html = signed_in(REPORTER).get("/console/report/").content.decode()
    assert 'data-reverse-address="/api/geo/reverse"' in html and "gazetteer/search.js" in html
