from django.core.management.base import BaseCommand

from civicloop.setupdata import workbooks
from civicloop.setupdata.columns import KINDS, languages


class Command(BaseCommand):
    help = "Write a set-up data template (Excel) for departments, staff, routes or categories"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--language", choices=languages(), default=None, help="headers' language (default zh-hans)")

    def handle(self, *args, kind, out, language, **options):
        with open(out, "wb") as f:
            f.write(workbooks.template_bytes(kind, language))
        self.stdout.write(out)
