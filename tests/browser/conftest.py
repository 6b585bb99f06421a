"""Real-browser harness: Debian's chromium driven by Playwright against a live lipvote server.

Playwright cannot download its own browsers here, so the session launches Debian's
/usr/bin/chromium through `executable_path`. A missing browser fails the run with one sentence;
it is never skipped. The live server is the real WSGI app on a free loopback port, on a
temporary migrated SQLite database holding the demo federation: one per test module
(`live_server`) or one per test (`fresh_live_server`, for journeys that change the federation).

`Ui(lang, base)` drives the UI in one language with the labels of the server's own compiled
catalogue; `new_page()` opens a page in a context of its own (one person, one browser);
`axe_source` is axe-core's script, and fails the run in one sentence when it is not installed.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from babel.support import NullTranslations, Translations
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from app import demo
from app.demo import DEMO_PASSWORD, email_for
from app.extensions import db
from tests.conftest import DEMO_DATABASE, make_app

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


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


def whole_file_wrapper(file: Any, block_size: int = 8192) -> list[bytes]:
    """Static files served whole from memory, the file closed before the first byte is sent.

    Werkzeug's development server closes a streamed file only after draining the socket, and
    that drain raises when the browser has already dropped the connection (a page navigated
    away mid-stylesheet), leaving the file to the garbage collector and a ResourceWarning that
    the suite treats as an error. Static files here are a few kilobytes."""
    with file:
        return [file.read()]


def with_whole_files(app: Any) -> Callable[[dict[str, Any], Any], Any]:
    def serve_request(environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.file_wrapper"] = whole_file_wrapper
        return app(environ, start_response)

    return serve_request


class LiveServer:
    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app


@contextmanager
def serve(folder: Path, migrated_database: Path, demo_template: Path | None = None,
          **config: Any) -> Iterator[LiveServer]:
    """The real WSGI app on a free loopback port, on a fresh copy of the migrated database
    holding the demo federation (and its demo history of motions); `config` overrides the
    test configuration (tests/conftest.py: make_app). With `demo_template` (the instance folder
    of tests/conftest.py's `demo_template`, loaded once per test process) the demo is copied,
    signing key and all, instead of loaded again; without it, it is loaded under `config`."""
    database = folder / DEMO_DATABASE
    if demo_template is not None:
        shutil.copytree(demo_template, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.writers"))
        app = make_app(folder, database, **{"TESTING": False, **config})
    else:
        shutil.copyfile(migrated_database, database)
        app = make_app(folder, database, **{"TESTING": False, **config})
        with app.app_context():
            demo.load()
    server = make_server("127.0.0.1", 0, with_whole_files(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path,
                demo_template: Path) -> Iterator[LiveServer]:
    """One server for a whole test module (tests in it share the database)."""
    with serve(tmp_path_factory.mktemp("live"), migrated_database, demo_template) as server:
        yield server


@pytest.fixture
def fresh_live_server(tmp_path: Path, migrated_database: Path, demo_template: Path) -> Iterator[LiveServer]:
    """A server of its own for one test, for journeys that change the state of the federation."""
    with serve(tmp_path / "instance", migrated_database, demo_template) as server:
        yield server


# --- the UI's words in either language ---------------------------------------------------------


@functools.cache
def catalogue(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang], domain="messages")


class Ui:
    """Drives the UI in one language: the labels come from the same compiled catalogue the
    server renders with, so a French run clicks the French labels (and checks html lang)."""

    def __init__(self, lang: str, base: str) -> None:
        self.lang = lang
        self.base = base

    def t(self, msgid: str, **values: Any) -> str:
        text = catalogue(self.lang).gettext(msgid)
        return text % values if values else text

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def ensure_language(self, page: Page) -> None:
        """Switch the page (and, when signed in, the account) to this run's language."""
        html = page.locator("html")
        if html.get_attribute("lang") != self.lang:
            page.get_by_role("button", name="Français" if self.lang == "fr" else "English", exact=True).click()
        expect(html).to_have_attribute("lang", self.lang)

    def sign_in(self, page: Page, account: str) -> None:
        """Open the login page, switch it to this language, sign in, and keep the language."""
        page.goto(self.url("/login"))
        self.ensure_language(page)
        page.get_by_label(self.t("E-mail address"), exact=True).fill(email_for(account))
        page.get_by_label(self.t("Password"), exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name=self.t("Sign in"), exact=True).click()
        expect(page).to_have_url(self.url("/home"))
        # The account's stored locale wins after sign-in; switch again if it differs.
        self.ensure_language(page)


@pytest.fixture
def new_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Callable[[], Page]]:
    """Pages in contexts of their own: one per person, as if each used their own browser."""
    contexts: list[BrowserContext] = []

    def make(**overrides: Any) -> Page:
        context = browser.new_context(**{**browser_context_args, "accept_downloads": True, **overrides})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run .ci/install-test-deps (npm install axe-core) first.")
    return AXE.read_text(encoding="utf-8")
