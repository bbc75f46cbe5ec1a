from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from civicloop.setupdata import importing
from civicloop.setupdata.columns import KINDS, languages


class Command(BaseCommand):
    help = ("Import a city's departments, staff, routing rules or categories from its Excel/CSV file, row by row; "
            "the file is refused whole if any row is refused (unless --good-rows)")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--good-rows", action="store_true", help="save the good rows even when others are refused")
        parser.add_argument("--language", choices=languages(), default=None, help="the report's language (default zh-hans)")

    def handle(self, *args, kind, file, dry_run, good_rows, language, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            report = importing.import_file(kind, file, dry_run=dry_run, good_rows=good_rows,
                                           actor="command:setup_import")
            if report.problem:
                raise CommandError(report.problem)
            for row in report.rows:
                self.stdout.write("\t".join((str(row.row), row.key, row.outcome, row.reason)).rstrip())
            counts = " ".join(f"{name}={n}" for name, n in report.counts.items())
            self.stdout.write(f"{counts} saved={'yes' if report.applied else 'no'}")
            for row in report.links:  # shown once: a new run makes fresh ones while the account has no password
                self.stdout.write(f"set-password\t{row.key}\t{row.link}")
            if report.refused and not report.applied and not dry_run:
                raise CommandError(f"{report.refused} refused row(s): nothing saved (--good-rows saves the others)")
