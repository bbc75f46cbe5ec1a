"""Fast inserts: executemany with values adapted once per type for seeding and imports, one
precompiled INSERT for intake's hot rows (`insert_one`), and `batch()`, in which those rows share a
round trip on PostgreSQL.

Django's bulk_create compiles every value through the full field machinery; for a year of
history (hundreds of thousands of rows) that dominates the run. Rows must be new, with pks set.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timezone

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models


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


def _statement(model, *, with_pk: bool, returning: bool = True) -> tuple[str, list]:
    """The INSERT for a model and the per-column adapters, built once per model and database."""
    key = (model, connection.vendor, with_pk, returning)
    if key not in _compiled:
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        if not with_pk and returning:
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


def insert_one(obj, *, read_pk: bool = True) -> None:
    """Insert one new row and set its pk (unless it has one, e.g. a one-to-one primary key): the hot
    path of case intake, without the ORM's per-call SQL compilation (half the cost of a report).
    Sends no signals; saves no relations.

    Inside `batch()` a row whose pk is known, or whose caller says it will not read the pk
    (`read_pk=False`; the pk then stays None), waits and goes out with the next statement."""
    given = obj.pk is not None
    pending = _pending()
    if pending is not None and (given or not read_pk):
        sql, adapters = _statement(type(obj), with_pk=given, returning=False)
        pending.append((sql, _row(obj, adapters)))
    else:
        sql, adapters = _statement(type(obj), with_pk=given, returning=read_pk)
        with connection.cursor() as cursor:
            cursor.execute(sql, _row(obj, adapters))
            if not given and read_pk:
                obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias


# ---------------------------------------------------------------------------- inserts that share a round trip
#
# Every statement is a round trip, and on a busy server each costs the app process and the database
# about 0.1-0.2 ms of CPU apiece whatever the statement does. A report through Open311 was eight
# of them (BEGIN, serial, case, event, open-case index, Open311 row, rate count, COMMIT). Inside
# `batch()` on PostgreSQL the inserts wait and go out as data-modifying CTEs of one statement, so
# the same report is four. Rows are written in the order they were added, before any other query
# (an execute wrapper sends them first), so whatever runs in between reads them as before.
# SQLite runs in process (a statement is a function call): there, batch() changes nothing.


@contextmanager
def batch():
    """Inside `transaction.atomic()`: let insert_one's rows wait and share a round trip. The block's
    rows go out at its end at the latest; a block that raises sends none (its transaction is
    rolled back). Nested blocks join the outermost one."""
    db = connections[DEFAULT_DB_ALIAS]
    if not settings.CIVICLOOP_BULK_BATCH or db.vendor != "postgresql" or _pending() is not None:
        yield
        return
    if not db.in_atomic_block:
        raise RuntimeError("bulk.batch() needs a transaction (transaction.atomic())")
    db.civicloop_pending = []
    try:
        with db.execute_wrapper(_send_pending_first):
            yield
            _send(db, None, None)
    finally:
        db.civicloop_pending = None


def execute_after(sql: str, params) -> list[tuple]:
    """Run one INSERT, UPDATE, DELETE or SELECT with the waiting rows in front of it, in the same round
    trip, and return its rows. Only for a statement that does not read the tables those rows go to:
    PostgreSQL runs a statement's CTEs and its main part on one snapshot, so it would not see them."""
    db = connections[DEFAULT_DB_ALIAS]
    return _send(db, sql, params) if _pending() is not None else _run(db, sql, params)


def _pending() -> list | None:
    return getattr(connections[DEFAULT_DB_ALIAS], "civicloop_pending", None)


def _send_pending_first(execute, sql, params, many, context):
    db = context["connection"]
    if db.civicloop_pending:
        _send(db, None, None)
    return execute(sql, params, many, context)


def _send(db, sql: str | None, params) -> list[tuple]:
    """The waiting rows as CTEs of one statement: of `sql` when given, else of the last row's INSERT."""
    waiting, db.civicloop_pending = db.civicloop_pending, []
    if sql is None:
        if not waiting:
            return []
        *waiting, (sql, params) = waiting
    elif sql.lstrip()[:4].upper() == "WITH":  # has CTEs of its own: the rows go first, on their own
        db.civicloop_pending = waiting
        _send(db, None, None)
        return _run(db, sql, params)
    if waiting:
        ctes = ", ".join(f"w{n} AS ({text})" for n, (text, _) in enumerate(waiting))
        sql = f"WITH {ctes} {sql}"
        params = [value for _, row in waiting for value in row] + list(params)
    return _run(db, sql, params)


def _run(db, sql: str, params) -> list[tuple]:
    with db.cursor() as cursor:
        pending, db.civicloop_pending = getattr(db, "civicloop_pending", None), None  # no wrapper recursion
        try:
            cursor.execute(sql, params)
        finally:
            db.civicloop_pending = pending
        return cursor.fetchall() if cursor.description else []


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
