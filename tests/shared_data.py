"""Where the workplace's shared reference files and public data are (never copied into the repository).

Looked up in this order: CIVICLOOP_SHARED_DIR, the folder `shared` beside the checkout (the developers'
layout: /work/main next to /work/shared), then /work/shared (a CI checkout elsewhere on the same
machine). Tests that need a file skip, with its path, when it is nowhere.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    candidates = [os.environ.get("CIVICLOOP_SHARED_DIR", ""), REPO.parent / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO.parent / "shared"


SHARED = shared_dir()
