"""gunicorn.conf.py as gunicorn itself reads it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.concurrency.test_gunicorn_casting import ROOT, free_port

pytestmark = pytest.mark.slow


def test_no_control_socket_is_shared_between_instances(tmp_path: Path, migrated_database: Path) -> None:
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    port = free_port()
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "LIPVOTE_DATABASE_URL": f"sqlite:///{migrated_database}", "LIPVOTE_SECRET_KEY": "config-test",
           "LIPVOTE_SIGNING_KEY": str(tmp_path / "signing_key")}
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "--workers", "1",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert list(home.rglob("*.ctl")) == [] and list(runtime.rglob("*.ctl")) == []
    finally:
        server.terminate()
        server.wait(timeout=30)
