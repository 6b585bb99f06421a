"""The witnesses on the public audit pages: the key page lists the demo's two member witnesses and
a closed motion's audit page says who cosigned its latest checkpoint; axe finds nothing of any
impact, in English and French, and nothing scrolls sideways at 320 px."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.motions.models import Motion
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

OVERFLOW = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def closed_motion(server: LiveServer) -> int:
    with server.app.app_context():
        return db.session.scalars(select(Motion.id).where(Motion.closed_at.is_not(None)).order_by(Motion.id)).first()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_witnesses_on_the_audit_pages(lang: str, live_server: LiveServer, new_page: Callable[[], Page],
                                      axe_source: str, artifacts: Path) -> None:
    page = new_page()
    ui = Ui(lang, live_server.url)
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    motion_id = closed_motion(live_server)
    page.goto(ui.url("/audit/key"))
    ui.ensure_language(page)
    for path, name in (("/audit/key", "key"), (f"/audit/motions/{motion_id}", "motion")):
        for width in (1280, 375, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(ui.url(path))
            expect(page.get_by_text("lip-halifax.demo.example/witness").first).to_be_visible()
            scroll, client = page.evaluate(OVERFLOW)
            assert scroll <= client, f"{path} scrolls sideways at {width} px ({lang})"
            if width != 320:
                axe.check(f"witnesses {name} {width}")
                page.screenshot(path=artifacts / f"witnesses-{name}-{lang}-{width}.png", full_page=True)
    page.goto(ui.url("/audit/key"))
    expect(page.get_by_role("heading", name=ui.t("Witnesses"), exact=True)).to_be_visible()
