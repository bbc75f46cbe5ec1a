import atexit
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from civicloop.cases.models import Case


class Command(BaseCommand):
    help = "迁移、建立演示城市（若为空）并启动服务 / migrate, seed the demo city if empty, serve it"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up only")

    def handle(self, *args, bind, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=1)
        if not Case.objects.exists():
            call_command("seed_demo")
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "-m", "civicloop.cli", "worker"])
        atexit.register(worker.terminate)
        self.stdout.write(f"civicloop 演示 demo: http://{bind}/api/docs  (admin: http://{bind}/admin/)")
        call_command("serve", bind=bind)
