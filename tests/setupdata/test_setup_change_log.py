"""Set-up data files write the configuration change log: one record per row saved, none for a trial
run or a refused file."""
from __future__ import annotations

from civicloop.core.models import ChangeRecord
from civicloop.setupdata import importing

ROWS = [{"code": "sw-water", "name": "新城水务公司", "kind": "专业部门", "active": "是"},
        {"code": "sw-gas", "name": "新城燃气公司", "kind": "专业部门", "active": "是"}]


def test_an_import_records_one_change_per_row_saved(filled, persona):
    importing.import_file("departments", filled("departments", ROWS), actor=persona("admin"))
    again = [ROWS[0], {**ROWS[1], "name": "新城燃气集团"}]
    importing.import_file("departments", filled("departments", again, name="again.xlsx"), actor=persona("admin"))

    records = list(ChangeRecord.objects.order_by("id"))
    assert [(r.object_id, r.action) for r in records] == [("sw-water", "create"), ("sw-gas", "create"),
                                                          ("sw-gas", "update")]
    assert records[-1].before == {"name": "新城燃气公司"} and records[-1].after == {"name": "新城燃气集团"}
    assert {r.via for r in records} == {"import"} and {r.actor for r in records} == {"admin"}


def test_a_trial_run_and_a_refused_file_record_nothing(filled):
    importing.import_file("departments", filled("departments", ROWS), dry_run=True)
    importing.import_file("departments", filled("departments", [*ROWS, {"code": "bad", "kind": "专业部门"}],
                                                name="bad.xlsx"))

    assert not ChangeRecord.objects.exists()


def test_the_console_import_names_who_loaded_the_file(signed_in, filled):
    import re

    client = signed_in("admin")
    with open(filled("departments", ROWS), "rb") as f:
        page = client.post("/console/setup/upload", {"kind": "departments", "file": f})
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    client.post("/console/setup/confirm", {"token": token})

    assert set(ChangeRecord.objects.values_list("actor", flat=True)) == {"admin"}
    assert ChangeRecord.objects.count() == 2
