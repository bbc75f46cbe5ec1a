"""The Chinese catalogue covers every page string (English msgids; the city reads Chinese)."""
from __future__ import annotations

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "civicloop" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


# A msgid or msgstr may run over several quoted lines (msgid "" then "…" "…"): join them, so a long
# string with an empty translation is caught too.
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"(?:\n|$))+)', re.M)


def _joined(quoted: str) -> str:
    return "".join(re.findall(r'^"(.*)"$', quoted, flags=re.M))


def entries() -> list[tuple[str, str]]:
    text = CATALOGUE.read_text(encoding="utf-8")
    return [(_joined(msgid), _joined(msgstr)) for msgid, msgstr in ENTRY.findall(text)]


def test_every_string_has_a_chinese_translation():
    pairs = [(msgid, msgstr) for msgid, msgstr in entries() if msgid]
    assert len(pairs) > 200
    missing = [msgid for msgid, msgstr in pairs if not msgstr]
    assert missing == []


def test_translations_keep_their_placeholders():
    for msgid, msgstr in entries():
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr)), msgid


def test_pages_are_chinese_unless_english_is_chosen(client, db):
    page = client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in page and "Username" not in page
    client.cookies["django_language"] = "en"
    page = client.get("/console/login/").content.decode()
    assert "Username" in page
