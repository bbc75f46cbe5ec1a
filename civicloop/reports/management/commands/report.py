from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.errors import ServiceError
from civicloop.reports import services
from civicloop.reports.fonts import FontMissing


class Command(BaseCommand):
    help = ("生成统计报表（Excel 或 PDF）/ write a report for a period as Excel or PDF, e.g. "
            "civicloop report --period 2026-10 --format pdf; see docs/reports.md")

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True,
                            help="2026-10-05, 2026-W42, 2026-10, 2026-Q3, 2026-10-01..2026-10-31, yesterday, last-month")
        parser.add_argument("--format", default="xlsx", choices=sorted(services.FORMATS))
        parser.add_argument("--out", help="file to write (default: the report's own name in the current directory)")
        parser.add_argument("--refresh", action="store_true",
                            help="count the latest case events first (the worker normally keeps the counters current)")

    def handle(self, *args, period, format, out, refresh, **options):
        if refresh:
            services._count_latest_events()
        try:
            built = services.build(services.period_of(period), format)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        except FontMissing as exc:
            raise CommandError(str(exc)) from None
        path = Path(out or built.filename).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(built.content)
        self.stderr.write(f"{built.figures.title}: {len(built.content):,} bytes in {built.seconds:.2f} s")
        self.stdout.write(str(path))
