"""The chair in a live meeting: outcome before certifying, the live console, the projector view,
duplicating a motion, and a meeting's minutes and results CSV."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta
from typing import Any, Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User, utcnow
from app.motions.models import Meeting, Motion, MotionState
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.app.test_chair import voters  # noqa: F401  (the fixture: four members in three regions)
from tests.conftest import post_form

ChairClient = Callable[[str], FlaskClient]


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def plain(page: str) -> str:
    """The page's text without tags, spaces collapsed, entities decoded."""
    inline = re.sub(r"</?(span|strong|time|a)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def new_draft(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        return draft_motion(**kwargs)


def opened(app: Flask, **kwargs: Any) -> int:
    motion_id = new_draft(app, **kwargs)
    with app.app_context():
        open_now(motion_id)
    return motion_id


def results_headline(client: FlaskClient, motion_id: int) -> str:
    page = text(client.get(f"/results/motions/{motion_id}"))
    found = re.search(r'<p class="outcome[^"]*">(.*?)</p>', page, re.S)
    assert found is not None
    return plain(found.group(1))


# --- close, outcome, certify -----------------------------------------------------------------


def test_close_leads_to_the_outcome_and_certifying_is_done_looking_at_it(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    with voters.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
        cast_as(motion_id, "ottawa@example.org", "yes")
        cast_as(motion_id, "pei@example.org", "no")
    client = login("chair")
    assert client.get(f"/motions/{motion_id}/outcome").status_code == 409  # nothing counted yet
    response = post_form(client, f"/motions/{motion_id}/close", {})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/motions/{motion_id}/outcome")
    headline = results_headline(client, motion_id)
    assert headline.startswith("Carried")
    outcome = text(client.get(f"/motions/{motion_id}/outcome"))
    assert headline in plain(outcome)  # the same sentence as the results page, not re-derived
    assert f'href="/results/motions/{motion_id}"' in outcome
    assert "Provisional" in outcome and f'href="/motions/{motion_id}/certify"' in outcome

    certify = text(client.get(f"/motions/{motion_id}/certify"))
    assert headline in plain(certify) and f'href="/results/motions/{motion_id}"' in certify
    assert plain(certify).index(headline) < plain(certify).index("Certify the result")  # seen before the button
    response = post_form(client, f"/motions/{motion_id}/certify", {})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/motions/{motion_id}/outcome")
    done = text(client.get(f"/motions/{motion_id}/outcome"))
    assert "this result is final" in done and f'/motions/{motion_id}/certify"' not in done


def test_the_outcome_names_the_winner_of_an_election(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters, method="plurality", option_list=options("red", "blue"))
    with voters.app_context():
        cast_as(motion_id, "delegate@example.org", "blue")
        close_now(motion_id)
    client = login("chair")
    headline = results_headline(client, motion_id)
    assert headline.startswith("Blue wins")
    assert headline in plain(text(client.get(f"/motions/{motion_id}/outcome")))
    console = text(client.get(f"/motions/{motion_id}/console"))
    assert headline in plain(console) and f'href="/results/motions/{motion_id}"' in console


def test_every_page_on_the_chairs_path_links_to_the_results_once_closed(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    with voters.app_context():
        close_now(motion_id)
    client = login("chair")
    for url in ("/home", f"/motions/{motion_id}/console", f"/motions/{motion_id}/preview", f"/motions/{motion_id}/outcome",
                f"/motions/{motion_id}/certify"):
        assert f'href="/results/motions/{motion_id}"' in text(client.get(url)), url
    assert f'href="/motions/{motion_id}/outcome"' in text(client.get("/home"))


# --- the live console ------------------------------------------------------------------------


def test_console_lists_members_that_have_not_voted_by_region(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    with voters.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")  # halifax, atlantic
    client = login("chair")
    data = client.get(f"/motions/{motion_id}/console.json").get_json()
    assert [(g["region"], [m["member"] for m in g["members"]]) for g in data["not_voted"]] == [
        ("atlantic", ["pei"]), ("ontario", ["ottawa"]), ("prairies_nt", ["bow-valley"])]
    assert data["not_voted_count"] == 3
    page = plain(text(client.get(f"/motions/{motion_id}/console")))
    waiting = page[page.index("Members that have not voted yet"):page.index("Turnout by region")]
    assert "pei LIP" in waiting and "Bow Valley Immigration Partnership" in waiting and "Halifax LIP" not in waiting
    for cast in (("pei@example.org", "no"), ("ottawa@example.org", "yes"), ("bow@example.org", "yes")):
        with voters.app_context():
            cast_as(motion_id, *cast)
    data = client.get(f"/motions/{motion_id}/console.json").get_json()
    assert data["not_voted"] == [] and "Every eligible member has voted." in text(client.get(f"/motions/{motion_id}/console"))


def test_console_counts_down_to_the_scheduled_close_and_says_when_it_was_updated(
        voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    with voters.app_context():
        motion = db.session.get(Motion, motion_id)
        motion.closes_at = utcnow() + timedelta(days=1, hours=2, minutes=3)
        db.session.commit()
    client = login("chair")
    data = client.get(f"/motions/{motion_id}/console.json").get_json()
    assert 93700 < data["seconds_left"] <= 93780
    assert re.fullmatch(r"\d\d:\d\d:\d\d \w+", data["updated_at"])
    assert data["closes_at_machine"].endswith("Z")
    page = text(client.get(f"/motions/{motion_id}/console"))
    countdown = re.search(r'<strong data-countdown="seconds_left" data-seconds="(\d+)"[^>]*>([^<]*)</strong>', page)
    assert countdown is not None and 93700 < int(countdown.group(1)) <= 93780
    assert re.fullmatch(r"1 day, 02:0[23]:\d\d", countdown.group(2))
    assert 'data-field="updated_at"' in page and "Updated at" in page


def test_console_drops_developer_words_and_shows_the_state_once(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    page = text(login("chair").get(f"/motions/{motion_id}/console"))
    assert "Log size" not in page and "checkpoint" not in page.lower()
    assert len(re.findall(r"<dt>State</dt>", page)) == 1


def test_chair_home_shows_turnout_and_quorum_of_open_motions_in_agenda_order(
        voters: Flask, login: ChairClient) -> None:
    with voters.app_context():
        meeting = Meeting(title_en="AGM 2026", title_fr="AGA 2026")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
    second = new_draft(voters, title="Second item", rules={"threshold": "majority_cast", "quorum": {"members": "1/2"}})
    first = new_draft(voters, title="First item")
    with voters.app_context():
        for motion_id, order in ((second, 2), (first, 1)):
            motion = db.session.get(Motion, motion_id)
            motion.meeting_id, motion.agenda_order = meeting_id, order
        db.session.commit()
        open_now(second)
        open_now(first)
        cast_as(second, "delegate@example.org", "yes")
    client = login("chair")
    page = plain(text(client.get("/home")))
    assert page.index("First item") < page.index("Second item")
    second_row = page[page.index("Second item"):]
    assert "1 of 4 members voted (25.00%)" in second_row
    assert "Quorum by members: not met (1 still missing)" in second_row
    assert "No quorum is required." in page[page.index("First item"):page.index("Second item")]
    live = client.get("/motions/open.json").get_json()
    assert live["state"] == f"{first},{second}"  # the home reloads when the set of open motions changes
    assert live["motions"][str(second)]["quorum"]["members"]["missing"] == 1


# --- the projector view ----------------------------------------------------------------------


def test_projector_view_shows_both_languages_live_then_the_outcome(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters, option_list=[{"id": "yes", "en": "Yes", "fr": "Oui"}, {"id": "no", "en": "No", "fr": "Non"},
                                            {"id": "abstain", "en": "Abstain", "fr": "Abstention"}])
    with voters.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
    client = login("chair")
    page = text(client.get(f"/motions/{motion_id}/present"))
    assert '<nav' not in page and 'class="site-header"' not in page
    assert 'lang="en"' in page and 'lang="fr"' in page
    english, french = page.split('<section class="present-half" lang="fr"')
    assert "Adopt the representative framework" in english and "Yes" in english
    assert "FR: Adopt the representative framework" in french and "Oui" in french and "Abstention" in french
    assert "1 of 4 members voted (25.00%)" in plain(english)
    assert "25,00\u00a0%" in french
    data = client.get(f"/motions/{motion_id}/present.json").get_json()
    assert data["state"] == "open" and data["en"]["turnout"]["members_pct"] == "25.00%"
    assert data["fr"]["turnout"]["members_pct"] == "25,00\u00a0%"
    with voters.app_context():
        close_now(motion_id)
    page = text(client.get(f"/motions/{motion_id}/present"))
    english, french = page.split('<section class="present-half" lang="fr"')
    assert results_headline(client, motion_id) in plain(english)
    assert "Adoptée" in french or "Carried" not in french
    assert client.get(f"/motions/{new_draft(voters)}/present").status_code == 409


def test_the_meeting_projector_follows_the_current_motion(voters: Flask, login: ChairClient) -> None:
    client = login("chair")
    page = text(client.get("/motions/present"))
    assert "No motion is open yet." in page and 'data-motion=""' in page
    assert client.get("/motions/present.json").get_json() == {"motion": None, "state": None}
    with voters.app_context():
        meeting = Meeting(title_en="AGM", title_fr="AGA")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
    later, first = new_draft(voters, title="Item two"), new_draft(voters, title="Item one")
    with voters.app_context():
        for motion_id, order in ((later, 2), (first, 1)):
            motion = db.session.get(Motion, motion_id)
            motion.meeting_id, motion.agenda_order = meeting_id, order
        db.session.commit()
        open_now(later)
        open_now(first)
    assert client.get("/motions/present.json").get_json()["motion"] == first  # agenda order, not opening order
    assert "Item one" in text(client.get("/motions/present"))
    with voters.app_context():
        close_now(first)
    assert client.get("/motions/present.json").get_json()["motion"] == later  # the next open item
    with voters.app_context():
        close_now(later)
    data = client.get("/motions/present.json").get_json()
    assert data["motion"] == later and data["state"] == "closed" and data["en"]["outcome"]


# --- duplicate -------------------------------------------------------------------------------


def test_duplicate_makes_a_draft_copy_the_chair_then_edits(voters: Flask, login: ChairClient) -> None:
    rules = {"threshold": "two_thirds", "quorum": {"members": "1/2"}}
    source = opened(voters, method="plurality", option_list=options("red", "blue"), rules={"threshold": "majority_cast"},
                    secret=True, revote=True)
    yes_no = new_draft(voters, rules=rules)
    client = login("chair")
    assert client.get(f"/motions/{source}/duplicate").status_code == 405  # a change is only ever a POST
    response = post_form(client, f"/motions/{source}/duplicate", {}, token_from="/home")
    assert response.status_code == 302
    copy_id = int(re.search(r"/motions/(\d+)/edit$", response.headers["Location"]).group(1))
    with voters.app_context():
        original, copy = db.session.get(Motion, source), db.session.get(Motion, copy_id)
        assert copy.state is MotionState.DRAFT and copy.log_id is None and copy.opens_at is None
        for name in ("title_en", "title_fr", "text_en", "text_fr", "method", "seats", "options_json", "rules_json",
                     "weight_policy_json", "secret", "revote"):
            assert getattr(copy, name) == getattr(original, name), name
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.target == f"motion:{copy_id}")).one()
        assert event.action == "motion.create" and json.loads(event.after_json)["duplicate_of"] == source
    response = post_form(client, f"/motions/{yes_no}/duplicate", {}, token_from="/home")
    with voters.app_context():
        newest = db.session.scalar(select(Motion).order_by(Motion.id.desc()))
        assert newest.rules == rules and newest.id != yes_no
    assert post_form(client, "/motions/9999/duplicate", {}, token_from="/home").status_code == 404


def test_duplicate_without_a_token_changes_nothing(voters: Flask, login: ChairClient) -> None:
    source = new_draft(voters)
    client = login("chair")
    assert client.post(f"/motions/{source}/duplicate", data={}).status_code == 400
    with voters.app_context():
        assert db.session.scalar(select(func.count()).select_from(Motion)) == 1


# --- minutes and CSV -------------------------------------------------------------------------


def meeting_with_three_items(app: Flask) -> tuple[int, list[int]]:
    """Item 1 certified, item 2 closed, item 3 still open; created out of order on purpose."""
    with app.app_context():
        meeting = Meeting(title_en="AGM 2026", title_fr="AGA 2026")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
    third = new_draft(app, title="=HYPERLINK(\"http://evil.example\")")
    second = new_draft(app, title="Second item", rules={"threshold": "majority_cast", "quorum": {"weight": "1/2"}})
    first = new_draft(app, title="First item")
    with app.app_context():
        for motion_id, order in ((third, 3), (second, 2), (first, 1)):
            motion = db.session.get(Motion, motion_id)
            motion.meeting_id, motion.agenda_order = meeting_id, order
        db.session.commit()
        for motion_id in (first, second, third):
            open_now(motion_id)
        cast_as(first, "delegate@example.org", "yes")
        close_now(first)
        close_now(second)
        from app.database import write_transaction
        from app.motions import service
        with write_transaction():
            service.certify_motion(db.session.get(Motion, first))
    return meeting_id, [first, second, third]


def test_minutes_list_each_motion_in_agenda_order_with_outcome_and_status(voters: Flask, login: ChairClient) -> None:
    meeting_id, (first, second, third) = meeting_with_three_items(voters)
    client = login("chair")
    page = text(client.get(f"/motions/meetings/{meeting_id}/minutes"))
    words = plain(page)
    assert words.index("Item 1. First item") < words.index("Item 2. Second item") < words.index("Item 3. =HYPERLINK")
    assert results_headline(client, first) in words and results_headline(client, second) in words
    item1 = words[words.index("Item 1."):words.index("Item 2.")]
    assert "Certified" in item1 and "Majority of the votes cast" in item1 and "1 of 4 members voted" in item1
    item2 = words[words.index("Item 2."):words.index("Item 3.")]
    assert "Provisional" in item2 and "quorum of 1/2 (50.0%) of the weight" in item2 and "Quorum not met" in item2
    assert "No result yet: voting is still open." in words[words.index("Item 3."):]
    outcome = plain(text(client.get(f"/motions/{first}/outcome")))
    assert "Next on the agenda: =HYPERLINK" in outcome  # item 2 is closed: the next to vote on is item 3
    assert f'href="/motions/{third}/console"' in text(client.get(f"/motions/{second}/outcome"))
    assert re.search(r"<time datetime=\"[0-9T:-]+Z\">\d+ \w+ \d{4}, \d\d:\d\d E[SD]T</time>", page)
    assert 'media="print"' in page


def test_results_csv_is_in_agenda_order_with_formulas_defused(voters: Flask, login: ChairClient) -> None:
    meeting_id, (first, second, third) = meeting_with_three_items(voters)
    client = login("chair")
    response = client.get(f"/motions/meetings/{meeting_id}/results.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Agenda item", "Motion"] and header[-1] == "Outcome"
    assert [r[0] for r in body] == ["1", "2", "3"]
    assert body[0][1] == "First item" and body[0][4] == "certified" and body[0][-1] == results_headline(client, first)
    assert body[1][4] == "closed, not certified" and body[1][12] == "not met"
    assert body[2][1].startswith("'=HYPERLINK")  # a spreadsheet shows it as text, never runs it
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00", body[0][6])  # closing time, federation zone
    assert body[0][8:12] == ["1", "4", body[0][10], body[0][11]] and body[2][-1] == ""


def test_minutes_and_csv_of_an_unknown_meeting_are_404(voters: Flask, login: ChairClient) -> None:
    client = login("chair")
    assert client.get("/motions/meetings/999/minutes").status_code == 404
    assert client.get("/motions/meetings/999/results.csv").status_code == 404


# --- the open confirmation repeats the secret-weight warning ---------------------------------


def test_open_confirmation_warns_when_a_secret_weight_identifies_its_holder(voters: Flask, login: ChairClient) -> None:
    tiered = {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None, "floor": None}
    secret = new_draft(voters, policy=tiered, secret=True)  # bow-valley is the only small member
    client = login("chair")
    page = text(client.get(f"/motions/{secret}/open"))
    warning = re.search(r'<div class="warning" role="alert">(.*?)</div>', page, re.S)
    assert warning is not None and "Bow Valley Immigration Partnership" in warning.group(1)
    assert "held by 1 member" in warning.group(1) and "1 member would vote with a weight that identifies it." in warning.group(1)
    recorded = new_draft(voters, policy=tiered, secret=False)
    assert 'class="warning"' not in text(client.get(f"/motions/{recorded}/open"))
    equal = new_draft(voters, secret=True)  # four members of equal weight
    assert 'class="warning"' not in text(client.get(f"/motions/{equal}/open"))


def test_chair_room_pages_render_in_french(voters: Flask, login: ChairClient) -> None:
    with voters.app_context():
        db.session.scalar(select(User).where(User.email == "chair@example.org")).locale = "fr"
        db.session.commit()
    meeting_id, (first, second, third) = meeting_with_three_items(voters)
    client = login("chair")
    for url in (f"/motions/{first}/outcome", f"/motions/{second}/certify", f"/motions/{third}/present",
                f"/motions/{third}/console", f"/motions/meetings/{meeting_id}/minutes", "/home"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in text(response), url
    rows = list(csv.reader(io.StringIO(client.get(f"/motions/meetings/{meeting_id}/results.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][1] == "Motion" or rows[0][1] == "Proposition"


def test_console_hides_an_empty_table_and_says_it_is_empty(voters: Flask, login: ChairClient) -> None:
    motion_id = opened(voters)
    client = login("chair")
    html = text(client.get(f"/motions/{motion_id}/console"))
    assert '<table class="stack" data-filled="voters" hidden>' in html and "No ballots yet." in html
    assert '<table class="stack" data-filled="proxies" hidden>' in html and "No proxies on this motion." in html
    with voters.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
    html = text(client.get(f"/motions/{motion_id}/console"))
    assert '<table class="stack" data-filled="voters">' in html
    assert '<p data-empty="voters" hidden>' in html
