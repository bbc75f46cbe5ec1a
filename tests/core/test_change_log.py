"""The configuration change log: one record per change, with the changed fields before and after."""
from __future__ import annotations

import json

import pytest

from civicloop.core import changes
from civicloop.core.models import ChangeRecord
from civicloop.org.models import Department


def test_an_update_records_only_the_changed_fields(persona):
    department = Department.objects.order_by("pk").first()
    before = changes.snapshot(department)
    department.name = department.name + "（新）"
    department.save(update_fields=["name"])

    record = changes.record(persona("admin"), department, changes.Action.UPDATE, before,
                            changes.snapshot(department), via=changes.Via.CONSOLE, reason="renamed")

    assert list(record.before) == ["name"] and record.after == {"name": department.name}
    assert record.user.username == "admin" and record.actor == "admin" and record.object_id == str(department.pk)
    assert list(changes.for_object(department)) == [record]


def test_an_update_that_changes_nothing_records_nothing(db):
    department = Department.objects.order_by("pk").first()
    snap = changes.snapshot(department)

    assert changes.record("command:test", department, changes.Action.UPDATE, snap, snap,
                          via=changes.Via.COMMAND) is None
    assert not ChangeRecord.objects.exists()


def test_a_system_label_and_a_plain_subject_are_accepted(db):
    record = changes.record("command:city init", "city settings", changes.Action.CREATE, after={"a": 1},
                            via=changes.Via.COMMAND)

    assert record.user is None and record.actor == "command:city init" and record.content_type is None


def test_the_log_is_append_only(db):
    record = changes.record("command:test", "x", changes.Action.CREATE, after={"a": 1}, via=changes.Via.COMMAND)
    with pytest.raises(ValueError):
        record.save()


# ---------------------------------------------------------------------------- routing rules, each door


@pytest.fixture
def rule(db):
    from civicloop.routing.models import RoutingRule

    return RoutingRule.objects.create(category_group="09", department_id="cgj", note="老城区")


def test_a_routing_rule_changed_in_the_console_writes_one_record(signed_in, rule):
    reply = signed_in("commander").post(f"/console/routing/{rule.pk}/", {
        "category_group": "09", "department": "scjg", "note": "老城区", "active": "on"})

    assert reply.status_code == 302
    change = ChangeRecord.objects.get()
    assert (change.actor, change.via, change.action) == ("commander", "console", "update")
    assert change.before == {"department": "cgj"} and change.after == {"department": "scjg"}
    assert change.object_id == str(rule.pk) and change.content_type.model == "routingrule"


def test_a_routing_rule_changed_in_the_admin_writes_one_record(signed_in, rule):
    client = signed_in("admin")
    reply = client.post(f"/admin/routing/routingrule/{rule.pk}/change/", {
        "category_group": "09", "area": "", "department": "cgj", "note": "新城区", "active": "on"})

    assert reply.status_code == 302
    change = ChangeRecord.objects.get()
    assert (change.actor, change.via, change.action) == ("admin", "admin", "update")
    assert change.before == {"note": "老城区"} and change.after == {"note": "新城区"}
    history = client.get(f"/admin/routing/routingrule/{rule.pk}/history/").content.decode()
    assert 'id="configuration-changes"' in history and "新城区" in history


def test_an_invalid_routing_rule_saves_nothing_and_records_nothing(signed_in, rule):
    reply = signed_in("commander").post(f"/console/routing/{rule.pk}/", {
        "category": "06010", "category_group": "06", "department": "hwz", "active": "on"})

    assert reply.status_code == 422
    rule.refresh_from_db()
    assert rule.category_group == "09" and not ChangeRecord.objects.exists()


def test_a_service_call_with_an_invalid_rule_rolls_back_whole(persona, rule):
    from django.core.exceptions import ValidationError

    from civicloop.routing import services

    rule.area = "532503999"  # no such street
    with pytest.raises(ValidationError):
        services.save_rule(persona("commander"), rule)
    rule.refresh_from_db()
    assert rule.area == "" and not ChangeRecord.objects.exists()


def test_routing_rules_created_and_deleted_in_the_console_are_recorded(signed_in):
    from civicloop.routing.models import RoutingRule

    client = signed_in("leader")
    client.post("/console/routing/", {"category_group": "06", "department": "hwz", "note": "新规则", "active": "on"})
    rule = RoutingRule.objects.get(note="新规则")
    client.post(f"/console/routing/{rule.pk}/delete")

    created, deleted = ChangeRecord.objects.order_by("id")
    assert created.action == "create" and created.after["department"] == "hwz" and created.before == {}
    assert deleted.action == "delete" and deleted.before["note"] == "新规则" and deleted.after == {}
    assert not RoutingRule.objects.exists()


# ---------------------------------------------------------------------------- the other configuration kinds


def test_a_points_rule_changed_in_the_console_is_recorded(signed_in):
    client = signed_in("admin")
    client.post("/console/points/rules/", {"category": "06010", "on_file": "7", "on_verified": "9"})
    client.post("/console/points/rules/", {"category": "06010", "on_file": "8", "on_verified": "9"})

    created, changed = ChangeRecord.objects.order_by("id")
    assert created.action == "create" and created.after["on_file"] == 7
    assert changed.before == {"on_file": 7} and changed.after == {"on_file": 8} and changed.via == "console"


def test_a_refused_points_rule_records_nothing(signed_in):
    signed_in("admin").post("/console/points/rules/", {"category": "06010", "on_file": "x", "on_verified": "9"})

    assert not ChangeRecord.objects.exists()


def test_an_iot_rule_saved_in_the_console_is_recorded_and_a_refused_one_is_not(signed_in):
    from civicloop.iot.models import Rule

    client = signed_in("admin")
    client.post("/console/iot/rules", {"name": "满溢", "event_type": "bin_overflow", "category": "03005",
                                       "cooldown_minutes": "10", "active": "on"})
    client.post("/console/iot/rules", {"name": "x", "event_type": "x", "category": "99999", "cooldown_minutes": "1"})

    change = ChangeRecord.objects.get()
    assert change.action == "create" and change.after["event_type"] == "bin_overflow"
    assert change.object_id == str(Rule.objects.get().pk)


def test_a_staff_members_role_change_in_the_admin_is_recorded_without_the_password(signed_in, persona):
    operator = persona("operator")
    client = signed_in("admin")
    form = client.get(f"/admin/org/user/{operator.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"role": "shift_leader", "scope": "city", "groups": [], "user_permissions": [],
                 "date_joined_0": operator.date_joined.strftime("%Y-%m-%d"),
                 "date_joined_1": operator.date_joined.strftime("%H:%M:%S")})
    data = {k: v for k, v in data.items() if k not in ("date_joined", "last_login")}
    reply = client.post(f"/admin/org/user/{operator.pk}/change/", data)

    assert reply.status_code == 302, reply.content.decode()[:2000]
    change = ChangeRecord.objects.get()
    assert change.before["role"] == "operator" and change.after["role"] == "shift_leader"
    assert "password" not in change.before and "last_login" not in change.after


def test_a_role_change_through_the_service_records_the_fields_that_changed(persona):
    from civicloop.org import services as org

    handler = persona("operator")
    org.change_role(persona("admin"), handler, role="shift_leader", scope="city", via=changes.Via.CONSOLE,
                    reason="换岗")

    change = ChangeRecord.objects.get()
    assert change.before == {"role": "operator"} and change.after == {"role": "shift_leader"}
    assert change.reason == "换岗"


def test_a_score_weight_change_in_the_admin_is_recorded(signed_in):
    from civicloop.evaluation.models import ScoreConfig

    config = ScoreConfig.objects.order_by("pk").first()
    if config is None:
        pytest.skip("no score configuration in the test database")
    weights = {**config.weights, "测试": 5}

    reply = signed_in("admin").post(f"/admin/evaluation/scoreconfig/{config.pk}/change/", {
        "subject": config.pk, "weights": json.dumps(weights, ensure_ascii=False), "bands": json.dumps(config.bands), "note": config.note})

    assert reply.status_code == 302
    change = ChangeRecord.objects.get()
    assert change.object_id == config.pk and change.after["weights"]["测试"] == 5


# ---------------------------------------------------------------------------- the console page


@pytest.fixture
def logged(persona, rule):
    """Three records: a routing rule changed by the commander in the console, a department by the
    admin in the admin, and a points rule by a command."""
    from civicloop.points.models import EarningRule

    changes.record(persona("commander"), rule, changes.Action.UPDATE, {"note": "老城区"}, {"note": "新城区"},
                   via=changes.Via.CONSOLE)
    department = Department.objects.order_by("pk").first()
    changes.record(persona("admin"), department, changes.Action.UPDATE, {"name": "甲"}, {"name": "乙"},
                   via=changes.Via.ADMIN)
    earning = EarningRule.objects.create(on_file=1, on_verified=2)
    changes.record("command:seed", earning, changes.Action.CREATE, via=changes.Via.COMMAND)
    return {"rule": rule, "department": department}


def test_the_change_log_page_filters_by_kind_person_object_and_date(signed_in, logged):
    from django.contrib.contenttypes.models import ContentType

    client = signed_in("admin")
    everything = client.get("/console/changes/")
    assert everything.status_code == 200 and everything.content.decode().count('data-testid="change-row"') == 3

    kind = ContentType.objects.get(app_label="routing", model="routingrule").pk
    by_kind = client.get("/console/changes/", {"kind": kind}).content.decode()
    assert by_kind.count('data-testid="change-row"') == 1 and "新城区" in by_kind
    assert client.get("/console/changes/", {"actor": "admin"}).content.decode().count('data-testid="change-row"') == 1
    by_object = client.get("/console/changes/", {"subject": logged["department"].name}).content.decode()
    assert by_object.count('data-testid="change-row"') == 1 and "乙" in by_object
    assert client.get("/console/changes/", {"start": "2001-01-01", "end": "2001-01-02"}).content.decode().count(
        'data-testid="change-row"') == 0
    assert client.get("/console/changes/", {"start": "2030-01-02", "end": "2030-01-01"}).status_code == 422


def test_the_change_log_exports_the_filtered_list_as_csv_and_xlsx(signed_in, logged):
    import io

    from openpyxl import load_workbook

    client = signed_in("admin")
    reply = client.get("/console/changes.csv", {"actor": "commander"})
    text = b"".join(reply.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and "note=老城区" in lines[1] and "note=新城区" in lines[1]

    book = load_workbook(io.BytesIO(client.get("/console/changes.xlsx").content))
    assert book.worksheets[0].max_row == 4  # the header and three records


def test_only_city_administrators_see_the_change_log(signed_in, logged):
    assert signed_in("commander").get("/console/changes/").status_code == 403
    assert signed_in("operator").get("/console/changes.csv").status_code == 403


# ---------------------------------------------------------------------------- the admin's inlines and deletes


def _admin_form_data(page) -> dict:
    """What the admin's change form would send back unchanged: the main form and every inline."""
    data = {}
    for form in [page.context["adminform"].form,
                 *(sub for inline in page.context["inline_admin_formsets"] for sub in inline.formset.forms)]:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form.add_prefix(name)] = "on" if value is True else getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
    return data


def test_a_time_limit_changed_inline_on_its_category_writes_one_record_for_it(signed_in):
    from civicloop.taxonomy.models import Category, TimeLimit

    limit = TimeLimit.objects.filter(category__isnull=False).select_related("category").order_by("pk").first()
    if limit is None:
        pytest.skip("no category time limit in the test database")
    client = signed_in("admin")
    url = f"/admin/taxonomy/category/{limit.category_id}/change/"
    data = _admin_form_data(client.get(url))
    field = next(k for k, v in data.items() if k.endswith("-id") and str(v) == str(limit.pk)).removesuffix("-id")
    data[f"{field}-amount"] = str(limit.amount + 1)

    reply = client.post(url, data)

    assert reply.status_code == 302, reply.context["adminform"].form.errors if reply.context else reply
    change = ChangeRecord.objects.get()
    assert change.object_id == str(limit.pk) and change.content_type.model == "timelimit"
    assert float(change.after["amount"]) == float(limit.amount + 1)
    assert Category.objects.get(pk=limit.category_id).pk == limit.category_id


def test_a_routing_rule_deleted_in_the_admin_is_recorded_before_it_goes(signed_in, rule):
    reply = signed_in("admin").post(f"/admin/routing/routingrule/{rule.pk}/delete/", {"post": "yes"})

    assert reply.status_code == 302
    change = ChangeRecord.objects.get()
    assert change.action == "delete" and change.before["note"] == "老城区" and change.via == "admin"


def test_a_staff_account_made_on_the_command_line_is_recorded_as_the_command(db):
    from django.core.management import call_command

    call_command("createstaff", "zhao.lei", role="operator", password="a long enough password", name="赵磊")

    change = ChangeRecord.objects.get()
    assert (change.actor, change.via, change.action) == ("command:createstaff", "command", "create")
    assert change.after["role"] == "operator" and "password" not in change.after


def test_the_access_log_is_exported_beside_the_change_log_for_the_same_person(signed_in, persona, logged):
    from civicloop.core import audit

    audit.record(persona("commander"), what="reporter_name", subject="case:1", where="console")
    audit.record(persona("operator"), what="reporter_name", subject="case:2", where="console")

    reply = signed_in("admin").get("/console/changes/access-log.csv", {"actor": "commander"})

    lines = b"".join(reply.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert reply.status_code == 200 and len(lines) == 2 and "case:1" in lines[1]
    assert signed_in("commander").get("/console/changes/access-log.csv").status_code == 403


def test_a_holiday_arrangement_loaded_twice_is_one_record_each_time_with_the_days_that_moved(tmp_path, db):
    from django.core.management import call_command

    from tests.lib.test_holidays import GOOD

    path = tmp_path / "arrangement.toml"
    for text in (GOOD, GOOD.replace("work = [2027-02-20]", "work = [2027-02-21]")):
        path.write_text(text, encoding="utf-8")
        call_command("calendar", "load", str(path))

    created, changed = ChangeRecord.objects.order_by("id")
    assert (created.action, created.via, created.actor, created.object_id) == ("create", "command", "command:calendar", "2027")
    assert changed.before["days"]["2027-02-20"] == "working" and changed.after["days"]["2027-02-21"] == "working"
