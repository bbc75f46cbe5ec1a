import os
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from civicloop.core.extensions import worker_jobs
from civicloop.ops.worker import Scheduler, log

# The longest nap between looks, so a stop request or a clock change is noticed within a second.
MAX_SLEEP = 1.0


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a str, in the language active when the parser is made
        return _("Background work: photos made safe, messages sent, counters, reports, expired personal data "
                 "removed, and every job the apps declare")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("run every job until none has work left, then exit"))
        parser.add_argument("--nice", type=int, default=0,
                            help=_("lower this process's priority so requests come first on a shared machine"))

    def handle(self, *args, once, nice, **options):
        if nice:
            os.nice(nice)
        scheduler = Scheduler(worker_jobs())
        try:
            if once:
                _drain(scheduler)
            else:
                _loop(scheduler)
        finally:
            scheduler.flush()


def _drain(scheduler: Scheduler) -> None:
    """Every job, whatever its interval, until a round finds nothing to do. Connections are left alone:
    a one-off run is short, and inside a test's transaction closing them would end the transaction."""
    while scheduler.run_due(everything=True):
        pass


def _loop(scheduler: Scheduler) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info("worker started with %d jobs", len(scheduler.slots))
    try:
        while not stop.is_set():
            _fresh_connections()
            scheduler.run_due()
            stop.wait(min(scheduler.seconds_to_next(), MAX_SLEEP))
    except KeyboardInterrupt:  # Ctrl-C: stop at once, even in the middle of a run
        pass
    log.info("worker stopped")


def _fresh_connections() -> None:
    """Drop a connection the database closed (a restart) or that is older than CONN_MAX_AGE."""
    try:
        close_old_connections()
    except Exception:  # the database restarting must not kill the worker
        log.warning("could not close an old database connection", exc_info=True)
