"""Filling the downloaded templates as a city's IT staff would: rows typed under the example row."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicloop.routing import queries as routing_queries
from civicloop.setupdata import workbooks
from civicloop.setupdata.columns import KINDS


@pytest.fixture(autouse=True)
def fresh_routing_cache():
    yield
    routing_queries._cache.invalidate()  # a rolled-back test's rules must not linger in this process


@pytest.fixture
def filled(tmp_path, db):
    """filled("staff", [{"name": …, "role": …}, …]) → the path of the template with these rows typed in
    (after the example row, which stays unless keep_example=False)."""
    def fill(kind: str, rows: list[dict], *, language: str = "zh-hans", keep_example: bool = True, name: str = ""):
        book = load_workbook(io.BytesIO(workbooks.template_bytes(kind, language)))
        sheet = book.worksheets[0]
        keys = [c.key for c in KINDS[kind].columns]
        if not keep_example:
            sheet.delete_rows(2)
        for row in rows:
            sheet.append([row.get(key) for key in keys])
        path = tmp_path / (name or f"{kind}.xlsx")
        book.save(path)
        return path
    return fill
