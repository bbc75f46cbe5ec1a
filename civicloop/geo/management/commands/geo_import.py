"""civicloop geo-import grids|boundaries FILE: division boundaries and unit grids from a surveyor's file."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.geo import importing
from civicloop.org.models import User


class Command(BaseCommand):
    help = ("Import unit grids or division boundaries from GeoJSON, a zipped Shapefile, GeoPackage or KML, "
            "with a report of every feature. The whole file is refused if any feature is, unless --accept-good.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=importing.KINDS)
        parser.add_argument("file")
        parser.add_argument("--crs", default="", help="the file's coordinate system when its own is missing or "
                            "wrong: EPSG:4545, 4490, gcj02, bd09 …")
        parser.add_argument("--code-field", default="", help="the code column (default: 网格编码, 区划代码, CODE, code …)")
        parser.add_argument("--name-field", default="", help="the name column (default: 网格名称, 名称, NAME, name …)")
        parser.add_argument("--parent-field", default="", help="the parent (community) code column; default: "
                            "所属社区, 社区代码, parent …, else a grid's community is its code's first 12 digits")
        parser.add_argument("--layer", default="", help="the layer to read from a GeoPackage or KML (default: the first)")
        parser.add_argument("--accept-good", action="store_true", help="import the good features, leave the refused out")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--user", default="", help="who is importing (username), kept in the grids' history")

    def handle(self, *args, kind, file, crs, code_field, name_field, parent_field, layer, accept_good, dry_run,
               user, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}")
        opts = importing.Options(crs=crs, code_field=code_field, name_field=name_field, parent_field=parent_field,
                                 layer=layer, accept_good=accept_good, dry_run=dry_run, source_name=path.name)
        run = importing.import_grids if kind == importing.GRIDS else importing.import_boundaries
        report = run(path, opts, user=actor)
        self._print(report)
        if report.blocked:
            raise CommandError(report.summary())

    def _print(self, report: importing.Report) -> None:
        self.stdout.write(f"{report.source} · {report.crs or '—'}{' · ' + report.layer if report.layer else ''}")
        for f in report.findings:
            number = f"#{f.number}" if f.number else "—"
            self.stdout.write(f"  {number:>6}  {f.code or '—':<15}  {f.name or '—'}  {f.problem}  [{f.action_label}]")
        style = self.style.SUCCESS if report.applied or (report.dry_run and not report.blocked) else self.style.WARNING
        self.stdout.write(style(report.summary()))
