from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicloop.shops import rules, services


class Command(BaseCommand):
    help = "按季度评定商铺星级 / rate every shop inspected in a quarter (default: this quarter)"

    def add_arguments(self, parser):
        parser.add_argument("--period", help="e.g. 2026Q4")

    def handle(self, *args, period, **options):
        period = period or rules.quarter(timezone.localdate())
        if len(period) != 6 or period[4] != "Q" or period[5] not in "1234" or not period[:4].isdigit():
            raise CommandError("--period 应为 2026Q4 这样的季度 / a quarter such as 2026Q4")
        self.stdout.write(self.style.SUCCESS(f"{period}: {services.rate_quarter(period)} shops rated"))
