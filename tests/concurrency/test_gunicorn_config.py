"""gunicorn.conf.py as gunicorn itself reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.loadkit.server import Gunicorn, app_environment

pytestmark = pytest.mark.slow


def test_no_control_socket_is_shared_between_instances(tmp_path: Path, migrated_database: Path) -> None:
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           **app_environment(f"sqlite:///{migrated_database}", tmp_path)}
    server = Gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log")
    server.start()
    try:
        assert list(home.rglob("*.ctl")) == [] and list(runtime.rglob("*.ctl")) == []
    finally:
        server.stop()
