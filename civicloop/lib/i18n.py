"""Bilingual labels. Domain labels are written '中文 English' or '中文 / English' once, in code,
so data, API and admin stay readable in both; pages show the half for the reader's language."""
from __future__ import annotations

import re

_SLASH = re.compile(r"\s*/\s+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef（）]")


def split(label: str) -> tuple[str, str]:
    """('中文', 'English'); either may be empty when the label has one language only."""
    if _SLASH.search(label):
        zh, en = _SLASH.split(label, maxsplit=1)
        return zh.strip(), en.strip()
    # '待受理 reported': the Chinese words come first, the English after the last CJK character.
    last = -1
    for i, ch in enumerate(label):
        if _CJK.match(ch):
            last = i
    if last < 0:
        return "", label.strip()
    return label[: last + 1].strip(), label[last + 1 :].strip()


def pick(label: str, language: str | None) -> str:
    zh, en = split(label)
    if (language or "").startswith("en"):
        return en or zh
    return zh or en
