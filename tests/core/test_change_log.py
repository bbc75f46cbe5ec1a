"""The configuration change log: one record per change, with the changed fields before and after."""
from __future__ import annotations

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
