"""The configuration change log: who changed which rule, setting or role, when, and through which door.

Every service that saves configuration calls `record` inside its transaction, after the save; the
admin's saves go through `core.changes_admin.ChangeLoggedAdmin`, which calls the same function.

Written by hand after netbox's ObjectChange rather than with a history package: django-pghistory
records by PostgreSQL triggers (SQLite, our embedded default, has none), and django-simple-history
adds a shadow table per tracked model (a dozen tables and migrations across apps) holding whole
rows, while what a reviewer asks is one list across every kind of configuration, with the changed
fields only, the door used and a reason — one table and one function give exactly that.
"""
from __future__ import annotations

import json
from typing import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from civicloop.core import context
from civicloop.core.models import ChangeRecord

Action = ChangeRecord.Action
Via = ChangeRecord.Via

# Never copied into the log: a staff member's password hash and sign-in time are no configuration,
# and a key's hash must not be kept anywhere it could be read back.
NEVER_RECORDED = frozenset({"password", "last_login", "digest", "token_digest", "secret"})


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The object's field values as JSON-safe data, keyed by field name (a foreign key by its id).

    Many-to-many values (a sorted list of ids) are included once the object is saved."""
    wanted = set(fields) if fields is not None else None
    data = {}
    for field in obj._meta.concrete_fields:
        if _skipped(field) or (wanted is not None and field.name not in wanted):
            continue
        data[field.name] = field.value_from_object(obj)
    if not obj._state.adding:  # an unsaved row has no many-to-many values to read
        for field in obj._meta.many_to_many:
            if wanted is None or field.name in wanted:
                data[field.name] = sorted(o.pk for o in getattr(obj, field.name).all())
    return _json_safe(data)


def stored(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The snapshot of the row as it is in the database now (empty for an unsaved object).

    For callers holding an instance that a form may already have changed in memory."""
    if obj.pk is None:
        return {}
    row = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(row, fields) if row is not None else {}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose values differ, on each side."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys if k in after}


def record(actor, obj, action: str, before: dict | None = None, after: dict | None = None, *,
           via: str, reason: str = "") -> ChangeRecord | None:
    """Write one change record; call it inside the transaction that saves (or before it deletes) `obj`.

    `actor` is a staff user or a label for the system ("command:city init"). `obj` is the model
    instance, or a plain label for something that is not a row. Missing sides are snapshotted: the
    object as it is now for a creation's after and a deletion's before. An update whose fields did
    not change writes nothing and returns None.
    """
    if action == Action.CREATE and after is None:
        after = snapshot(obj)
    if action == Action.DELETE and before is None:
        before = snapshot(obj)
    old, new = diff(_json_safe(before or {}), _json_safe(after or {}))
    if action == Action.UPDATE and not old and not new:
        return None
    user, name = _actor(actor)
    content_type, object_id, label = _subject(obj)
    return ChangeRecord.objects.create(
        at=timezone.now(), user=user, actor=name[:150], content_type=content_type, object_id=object_id,
        object_repr=label[:200], action=action, before=old, after=new, via=via, reason=(reason or "")[:200],
        request_id=context.request_id.get() or "")


def save(actor, obj: models.Model, *, via: str, reason: str = "", validate: bool = True,
         before: dict | None = None) -> models.Model:
    """The one door for a configuration row: validate, save and record, in one transaction.

    `obj` carries the new values (from a form, an import row or code). "Before" is read from the
    database unless given; a ValidationError leaves nothing saved and nothing recorded."""
    with transaction.atomic():
        adding = obj._state.adding
        old = {} if adding else (before if before is not None else stored(obj))
        if validate:
            obj.full_clean()
        obj.save()
        if adding:
            record(actor, obj, Action.CREATE, via=via, reason=reason)
        else:
            record(actor, obj, Action.UPDATE, old, snapshot(obj), via=via, reason=reason)
    return obj


def delete(actor, obj: models.Model, *, via: str, reason: str = "") -> None:
    """Record, then delete, in one transaction (a delete refused by a protecting key records nothing)."""
    with transaction.atomic():
        record(actor, obj, Action.DELETE, via=via, reason=reason)
        obj.delete()


def for_object(obj: models.Model):
    """The changes to one object, newest first."""
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                       object_id=str(obj.pk)).select_related("user")


def _skipped(field) -> bool:
    # auto_now stamps change on every save and would make each record look like a change of "updated_at".
    return field.primary_key or field.name in NEVER_RECORDED or getattr(field, "auto_now", False)


def _actor(actor) -> tuple:
    if isinstance(actor, str):
        return None, actor
    if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, "system"


def _subject(obj) -> tuple:
    if isinstance(obj, models.Model):
        return ContentType.objects.get_for_model(obj), str(obj.pk or ""), str(obj)
    return None, "", str(obj)


def _json_safe(data: dict) -> dict:
    # Dates, decimals and UUIDs become the strings DjangoJSONEncoder writes, so a value compares
    # equal before and after the JSON column round-trips it.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, default=str))
