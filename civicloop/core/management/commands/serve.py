import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def gunicorn_argv(bind: str, workers: int) -> list[str]:
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return [gunicorn, "civicloop.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "--graceful-timeout", "20", "--timeout", "60"]


class Command(BaseCommand):
    help = "生产服务器（gunicorn，多进程）/ production server (gunicorn, several workers)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=settings.SERVE_WORKERS)

    def handle(self, *args, bind, workers, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(bind, workers)
        self.stdout.write(f"serving on http://{bind} with {workers} workers")
        sys.stdout.flush()
        os.execv(argv[0], argv)  # gunicorn takes over this process: signals reach it directly
