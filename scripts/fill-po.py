#!/usr/bin/env python3
"""Fill a .po catalogue from tab-separated 'msgid<TAB>translation' files.

    python3 scripts/fill-po.py civicloop/locale/zh_Hans/LC_MESSAGES/django.po civicloop/locale/zh_Hans/terms.tsv

A developer's aid after `civicloop makemessages -l zh_Hans --ignore=node_modules --no-wrap` (and `msgcat --no-wrap` on the file once, if entries are wrapped): empty entries are filled from the terms, and
fuzzy guesses (msgmerge's translation of a *similar* string, often wrong) are replaced by the
term or left empty and reported — never kept. Single-line msgids only (ours are).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ENTRY = re.compile(r'^msgid "(.*)"\nmsgstr "(.*)"$', re.M)


def load_terms(paths) -> dict[str, str]:
    terms = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if "\t" in line and not line.startswith("#"):
                key, value = line.split("\t", 1)
                terms[key] = value
    return terms


def fill_block(block: str, terms: dict[str, str], missing: list[str]) -> str:
    match = ENTRY.search(block)
    if not match or not match.group(1):
        return block
    msgid, msgstr = match.group(1), match.group(2)
    lines = block.splitlines()
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
    text = msgid.replace('\\"', '"')
    if text in terms:
        msgstr = terms[text].replace('"', '\\"')
    elif fuzzy:
        msgstr = ""
    if not msgstr:
        missing.append(text)
    kept = []
    for line in lines:
        if line.startswith("#|"):
            continue  # the similar string msgmerge guessed from
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if flags:
                kept.append("#, " + ", ".join(flags))
            continue
        if line.startswith("msgid ") or line.startswith("msgstr "):
            continue
        kept.append(line)
    return "\n".join(kept + [f'msgid "{msgid}"', f'msgstr "{msgstr}"'])


def main(po_path: str, *tsv_paths: str) -> int:
    terms = load_terms(tsv_paths)
    po = Path(po_path).read_text(encoding="utf-8")
    header, *blocks = po.split("\n\n")
    missing: list[str] = []
    blocks = [fill_block(b, terms, missing) for b in blocks]
    Path(po_path).write_text("\n\n".join([header, *blocks]).rstrip("\n") + "\n", encoding="utf-8")
    for text in missing:
        print(f"untranslated: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
