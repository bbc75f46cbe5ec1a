import time

from django.core.management.base import BaseCommand

from civicloop.evaluation import rollup


class Command(BaseCommand):
    help = "从案件日志重算统计 / recount the evaluation counters from the case event log"

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=rollup.REBUILD_CHUNK, help="event ids per step")

    def handle(self, *args, chunk, **options):
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            self.stdout.write(f"  {done:,}/{total:,} event ids ({done / max(total, 1):.0%}, {rate:,.0f}/s)")

        result = rollup.rebuild(progress=progress, chunk=chunk)
        self.stdout.write(f"rebuilt from {result.events:,} events (up to id {result.last_event_id}) "
                          f"in {result.seconds:.1f} s")
