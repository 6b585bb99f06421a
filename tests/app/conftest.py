"""Web-layer test setup: compiled message catalogues.

The .mo files are build products (`make translations`, ignored by git), so a fresh checkout has
none and a checkout where someone just edited a .po has a stale one. Every test under tests/app
renders pages, and a missing .mo silently falls back to English, so the session compiles any
catalogue whose .mo is missing or older than its .po before the first test here runs, as
`pybabel compile` does (fuzzy entries left out), so `pytest` works without `make`.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import os
import tempfile
from pathlib import Path
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.paths import TRANSLATIONS_DIR


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """Compile one .po into .mo atomically: other test runs may share this checkout and read it."""
    locale = po_path.parent.parent.name
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file, locale=locale)
    handle, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo.tmp")
    try:
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalogue, use_fuzzy=False)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; a build product is world-readable
        os.replace(temporary, mo_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def compile_stale_catalogues(translations: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every <locale>/LC_MESSAGES/*.po whose .mo is missing or older; return the .mo paths written."""
    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            compile_catalogue(po_path, mo_path)
            written.append(mo_path)
    return written


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    compile_stale_catalogues()


def internal_links(html: str) -> list[str]:
    """The site's own page links in a page (no other hosts, no static files), without fragments."""
    links = []
    for href in re.findall(r'href="([^"]+)"', html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if not (parts.scheme or parts.netloc or not href.startswith("/") or href.startswith("/static/")):
            links.append(href)
    return links
