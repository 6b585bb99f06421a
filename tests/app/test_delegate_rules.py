"""What a delegate is told before and after voting (issue 13, "Delegate"), through the test client:
weight, rule and deadline on the motion, ballot and review pages; a member that joined after
the motion opened is told so and gets no ballot; the casting service's refusals read in the
delegate's language; the receipt offers the next motion and says what is public for this
motion; closed motions lead to their outcomes; a refused ranking without JavaScript comes back
as chosen, naming options by their labels.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import DelegateRank, Role, User, utcnow
from app.motions import service
from app.motions.models import Motion, MotionState
from app.motions.rule_words import WeightShare
from tests.app.motion_helpers import close_now, open_now
from voting.weights import PRESETS
from tests.app import test_delegate
from tests.app.test_delegate import as_user, cast_fields, new_motion, review, vote
from tests.conftest import add_member, add_user

fed = test_delegate.fed  # the same federation fixture: halifax (two delegates), bow-valley, ottawa


def text_of(page: str) -> str:
    """The page's words, without tags, spaces collapsed (no-break spaces kept apart)."""
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def committed(app: Flask, motion_id: int) -> dict[str, int]:
    with app.app_context():
        return service.committed_weights(db.session.get(Motion, motion_id))


def weight_words(app: Flask, motion_id: int, slug: str = "halifax") -> str:
    weights = committed(app, motion_id)
    with app.test_request_context():
        return WeightShare(weights[slug], sum(weights.values())).words()


def set_closing(app: Flask, motion_id: int, hours: int = 2) -> None:
    with app.app_context():
        db.session.get(Motion, motion_id).closes_at = utcnow() + timedelta(hours=hours)
        db.session.commit()


def to_french(client: FlaskClient, email: str) -> None:
    with client.application.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = "fr"
        db.session.commit()


def test_motion_ballot_and_review_show_weight_rule_and_deadline(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, open_it=False, rules={"threshold": "two_thirds", "quorum": {"members": "1/2"},
                                                      "double_majority": {"members": True, "regions": "all"}})
    set_closing(fed, motion_id)
    with fed.app_context():
        open_now(motion_id)
    as_user(client, "delegate@example.org")
    expected_weight = weight_words(fed, motion_id)
    assert re.fullmatch(r"[\d,]+ of [\d,]+ units \(\d+\.\d\d%\)", expected_weight)
    pages = {
        "motion": client.get(f"/motions/{motion_id}/vote").get_data(as_text=True),
        "ballot": client.get(f"/motions/{motion_id}/ballot").get_data(as_text=True),
        "review": review(client, motion_id, [("choice", "yes")]).get_data(as_text=True),
    }
    for name, page in pages.items():
        words = text_of(page)
        assert expected_weight in words, name
        assert "Yes needs at least two thirds of the units cast for yes or no (rule: two-thirds)." in words, name
        assert "An abstention counts towards the quorum but is not a vote cast" in words, name
        assert "At least half of the members must vote (2 of 3)." in words, name
        assert "Majority of members" in words and "In every region, yes must have more units than no" in words, name
        assert 'class="ballot-rules"' in page and "<time datetime=" in page.split('class="ballot-rules"')[1], name


def test_absolute_majority_says_that_abstaining_counts_like_no(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, rules={"threshold": "absolute_majority"})
    as_user(client, "delegate@example.org")
    words = text_of(client.get(f"/motions/{motion_id}/vote").get_data(as_text=True))
    total = sum(committed(fed, motion_id).values())
    assert (f"Yes needs more than half of all eligible units, that is {total // 2 + 1:,} of {total:,} units "
            "(rule: absolute majority).") in words
    assert "abstaining has the same effect as voting no" in words
    assert "When the chair closes the vote (no time is set)." in words


def test_french_rule_words(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, rules={"threshold": "two_thirds"})
    as_user(client, "delegate@example.org")
    to_french(client, "delegate@example.org")
    words = text_of(client.get(f"/motions/{motion_id}/vote").get_data(as_text=True))
    assert "Le oui doit obtenir au moins les deux tiers des unités exprimées pour le oui ou le non" in words
    assert re.search(r"Poids\u00a0: [\d\u00a0\u202f]+ sur [\d\u00a0\u202f]+ unités \(\d+,\d\d\u00a0%\)", words)


def late_member(app: Flask, locale: str = "en") -> None:
    with app.app_context():
        late = add_member("late", name_en="Late LIP", name_fr="PLI Tardif")
        add_user("late@example.org", Role.DELEGATE, late, DelegateRank.PRIMARY, locale=locale)
        db.session.commit()


def test_a_member_added_after_opening_is_told_so_and_gets_no_ballot(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    late_member(fed)
    as_user(client, "late@example.org")
    refusal = "Late LIP was not on the list of eligible members when this motion opened, so it has no vote on it."
    page = client.get(f"/motions/{motion_id}/vote").get_data(as_text=True)
    assert refusal in text_of(page) and f"/motions/{motion_id}/ballot" not in page
    listing = client.get("/motions/ballots").get_data(as_text=True)
    assert "Not eligible on this motion" in listing and f"/motions/{motion_id}/ballot?" not in listing
    ballot = client.get(f"/motions/{motion_id}/ballot")
    assert ballot.status_code == 403 and refusal in text_of(ballot.get_data(as_text=True))
    assert review(client, motion_id, [("choice", "yes")], member="late").status_code == 403
    assert cast_fields(client, motion_id, [("choice", "yes")], member="late").status_code == 403


def test_the_ineligible_refusal_is_french_for_a_french_delegate(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    late_member(fed, locale="fr")
    as_user(client, "late@example.org")
    ballot = client.get(f"/motions/{motion_id}/ballot")
    assert ballot.status_code == 403
    assert ("PLI Tardif ne figurait pas sur la liste des membres admissibles à l’ouverture de cette motion"
            in text_of(ballot.get_data(as_text=True)))


def test_a_refusal_inside_the_lock_reads_french(fed: Flask, client: FlaskClient) -> None:
    """The second cast passes the form checks and is refused by the casting service itself."""
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    assert vote(client, motion_id, [("choice", "yes")])[0].status_code == 303
    to_french(client, "delegate@example.org")
    again = cast_fields(client, motion_id, [("choice", "no")])
    assert again.status_code == 409
    assert "a déjà voté sur cette motion, et cette motion ne permet pas de" in text_of(again.get_data(as_text=True))


def test_the_receipt_offers_the_next_motion_waiting(fed: Flask, client: FlaskClient) -> None:
    first = new_motion(fed, title="First motion")
    second = new_motion(fed, title="Second motion")
    as_user(client, "delegate@example.org")
    response, _ = vote(client, second, [("choice", "yes")])
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Next motion waiting for your vote" in receipt
    assert f'href="/motions/{first}/ballot?member=halifax"' in receipt
    response, _ = vote(client, first, [("choice", "no")])
    assert "Next motion waiting" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_recorded_receipt_says_the_log_names_the_member(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    response, _ = vote(client, motion_id, [("choice", "yes")])
    words = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "only you know" not in words
    assert "the public log names Halifax LIP beside this ballot" in words
    assert words.index("Tracking code") < words.index("Your choice: Yes") < words.index("Signed checkpoint")


@pytest.mark.parametrize("policy", ["equal", "tiered_1_2_3"])
def test_secret_receipt_does_not_name_the_member_and_says_what_the_operator_sees(
        policy: str, fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, secret=True, policy=PRESETS[policy])
    as_user(client, "delegate@example.org")
    response, _ = vote(client, motion_id, [("choice", "yes")])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    main = text_of(page.split('<main id="main"', 1)[1])
    assert "Halifax" not in main
    assert "The server’s operator can see which member cast each ballot" in main
    # A weight held by fewer than three members points at them (docs/threat-model.md): the receipt says so.
    weights = committed(fed, motion_id)
    holders = sum(1 for w in weights.values() if w == weights["halifax"])
    assert ("so the weight in the public log" in main) == (holders < 3)


def test_closed_motions_lead_to_their_outcomes_and_say_provisional(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    vote(client, motion_id, [("choice", "yes")])
    with fed.app_context():
        close_now(motion_id)
    listing = client.get("/motions/ballots").get_data(as_text=True)
    assert f'href="/results/motions/{motion_id}"' in listing
    assert "Provisional result: not yet certified by the chair" in listing
    with fed.app_context():
        db.session.get(Motion, motion_id).state = MotionState.CERTIFIED
        db.session.commit()
    assert "Provisional" not in client.get("/motions/ballots").get_data(as_text=True)


def test_a_refused_ranking_without_javascript_keeps_the_ranks_and_names_the_labels(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, method="irv", option_list=[{"id": "ada", "en": "Ada Lovelace", "fr": "Ada Lovelace"},
                                                           {"id": "bea", "en": "Bea Arthur", "fr": "Bea Arthur"},
                                                           {"id": "cy", "en": "Cy Young", "fr": "Cy Young"}])
    as_user(client, "delegate@example.org")
    refused = review(client, motion_id, [("rank-ada", "2"), ("rank-bea", "2"), ("rank-cy", "1")])
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Rank 2 is given to both Ada Lovelace and Bea Arthur" in html.unescape(page)
    chosen = dict(re.findall(r'name="rank-(\w+)".*?<option value="(\d)" selected>', page, re.S))
    assert chosen == {"ada": "2", "bea": "2", "cy": "1"}


def test_member_names_read_well_in_french(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    to_french(client, "delegate@example.org")
    page = text_of(client.get(f"/motions/{motion_id}/ballot").get_data(as_text=True))
    assert "Vous votez au nom de\u00a0: PLI d'Halifax." in page




def test_a_recorded_receipt_cast_by_proxy_says_the_log_names_the_holder(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, open_it=False)
    as_user(client, "delegate@example.org")
    assert test_delegate.give_proxy(client, motion_id, "ottawa").status_code == 303
    with fed.app_context():
        open_now(motion_id)
    as_user(client, "ottawa@example.org")
    response, _ = vote(client, motion_id, [("choice", "yes")], member="halifax")
    words = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "the public log names Halifax LIP beside this ballot" in words
    assert "The log also names Ottawa LIP as the member whose delegate cast it by proxy." in words
