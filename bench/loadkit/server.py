"""gunicorn on a database, as `make run` starts it (gunicorn.conf.py), with kills and restarts.

The server runs in its own session (process group), so a crash can be simulated by SIGKILL of
the master and every worker at once, and a worker crash by SIGKILL of one worker (the master
then starts a new one). A restart binds the same port on the same database.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.loadkit.procs import children, tree_cpu_seconds, wait_gone

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
LOG_ORIGIN = "lipvote.load"
SECRET_KEY = "load-bench-secret-key-not-for-production"


class ServerFailed(RuntimeError):
    """gunicorn did not come up (the message carries the end of its log)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def app_environment(database_url: str, folder: Path) -> dict[str, str]:
    """The environment variables the served app reads (docs/configuration.md)."""
    return {
        "LIPVOTE_DATABASE_URL": database_url,
        "LIPVOTE_SECRET_KEY": SECRET_KEY,
        "LIPVOTE_SIGNING_KEY": str(folder / "signing_key"),
        "LIPVOTE_LOG_ORIGIN": LOG_ORIGIN,
        # The simulated chair and auditor sign in with a password alone: the bench measures the
        # meeting, and two-factor sign-in has its own tests (tests/app/test_two_factor.py).
        "LIPVOTE_TWO_FACTOR_ROLES": "none",
    }


def app_config(database_url: str, folder: Path) -> dict[str, Any]:
    """The same settings as `app_environment`, for `create_app` in this process."""
    return {
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "LIPVOTE_SIGNING_KEY": str(folder / "signing_key"),
        "LIPVOTE_LOG_ORIGIN": LOG_ORIGIN,
        "LIPVOTE_TWO_FACTOR_ROLES": "none",
    }


class Gunicorn:
    def __init__(self, environment: dict[str, str], workers: int, log_path: Path, port: int | None = None) -> None:
        self.environment = {**os.environ, **environment}
        self.workers = workers
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.incarnations = 0
        self._cpu_spent = 0.0  # by incarnations that ended
        self._cpu_at_boot = 0.0  # of the current incarnation, once its workers were up

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 90) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [gunicorn, "-c", "gunicorn.conf.py", "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}",
                 "wsgi:app"],
                cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.incarnations += 1
        deadline = time.monotonic() + timeout
        while not (self._healthy() and len(self.worker_pids()) >= self.workers):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.crash()
                raise ServerFailed(f"gunicorn did not start: {self.log_tail()}")
            time.sleep(0.1)
        self._cpu_at_boot = tree_cpu_seconds(self.process.pid) or 0.0

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process is not None and self.process.poll() is None else []

    def cpu_seconds(self) -> float:
        """CPU used serving requests so far: every incarnation after its workers were up."""
        current = tree_cpu_seconds(self.process.pid) if self.process is not None else None
        return self._cpu_spent + (current - self._cpu_at_boot if current is not None else 0.0)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker in the middle of whatever it does; the master starts another."""
        os.kill(pid, signal.SIGKILL)

    def crash(self) -> None:
        """SIGKILL the master and all its workers at once, as a crash of the whole service would."""
        if self.process is None:
            return
        current = tree_cpu_seconds(self.process.pid)
        pids = [self.process.pid, *self.worker_pids()]
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        wait_gone(pids, timeout=10)
        if current is not None:
            self._cpu_spent += current - self._cpu_at_boot
        self.process = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM); SIGKILL of the whole group if it is not done in 30 s."""
        if self.process is None:
            return
        current = tree_cpu_seconds(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.crash()
            return
        if current is not None:
            self._cpu_spent += current - self._cpu_at_boot
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_text()[-chars:]

    def tracebacks(self) -> list[str]:
        """One line per error logged with a traceback: the error, and the innermost frame of our code."""
        found: list[str] = []
        block: list[str] = []
        for line in [*self.log_text().splitlines(), "[0000-"]:
            if LOG_RECORD.match(line):
                if any(x.startswith("Traceback") for x in block):
                    found.append(_summary(block))
                block = []
            else:
                block.append(line)
        return found


LOG_RECORD = re.compile(r"\[\d{4}-|\d+\.\d+\.\d+\.\d+ - ")  # a gunicorn log line or an access log line


def _summary(block: list[str]) -> str:
    last = max(i for i, line in enumerate(block) if line.startswith("Traceback"))
    error = next((line for line in block[last + 1:] if line and not line.startswith(" ")), "?")
    ours = [line.strip() for line in block if line.startswith('  File "') and f"{ROOT}/" in line and "/.venv/" not in line]
    return f"{error} ({ours[-1]})" if ours else error
