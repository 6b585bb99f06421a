"""The chair's weights and voting power page, in a real browser: the derivation in words.

For each demo policy (tiered and regional parity under the exact rule, the population blend
with its fixed total of 10,000 units, and the draft's), the preview runs through axe-core (no
violation of any impact, no sideways scrolling), in English and French at 1280 and 375 px, and
shows the derivation's caption and basis in the page's language, never the snapshot's own
English strings. Screenshots: tests/artifacts/weights-<policy>-<lang>-<width>.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.motions.models import Motion, MotionState
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

CAPTIONS = {
    "exact": "Weight derivation (exact weights)",
    "fixed_total": "Weight derivation (fixed total of %(total)s units)",
}


def _motions(server: LiveServer) -> dict[str, tuple[int, str]]:
    """One motion per policy kind of the demo: name -> (motion id, derivation rule)."""
    found: dict[str, tuple[int, str]] = {}
    with server.app.app_context():
        for motion in db.session.scalars(select(Motion).order_by(Motion.id)):
            policy = motion.weight_policy
            name = "draft" if motion.state is MotionState.DRAFT else policy["kind"]
            found.setdefault(name, (motion.id, policy.get("rule", "")))
    assert {"tiered", "regional_parity", "blended", "draft"} <= set(found), found
    return found


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_weight_derivation_reads_in_the_page_language(lang: str, width: int, live_server: LiveServer,
                                                      new_page: Callable[[], Page], axe_source: str,
                                                      artifacts: Path) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    ui = Ui(lang, live_server.url)
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    ui.sign_in(page, "chair")
    for name, (motion_id, rule) in sorted(_motions(live_server).items()):
        axe.visit(ui, f"/motions/{motion_id}/preview", f"weights preview ({name})")
        caption = page.locator("#weight-derivation-title")
        if rule == "fixed_total":
            expect(caption).to_contain_text(ui.t(CAPTIONS[rule]).split("%")[0].rstrip())
        else:
            expect(caption).to_have_text(ui.t(CAPTIONS[rule]))
        body = page.locator("main").inner_text()
        for machine in ("size_class=", "region=", "equal: 1/n", "floor(total", "split among", "x population"):
            assert machine not in body, f"{name}: {machine!r} shown to people"
        if lang == "fr":
            assert "Weight derivation" not in body and " of the total" not in body
        page.screenshot(path=artifacts / f"weights-{name}-{lang}-{width}.png", full_page=True)
        top = page.locator(".table-scroll:has(table.weight-derivation)").evaluate(
            "e => e.getBoundingClientRect().top + window.scrollY")
        page.screenshot(path=artifacts / f"weights-{name}-{lang}-{width}-derivation.png", full_page=True,
                        clip={"x": 0, "y": max(0, top - 200), "width": width, "height": 700})
    axe.report()


def test_demo_motions_under_the_new_rule_verify(live_server: LiveServer) -> None:
    """Every demo motion opened with a format-2 snapshot whose equal members have equal weights."""
    with live_server.app.app_context():
        for motion in db.session.scalars(select(Motion).where(Motion.state != MotionState.DRAFT)):
            snapshot = json.loads(motion.open_leaf_json)["weights"]
            assert snapshot["format"] == "lipvote-weights/2", motion.id
            assert "rule" in snapshot["policy"]
