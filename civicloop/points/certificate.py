"""The printable honour certificate (荣誉证书), an A4 landscape PDF in the reports' CJK font."""
from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone

from civicloop.reports.fonts import cjk_font


def render(citizen, standing: dict) -> io.BytesIO:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = cjk_font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle("荣誉证书")
    pdf.setStrokeColorRGB(0.7, 0.1, 0.1)
    pdf.setLineWidth(6)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFillColorRGB(0.7, 0.1, 0.1)
    pdf.setFont(font, 44)
    pdf.drawCentredString(width / 2, height - 130, "荣 誉 证 书")
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(font, 20)
    name = citizen.display_name or citizen.masked_phone
    lines = [f"{name} 同志：", f"您积极参与{settings.CITY_NAME}城市治理“随手拍”，累计获得积分 {standing['earned']} 分，",
             f"上报问题经核查解决 {standing['verified']} 件，被评为", ""]
    y = height - 200
    for line in lines:
        pdf.drawString(90, y, line)
        y -= 36
    pdf.setFont(font, 34)
    pdf.setFillColorRGB(0.7, 0.1, 0.1)
    pdf.drawCentredString(width / 2, y + 10, standing["level"].name)
    pdf.setFillColorRGB(0, 0, 0)
    titles = "、".join(t.title.name for t in standing["titles"])
    pdf.setFont(font, 16)
    if titles:
        pdf.drawCentredString(width / 2, y - 30, f"荣誉称号：{titles}")
    pdf.drawRightString(width - 90, 110, f"{settings.CITY_NAME}文明市民荣誉超市")
    pdf.drawRightString(width - 90, 84, f"{timezone.localdate():%Y年%m月%d日}")
    pdf.showPage()
    pdf.save()
    buffer.seek(0)
    return buffer
