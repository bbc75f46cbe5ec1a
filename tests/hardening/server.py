"""A real `civicloop serve` (gunicorn) in a subprocess on the test database, which a test may kill."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The test database (pytest-django's) as a DATABASE_URL for another process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    user, host, port = config.get("USER") or "postgres", config.get("HOST") or "127.0.0.1", config.get("PORT") or 5432
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{config['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, *, workers: int = 2, log: Path):
        self.port, self.workers, self.log = free_port(), workers, log
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "CIVICLOOP_ENV": "test",
               "CIVICLOOP_DATA_DIR": str(settings.DATA_DIR), "CIVICLOOP_IMAGE_PROCESSING": "inline"}
        civicloop = Path(sys.executable).with_name("civicloop")
        with open(self.log, "ab") as out:
            # Its own process group: SIGKILL reaches the gunicorn master and every worker at once.
            self.process = subprocess.Popen([str(civicloop), "serve", "--bind", f"127.0.0.1:{self.port}",
                                             "--workers", str(self.workers)], env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not come up: see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, requests cut mid-way, transactions left open."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


def ensure_city() -> None:
    """An earlier transactional test may have flushed the demo city: build it again if so."""
    from civicloop.demo import city
    from civicloop.org.models import User

    if not User.objects.filter(username="operator").exists():
        city.build_city()
