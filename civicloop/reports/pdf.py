"""The PDF report (A4 portrait), Chinese first, with charts drawn by reportlab.graphics.

build(figures) -> bytes. Four sections, each starting on a new page so a reader (and a test)
finds them in the same place: 1 总体 key figures, daily trend, channels pie; 2 按部门 with a bar
chart of 按期结案率; 3 按街道 and the ten largest categories; 4 综合评价 and 红黑榜. Long tables
carry on over more pages with their header repeated. The CJK font is embedded (fonts.py).
"""
from __future__ import annotations

import io
from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from civicloop.evaluation.queries import Row
from civicloop.reports import layout
from civicloop.reports.fonts import cjk_font
from civicloop.reports.figures import Board, Figures

WIDTH = A4[0] - 30 * mm  # the frame between the margins
TOP_CATEGORIES = 10
PALETTE = [colors.HexColor(c) for c in ("#0b5cad", "#e8710a", "#1a7f37", "#b42318", "#6f42c1", "#9a6700",
                                        "#0f7c8c", "#c2185b", "#5d6b7a", "#2e7d32")]
HEAD_BG = colors.HexColor("#dce6f1")
RED_BG = colors.HexColor("#f8d7da")
BLACK_BG = colors.HexColor("#d9d9d9")


def build(figures: Figures) -> bytes:
    font = cjk_font()
    styles = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=figures.title, author="civicloop",
                            subject=figures.period.label, creator="civicloop")
    story = (_overview(figures, styles, font) + [PageBreak()] + _departments(figures, styles, font)
             + [PageBreak()] + _places(figures, styles, font) + [PageBreak()] + _evaluation(figures, styles, font))
    footer = _footer(font, figures)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # wordWrap="CJK" breaks lines between Chinese characters (there are no spaces to break at).
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "note": ParagraphStyle("note", parent=base, fontSize=8, textColor=colors.HexColor("#4a5461")),
    }


def _footer(font: str, figures: Figures):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#4a5461"))
        canvas.drawString(15 * mm, 8 * mm, f"{figures.title} · 生成于 {figures.generated_at:%Y-%m-%d %H:%M}")
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"第 {doc.page} 页 page {doc.page}")
        canvas.restoreState()
    return draw


# ---------------------------------------------------------------------------- text and tables


def fmt(name: str, value) -> str:
    if value is None:
        return "—"
    if layout.is_rate(name):
        return f"{Decimal(value):.2f}%"
    return f"{int(value):,}"


def _table(data: list[list], widths: list[float], font: str, *, marks: dict[int, str] | None = None) -> Table:
    """A table with a bold-looking blue header row repeated on every page it runs over."""
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [("FONT", (0, 0), (-1, -1), font, 7.5), ("LEADING", (0, 0), (-1, -1), 9.5),
             ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
             ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")])]
    for index, mark in (marks or {}).items():
        style.append(("BACKGROUND", (0, index), (-1, index), RED_BG if mark == "red" else BLACK_BG))
    table.setStyle(TableStyle(style))
    return table


def _head(label: str, styles) -> Paragraph:
    zh, en = layout.split(label)
    return Paragraph(f"{zh}<br/><font size=6>{en}</font>" if en else zh, styles["cell"])


def _dimension_table(rows: list[Row], key_label: str, styles, font: str, names=layout.PDF_COLUMNS) -> Table:
    data = [[_head(key_label, styles)] + [_head(layout.ALL_LABELS[n], styles) for n in names]]
    data += [[Paragraph(row.label, styles["cell"])] + [fmt(n, row[n]) for n in names] for row in rows]
    first = WIDTH * 0.24
    return _table(data, [first] + [(WIDTH - first) / len(names)] * len(names), font)


def _empty(styles) -> Paragraph:
    return Paragraph("本期无数据 no figures in this period", styles["note"])


# ---------------------------------------------------------------------------- sections


def _overview(figures: Figures, styles, font: str) -> list:
    story = [Paragraph(figures.title, styles["title"]),
             Paragraph(f"统计周期 period: {figures.span}", styles["body"]),
             Paragraph("1. 总体情况 city totals", styles["h2"]), _kpi_table(figures, styles, font),
             Paragraph("上报与办结趋势 reports and closures", styles["h2"]), trend_chart(figures, font),
             Paragraph("上报来源 channels", styles["h2"]), channel_pie(figures, font)]
    return story


def _kpi_table(figures: Figures, styles, font: str) -> Table:
    """The key figures in four columns: label, value, label, value."""
    cells = [(Paragraph(layout.ALL_LABELS[n], styles["cell"]), fmt(n, figures.city[n])) for n in layout.KPIS]
    half = (len(cells) + 1) // 2
    rows = []
    for i in range(half):
        left = cells[i]
        right = cells[half + i] if half + i < len(cells) else ("", "")
        rows.append([*left, *right])
    table = Table(rows, colWidths=[WIDTH * 0.32, WIDTH * 0.18] * 2)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                               ("ALIGN", (3, 0), (3, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                               ("FONTSIZE", (1, 0), (1, -1), 11), ("FONTSIZE", (3, 0), (3, -1), 11)]))
    return table


def trend_chart(figures: Figures, font: str) -> Drawing:
    drawing = Drawing(WIDTH, 170)
    points = figures.trend
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 35, 30, WIDTH - 60, 115
    chart.data = [[p.reported for p in points] or [0], [p.concluded for p in points] or [0]]
    step = max(1, len(points) // 10)  # at most ~10 date labels under the axis
    chart.categoryAxis.categoryNames = [p.label if i % step == 0 else "" for i, p in enumerate(points)] or [""]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = PALETTE[0], PALETTE[2]
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.5
    drawing.add(chart)
    drawing.add(_legend(font, [(PALETTE[0], "上报数 reports"), (PALETTE[2], "办结数 concluded")], WIDTH - 150, 165))
    return drawing


def channel_pie(figures: Figures, font: str) -> Drawing:
    drawing = Drawing(WIDTH, 150)
    rows = [r for r in figures.channels if r["reported"]]
    if not rows:
        drawing.add(String(10, 70, "本期无上报 no reports in this period", fontName=font, fontSize=9))
        return drawing
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 40, 10, 130, 130
    pie.data = [r["reported"] for r in rows]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    for i in range(len(rows)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(pie)
    total = sum(pie.data)
    items = [(PALETTE[i % len(PALETTE)], f"{r.label}  {r['reported']:,}（{r['reported'] * 100 / total:.1f}%）")
             for i, r in enumerate(rows)]
    drawing.add(_legend(font, items, 220, 140))
    return drawing


def _legend(font: str, items: list[tuple], x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 10
    legend.dx = legend.dy = 8
    legend.colorNamePairs = items
    return legend


def department_bar(rows: list[Row], font: str) -> Drawing:
    """按期结案率 of each department with closures due (a department with none has no rate)."""
    drawing = Drawing(WIDTH, 200)
    rated = [r for r in rows if r.key and r["close_on_time_rate"] is not None]
    if not rated:
        drawing.add(String(10, 90, "本期没有应结案的案件 no closures were due", fontName=font, fontSize=9))
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 35, 70, WIDTH - 50, 115
    chart.data = [[float(r["close_on_time_rate"]) for r in rated]]
    chart.categoryAxis.categoryNames = [r.label for r in rated]
    chart.categoryAxis.labels.angle = 40
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.nudge = font, 6, 6
    drawing.add(chart)
    return drawing


def _departments(figures: Figures, styles, font: str) -> list:
    story = [Paragraph("2. 按部门 by department", styles["h2"]),
             Paragraph("各部门按期结案率 departments' closed on time (%)", styles["body"]),
             department_bar(figures.departments, font)]
    rows = [r for r in figures.departments if r.key]
    story.append(_dimension_table(rows, "部门 department", styles, font, layout.PDF_DEPARTMENT_COLUMNS)
                 if rows else _empty(styles))
    story.append(Paragraph("上报、立案等派遣之前的环节不属于任何部门，见第1页总体情况；Excel 的“按部门”表列出这一行。"
                           "steps before dispatch belong to no department: see the city totals on page 1 "
                           "(the Excel sheet lists them on a row of their own).", styles["note"]))
    return story


def _places(figures: Figures, styles, font: str) -> list:
    story = []
    if figures.districts:
        story.append(Paragraph("按区县 by district", styles["h2"]))
        story.append(_dimension_table(figures.districts, "区县 district", styles, font))
    story.append(Paragraph("3. 按街道 by street", styles["h2"]))
    story.append(_dimension_table(figures.streets, "街道 street", styles, font) if figures.streets else _empty(styles))
    top = [r for r in figures.categories if r["reported"]][:TOP_CATEGORIES]
    story.append(Paragraph(f"上报最多的{TOP_CATEGORIES}类问题 the {TOP_CATEGORIES} most reported categories",
                           styles["h2"]))
    story.append(_dimension_table(top, "类别 category", styles, font) if top else _empty(styles))
    return story


def _evaluation(figures: Figures, styles, font: str) -> list:
    story = [Paragraph("4. 综合评价与红黑榜 scores and rankings", styles["h2"]),
             Paragraph("得分按 domain.md §4 的权重计算；等级 A ≥ 90, B 75–90, C 60–75, D 40–60, E &lt; 40。"
                       "scores use the configured weights; grades A–E.", styles["note"])]
    for subject, board in figures.boards.items():
        story += [Spacer(1, 4), Paragraph(_board_title(board), styles["body"]), _board_table(board, styles, font)]
    return story


def _board_title(board: Board) -> str:
    status = "已发布 published" if board.published else "本表计算，未发布 computed now, not published"
    # No <b>: the CJK font has no bold face registered, and reportlab would refuse the tag.
    return f"{layout.BOARD_NAMES[board.subject]}（{status}）"


def _board_table(board: Board, styles, font: str):
    if not board.rows:
        return _empty(styles)
    head = ["名次 rank", "榜单 list", "名称 name", "得分 score", "等级 grade",
            layout.ALL_LABELS["close_rate"], layout.ALL_LABELS["close_on_time_rate"]]
    data = [[_head(h, styles) for h in head]]
    marks = {}
    for index, item in enumerate(board.rows):
        mark = board.mark(index)
        if mark:
            marks[index + 1] = mark
        rates = item.get("rates", {})
        data.append([item["rank"], layout.split(layout.MARKS[mark])[0], Paragraph(item["label"], styles["cell"]),
                     item["score"], item["grade"], fmt("close_rate", rates.get("close_rate")),
                     fmt("close_on_time_rate", rates.get("close_on_time_rate"))])
    widths = [WIDTH * w for w in (0.09, 0.1, 0.33, 0.12, 0.1, 0.13, 0.13)]
    return _table(data, widths, font, marks=marks)
