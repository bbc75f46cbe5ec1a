"""civicloop cases-roads: each case's road (Case.road_code) from the gazetteer, for cases reported before
its roads were imported (or, with --all, again after a re-import moved them)."""
from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from civicloop.cases.models import Case
from civicloop.core import extensions


class Command(BaseCommand):
    help = ("Set each case's road: the nearest gazetteer road within CIVICLOOP_CASE_ROAD_METRES of where it was "
            "reported. By default only cases without one; run after `civicloop gazetteer-import roads`.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every case, also those that have a road already")
        parser.add_argument("--batch", type=int, default=2000, help="cases read and written per transaction")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress lines")

    def handle(self, *args, all: bool = False, batch: int = 2000, quiet_progress: bool = False, **options):
        qs = Case.objects.all() if all else Case.objects.filter(road_code__isnull=True)
        total = qs.count()
        metres = settings.CASE_ROAD_METRES
        started, seen, changed, last = time.monotonic(), 0, 0, 0
        while True:
            rows = list(qs.filter(pk__gt=last).order_by("pk")
                        .values_list("pk", "lon", "lat", "road_code")[:max(1, batch)])
            if not rows:
                break
            last = rows[-1][0]
            updates = []
            for pk, lon, lat, old in rows:
                code = extensions.road_at(lon, lat, metres) or None
                if code != old:
                    updates.append(Case(pk=pk, road_code=code))
            with transaction.atomic():
                Case.objects.bulk_update(updates, ["road_code"], batch_size=500)
            seen, changed = seen + len(rows), changed + len(updates)
            if not quiet_progress:
                elapsed = time.monotonic() - started
                self.stdout.write(f"  {seen}/{total} cases · {changed} changed · {elapsed:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"{seen} cases looked at, {changed} changed."))
