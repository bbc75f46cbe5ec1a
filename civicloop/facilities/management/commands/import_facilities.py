from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.errors import ServiceError
from civicloop.facilities import importing


class Command(BaseCommand):
    help = ("导入部件或商铺台账（Excel、CSV、GeoJSON、Shapefile .zip/.shp），逐行报告错误；可重复运行 / load a "
            "facility or shop registry file with a report of every bad row; re-runs update, never duplicate")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", choices=("facility", "shop"), default="facility")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")

    def handle(self, *args, file, kind, dry_run, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: 文件不存在 / no such file")
        try:
            outcome = importing.load(path, kind=kind, dry_run=dry_run,
                                     progress=lambda n: self.stderr.write(f"  {n} rows …"))
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        for problem in outcome.problems:
            self.stdout.write(f"第{problem.row}行 row {problem.row} {problem.key}: {problem.message}")
        c = outcome.counts
        self.stdout.write(self.style.SUCCESS(
            f"{'（试运行，未保存）dry run: ' if dry_run else ''}新增 created {c['created']} · 更新 updated {c['updated']} · "
            f"未变 unchanged {c['unchanged']} · 错误 rejected {c['error']}"))
