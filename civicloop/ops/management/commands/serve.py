import os
import re
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def control_socket(bind: str) -> Path:
    """Where this instance's gunicorn control socket goes (gunicornc -s PATH talks to it).

    gunicorn's default is one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second
    instance on the machine unlinks the first one's socket and takes the path, so `gunicornc` reaches
    the wrong server, and stopping either removes the other's. Here each data directory has its own,
    named for the address (two instances of one data directory on two ports do not collide either),
    in a directory only this user can enter."""
    run = Path(settings.DATA_DIR) / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    run.chmod(0o700)  # made earlier with a looser umask
    name = re.sub(r"[^A-Za-z0-9.]+", "-", bind).strip("-")
    return run / f"gunicorn-{name}.ctl"


def gunicorn_argv(bind: str, workers: int) -> list[str]:
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    return [gunicorn, "civicloop.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "--graceful-timeout", "20", "--timeout", "60",
            "--control-socket", str(control_socket(bind))]


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
