"""A results page with a tie that could not change who won, in a real browser, EN and FR.

An IRV motion where two options have no first preference: they tie for last, either order
elects the same option, so the page must not say a tie was broken and says the tie-break
order decided nothing. axe-core (every impact) at 1280 and 320 px, no sideways scrolling,
screenshots at 1280 and 375 px: tests/artifacts/results-immaterial-tie-<lang>-<width>.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

import voting
from app.extensions import db
from tests.app.motion_helpers import close_now, draft_motion, open_now
from tests.browser.conftest import LiveServer, Ui
from tests.browser.test_results_pages import Tour

pytestmark = pytest.mark.browser

OPTIONS = [
    {"id": "a", "en": "Regional settlement hubs", "fr": "Pôles régionaux d’établissement"},
    {"id": "b", "en": "Shared interpretation pool", "fr": "Réserve commune d’interprètes"},
    {"id": "c", "en": "Employer round tables", "fr": "Tables rondes d’employeurs"},
    {"id": "d", "en": "Youth mentoring", "fr": "Mentorat des jeunes"},
    {"id": "e", "en": "Rural transport fund", "fr": "Fonds de transport rural"},
]
# c and d have no first preference; b wins in the last round whichever of them goes first.
BALLOTS = [(4, list("abcde")), (3, list("badce")), (2, list("ecdba"))]


@pytest.fixture(scope="module")
def motion_id(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        motion_id = draft_motion(method="irv", option_list=OPTIONS, title="Choose the 2027 federation priority")
        open_now(motion_id)
        motion = close_now(motion_id)
        result = voting.tally("irv", BALLOTS, options=list("abcde"), tie_break_seed=bytes(32)).as_dict()
        motion.result_json = json.dumps(result)
        db.session.commit()
    return motion_id


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_immaterial_tie_is_not_called_broken(lang: str, live_server: LiveServer, motion_id: int,
                                                new_page: Callable[[], Page], axe_source: str,
                                                artifacts: Path) -> None:
    page = new_page()
    ui = Ui(lang, live_server.url)
    tour = Tour(page, ui, axe_source, artifacts)
    page.goto(ui.url("/audit/"))
    ui.ensure_language(page)
    page.goto(ui.url(f"/results/motions/{motion_id}"))
    outcome = page.locator(".outcome")
    expect(outcome).to_contain_text(OPTIONS[1][lang])
    expect(outcome).not_to_contain_text(ui.t("A tie was broken by the published tie-break order; see below."))
    tied_round = ui.t("Round %(round)d: %(tied)s were tied for the least weight (%(weight)s); the tie-break order "
                      "eliminated %(option)s (%(material)s); its ballots moved on: %(moved)s.") % {
        "round": 1, "tied": f"{OPTIONS[2][lang]}, {OPTIONS[3][lang]}", "weight": "0", "option": OPTIONS[2][lang],
        "material": ui.t("any order gives the same winner"),
        "moved": ui.t("none had a next choice still in the count")}
    expect(page.locator("main")).to_contain_text(tied_round)
    ties = page.locator("section[aria-labelledby=ties-heading]")
    expect(ties.locator("tbody tr")).to_have_count(1)
    expect(ties.locator("tbody td").last).to_have_text(ui.t("no, it could not change who won"))
    expect(ties).to_contain_text(ui.t("None of these ties could change who won: every order of breaking them "
                                      "elects the same, so the tie-break order decided nothing."))
    ties.scroll_into_view_if_needed()
    tour.look("immaterial-tie")
    tour.report()
