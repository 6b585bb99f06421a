"""The chair in a live meeting, in a real browser, in English and French.

The chair opens a secret draft (the confirmation repeats the warning about identifying weights),
watches the console (members that have not voted, by region; a countdown that counts), shows the
motion on the projector in both languages, closes it and lands on the outcome, certifies it
looking at the outcome, reads the meeting's minutes, downloads its CSV and duplicates a motion.

Every page goes through axe-core (no violation of any impact) at 1280 and 320 px, and fails if it
scrolls sideways at 320 px; screenshots at 1280 and 375 px go to
tests/artifacts/chair-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.models import DelegateRank, Member, Role, User, utcnow
from app.motions import service
from app.motions.models import Meeting, Motion
from tests.browser.conftest import LiveServer, Ui, serve
from tests.browser.test_accessibility import Axe

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)
# half equal, half by population: most weights are held by one member each
BLENDED = {"kind": "blended", "total": 10000, "equal_part": "1/2", "cap": None, "floor": None}
YES_NO = [{"id": "yes", "en": "Yes", "fr": "Oui"}, {"id": "no", "en": "No", "fr": "Non"},
          {"id": "abstain", "en": "Abstain", "fr": "Abstention"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path,
           demo_template: Path) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live-chair"), migrated_database, demo_template) as live:
        yield live


def new_motion(title: tuple[str, str], *, meeting_id: int, order: int, secret: bool = False,
               policy: dict[str, object] | None = None) -> Motion:
    motion = Motion(title_en=title[0], title_fr=title[1], text_en="Shall the federation adopt the plan?",
                    text_fr="La fédération adopte-t-elle le plan?", method="yes_no", seats=1,
                    options_json=json.dumps(YES_NO), rules_json=json.dumps({"threshold": "majority_cast",
                                                                             "quorum": {"members": "1/4"}}),
                    weight_policy_json=json.dumps(policy or {"kind": "equal", "total": 10000, "cap": None,
                                                             "floor": None}),
                    secret=secret, revote=False, meeting_id=meeting_id, agenda_order=order)
    db.session.add(motion)
    db.session.flush()
    return motion


def set_the_room(server: LiveServer, lang: str) -> dict[str, int]:
    """A meeting with a secret draft (weights by population) and an open motion where a few voted."""
    with server.app.app_context(), write_transaction():
        meeting = Meeting(title_en=f"Annual general meeting ({lang})", title_fr=f"Assemblée générale annuelle ({lang})")
        db.session.add(meeting)
        db.session.flush()
        draft = new_motion((f"Elect the auditor by secret ballot ({lang})", f"Élire l’auditeur au scrutin secret ({lang})"),
                           meeting_id=meeting.id, order=2, secret=True, policy=BLENDED)
        live = new_motion((f"Adopt the 2027 workplan ({lang})", f"Adopter le plan de travail 2027 ({lang})"),
                          meeting_id=meeting.id, order=1)
        live.closes_at = utcnow() + timedelta(hours=2)
        service.open_motion(live)
        delegates = db.session.scalars(select(User).join(Member, User.member_id == Member.id)
                                       .where(User.role == Role.DELEGATE, User.delegate_rank == DelegateRank.PRIMARY)
                                       .order_by(Member.slug).limit(24)).all()  # 24 of the demo's 80: above the quarter the quorum needs
        for n, user in enumerate(delegates):
            service.cast_locked(live, user, user.member, "no" if n % 4 == 0 else "yes")
        return {"meeting": meeting.id, "draft": draft.id, "live": live.id}


class Look:
    """Screenshots at 1280 and 375 px, axe and the sideways-scroll check at 1280 and 320 px."""

    def __init__(self, page: Page, axe: Axe, lang: str, artifacts: Path) -> None:
        self.page, self.axe, self.lang, self.artifacts = page, axe, lang, artifacts

    def __call__(self, name: str) -> None:
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=self.artifacts / f"chair-{name}-{self.lang}-{width}.png", full_page=True)
        for width in (320, 1280):
            self.page.set_viewport_size({"width": width, "height": 900})
            self.axe.check(f"{name} at {width} px")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_chair_runs_a_motion_in_the_room(lang: str, server: LiveServer, new_page: Callable[[], Page],
                                         axe_source: str, artifacts: Path) -> None:
    ids = set_the_room(server, lang)
    ui = Ui(lang, server.url)
    t = ui.t
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    axe = Axe(page, axe_source, lang, impacts=("minor", "moderate", "serious", "critical"))
    look = Look(page, axe, lang, artifacts)
    title = f"Adopt the 2027 workplan ({lang})" if lang == "en" else f"Adopter le plan de travail 2027 ({lang})"
    ui.sign_in(page, "chair")

    # The chair's home: the open motion with its turnout and quorum, a countdown, agenda order.
    row = page.locator(".motion-list li").filter(has_text=title)
    expect(row.locator(".live-line")).to_contain_text(t("Quorum by members"))
    home_countdown = row.locator("[data-countdown]")
    expect(home_countdown).to_have_text(re.compile(r"^0?[12]:\d\d:\d\d$"))
    expect(home_countdown).not_to_have_text(home_countdown.inner_text(), timeout=4000)  # live on the home too
    look("home")

    # Opening the secret draft repeats the preview's warning about identifying weights.
    page.goto(ui.url(f"/motions/{ids['draft']}/open"))
    expect(page.locator(".warning")).to_contain_text(t("Secret ballot: some weights identify their holder"))
    look("confirm-open-secret")

    # The console: who has not voted yet (by region), a countdown that counts, the update time.
    page.goto(ui.url(f"/motions/{ids['live']}/console"))
    waiting = page.locator("[data-groups=not_voted]")
    expect(waiting.locator("h3").first).to_be_visible()
    expect(page.locator("[data-field=updated_at]")).to_have_text(re.compile(r"\d"))
    countdown = page.locator("[data-countdown]")
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=4000)  # console.js counts down every second
    expect(page.get_by_text("Log size")).to_have_count(0)
    look("console")

    # The projector view: both languages, no navigation, live turnout.
    page.goto(ui.url(f"/motions/{ids['live']}/present"))
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator(".present-half[lang=en] .present-title")).to_have_text(f"Adopt the 2027 workplan ({lang})")
    expect(page.locator(".present-half[lang=fr] .present-title")).to_have_text(f"Adopter le plan de travail 2027 ({lang})")
    expect(page.locator(".present-half[lang=fr] .present-options")).to_contain_text("Abstention")
    look("present-open")

    # Close and count: the next page is the outcome, worded as the results page words it.
    page.goto(ui.url(f"/motions/{ids['live']}/console"))
    page.get_by_role("link", name=t("Close the motion…"), exact=True).click()
    look("confirm-close")
    page.get_by_role("button", name=t("Close and count"), exact=True).click()
    expect(page).to_have_url(ui.url(f"/motions/{ids['live']}/outcome"))
    headline = page.locator("p.chair-outcome-headline").inner_text()
    expect(page.locator("p.chair-outcome-headline")).to_contain_text(t("Carried"))
    look("outcome")
    page.get_by_role("link", name=re.compile(re.escape(t("See the full results")))).click()
    expect(page.locator("p.outcome")).to_have_text(headline)
    page.go_back()

    # Certify, looking at the outcome.
    page.get_by_role("link", name=t("Certify the result…"), exact=True).click()
    expect(page.locator(".chair-outcome .outcome")).to_have_text(headline)
    look("confirm-certify")
    page.get_by_role("button", name=t("Certify the result"), exact=True).click()
    expect(page).to_have_url(ui.url(f"/motions/{ids['live']}/outcome"))
    expect(page.locator("p.ok")).to_be_visible()
    expect(page.locator(".next-item").get_by_role("link", name=t("Open it…"))).to_have_attribute(
        "href", f"/motions/{ids['draft']}/open")
    look("outcome-certified")

    page.goto(ui.url(f"/motions/{ids['live']}/present"))
    expect(page.locator(".present-half[lang=en] .present-outcome")).to_contain_text("Carried")
    expect(page.locator(".present-half[lang=fr] .present-outcome")).to_contain_text("Adoptée")
    look("present-closed")

    # The meeting's projector (one address all day) shows the current motion.
    page.goto(ui.url("/motions/present"))
    expect(page.locator(".present-half[lang=fr] .present-title")).to_be_visible()
    look("present-meeting")

    # The meeting's minutes and CSV, in agenda order.
    page.goto(ui.url("/home"))
    page.get_by_role("listitem").filter(has_text=f"({lang})").filter(has=page.get_by_role("link", name=t("Minutes (printable)"))).get_by_role("link", name=t("Minutes (printable)")).click()
    expect(page.locator("h2").first).to_contain_text(title)
    look("minutes")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()  # print.css: the minutes print without chrome
    page.screenshot(path=artifacts / f"chair-minutes-print-{lang}.png", full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.get_by_role("link", name=t("Download the results (CSV)"), exact=True).click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == [title, f"Elect the auditor by secret ballot ({lang})" if lang == "en"
                                        else f"Élire l’auditeur au scrutin secret ({lang})"]

    # Duplicate the certified motion: a new draft, opened in the form for editing.
    page.goto(ui.url("/home"))
    page.locator(".motion-list li").filter(has_text=title).filter(
        has=page.get_by_role("link", name=t("Full results"))).get_by_role("button", name=re.compile(t("Duplicate"))).click()
    expect(page).to_have_url(re.compile(r"/motions/\d+/edit$"))
    expect(page.locator(".flashes")).to_contain_text(t("A copy was saved as a new draft. Change what differs, then open it."))
    axe.report()
