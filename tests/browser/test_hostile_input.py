"""Hostile input in a real browser: a ranking with a gap comes back with the reason and ranking.js
says it renumbered it; a form posted from a page of no origin (Origin: null) changes nothing."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.app.motion_helpers import draft_motion, open_now, options
from tests.browser.conftest import LiveServer
from tests.browser.test_role_homes import sign_in

pytestmark = pytest.mark.browser


def test_a_ranking_with_a_gap_is_refused_and_the_widget_says_it_renumbers(page: Page,
                                                                          fresh_live_server: LiveServer) -> None:
    base = fresh_live_server.url
    with fresh_live_server.app.app_context():
        motion_id = draft_motion(method="irv", option_list=options("ada", "bea", "cy"))
        open_now(motion_id)
    sign_in(page, base, "delegate.halifax")
    page.goto(f"{base}/motions/{motion_id}/ballot")
    expect(page.locator(".ranker")).to_be_visible()
    expect(page.locator(".ranker-renumbered")).to_have_count(0)
    # What a browser without the script (or a hand-made request) can send: ranks 1 and 3.
    page.evaluate("""() => {
        document.querySelector('select[name="rank-cy"]').value = '1';
        document.querySelector('select[name="rank-ada"]').value = '3';
        document.querySelector('form.ballot').submit();
    }""")
    expect(page.locator(".error-summary")).to_contain_text("Rank 2 is not given, but rank 3 is")
    expect(page.locator(".ranker-renumbered")).to_be_visible()
    expect(page.locator(".ranker-ranked .ranker-label")).to_have_text(["Cy", "Ada"])
    ranks = page.evaluate("() => Object.fromEntries([...document.querySelectorAll('.rank-field select')]"
                          ".map(s => [s.name, s.value]))")
    assert ranks == {"rank-ada": "2", "rank-bea": "", "rank-cy": "1"}  # what the voter now sees is what is sent
    page.get_by_role("button", name="Review my ballot").click()
    expect(page.locator("main")).to_contain_text("Your ranking, most preferred first:")


def test_a_form_posted_from_a_page_of_no_origin_is_refused(page: Page, fresh_live_server: LiveServer) -> None:
    base = fresh_live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/accounts/")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    # A page of opaque origin (a data: URL, as a sandboxed frame would be) posting to lipvote with a
    # genuine token: the browser sends Origin: null (and no session cookie: SameSite=Lax).
    page.goto("data:text/html," + quote(f'<form method="post" action="{base}/language">'
                                        f'<input name="csrf_token" value="{token}"><input name="lang" value="fr">'
                                        '<button>Go</button></form>'))
    with page.expect_response(re.compile(r".*/language$")) as posted:
        page.get_by_role("button", name="Go").click()
    assert posted.value.status == 403
    expect(page.locator("main")).to_contain_text("nothing was done")
    page.goto(f"{base}/home")
    expect(page.locator("html")).to_have_attribute("lang", "en")
