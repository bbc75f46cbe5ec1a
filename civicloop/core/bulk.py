"""Fast bulk insert for seeding and imports: executemany with values adapted once per type.

Django's bulk_create compiles every value through the full field machinery; for a year of
history (hundreds of thousands of rows) that dominates the run. Rows must be new, with pks set.
"""
from __future__ import annotations

import json
from datetime import timezone

from django.db import connection, models


def _sqlite_datetime(value):
    """What Django stores for an aware datetime on SQLite (naive UTC, ISO with a space), without
    its per-value machinery, which dominates wide rows."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ")


def _adapter(field):
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    return None


_compiled: dict[tuple, tuple[str, list]] = {}


def _statement(model, *, with_pk: bool) -> tuple[str, list]:
    """The INSERT for a model and the per-column adapters, built once per model and database."""
    key = (model, connection.vendor, with_pk)
    if key not in _compiled:
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        if not with_pk:
            sql += f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
        _compiled[key] = (sql, [(f.attname, _adapter(f)) for f in fields])
    return _compiled[key]


def _row(obj, adapters) -> tuple:
    return tuple(a(getattr(obj, name)) if a else getattr(obj, name) for name, a in adapters)


def insert(model, objects: list, *, batch: int = 5000) -> None:
    if not objects:
        return
    sql, adapters = _statement(model, with_pk=True)
    rows = [_row(o, adapters) for o in objects]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            cursor.executemany(sql, rows[i:i + batch])


def insert_one(obj) -> None:
    """Insert one new row and set its pk (unless it has one, e.g. a one-to-one primary key): the hot
    path of case intake, without the ORM's per-call SQL compilation (half the cost of a report).
    Sends no signals; saves no relations."""
    given = obj.pk is not None
    sql, adapters = _statement(type(obj), with_pk=given)
    with connection.cursor() as cursor:
        cursor.execute(sql, _row(obj, adapters))
        if not given:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def reserve_ids(model, count: int) -> int:
    """The first of `count` fresh primary keys (seeding runs alone, on an empty table)."""
    top = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
    return top + 1


def reset_sequence(model) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
