"""civicloop gazetteer-import roads|segments|doorplates|compounds|buildings|pois FILE: the gazetteer from a city's files."""
from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.gazetteer import importing


class Command(BaseCommand):
    help = ("Import gazetteer entries (roads, road segments, door plates, compounds, buildings, POIs) from CSV, Excel, GeoJSON, "
            "a zipped Shapefile, GeoPackage or KML. Refused whole on any bad row unless --accept-good; a re-run "
            "updates entries by code, or by road and number for door plates.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importing.KINDS))
        parser.add_argument("file")
        parser.add_argument("--crs", default="", help="the coordinates' system: wgs84 (tables' default), cgcs2000, "
                            "gcj02, bd09, EPSG:4543 (Gauss–Krüger metres) …; a geo file's own by default")
        parser.add_argument("--layer", default="", help="the layer to read from a GeoPackage or KML")
        parser.add_argument("--sheet", default="", help="the worksheet to read from an Excel workbook")
        parser.add_argument("--accept-good", action="store_true", help="import the good rows, leave the refused ones")
        parser.add_argument("--dry-run", action="store_true", help="check only, import nothing")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress lines")

    def handle(self, *args, kind, file, crs, layer, sheet, accept_good, dry_run, quiet_progress, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        opts = importing.Options(crs=crs, layer=layer, sheet=sheet, accept_good=accept_good, dry_run=dry_run)
        started = time.monotonic()
        report = importing.import_entries(kind, path, opts, progress=None if quiet_progress else self._progress(started))
        self.stdout.write(f"{report.source} · {report.crs or '—'}" + (f" · {report.layer}" if report.layer else ""))
        for finding in report.findings:
            where = f"#{finding.number}" if finding.number is not None else "—"
            self.stdout.write(f"  {where} {finding.label} {finding.problem}")
        style = self.style.SUCCESS if report.applied else self.style.WARNING
        self.stdout.write(style(report.summary()))
        if report.blocked:
            raise CommandError(report.summary())

    def _progress(self, started: float):
        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"  {done:,}/{total:,} rows, {rate:,.0f} rows/s")
        return progress
