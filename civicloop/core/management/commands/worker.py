import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from civicloop.notify.services import deliver_due


class Command(BaseCommand):
    help = "后台任务：投递消息 / background worker: deliver queued messages"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="deliver what is due and exit")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, once, interval, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while True:
            close_old_connections()
            try:
                sent = deliver_due()
            except Exception as exc:  # the database restarting must not kill the worker
                self.stderr.write(f"worker: {exc}")
                sent = 0
            if sent:
                self.stdout.write(f"delivered {sent}")
            if once or stopping:
                return
            time.sleep(interval)
