"""The four set-up templates' columns, and reading a cell back: header names in either language,
choices by code or by label in either language, yes/no.

A header is the column's translated label (the workbook's language), with * when it is required;
the importer accepts the label in any of the site's languages, or the column's key."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.lib.i18n import split
from civicloop.lib.tabular import cell_text


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    required: bool = False
    values: str = ""  # the allowed-values list its cells come from (a drop-down in the template)
    width: int = 16


@dataclass(frozen=True)
class Kind:
    name: str
    title: Promise
    columns: tuple[Column, ...]
    lists: tuple[str, ...]  # allowed-values lists on the second sheet, in order

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ACTIVE = Column("active", _("Active"), values="yes_no", width=8)

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("departments", _("Departments"), (
        Column("code", _("Department code"), True, width=16),
        Column("name", _("Department name"), True, width=24),
        Column("kind", _("Department kind"), True, values="department_kinds", width=16),
        Column("division", _("Division code"), values="divisions", width=16),
        ACTIVE,
    ), ("department_kinds", "divisions", "yes_no")),
    Kind("staff", _("Staff"), (
        Column("username", _("Username"), width=16),
        Column("name", _("Full name"), True, width=14),
        Column("phone", _("Mobile phone"), width=14),
        Column("role", _("Role"), True, values="roles", width=14),
        Column("scope", _("Scope"), True, values="scopes", width=10),
        Column("area", _("Scope division or grid code"), values="areas", width=18),
        Column("department", _("Department code"), values="departments", width=16),
        ACTIVE,
    ), ("roles", "scopes", "departments", "areas", "yes_no")),
    Kind("routes", _("Routing rules"), (
        Column("category", _("Category or category group code"), values="categories", width=14),
        Column("area", _("Area code"), values="areas", width=18),
        Column("department", _("Department code"), True, values="departments", width=16),
        Column("priority", _("Only when priority is at least"), values="conditions", width=12),
        Column("supervised", _("Only supervised cases"), values="yes_no", width=10),
        Column("note", _("Note"), width=24),
        ACTIVE,
    ), ("categories", "departments", "areas", "conditions", "yes_no")),
    Kind("categories", _("Categories"), (
        Column("code", _("Category code"), True, width=10),
        Column("name", _("Category name"), True, width=20),
        Column("major_name", _("Major class name"), width=16),
        Column("national", _("National category code"), values="national_categories", width=14),
        Column("department", _("Default department code"), values="departments", width=16),
        Column("priority", _("Priority"), values="priorities", width=8),
        Column("keywords", _("Keywords"), width=24),
        Column("anonymous", _("Anonymous reports allowed"), values="yes_no", width=10),
        ACTIVE,
    ), ("national_categories", "departments", "priorities", "yes_no")),
)}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def header_text(column: Column, language: str) -> str:
    with translation.override(language):
        text = str(column.label)
    return f"{text}*" if column.required else text


def _norm(text: str) -> str:
    return re.sub(r"[\s*＊]", "", text).casefold()


def match_header(kind: Kind, header: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """(source header → column key, unknown headers, required columns missing — as translated labels)."""
    names = {}
    for column in kind.columns:
        names[_norm(column.key)] = column.key
        for language in languages():
            names[_norm(header_text(column, language))] = column.key
    found, unknown = {}, []
    for raw in header:
        if not raw.strip():
            continue
        key = names.get(_norm(raw))
        if key is None or key in found.values():
            unknown.append(raw)
        else:
            found[raw] = key
    missing = [str(c.label) for c in kind.columns if c.required and c.key not in found.values()]
    return found, unknown, missing


def row_values(columns: dict[str, str], raw: dict) -> dict[str, object]:
    """One source row as {column key: the cell as read} (text stripped; numbers and dates as they are)."""
    values = {}
    for name, key in columns.items():
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        values[key] = None if value == "" else value
    return values


def text(values: dict, key: str) -> str:
    return cell_text(values.get(key))


def code_text(values: dict, key: str, digits: int) -> str:
    """A numeric code Excel stored as a number lost its leading zeros (06010 → 6010): pad it back."""
    value = values.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_text(value).zfill(digits)
    return cell_text(value)


def choice_names(choices) -> dict[str, object]:
    """Every way a cell may name a choice: its value, its Chinese or English label (any case)."""
    names = {}
    for value, label in choices:
        zh, en = split(str(label))
        for name in (str(value), zh, en):
            if name:
                names[name.casefold()] = value
    return names


YES = frozenset({"yes", "y", "true", "1", "是", "启用", "√", "✓"})
NO = frozenset({"no", "n", "false", "0", "否", "停用", "×", "✗"})


def yes_no(value: str) -> bool | None:
    """True, False, or None when the text is neither."""
    folded = value.strip().casefold()
    if folded in YES:
        return True
    if folded in NO:
        return False
    return None
