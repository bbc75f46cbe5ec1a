import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civicloop.cases.models import Case
from civicloop.ops.management.commands.serve import gunicorn_argv


class Command(BaseCommand):
    help = "迁移、建立演示城市（若为空）并启动服务与后台任务 / migrate, seed the demo city if empty, serve it"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up only")

    def handle(self, *args, bind, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=1)
        if not Case.objects.exists():
            call_command("seed_demo")
        if no_serve:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"civicloop 演示 demo: http://{bind}/api/docs  admin: http://{bind}/admin/  (Ctrl-C 停止)")
        children = [
            subprocess.Popen([sys.executable, "-m", "civicloop.cli", "worker", "--nice", "10"]),
            subprocess.Popen(gunicorn_argv(bind, settings.SERVE_WORKERS)),
        ]
        # Stop both children together, whichever way this process is asked to stop.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            children[1].wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)
