"""No English on a French page of the meeting's journey.

The catalogue is re-extracted from the sources (as `make messages` does), so a string added
without going through the catalogue is still known as English once it is marked, and a marked
string shown untranslated is caught. Every page each role reaches by links from its home is
rendered in French (as tests/app/test_crawl.py walks them), with the pages reached by posting a
form: a ballot under review, the receipt after casting, forms refused with errors, and an
invitation opened by a French-speaking invitee. The visible text of each page (text nodes, the
words of buttons, alt, title and aria-label) may not contain the English of a catalogue entry
whose French differs, nor English prose outside the catalogue (a refusal raised as a plain string),
nor a raw motion state ("open", "certified").

Ignored on purpose: very short strings (3 letters or fewer), text marked in another language
(`lang="en"`, the language switch), and machine text in <code>, <pre>, <kbd> and <samp>.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import demo
from app.extensions import db
from app.models import Member, User
from app.motions.models import Motion
from app.paths import PROJECT_ROOT, TRANSLATIONS_DIR
from tests.app.motion_helpers import draft_motion, open_now
from tests.app.test_i18n import EXTRACT_OPTIONS
from tests.app.conftest import internal_links
from tests.conftest import csrf_token, post_form, sign_in

# Whole-site walks: the full tier (`make test`) runs them, `make check` leaves them out.
pytestmark = pytest.mark.site

FRENCH = TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{[A-Za-z_]\w*\}")
MIN_LETTERS = 4
# A state word on its own ("motion.open", an audit action's name, is machine text)
RAW_STATES = re.compile(r"(?<![\w.-])(draft|open|closed|certified)(?![\w-])", re.IGNORECASE)
# Machine text, and a textarea's content (what someone typed, e.g. a motion's English text)
MACHINE_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "template", "textarea"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
# English that never went through the catalogue (a refusal raised as a plain string): two of
# these English-only words within five words of each other is English prose, not data.
ENGLISH_ONLY = {"the", "this", "these", "has", "have", "already", "is", "are", "was", "were", "with", "your", "you",
                "of", "and", "to", "be", "been", "will", "from", "that", "there", "only", "cannot", "must", "no",
                "not", "any", "been", "which", "when", "what", "who", "it", "its", "by", "for", "or", "an"}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
ROLES = ("chair", "delegate.halifax", "auditor", "observer", "admin")
MAX_PAGES_PER_ROLE = 250
# English still expected, each with the reason.
KNOWN_ENGLISH: dict[str, tuple[re.Pattern[str], set[str]]] = {
    # The offline verifier prints English; the French help quotes its literal output line.
    "the verifier's own words, quoted": (re.compile(r"/audit/motions/\d+/verified$"), {"to the signed root"}),
}


def expected_english(page_name: str, found: str) -> bool:
    return any(page.fullmatch(page_name) and any(part in found for part in parts)
               for page, parts in KNOWN_ENGLISH.values())


class VisibleText(HTMLParser):
    """The words a French reader sees or hears on a page, skipping machine text and text marked
    as another language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        skipped = (self.skipping or tag in MACHINE_TAGS
                   or (values.get("lang", "fr") != "fr" and tag != "html"))
        if not skipped:
            self.parts += [values[name] for name in SPOKEN_ATTRIBUTES if values.get(name)]
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"])
        if tag not in VOID_TAGS:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


def fragments(msgid: str) -> list[str]:
    """The literal pieces of a msgid between its placeholders, trimmed of spaces and punctuation."""
    pieces = (piece.strip(" \t\n.,:;()[]“”\"'«»·—–-") for piece in PLACEHOLDER.split(msgid))
    return [piece for piece in pieces if sum(ch.isalpha() for ch in piece) >= MIN_LETTERS]


@pytest.fixture(scope="module")
def english_patterns(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, re.Pattern[str]]]:
    """For each English fragment that the French catalogue says differently: a whole-word pattern."""
    output = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *EXTRACT_OPTIONS, "-o", str(output), "."],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    with output.open("rb") as handle:
        extracted: Catalog = read_po(handle)
    with FRENCH.open("rb") as handle:
        french: Catalog = read_po(handle, locale="fr")
    french_words = " ".join(" ".join(m.string) if isinstance(m.string, (list, tuple)) else (m.string or "")
                            for m in french if m.id)
    found: dict[str, re.Pattern[str]] = {}
    for message in extracted:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        translated = french.get(message.id)
        strings = translated.string if translated is not None else ""
        french_text = " ".join(strings) if isinstance(strings, (list, tuple)) else (strings or "")
        for msgid in ids:
            for fragment in fragments(msgid):
                if fragment in french_text or fragment in found:
                    continue
                pattern = re.compile(rf"(?<![\w.-]){re.escape(fragment)}(?![\w-])")  # not "motion.open"
                if not pattern.search(french_words):  # "Option", "Close": French words too
                    found[fragment] = pattern
    assert "Skip to main content" in found and "Sign in" in found  # the guard guards something
    return sorted(found.items())


def english_on(text: str, patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    return [fragment for fragment, pattern in patterns if fragment in text and pattern.search(text)]


def english_prose(text: str) -> list[str]:
    """Runs of words that read as English outside the catalogue, e.g. "has already voted on this"."""
    words = WORD.findall(text)
    found = []
    index = 0
    while index < len(words):
        window = words[index:index + 5]
        if words[index].lower() in ENGLISH_ONLY and sum(w.lower() in ENGLISH_ONLY for w in window) >= 2:
            found.append(" ".join(window))
            index += 5
        else:
            index += 1
    return found


# --- the journey's pages -------------------------------------------------------------------------


@pytest.fixture
def demo_app(demo_app: Flask) -> Flask:
    app = demo_app
    with app.app_context():
        # A fresh open motion where Halifax has not voted, for the ballot, review and receipt.
        motion_id = draft_motion(title="Adopt the annual report (French pages check)")
        db.session.get(Motion, motion_id).title_fr = "Adopter le rapport annuel (vérification des pages en français)"
        db.session.commit()
        open_now(motion_id)
    app.config["FRENCH_CHECK_MOTION"] = motion_id
    return app


def french_client(app: Flask, account: str | None) -> FlaskClient:
    client = app.test_client()
    start = "/home" if account else "/login"
    if account is not None:
        assert sign_in(client, f"{account}@demo.example", demo.DEMO_PASSWORD).status_code == 302
    assert post_form(client, "/language", {"lang": "fr", "next": start}, token_from=start).status_code == 302
    return client


def crawl(client: FlaskClient, start: str) -> dict[str, str]:
    """url -> HTML of every page reached by links from `start` (as test_crawl walks them)."""
    pages: dict[str, str] = {}
    seen: set[str] = set()
    queue = deque([start, "/audit/"])
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 300 or not response.content_type.startswith("text/html"):
            continue
        body = response.get_data(as_text=True)
        pages[url] = body
        queue.extend(href for href in internal_links(body) if href not in seen)
    return pages


def posted_pages(app: Flask) -> dict[str, str]:
    """The pages reached by posting forms, each in French."""
    pages: dict[str, str] = {}
    motion_id = app.config["FRENCH_CHECK_MOTION"]

    anonymous = french_client(app, None)
    wrong = post_form(anonymous, "/login", {"email": "chair@demo.example", "password": "not the password"})
    pages["sign-in refused"] = wrong.get_data(as_text=True)

    chair = french_client(app, "chair")
    refused = post_form(chair, "/motions/new", {"method": "irv", "threshold": "two_thirds", "seats": "2",
                                                "options-0-en": "Halifax"})
    assert refused.status_code == 422
    pages["motion form with errors"] = refused.get_data(as_text=True)
    not_a_draft = chair.get(f"/motions/{motion_id}/edit")
    assert not_a_draft.status_code == 409
    pages["editing an open motion refused"] = not_a_draft.get_data(as_text=True)

    admin = french_client(app, "admin")
    pages["member form with errors"] = post_form(admin, "/members/new", {}).get_data(as_text=True)
    pages["account form with errors"] = post_form(admin, "/accounts/new", {}).get_data(as_text=True)
    with app.app_context():
        member = db.session.scalar(select(Member.slug).order_by(Member.id))
    invited = post_form(admin, "/accounts/new", {
        "email": "nouvelle.deleguee@demo.example", "display_name": "Nouvelle Déléguée", "role": "delegate",
        "member": member, "delegate_rank": "alternate", "locale": "fr"})
    assert invited.status_code == 201, invited.get_data(as_text=True)
    pages["invitation link shown to the administrator"] = invited.get_data(as_text=True)
    body = invited.get_data(as_text=True)
    link = body[body.index("/invite/"):body.index('"', body.index("/invite/"))]
    invitee = app.test_client()  # the invitee's own browser, which asks for English
    pages["invitation"] = invitee.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    short = post_form(invitee, link, {"password": "short", "confirm": "other"})
    pages["invitation with errors"] = short.get_data(as_text=True)

    delegate = french_client(app, "delegate.halifax")
    token = csrf_token(delegate, f"/motions/{motion_id}/ballot")
    pages["ballot"] = delegate.get(f"/motions/{motion_id}/ballot").get_data(as_text=True)
    empty = delegate.post(f"/motions/{motion_id}/ballot/review", data={"csrf_token": token, "member": "halifax"})
    pages["ballot refused"] = empty.get_data(as_text=True)
    reviewed = delegate.post(f"/motions/{motion_id}/ballot/review",
                             data={"csrf_token": token, "member": "halifax", "choice": "yes"})
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)
    pages["review"] = reviewed.get_data(as_text=True)
    cast = delegate.post(f"/motions/{motion_id}/ballot/cast",
                         data={"csrf_token": token, "member": "halifax", "choice": "yes"})
    assert cast.status_code in (302, 303), cast.get_data(as_text=True)
    pages["receipt"] = delegate.get(cast.headers["Location"]).get_data(as_text=True)
    again = delegate.post(f"/motions/{motion_id}/ballot/cast",
                          data={"csrf_token": token, "member": "halifax", "choice": "no"})
    assert 400 <= again.status_code < 500  # the service refuses a second ballot (no change of vote)
    pages["second ballot refused"] = again.get_data(as_text=True)
    return pages


def test_no_english_and_no_raw_state_on_french_pages(
        demo_app: Flask, english_patterns: list[tuple[str, re.Pattern[str]]]) -> None:
    pages = posted_pages(demo_app)
    for account in (None, *ROLES):
        client = french_client(demo_app, account)
        for url, body in crawl(client, "/home" if account else "/login").items():
            pages.setdefault(url, body)
    with demo_app.app_context():  # people's names are data, not interface: "Demo Chair (Paulina)"
        people = sorted({text for user in db.session.scalars(select(User)) for text in (user.display_name, user.email)},
                        key=len, reverse=True)
    problems = []
    for name, body in sorted(pages.items()):
        assert '<html lang="fr">' in body, f"{name} is not in French"
        text = visible_text(body)
        for person in people:
            text = text.replace(person, " ")
        english = sorted({found for found in english_on(text, english_patterns) + english_prose(text)
                          if not expected_english(name, found)})
        states = sorted({m.group(0) for m in RAW_STATES.finditer(text)})
        if english or states:
            at = text.find((english + states)[0])
            problems.append(f"{name}: English {english}" + (f"; raw states {states}" if states else "")
                            + f"\n    …{text[max(0, at - 60):at + 60]}…")
    assert len(pages) > 60, f"only {len(pages)} pages checked"
    assert not problems, f"{len(problems)} French page(s) show English:\n" + "\n".join(problems)


def test_the_check_sees_english_and_leaves_other_text_alone(english_patterns: list[tuple[str, re.Pattern[str]]]) -> None:
    page = ('<html lang="fr"><head><title>Accueil</title></head><body>'
            '<p>Se connecter</p><button lang="en">English</button><code>motion.open</code>'
            '<textarea>Whereas the federation</textarea><input type="submit" value="Sign in">'
            '<p aria-label="Skip to main content">x</p></body></html>')
    text = visible_text(page)
    assert "English" not in text and "motion.open" not in text and "Whereas" not in text
    assert english_on(text, english_patterns) == ["Sign in", "Skip to main content"]
    assert english_prose("Cette action entre en conflit. This member has already voted on this motion.") == [
        "This member has already voted"]
    assert english_prose("PLI de Saint John · Partenariat local en immigration de Fredericton") == []
    assert english_on(visible_text('<html lang="fr"><p>Une motion ouverte, close depuis hier</p></html>'),
                      english_patterns) == []
    assert RAW_STATES.findall("État : open") == ["open"] and not RAW_STATES.findall("motion.open, ouverte")
