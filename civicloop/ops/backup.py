"""Backup and restore: the database and the photo files in one archive, with a manifest and checksums.

Archive (tar): manifest.json, then `database.sqlite3` (SQLite's online backup API: a consistent
copy while the site keeps running) or `database.pgdump` (pg_dump's custom format, one snapshot),
then `media/…` and `private/…` (photos, and photos waiting for the worker). The manifest lists
every member with its size and SHA-256; restore checks all of them before it touches anything.

Photos are written before their rows commit and never changed, so files copied after the database
snapshot are a superset of what the snapshot refers to: nothing the restored database points at is
missing (at worst a few files no row refers to).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from civicloop import __version__

FORMAT = "civicloop-backup/1"
FILE_ROOTS = {"media": "MEDIA_ROOT", "private": "PRIVATE_ROOT"}
CHUNK = 1 << 20


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Restored:
    vendor: str
    files: int
    created_at: str


# ------------------------------------------------------------------------------ backup


def backup(output: Path) -> dict:
    """Write the archive to `output` (atomically: a half-written archive never has the final name)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        work = Path(work)
        database = _dump_database(work)
        members = [(database.name, database)] + list(_files())
        manifest = {"format": FORMAT, "civicloop": __version__, "created_at": timezone.now().isoformat(),
                    "vendor": connection.vendor, "migrations": _migrations(),
                    "members": [{"name": name, "bytes": path.stat().st_size, "sha256": _sha256(path)}
                                for name, path in members]}
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")
            for name, path in members:
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, output)
    return manifest


def _dump_database(work: Path) -> Path:
    if connection.vendor == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # page by page, consistent, while others keep writing
        finally:
            copy.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = work / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])
        return target
    raise BackupError(f"cannot back up a {connection.vendor} database")


def _files():
    for prefix, setting in FILE_ROOTS.items():
        root = Path(getattr(settings, setting))
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path


def _migrations() -> dict[str, str]:
    """The newest migration applied per app: restore refuses a backup from a newer schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return dict(cursor.fetchall())


# ------------------------------------------------------------------------------ restore


def restore(archive_path: Path, *, force: bool = False) -> Restored:
    archive_path = Path(archive_path)
    with tempfile.TemporaryDirectory(dir=archive_path.parent) as work:
        work = Path(work)
        manifest = _unpack_and_check(archive_path, work)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"this backup is of a {manifest['vendor']} database; this site uses {connection.vendor}")
        if not force and not database_is_empty():
            raise BackupError("the database is not empty: restoring would replace it (use --force to replace it)")
        if manifest["vendor"] == "sqlite":
            _restore_sqlite(work / "database.sqlite3")
        else:
            _restore_postgresql(work / "database.pgdump")
        files = _restore_files(work, manifest)
    return Restored(vendor=manifest["vendor"], files=files, created_at=manifest["created_at"])


def database_is_empty() -> bool:
    """No staff and no cases (a freshly migrated database counts as empty)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in ("cases_case", "org_user"):
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return False
    return True


def _unpack_and_check(archive_path: Path, work: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(work, filter="data")  # no absolute paths, no “..”, no devices
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive_path}: not a readable backup archive ({error})") from error
    try:
        manifest = json.loads((work / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive_path}: no manifest") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path}: unknown format {manifest.get('format')!r}")
    for member in manifest["members"]:
        path = work / member["name"]
        if not path.is_file() or path.stat().st_size != member["bytes"] or _sha256(path) != member["sha256"]:
            raise BackupError(f"{archive_path}: {member['name']} is missing or damaged (checksum)")
    newer = {app: name for app, name in manifest["migrations"].items() if not _known_migration(app, name)}
    if newer:
        raise BackupError(f"this backup comes from a newer civicloop (migrations {newer}); upgrade first")
    return manifest


def _known_migration(app: str, name: str) -> bool:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return (app, name) in loader.disk_migrations or app not in loader.migrated_apps


def _restore_sqlite(dump: Path) -> None:
    target = connection.settings_dict["NAME"]
    connections.close_all()
    source, destination = sqlite3.connect(dump), sqlite3.connect(target)
    try:
        source.backup(destination)  # replaces every page of the live file, under SQLite's own lock
    finally:
        destination.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    connections.close_all()
    # One transaction: a failed restore leaves the database as it was.
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(dump)])


def _restore_files(work: Path, manifest: dict) -> int:
    count = 0
    for prefix, setting in FILE_ROOTS.items():
        root, unpacked = Path(getattr(settings, setting)), work / prefix
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
        if unpacked.is_dir():
            shutil.copytree(unpacked, root, dirs_exist_ok=True)
            count += sum(1 for member in manifest["members"] if member["name"].startswith(prefix + "/"))
    return count


# ------------------------------------------------------------------------------ helpers


def _run(argv: list[str]) -> None:
    config = connection.settings_dict
    env = {**os.environ, "PGHOST": str(config.get("HOST") or ""), "PGPORT": str(config.get("PORT") or ""),
           "PGUSER": str(config.get("USER") or ""), "PGPASSWORD": str(config.get("PASSWORD") or ""),
           "PGDATABASE": str(config["NAME"])}
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()[-800:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
