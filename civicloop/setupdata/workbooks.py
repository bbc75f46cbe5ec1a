"""The downloadable templates: a sheet to fill (header, one example row, drop-downs) and a sheet of
the allowed values, in the workbook's language."""
from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from civicloop.lib.i18n import pick
from civicloop.org.models import Department
from civicloop.org.roles import Role, Scope
from civicloop.setupdata import allowed, columns
from civicloop.setupdata.allowed import jurisdiction_divisions
from civicloop.taxonomy.models import Category, Priority

ROWS = 2000  # rows the drop-downs and the text format cover; a longer file still imports
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")


def example(kind: str) -> dict[str, str]:
    """The example row, in the active language: built from this city's data so it would import."""
    label = lambda choice: pick(str(choice.label), translation.get_language())  # noqa: E731
    street = jurisdiction_divisions().filter(level="street").values_list("code", flat=True).first() or ""
    yes, no = _("Yes"), _("No")
    if kind == "departments":
        return {"code": "example", "name": _("(example) City management bureau"),
                "kind": label(Department.Kind.PROFESSIONAL), "division": "", "active": yes}
    if kind == "staff":
        return {"username": "example.zhang", "name": _("(example) Zhang Wei"), "phone": "13800000000",
                "role": label(Role.INSPECTOR), "scope": label(Scope.STREET), "area": street, "department": "",
                "active": yes}
    if kind == "routes":
        category = Category.objects.filter(is_local=False).values_list("code", flat=True).first() or ""
        department = Department.objects.order_by("code").values_list("code", flat=True).first() or ""
        return {"category": category, "area": street, "department": department, "priority": "",
                "supervised": no, "note": _("(example) routing rule"), "active": yes}
    national = Category.objects.filter(is_local=False, major_code="06").values_list("code", flat=True).first() or ""
    return {"code": "06901", "name": _("(example) Shared bikes parked in disorder"), "major_name": "",
            "national": national, "department": "", "priority": label(Priority.NORMAL), "keywords": "",
            "anonymous": yes, "active": yes}


def template_bytes(kind_name: str, language: str | None = None) -> bytes:
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        kind = columns.KINDS[kind_name]
        book = Workbook()
        sheet = book.active
        sheet.title = str(kind.title)[:31]
        _fill_sheet(sheet, kind, language)
        places = _allowed_sheet(book.create_sheet(_("Allowed values")[:31]), kind)
        _drop_downs(sheet, kind, places)
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


def _fill_sheet(sheet, kind: columns.Kind, language: str) -> None:
    row = example(kind.name)
    for number, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(number)
        head = sheet.cell(row=1, column=number, value=columns.header_text(column, language))
        head.font, head.fill = Font(bold=True), HEADER_FILL
        # Codes stay text: typed as numbers, 06010 would lose its zero and a phone its digits.
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = column.width
        cell = sheet.cell(row=2, column=number, value=row.get(column.key) or None)
        cell.font, cell.number_format = EXAMPLE_FONT, "@"
    sheet["A2"].comment = Comment(_("Example row: type over it or delete it. Left unchanged, it is skipped."), "civicloop")
    sheet["A1"].comment = Comment(_("Columns marked * are required. The second sheet lists the allowed values."), "civicloop")
    sheet.freeze_panes = "A2"


def _allowed_sheet(sheet, kind: columns.Kind) -> dict[str, tuple[str, int]]:
    """Writes each list as two columns (value, what it is); returns list → (value column letter, rows)."""
    places = {}
    for index, name in enumerate(kind.lists):
        found = allowed.allowed(name)
        value_col, note_col = 2 * index + 1, 2 * index + 2
        sheet.cell(row=1, column=value_col, value=found.title).font = Font(bold=True)
        for offset, (value, note) in enumerate(found.rows, start=2):
            sheet.cell(row=offset, column=value_col, value=value).number_format = "@"
            sheet.cell(row=offset, column=note_col, value=note or None)
        sheet.column_dimensions[get_column_letter(value_col)].width = 18
        sheet.column_dimensions[get_column_letter(note_col)].width = 24
        places[name] = (get_column_letter(value_col), len(found.rows))
    return places


def _drop_downs(sheet, kind: columns.Kind, places: dict[str, tuple[str, int]]) -> None:
    source = _("Allowed values")[:31]
    for number, column in enumerate(kind.columns, start=1):
        if not column.values or not places.get(column.values, ("", 0))[1]:
            continue
        letter, count = places[column.values]
        # A warning, not a stop: a department or code added in another file since the download may be typed in.
        check = DataValidation(type="list", formula1=f"'{source}'!${letter}$2:${letter}${count + 1}", allow_blank=True,
                               showErrorMessage=True, errorStyle="warning", errorTitle=str(column.label),
                               error=_("Not in the list on the second sheet."))
        target = get_column_letter(number)
        check.add(f"{target}2:{target}{ROWS}")
        sheet.add_data_validation(check)
