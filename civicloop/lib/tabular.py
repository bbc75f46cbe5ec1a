"""Rows of a table file for every importer: CSV, Excel (.xlsx, .xlsm) and OpenDocument (.ods).

`read` gives the header and the rows, each numbered as the person who made the file sees it (the
spreadsheet's row number; the CSV line the row starts on), with blank rows left out. The kind of file
comes from its first bytes, not its name: a workbook saved as .csv, or a CSV named .xlsx, is read for
what it is. CSV is UTF-8 (with or without BOM), else GB18030, which Chinese Excel writes as "GBK".
`Aliases` maps headers written in Chinese or English onto our field names. A file that cannot be
read raises TableError; a row's problem is a Problem, the one shape every importer reports.

No Django here: messages are English msgids with %(name)s parameters, translated by the caller
(`TableError.text(gettext)`), so the words are in the request's language.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages without importing Django (see the module's note)."""
    return message


CSV, XLSX, ODS = "csv", "xlsx", "ods"
SUFFIXES = {".csv": CSV, ".txt": CSV, ".xlsx": XLSX, ".xlsm": XLSX, ".ods": ODS}
# CSV from Excel in China is GBK more often than not; GB18030 reads GBK and more.
ENCODINGS = ("utf-8-sig", "gb18030")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .et), which openpyxl cannot read
_CHUNK = 1 << 20

NO_FILE = gettext_noop("The file does not exist.")
UNSUPPORTED = gettext_noop("Unsupported file type %(suffix)s: use %(formats)s.")
UNREADABLE = gettext_noop("The file cannot be read: it is empty, damaged or not a workbook.")
OLD_EXCEL = gettext_noop("This is an old Excel file (.xls): save it as .xlsx and upload it again.")
NOT_TEXT = gettext_noop("The CSV file is neither UTF-8 nor GBK text: save it as CSV UTF-8.")
EMPTY = gettext_noop("The file is empty: the first row must be the column headers.")
NO_SHEET = gettext_noop("No sheet %(sheet)s in the workbook; its sheets: %(names)s.")
MISSING = gettext_noop("Required columns missing: %(names)s.")


class TableError(Exception):
    """The whole file cannot be read (or lacks a required column): nothing in it is imported."""

    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(self.text())

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The message in the caller's language: pass gettext."""
        return translate(self.message) % self.params if self.params else translate(self.message)


@dataclass(frozen=True)
class Problem:
    """One bad row, as every importer reports it."""

    row: int  # as the user sees it: the spreadsheet row, the CSV line, the feature number
    message: str  # in the request's language (translated by the importer)
    column: str = ""  # the file's own header for the cell at fault, when one is
    value: str = ""  # that cell's text
    key: str = ""  # the row's own id (an order, a facility, an external id), when it has one

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Table:
    format: str  # CSV, XLSX or ODS
    header: list[str]
    rows: Iterator[tuple[int, dict]]  # (row number as the user sees it, {header: value}); blank rows left out
    total: int  # data rows, for progress (may count blank ones)


# ---------------------------------------------------------------------------- reading


def read(source: str | Path | BinaryIO, *, name: str = "", sheet: str | None = None, encoding: str | None = None,
         delimiter: str = ",", formats: Iterable[str] = (CSV, XLSX, ODS)) -> Table:
    """A table file's header and numbered rows. `source` is a path or a binary file (an upload: give its
    `name`; it stays open, the caller's to close). encoding None: UTF-8 or GB18030, whichever reads the
    whole file. TableError when the file is not one of `formats` or cannot be read."""
    options = {"sheet": sheet, "encoding": encoding, "delimiter": delimiter, "formats": tuple(formats)}
    if not isinstance(source, (str, Path)):
        return _read(source, name or getattr(source, "name", "") or "", owned=False, **options)
    path = Path(source)
    if not path.is_file():
        raise TableError(NO_FILE)
    f = path.open("rb")
    try:
        return _read(f, path.name, owned=True, **options)
    except BaseException:
        f.close()
        raise


def formats_text(formats: Iterable[str] = (CSV, XLSX, ODS)) -> str:
    return ", ".join(sorted(s for s, kind in SUFFIXES.items() if kind in formats and s != ".txt"))


def accepts(name: str, formats: Iterable[str] = (CSV, XLSX, ODS)) -> bool:
    """Whether a file of this name is one of `formats` by its suffix (upload forms check this first)."""
    return SUFFIXES.get(Path(name).suffix.lower()) in tuple(formats)


def _read(f: BinaryIO, name: str, *, owned: bool, sheet, encoding, delimiter, formats: tuple[str, ...]) -> Table:
    suffix = Path(name).suffix.lower()
    if f.read(len(_OLE2)) == _OLE2:
        raise TableError(OLD_EXCEL)
    f.seek(0)
    if suffix and suffix not in SUFFIXES:
        raise TableError(UNSUPPORTED, suffix=suffix, formats=formats_text(formats))
    kind = _sniff(f, SUFFIXES.get(suffix, CSV))
    if kind not in formats:
        raise TableError(UNSUPPORTED, suffix=suffix or f".{kind}", formats=formats_text(formats))
    if kind == XLSX:
        return _excel(f, sheet, owned)
    if kind == ODS:
        return _ods(f, sheet, owned)
    return _csv(f, encoding, delimiter, owned)


def _sniff(f: BinaryIO, by_name: str) -> str:
    """The file's kind from its first bytes; a file that is no zip is text (CSV)."""
    head = f.read(8)
    f.seek(0)
    if not head:
        raise TableError(EMPTY)
    if not head.startswith(b"PK"):
        if by_name != CSV:
            raise TableError(UNREADABLE)
        return CSV
    try:
        with zipfile.ZipFile(f) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        raise TableError(UNREADABLE) from None
    finally:
        f.seek(0)
    if mimetype == _ODS_MIMETYPE:
        return ODS
    if "xl/workbook.xml" in names:
        return XLSX
    raise TableError(UNREADABLE)


def cell_text(value) -> str:
    """A cell as text: Excel gives 1001.0 for an id typed as a number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(values) -> bool:
    return not any(v is not None and cell_text(v) for v in values)


# ---------------------------------------------------------------------------- CSV


def detect_encoding(f: BinaryIO) -> str:
    """The first of ENCODINGS that reads the whole file, read a chunk at a time (a large file is never
    held in memory whole)."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        f.seek(0)
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            f.seek(0)
        return encoding
    raise TableError(NOT_TEXT)


def _csv(f: BinaryIO, encoding: str | None, delimiter: str, owned: bool) -> Table:
    encoding = encoding or detect_encoding(f)
    try:
        total = max(0, _line_count(f, encoding) - 1)
    except LookupError:  # an encoding name the caller gave that Python does not know
        raise TableError(NOT_TEXT) from None
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, UnicodeDecodeError, csv.Error) as exc:
        text.detach()
        raise TableError(EMPTY if isinstance(exc, StopIteration) else NOT_TEXT) from None
    return Table(CSV, header, _csv_rows(text, reader, header, owned), total)


def _line_count(f: BinaryIO, encoding: str) -> int:
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    try:
        return sum(1 for _ in text)
    finally:
        text.detach()  # a wrapper closes its file when it goes; the file is read again
        f.seek(0)


def _csv_rows(text: io.TextIOWrapper, reader, header: list[str], owned: bool) -> Iterator[tuple[int, dict]]:
    try:
        start = reader.line_num + 1
        for values in reader:
            # A quoted cell may span lines: the row is named by the line it starts on.
            if any(v.strip() for v in values):
                yield start, dict(zip(header, values))
            start = reader.line_num + 1
    finally:
        text.close() if owned else text.detach()


# ---------------------------------------------------------------------------- Excel


def _excel(f: BinaryIO, sheet: str | None, owned: bool) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(f, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise TableError(UNREADABLE) from None
    if sheet and sheet not in book.sheetnames:
        book.close()
        raise TableError(NO_SHEET, sheet=sheet, names=", ".join(book.sheetnames))
    ws = book[sheet] if sheet else book.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [cell_text(h) for h in next(it)]
    except StopIteration:
        book.close()
        raise TableError(EMPTY) from None
    except Exception:
        book.close()
        raise TableError(UNREADABLE) from None
    return Table(XLSX, header, _excel_rows(book, f, it, header, owned), max(0, (ws.max_row or 1) - 1))


def _excel_rows(book, f: BinaryIO, it, header: list[str], owned: bool) -> Iterator[tuple[int, dict]]:
    try:
        for number, values in enumerate(it, start=2):
            if not _blank(values):
                yield number, dict(zip(header, values))
    finally:
        book.close()
        if owned:
            f.close()


# ---------------------------------------------------------------------------- OpenDocument


def _ods(f: BinaryIO, sheet: str | None, owned: bool) -> Table:
    from odf.opendocument import load
    from odf.table import Table as Sheet

    try:
        sheets = load(f).spreadsheet.getElementsByType(Sheet)
    except Exception:  # odfpy raises XML, zip and attribute errors for a damaged file
        raise TableError(UNREADABLE) from None
    finally:
        if owned:
            f.close()  # odfpy has read it whole
    names = [s.getAttribute("name") for s in sheets]
    if sheet and sheet not in names:
        raise TableError(NO_SHEET, sheet=sheet, names=", ".join(names))
    if not sheets:
        raise TableError(EMPTY)
    rows = _ods_rows(sheets[names.index(sheet)] if sheet else sheets[0])
    first = next(rows, None)
    if first is None:
        raise TableError(EMPTY)
    header = [cell_text(h) for h in first[1]]
    data = [(number, dict(zip(header, values))) for number, values in rows if not _blank(values)]
    return Table(ODS, header, iter(data), len(data))


def _ods_rows(sheet) -> Iterator[tuple[int, list]]:
    """(row number, values) of the rows that have a value. A row or cell marked repeated stands for
    that many; LibreOffice marks the empty rest of a sheet as a million repeated rows, which are
    counted, never built."""
    from odf.table import TableRow

    number = 0
    for row in sheet.getElementsByType(TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        values = _ods_cells(row)
        for offset in range(repeat if values else 0):
            yield number + 1 + offset, values
        number += repeat


def _ods_cells(row) -> list:
    values: list = []
    pending = 0  # empty cells not yet known to come before a value
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
        value = _ods_value(cell)
        if value is None:
            pending += repeat
            continue
        values += [None] * pending + [value] * repeat
        pending = 0
    return values


_INTEGER = re.compile(r"^-?\d+$")


def _ods_value(cell):
    from odf import teletype
    from odf.text import P

    kind = cell.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        raw = cell.getAttribute("value")
        return int(raw) if _INTEGER.match(raw) else float(raw)
    if kind == "date":
        raw = cell.getAttribute("datevalue")
        return datetime.fromisoformat(raw) if "T" in raw else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    if kind == "boolean":
        return cell.getAttribute("booleanvalue") == "true"
    text = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
    return text if text else None


# ---------------------------------------------------------------------------- headers


class Aliases:
    """Headers as cities write them (Chinese) and as other systems export them (English) → our fields.
    Matching ignores case and surrounding spaces; a field's earlier alias wins over a later one."""

    def __init__(self, fields: dict[str, tuple[str, ...]]):
        self.fields = fields
        self._lookup: dict[str, str] = {}
        for name, aliases in fields.items():
            for alias in aliases:
                self._lookup.setdefault(_key(alias), name)

    def field(self, header) -> str | None:
        return self._lookup.get(_key(header))

    def columns(self, header: Iterable) -> dict[str, str]:
        """Our field → the file's column that gives it."""
        present = {_key(h): h for h in header if h is not None and _key(h)}
        found = {}
        for name, aliases in self.fields.items():
            column = next((present[_key(a)] for a in aliases if _key(a) in present), None)
            if column is not None:
                found[name] = column
        return found

    def missing(self, header: Iterable, required: Iterable[str]) -> list[str]:
        found = self.columns(header)
        return [name for name in required if name not in found]

    def values(self, raw: dict) -> dict:
        """A row as {our field: value}, from {header: value}."""
        return {name: raw[column] for name, column in self.columns(raw).items()}


def _key(header) -> str:
    return str(header if header is not None else "").strip().lower()
