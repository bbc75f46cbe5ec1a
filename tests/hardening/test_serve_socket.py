"""Each `civicloop serve` has its gunicorn control socket in its own data directory (security probe
finding: gunicorn's default is one path per user, so a second server on the machine took over the
first one's socket, and `gunicornc` reached the wrong server)."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hardening.server import database_url, free_port

pytestmark = pytest.mark.django_db


def start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "CIVICLOOP_ENV": "test", "CIVICLOOP_DATA_DIR": str(data_dir)}
    civicloop = Path(sys.executable).with_name("civicloop")
    with open(data_dir.parent / f"serve-{port}.log", "ab") as out:
        # Its own process group: stopping it reaches the gunicorn master and its workers.
        return subprocess.Popen([str(civicloop), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def healthy(process: subprocess.Popen, port: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def listeners(socket_path: Path) -> str:
    """What gunicornc reads through the socket: the addresses that server listens on."""
    gunicornc = Path(sys.executable).with_name("gunicornc")
    answer = subprocess.run([str(gunicornc), "-s", str(socket_path), "-c", "show listeners", "-j"],
                            capture_output=True, text=True, timeout=30, check=True)
    return json.dumps(json.loads(answer.stdout))


def test_two_servers_each_have_their_control_socket_in_their_own_data_directory(tmp_path):
    # Short paths: a Unix socket's path may be at most 107 bytes.
    servers = {tmp_path / name: free_port() for name in ("a", "b")}
    processes = {}
    try:
        for data_dir, port in servers.items():
            data_dir.mkdir()
            processes[data_dir] = start(data_dir, port)
        for data_dir, port in servers.items():
            assert healthy(processes[data_dir], port), (data_dir.parent / f"serve-{port}.log").read_text()
        for data_dir, port in servers.items():
            run = data_dir / "run"
            assert stat.S_IMODE(run.stat().st_mode) == 0o700
            [socket_path] = run.glob("*.ctl")
            assert stat.S_ISSOCK(socket_path.stat().st_mode)
            assert f":{port}" in listeners(socket_path)  # this server's, not the other one's
    finally:
        for process in processes.values():
            stop(process)
    assert all(process.returncode is not None for process in processes.values())
