"""Printable A4 label sheets: a grid of labels, each with the QR of the scan link, the id and the name.

The QR is drawn as vector rectangles from segno's module matrix (one rectangle per run of dark
modules in a row), not as an image: it prints sharp at any size and 10,000 labels take seconds.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from civicloop.reports.fonts import cjk_font


@dataclass(frozen=True)
class Label:
    url: str
    code: str  # the 17-digit id (or a shop's licence number)
    title: str  # the name
    subtitle: str = ""  # the component type or shop type, the keeper


@dataclass(frozen=True)
class Sheet:
    columns: int = 3
    rows: int = 8
    margin_mm: float = 8.0
    gap_mm: float = 2.0

    def __post_init__(self):
        if not (1 <= self.columns <= 8 and 1 <= self.rows <= 16):
            raise ValueError("标签网格应为1–8列、1–16行 / the grid is 1–8 columns and 1–16 rows")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


def qr_runs(data: str, *, fast: bool = False) -> tuple[int, list[tuple[int, int, int]]]:
    """(size in modules including the quiet zone, [(row, first column, length) of dark runs]).

    fast: one fixed mask pattern instead of scoring all eight (the standard lets any mask be used;
    scoring is what makes a code nicest to scan and is 85 % of segno's time)."""
    qr = segno.make(data, error="m", micro=False, mask=FAST_MASK if fast else None)
    border = 2
    runs = [(y + border, m.start() + border, m.end() - m.start())
            for y, row in enumerate(qr.matrix) for m in _DARK.finditer(bytes(row))]
    return len(qr.matrix) + 2 * border, runs


_DARK = re.compile(rb"[\x01-\xff]+")
FAST_MASK = 2  # a plain column pattern; any of 0–7 decodes


def draw_qr(c: canvas.Canvas, data: str, x: float, y: float, size: float, *, fast: bool = False) -> None:
    modules, runs = qr_runs(data, fast=fast)
    unit = size / modules
    # Written as PDF operators in module units under one transform ("q a 0 0 d x y cm … Q"): small
    # integers instead of formatted floats, and reportlab's pure-Python number formatting skipped.
    ops = [f"{col} {modules - 1 - row} {length} 1 re" for row, col, length in runs]
    c._code.append(f"q {unit:.4f} 0 0 {unit:.4f} {x:.2f} {y:.2f} cm\n" + "\n".join(ops) + "\nf Q")


def write_sheet(labels: Iterable[Label], out: BinaryIO, *, sheet: Sheet = Sheet(), title: str = "部件二维码标签",
                fast: bool = False) -> int:
    """Writes the PDF to `out`; returns how many labels it holds. fast: see qr_runs (for big batches)."""
    # Page streams zlib-compressed only, without reportlab's pure-Python ASCII85 layer on top (a fifth
    # of the time and a quarter more bytes). reportlab reads this flag from its global config; either
    # value makes a valid PDF, so another thread's report seeing it for a moment does no harm.
    was = rl_config.useA85
    rl_config.useA85 = 0
    try:
        return _write(labels, out, sheet=sheet, title=title, fast=fast)
    finally:
        rl_config.useA85 = was


def _write(labels, out, *, sheet: Sheet, title: str, fast: bool) -> int:
    font = cjk_font()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    page_w, page_h = A4
    margin, gap = sheet.margin_mm * mm, sheet.gap_mm * mm
    cell_w = (page_w - 2 * margin - (sheet.columns - 1) * gap) / sheet.columns
    cell_h = (page_h - 2 * margin - (sheet.rows - 1) * gap) / sheet.rows
    count = 0
    for count, label in enumerate(labels, start=1):
        slot = (count - 1) % sheet.per_page
        if slot == 0 and count > 1:
            c.showPage()
        col, row = slot % sheet.columns, slot // sheet.columns
        x = margin + col * (cell_w + gap)
        y = page_h - margin - (row + 1) * cell_h - row * gap
        _draw_label(c, label, x, y, cell_w, cell_h, font, fast)
    if count == 0:
        c.setFont(font, 12)
        c.drawString(margin, page_h - margin - 12, "没有要打印的标签 / no labels")
    c.save()
    return count


def _draw_label(c, label: Label, x: float, y: float, w: float, h: float, font: str, fast: bool) -> None:
    c.setLineWidth(0.3)
    c.setStrokeGray(0.6)
    c.rect(x, y, w, h, stroke=1, fill=0)
    pad = 1.5 * mm
    size = max(5.0, min(9.0, h / 6))
    # The id is never cut short: it gets the label's whole width along the bottom, shrunk to fit.
    id_size = min(size, (w - 2 * pad) / max(c.stringWidth(label.code, font, 1), 1))
    c.setFillGray(0)
    c.setFont(font, id_size)
    c.drawString(x + pad, y + pad, label.code)
    top_of_id = y + pad + id_size * 1.2
    qr_size = min(y + h - pad - top_of_id, w * 0.45)
    draw_qr(c, label.url, x + pad, top_of_id + (y + h - pad - top_of_id - qr_size) / 2, qr_size, fast=fast)
    text_x, text_w = x + qr_size + 2 * pad, w - qr_size - 3 * pad
    lines = [(label.title, size + 1), ("扫码反映问题", size), (label.subtitle, size - 1)]
    top = y + h - pad - size
    for text, font_size in lines:
        if not text or top < top_of_id:
            continue
        c.setFont(font, font_size)
        c.drawString(text_x, top, _fit(c, text, font, font_size, text_w))
        top -= font_size * 1.35


def _fit(c, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
