"""The Excel report: one sheet per view, Chinese headers (English on a second line), bold frozen
header rows, fitted widths, rates as real percentages, native Excel charts on the summary sheet.

build(figures) -> bytes. Rates are stored as fractions with a percent format (99.86% is 0.9986),
so Excel sums, sorts and charts them as numbers; counts as integers.
"""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from civicloop.evaluation.queries import Row, Scored
from civicloop.reports import layout
from civicloop.reports.figures import Board, Figures

PERCENT = "0.00%"
INTEGER = "#,##0"
SCORE = "0.00"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
RED_FILL = PatternFill("solid", fgColor="F8D7DA")
BLACK_FILL = PatternFill("solid", fgColor="D9D9D9")
THIN = Border(bottom=Side(style="thin", color="7F7F7F"))
WRAP = Alignment(wrap_text=True, vertical="center")

SHEETS = ("总体", "按部门", "按街道", "按类别", "按来源", "综合评价", "红黑榜")
DIMENSION_SHEETS = (("按部门", "departments", "部门 department"), ("按街道", "streets", "街道 street"),
                    ("按类别", "categories", "类别 category"), ("按来源", "channels", "来源 channel"))


def build(figures: Figures) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = SHEETS[0]
    _summary(summary, figures)
    for title, attribute, key_label in DIMENSION_SHEETS:
        if attribute == "streets" and figures.districts:
            _dimension(book.create_sheet("按区县"), figures.districts, "区县 district")
        _dimension(book.create_sheet(title), getattr(figures, attribute), key_label)
    _scores(book.create_sheet("综合评价"), figures)
    _boards(book.create_sheet("红黑榜"), figures.boards)
    _department_chart(summary, book["按部门"], named=sum(1 for r in figures.departments if r.key))
    book.properties.title = figures.title
    book.properties.creator = "civicloop"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- cells


def header(label: str) -> str:
    """'上报数 reports' → '上报数\\nreports': Chinese on top, English under it."""
    zh, en = layout.split(label)
    return f"{zh}\n{en}" if zh and en else (zh or en)


def value_cell(sheet: Worksheet, row: int, column: int, name: str, value) -> None:
    cell = sheet.cell(row=row, column=column)
    if layout.is_rate(name):
        cell.value = None if value is None else float(Decimal(value) / 100)
        cell.number_format = PERCENT
    else:
        cell.value = value
        cell.number_format = INTEGER


def header_row(sheet: Worksheet, row: int, labels: list[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=column, value=header(label))
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, WRAP, THIN
    sheet.row_dimensions[row].height = 32  # two lines: Chinese over English


def fit_columns(sheet: Worksheet, *, minimum: int = 8, maximum: int = 40) -> None:
    """Width from the longest line in each column; a CJK character is about two Latin ones wide."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = f"{cell.value:.2%}" if cell.number_format == PERCENT else str(cell.value)
            longest = max(_width(line) for line in text.split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(minimum, min(maximum, width + 2))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# ---------------------------------------------------------------------------- sheets


def _summary(sheet: Worksheet, figures: Figures) -> None:
    """Title, the city's every figure (指标 | 数值 | English), and the daily trend with its chart."""
    sheet["A1"] = figures.title
    sheet["A1"].font = TITLE
    sheet["A2"] = f"统计周期 period: {figures.span}；生成时间 generated: {figures.generated_at:%Y-%m-%d %H:%M}"
    header_row(sheet, 4, ["指标 figure", "数值 value", "说明 English"])
    for i, name in enumerate(layout.SUMMARY, start=5):
        sheet.cell(row=i, column=1, value=layout.zh(name))
        value_cell(sheet, i, 2, name, figures.city[name])
        sheet.cell(row=i, column=3, value=layout.en(name))
    _trend_table(sheet, figures, first_row=4, column=5)
    fit_columns(sheet)
    sheet.column_dimensions["A"].width = 26
    sheet.freeze_panes = "A5"


def _trend_table(sheet: Worksheet, figures: Figures, *, first_row: int, column: int) -> None:
    for offset, label in enumerate(["日期 day", "上报数 reports", "办结数 concluded"]):
        cell = sheet.cell(row=first_row, column=column + offset, value=header(label))
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, WRAP, THIN
    for i, point in enumerate(figures.trend, start=first_row + 1):
        sheet.cell(row=i, column=column, value=point.label)
        sheet.cell(row=i, column=column + 1, value=point.reported).number_format = INTEGER
        sheet.cell(row=i, column=column + 2, value=point.concluded).number_format = INTEGER
    if not figures.trend:
        return
    chart = LineChart()
    chart.title = "上报与办结趋势 reports and closures"
    chart.y_axis.title = "件 cases"
    chart.height, chart.width = 8, 18
    last = first_row + len(figures.trend)
    data = Reference(sheet, min_col=column + 1, max_col=column + 2, min_row=first_row, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=column, min_row=first_row + 1, max_row=last))
    sheet.add_chart(chart, f"{get_column_letter(column + 4)}{first_row}")


def _department_chart(summary: Worksheet, departments: Worksheet, *, named: int) -> None:
    """A bar of each department's 按期结案率 under the trend chart (data on the 按部门 sheet,
    whose first `named` rows are departments; the no-department row comes last)."""
    rate_column = 3 + layout.COLUMNS.index("close_on_time_rate")
    if named <= 0:
        return
    chart = BarChart()
    chart.title = "各部门按期结案率 departments' closed on time"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.height, chart.width = 9, 18
    chart.legend = None
    data = Reference(departments, min_col=rate_column, min_row=1, max_row=named + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(departments, min_col=1, min_row=2, max_row=named + 1))
    summary.add_chart(chart, "I22")


def _dimension(sheet: Worksheet, rows: list[Row], key_label: str) -> None:
    """名称 | 代码 | the layout.COLUMNS figures, one row per key."""
    header_row(sheet, 1, ["名称 name", f"{layout.split(key_label)[0]}代码 code"]
               + [layout.ALL_LABELS[n] for n in layout.COLUMNS])
    for i, row in enumerate(rows, start=2):
        sheet.cell(row=i, column=1, value=row.label)
        sheet.cell(row=i, column=2, value=row.key)
        for j, name in enumerate(layout.COLUMNS, start=3):
            value_cell(sheet, i, j, name, row[name])
    fit_columns(sheet, maximum=30)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions


def _scores(sheet: Worksheet, figures: Figures) -> None:
    """Departments' and streets' weighted scores and grades (domain.md §4), best first."""
    header_row(sheet, 1, ["对象 subject", "名称 name", "代码 code", "综合得分 score", "等级 grade"]
               + [layout.ALL_LABELS[n] for n in layout.SCORE_COLUMNS])
    line = 2
    for subject, scored in (("部门 department", figures.department_scores), ("街道 street", figures.street_scores)):
        for item in sorted(scored, key=_best_first):
            _score_row(sheet, line, subject, item)
            line += 1
    fit_columns(sheet)
    sheet.freeze_panes = "D2"


def _best_first(item: Scored):
    return (item.score is None, -(item.score or 0), item.row.key)


def _score_row(sheet: Worksheet, line: int, subject: str, item: Scored) -> None:
    sheet.cell(row=line, column=1, value=subject)
    sheet.cell(row=line, column=2, value=item.row.label)
    sheet.cell(row=line, column=3, value=item.row.key)
    score = sheet.cell(row=line, column=4, value=None if item.score is None else float(item.score))
    score.number_format = SCORE
    sheet.cell(row=line, column=5, value=item.grade or "—")
    for j, name in enumerate(layout.SCORE_COLUMNS, start=6):
        value_cell(sheet, line, j, name, item.row[name])


def _boards(sheet: Worksheet, boards: dict[str, Board]) -> None:
    """Every ranked unit with its rank; the 红榜 rows red, the 黑榜 rows grey."""
    header_row(sheet, 1, ["对象 subject", "榜单 list", "名次 rank", "名称 name", "综合得分 score", "等级 grade",
                          layout.ALL_LABELS["close_rate"], layout.ALL_LABELS["close_on_time_rate"],
                          "发布状态 status"])
    line = 2
    for subject, board in boards.items():
        status = "已发布 published" if board.published else "未发布（本表计算）not published, computed now"
        for index, item in enumerate(board.rows):
            _board_row(sheet, line, board, index, item, status)
            line += 1
    fit_columns(sheet)
    sheet.freeze_panes = "A2"


def _board_row(sheet: Worksheet, line: int, board: Board, index: int, item: dict, status: str) -> None:
    mark = board.mark(index)
    rates = item.get("rates", {})
    values = [layout.BOARD_NAMES[board.subject], layout.MARKS[mark], item["rank"], item["label"],
              float(item["score"]), item["grade"]]
    for column, value in enumerate(values, start=1):
        sheet.cell(row=line, column=column, value=value)
    sheet.cell(row=line, column=5).number_format = SCORE
    value_cell(sheet, line, 7, "close_rate", rates.get("close_rate"))
    value_cell(sheet, line, 8, "close_on_time_rate", rates.get("close_on_time_rate"))
    sheet.cell(row=line, column=9, value=status)
    fill = {"red": RED_FILL, "black": BLACK_FILL}.get(mark)
    if fill:
        for column in range(1, 10):
            sheet.cell(row=line, column=column).fill = fill
