#!/usr/bin/env python3
"""Fill empty msgstr entries of a .po catalogue from tab-separated 'msgid<TAB>translation' files.

    python3 scripts/fill-po.py civicloop/locale/zh_Hans/LC_MESSAGES/django.po terms.tsv ...

A developer's aid after `civicloop makemessages`: the .po file stays the source of truth; this only
fills the blanks and reports msgids still untranslated. Single-line msgids only (ours are).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path


def main(po_path: str, *tsv_paths: str) -> int:
    terms = {}
    for tsv in tsv_paths:
        for line in Path(tsv).read_text(encoding="utf-8").splitlines():
            if "\t" in line and not line.startswith("#"):
                key, value = line.split("\t", 1)
                terms[key] = value
    po = Path(po_path).read_text(encoding="utf-8")
    missing = []

    def fill(match: re.Match) -> str:
        msgid, msgstr = match.group(1), match.group(2)
        if msgstr or not msgid:
            return match.group(0)
        text = msgid.encode().decode("unicode_escape") if "\\" in msgid else msgid
        if text in terms:
            value = terms[text].replace('"', '\\"')
            return f'msgid "{msgid}"\nmsgstr "{value}"'
        missing.append(text)
        return match.group(0)

    po = re.sub(r'^msgid "(.*)"\nmsgstr "(.*)"$', fill, po, flags=re.M)
    po = po.replace("#, fuzzy\n", "")
    Path(po_path).write_text(po, encoding="utf-8")
    for text in missing:
        print(f"untranslated: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
