import os
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from civicloop.cases.attachments import process_pending
from civicloop.evaluation.rollup import run_due as count_events
from civicloop.citizens.services import forget_old_codes
from civicloop.core.extensions import worker_jobs
from civicloop.notify.services import deliver_due, forget_old_deliveries
from civicloop.reports.services import run_scheduled

# Each job does a bounded amount of work and returns how much; the loop sleeps only when all are idle.
JOBS = [
    ("photos", process_pending),
    ("deliveries", deliver_due),
    ("reports", run_scheduled),
    ("metrics", count_events),
    ("forgotten sign-in codes", forget_old_codes),
    ("forgotten messages", forget_old_deliveries),
]


class Command(BaseCommand):
    help = ("后台任务：处理照片、投递消息、统计、报表、清理过期个人数据 / background worker: photos, messages, "
            "counters, reports, removal of expired personal data")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--nice", type=int, default=0,
                            help="lower this process's priority so requests come first on a shared machine")

    def handle(self, *args, once, interval, nice, **options):
        if nice:
            os.nice(nice)
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while True:
            close_old_connections()
            busy = sum(self._run(name, job) for name, job in JOBS + worker_jobs())
            if stopping or (once and not busy):
                return
            if not busy:
                time.sleep(interval)

    def _run(self, name, job) -> int:
        try:
            done = job()
        except Exception as exc:  # the database restarting must not kill the worker
            self.stderr.write(f"worker {name}: {exc}")
            return 0
        if done:
            self.stdout.write(f"{name}: {done}")
        return done
