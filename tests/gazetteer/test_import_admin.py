"""基础数据 administrators edit the gazetteer in the admin; every edit leaves a history row."""
from __future__ import annotations

import io
import json

import pytest

from civicloop.gazetteer.models import EntryChange, Road

pytestmark = pytest.mark.django_db
LINE = {"type": "LineString", "coordinates": [[103.384, 23.366], [103.388, 23.366]]}


def _form(**changes) -> dict:
    return {"name": "学府路", "code": "R-XF", "aliases": "", "former_names": "", "geometry": json.dumps(LINE),
            **changes}


def test_an_admin_edit_writes_a_history_row_with_before_and_after(signed_in, persona):
    client = signed_in("admin")
    response = client.post("/admin/gazetteer/road/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    road = Road.objects.get(code="R-XF")
    assert road.grid_code and "学府" in road.search_text

    response = client.post(f"/admin/gazetteer/road/{road.pk}/change/", _form(name="学府大道", former_names="学府路"))
    assert response.status_code == 302
    changes = list(EntryChange.objects.filter(model="road", entry_id=road.pk).order_by("at", "id"))
    assert [c.action for c in changes] == ["created", "changed"]
    edit = changes[1]
    assert edit.user == persona("admin")
    assert edit.before["name"] == "学府路" and edit.after["name"] == "学府大道"
    assert edit.after["former_names"] == "学府路" and "geometry" not in edit.after

    page = client.get(f"/admin/gazetteer/road/{road.pk}/change/").content.decode()
    assert "学府路 → 学府大道" in page


def test_an_edit_outside_the_jurisdiction_is_refused_and_leaves_no_history(signed_in):
    far = {"type": "LineString", "coordinates": [[100.0, 30.0], [100.1, 30.0]]}
    response = signed_in("admin").post("/admin/gazetteer/road/add/", _form(geometry=json.dumps(far)))
    assert response.status_code == 200 and not Road.objects.filter(code="R-XF").exists()
    assert not EntryChange.objects.exists()


def test_the_admin_finds_a_road_by_its_former_name(signed_in):
    Road.objects.create(name="银河路", former_names="老银河街", geometry=json.dumps(LINE))
    page = signed_in("admin").get("/admin/gazetteer/road/", {"q": "老银河"}).content.decode()
    assert "银河路" in page


@pytest.mark.parametrize("model", ["road", "roadsegment", "doorplate", "compound", "building", "poi", "entrychange"])
def test_every_gazetteer_list_opens_and_searches(signed_in, model):
    from civicloop.gazetteer import demo

    demo.seed(io.StringIO())
    response = signed_in("admin").get(f"/admin/gazetteer/{model}/", {"q": "天马"})
    assert response.status_code == 200


def test_deleting_an_entry_in_the_admin_leaves_a_history_row(signed_in):
    road = Road.objects.create(name="凤凰路", code="R-FH", geometry=json.dumps(LINE))
    response = signed_in("admin").post(f"/admin/gazetteer/road/{road.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Road.objects.filter(pk=road.pk).exists()
    change = EntryChange.objects.get(model="road", entry_id=road.pk)
    assert change.action == "deleted" and change.before["name"] == "凤凰路"
