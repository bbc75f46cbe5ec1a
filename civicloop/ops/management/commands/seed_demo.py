import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicloop.core.extensions import demo_seeders
from civicloop.demo import city, history


class Command(BaseCommand):
    help = "建立演示城市蒙自市并生成一年历史案件 / seed the demo city 蒙自市 with a year of cases (only if empty)"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20000, help="how many historical cases (default 20000)")
        parser.add_argument("--until", help="end of the simulated year, ISO date-time (default: this hour)")

    def handle(self, *args, cases, until, **options):
        started = time.perf_counter()
        self.stdout.write("建立城市 / building the city …")
        city.build_city(stdout=self.stdout)
        end = None
        if until:
            try:
                end = timezone.make_aware(datetime.fromisoformat(until)) if "+" not in until else datetime.fromisoformat(until)
            except ValueError:
                raise CommandError(f"--until {until!r}: 应为 ISO 日期时间 / expected an ISO date-time") from None
        self.stdout.write(f"生成历史案件 / simulating {cases} cases …")
        made = history.seed_history(until=end, count=cases, progress=self._progress)
        if made == 0:
            self.stdout.write("已有案件，跳过历史 / cases exist already; history skipped")
        for app, seed in demo_seeders():
            self.stdout.write(f"演示数据 demo data: {app} …")
            seed(self.stdout)
        totals = history.summary()
        self.stdout.write(self.style.SUCCESS(
            f"完成 done in {time.perf_counter() - started:.1f}s: {totals['cases']} cases "
            f"({totals['open']} open), {totals['events']} events"))
        self.stdout.write(f"演示账号 demo logins: operator / dispatcher / leader / … password {city.DEMO_PASSWORD}")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  {done}/{total} ({done * 100 // max(total, 1)}%)")
