"""Real-browser harness: Debian's chromium driven by Playwright against a live lipvote server.

Playwright cannot download its own browsers here, so the session launches /usr/bin/chromium
(see ../shared/design/browser-tests.md). A missing browser fails the run with one sentence;
it is never skipped. The live server is the real WSGI app on a free loopback port, on a
temporary migrated SQLite database holding the demo federation.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from app import demo
from app.extensions import db
from tests.conftest import make_app

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Debian's chromium is not installed (apt-get install chromium); `make test` installs it when run as root.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
    }


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class LiveServer:
    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    database = folder / "lipvote.sqlite3"
    shutil.copyfile(migrated_database, database)
    app = make_app(folder, database, TESTING=False)
    with app.app_context():
        demo.load()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
