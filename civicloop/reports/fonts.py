"""The CJK font the PDF reports are drawn with.

reportlab's built-in fonts have no Chinese glyphs (the text would come out as boxes), so a
TrueType CJK font is found at run time and embedded (subset) in every PDF. reportlab reads
TrueType outlines only: the CFF-based Noto/Source Han .otf/.ttc files are not usable here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

FONT_NAME = "CivicloopCJK"
# Debian/Ubuntu packages first (fonts-wqy-microhei is what scripts/ensure-system-packages.sh
# installs), then other common TrueType CJK fonts on Linux, macOS and Windows.
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
)


class FontMissing(RuntimeError):
    pass


def find_font() -> Path:
    """CIVICLOOP_REPORT_FONT when set (it must exist), else the first candidate present."""
    chosen = settings.REPORT_FONT
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise FontMissing(f"CIVICLOOP_REPORT_FONT={chosen}: 找不到该字体文件 / no such font file")
        return path
    for candidate in CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise FontMissing("找不到中文字体，无法生成PDF报表。请安装 fonts-wqy-microhei（scripts/ensure-system-packages.sh）"
                      "或设置 CIVICLOOP_REPORT_FONT 为一个 TrueType 中文字体文件 / no Chinese TrueType font found: "
                      "install fonts-wqy-microhei or set CIVICLOOP_REPORT_FONT to a .ttf/.ttc file")


@lru_cache(maxsize=4)
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{FONT_NAME}-{len(pdfmetrics.getRegisteredFontNames())}"
    try:
        # subfontIndex picks the first face of a .ttc collection; ignored for a plain .ttf.
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except Exception as exc:  # reportlab says "postscript outlines are not supported" for CFF fonts
        raise FontMissing(f"{path}: 无法使用该字体（需要 TrueType 字体）/ cannot use this font, a TrueType "
                          f"font is needed: {exc}") from exc
    return name


def cjk_font() -> str:
    """The registered reportlab font name (registered once per process and font file)."""
    return _register(str(find_font()))
