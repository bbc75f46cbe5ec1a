"""The trigram index on each gazetteer table's `search_text`, one per database kind (docs/gazetteer.md).

PostgreSQL: the pg_trgm extension and a GIN index (`gin_trgm_ops`), which serves `LIKE '%…%'`,
`ILIKE` and `similarity()` / `%` on the column itself — no django.contrib.postgres needed.
SQLite (≥ 3.34): an FTS5 table with the `trigram` tokenizer over the column (external content: the
text is not stored twice), kept in step by triggers. SQLite drops a table's triggers when Django
remakes the table (most AddField/AlterField migrations do), so `ensure()` runs after every migrate
(apps.py, post_migrate) and rebuilds the FTS table whenever it had to put something back.
"""
from __future__ import annotations

import sqlite3

TABLES = ("gazetteer_road", "gazetteer_doorplate", "gazetteer_compound", "gazetteer_building", "gazetteer_poi")
SQLITE_TRIGRAM = (3, 34, 0)


def fts_table(table: str) -> str:
    return f"{table}_fts"


def trigram_index(table: str) -> str:
    return f"{table.replace('gazetteer_', 'gaz_')}_search_trgm"


def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= SQLITE_TRIGRAM


def ensure(connection) -> None:
    """Create what is missing; idempotent. Tables not yet migrated are left alone."""
    present = set(connection.introspection.table_names())
    tables = [t for t in TABLES if t in present]
    if connection.vendor == "postgresql":
        _ensure_postgresql(connection, tables)
    elif connection.vendor == "sqlite" and sqlite_has_trigram():
        _ensure_sqlite(connection, tables)


def _ensure_postgresql(connection, tables: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in tables:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{trigram_index(table)}" ON "{table}" '
                           f"USING gin (search_text gin_trgm_ops)")


def _ensure_sqlite(connection, tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            if _sqlite_missing(cursor, table):
                _install_sqlite(cursor, table)


def _sqlite_missing(cursor, table: str) -> bool:
    fts = fts_table(table)
    wanted = {fts, f"{fts}_ai", f"{fts}_ad", f"{fts}_au"}
    cursor.execute("SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)", sorted(wanted))
    return {row[0] for row in cursor.fetchall()} != wanted


def _install_sqlite(cursor, table: str) -> None:
    fts = fts_table(table)
    cursor.execute(f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5(search_text, content=\'{table}\', '
                   f"content_rowid='id', tokenize='trigram')")
    cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
                   f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END')
    cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
                   f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.id, old.search_text); END')
    cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON "{table}" BEGIN '
                   f'INSERT INTO "{fts}"("{fts}", rowid, search_text) VALUES (\'delete\', old.id, old.search_text); '
                   f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END')
    # Rows written while the triggers were gone (a remade table) are indexed again from the table.
    cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


def drop(connection) -> None:
    """The migration's reverse."""
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP INDEX IF EXISTS "{trigram_index(table)}"')
            elif connection.vendor == "sqlite":
                fts = fts_table(table)
                for suffix in ("_ai", "_ad", "_au"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}{suffix}"')
                cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')
