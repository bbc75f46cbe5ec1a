from django.core.management.base import BaseCommand, CommandError

from civicloop.hotline import services
from civicloop.hotline.models import HotlineSystem


class Command(BaseCommand):
    help = "导入一天的12345热线工单（Excel）并逐行报告 / import a day's 12345 work orders from Excel, row by row"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--system", required=True, help="the hotline system's name (console → 热线 → 热线系统)")

    def handle(self, *args, file, system, **options):
        found = HotlineSystem.objects.filter(name=system).first()
        if found is None:
            raise CommandError(f"未知的热线系统 / unknown hotline system {system!r}")
        with open(file, "rb") as source:
            report = services.import_workbook(found, source)
        for row in report.rows:
            self.stdout.write(f"row {row.row}\t{row.order_id}\t{row.outcome}\t{row.reference}\t{row.message}")
        self.stdout.write(f"created {report.created}, to be located {report.waiting}, already received {report.repeated}, "
                          f"errors {report.errors}")
        if report.problem:
            raise CommandError(report.problem)
