"""Raster tiles from a file the city supplies (MBTiles or PMTiles), for networks with no internet
(电子政务外网): the browser asks our own /tiles/{z}/{x}/{y} and nothing leaves the network.

MBTiles is SQLite (read with sqlite3, rows numbered from the south as TMS does); PMTiles is one
file with a directory (read with the pmtiles package, memory-mapped). Both are opened once per
process and kept; a replaced file is picked up when its modification time changes.
"""
from __future__ import annotations

import gzip
import sqlite3
import threading
from pathlib import Path

MAX_ZOOM = 24

_KINDS = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "image/webp"),
)


def content_type(data: bytes) -> str:
    for magic, kind in _KINDS:
        if data.startswith(magic):
            return kind
    return "application/octet-stream"


def valid(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


class MBTiles:
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()  # sqlite3 connections stay in the thread that opened them

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=True)
            self._local.connection = connection
        return connection

    def get(self, z: int, x: int, y: int) -> bytes | None:
        row = self._connection().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row and row[0] else None


class PMTiles:
    def __init__(self, path: Path):
        from pmtiles.reader import MmapSource, Reader
        from pmtiles.tile import Compression

        self._file = open(path, "rb")  # noqa: SIM115 - kept open for the mapping, for the process's life
        self._reader = Reader(MmapSource(self._file))
        self._gzip = self._reader.header()["tile_compression"] == Compression.GZIP

    def get(self, z: int, x: int, y: int) -> bytes | None:
        data = self._reader.get(z, x, y)
        if not data:
            return None
        return gzip.decompress(data) if self._gzip else bytes(data)


_opened: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()


def source(path_text: str):
    """The open file for this path, reopened when the file on disk changes."""
    path = Path(path_text)
    mtime = path.stat().st_mtime
    with _lock:
        held = _opened.get(path_text)
        if held is None or held[0] != mtime:
            opener = PMTiles if path.suffix.lower() == ".pmtiles" else MBTiles
            held = (mtime, opener(path))
            _opened[path_text] = held
        return held[1]


def tile(path_text: str, z: int, x: int, y: int) -> bytes | None:
    if not valid(z, x, y):
        return None
    return source(path_text).get(z, x, y)
