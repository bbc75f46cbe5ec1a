"""civicloop basemap-import roads|water|buildings FILE: a reference layer for the tile-less basemap."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.basemap import importing
from civicloop.geo.importing import FileProblem


class Command(BaseCommand):
    help = ("Import a reference layer (roads, water or buildings) from GeoJSON, a zipped Shapefile, GeoPackage "
            "or KML, drawn as the basemap when no map tiles are configured. Replaces the layer unless --append.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importing.KINDS))
        parser.add_argument("file")
        parser.add_argument("--crs", default="", help="the file's coordinate system when its own is missing or "
                            "wrong: EPSG:4545, 4490, gcj02, bd09 …")
        parser.add_argument("--name-field", default="", help="the name column (default: 名称, 道路名称, name …)")
        parser.add_argument("--layer", default="", help="the layer to read from a GeoPackage or KML")
        parser.add_argument("--append", action="store_true", help="add to the layer instead of replacing it")

    def handle(self, *args, kind, file, crs, name_field, layer, append, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        try:
            result = importing.import_layer(path, kind, crs=crs, name_field=name_field, layer=layer, append=append)
        except FileProblem as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(f"{result.source} · {result.crs or '—'}")
        self.stdout.write(self.style.SUCCESS(
            f"{result.layer}: {result.imported} imported, {result.skipped} skipped (wrong shape or empty), "
            f"{result.replaced} replaced"))
