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
