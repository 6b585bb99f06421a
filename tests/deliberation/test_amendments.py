"""Amendments: proposing, seconding, the order of business, translation, the vote through the
ordinary motion machinery and what its certified result does to the proposal."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.database import write_transaction
from app.deliberation import service as proposals
from app.deliberation.amendments import Amendment, AmendmentState, ChangeKind
from app.deliberation.text import MAX_VERSION_BYTES, ClauseText
from app.extensions import db
from app.models import AuditEvent
from app.motions.models import Motion, MotionState
from tests.app.motion_helpers import cast_as
from tests.conftest import Person, csrf_token, post_form
from tests.deliberation.conftest import SLUG, load_proposal

NEW = f"/proposals/{SLUG}/amendments/new"
V1_EN = "## 1 Goals\n\nWe meet every month.\n\n## 2 Reports\n\nThe chair reports each year.\n"
V1_FR = "## 1 Objectifs\n\nNous nous réunissons chaque mois.\n\n## 2 Rapports\n\nLa présidence fait rapport chaque année.\n"
# Clause 1 replaced in both languages, clause 2 deleted, clause 3 inserted.
AMENDED_EN = "## 1 Goals\n\nWe meet every two months.\n\n## 3 Budget\n\nThe budget is public.\n"
AMENDED_FR = ("## 1 Objectifs\n\nNous nous réunissons tous les deux mois.\n\n## 3 Budget\n\n"
              "Le budget est public.\n")


def url(number: int, action: str = "") -> str:
    return f"/proposals/{SLUG}/amendments/{number}" + (f"/{action}" if action else "")


def propose(client: FlaskClient, en: str = AMENDED_EN, fr: str = AMENDED_FR, base: int = 1, to: int | None = None,
            why: str = "") -> Any:
    target = f"{NEW}?to={to}" if to else NEW
    return post_form(client, target, {"text_en": en, "text_fr": fr, "base_version": str(base), "note_en": why},
                     token_from="/home")


def act(client: FlaskClient, number: int, action: str) -> Any:
    return client.post(url(number, action), data={"csrf_token": csrf_token(client, "/home")})


def amendments(app: Flask) -> list[Amendment]:
    with app.app_context():
        found = list(db.session.scalars(db.select(Amendment).order_by(Amendment.number)))
        for a in found:
            _ = [c.kind for c in a.changes], a.motion_id
        return found


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def seconded(app: Flask, as_user: Callable[[str], FlaskClient], delegates: dict[str, Person], proposal: str) -> int:
    """Amendment 1 proposed by Halifax and seconded by Bow Valley."""
    client = as_user(delegates["delegate"].email)
    assert propose(client).status_code == 302
    client = as_user(delegates["bow"].email)
    assert act(client, 1, "second").status_code == 302
    return 1


def test_a_delegate_proposes_an_amendment_its_changes_are_derived_from_the_text(
        app: Flask, as_user: Callable[[str], FlaskClient], delegates: dict[str, Person], proposal: str) -> None:
    client = as_user(delegates["delegate"].email)
    form = client.get(NEW).get_data(as_text=True)
    assert "We meet every month." in form and "Nous nous réunissons chaque mois." in form
    response = propose(client, why="Less travel.")
    assert response.status_code == 302 and response.headers["Location"].endswith(url(1))
    (amendment,) = amendments(app)
    assert amendment.state is AmendmentState.PROPOSED and not amendment.needs_translation
    assert [(c.kind, c.clause_key, c.after_key) for c in amendment.changes] == [
        (ChangeKind.DELETE, "2", None), (ChangeKind.REPLACE, "1", None), (ChangeKind.INSERT, "3", "1")]
    page = client.get(url(1)).get_data(as_text=True)
    assert "Less travel." in page and "waiting for a seconder" in page and "Halifax LIP" in page
    assert "<ins>" in page and "<del>" in page
    assert "amendment.propose" in audit_actions(app)
    with app.app_context():
        assert proposals.pending_amendments(load_proposal().latest) == 1


def test_another_member_seconds_the_same_member_cannot(app: Flask, as_user: Callable[[str], FlaskClient],
                                                       delegates: dict[str, Person], proposal: str) -> None:
    client = as_user(delegates["delegate"].email)
    propose(client)
    assert "Second this amendment" not in client.get(url(1)).get_data(as_text=True)
    assert act(client, 1, "second").status_code == 403
    client = as_user(delegates["alternate"].email)  # another delegate of the same member
    assert act(client, 1, "second").status_code == 403
    assert amendments(app)[0].state is AmendmentState.PROPOSED
    client = as_user(delegates["bow"].email)
    assert "Second this amendment" in client.get(url(1)).get_data(as_text=True)
    assert act(client, 1, "second").status_code == 302
    assert act(client, 1, "second").status_code == 409
    (amendment,) = amendments(app)
    assert amendment.state is AmendmentState.SECONDED and amendment.seconder_member_id is not None
    assert audit_actions(app)[-1] == "amendment.second"


@pytest.mark.parametrize("role", ["chair", "admin", "auditor", "observer"])
def test_only_delegates_propose_and_second(as_user: Callable[[str], FlaskClient], people: dict[str, Person],
                                           delegates: dict[str, Person], proposal: str, role: str) -> None:
    client = as_user(delegates["delegate"].email)
    propose(client)
    client = as_user(people[role].email)
    assert client.get(NEW).status_code == 403
    assert act(client, 1, "second").status_code == 403


def test_an_amendment_to_a_stale_version_is_refused(app: Flask, as_user: Callable[[str], FlaskClient],
                                                    people: dict[str, Person], delegates: dict[str, Person],
                                                    proposal: str) -> None:
    with app.test_request_context(), write_transaction():
        proposals.add_version(load_proposal(), base_number=1, clauses=[
            ClauseText("1", "Goals", "Objectifs", "We meet often.", "Nous nous réunissons souvent.")])
    client = as_user(delegates["delegate"].email)
    response = propose(client, base=1)
    assert response.status_code == 409
    assert "version 2 is now the latest" in response.get_data(as_text=True)
    assert amendments(app) == []


def test_the_text_is_frozen_while_an_amendment_is_pending(app: Flask, as_user: Callable[[str], FlaskClient],
                                                          delegates: dict[str, Person], proposal: str) -> None:
    propose(as_user(delegates["delegate"].email))
    with app.test_request_context(), pytest.raises(proposals.ProposalError) as refused, write_transaction():
        proposals.add_version(load_proposal(), base_number=1, clauses=[ClauseText("1", "A", "A", "B", "B")])
    assert refused.value.status == 409


def test_one_amendment_and_one_sub_amendment_at_most(app: Flask, as_user: Callable[[str], FlaskClient],
                                                     delegates: dict[str, Person], proposal: str) -> None:
    client = as_user(delegates["delegate"].email)
    propose(client)
    client = as_user(delegates["bow"].email)
    assert propose(client, en=V1_EN.replace("each year", "twice a year"), fr=V1_FR).status_code == 409
    assert client.get(f"{NEW}?to=1").status_code == 200  # the form shows; the post is refused
    assert propose(client, en=AMENDED_EN.replace("two", "three"), to=1).status_code == 409  # not seconded yet
    act(client, 1, "second")
    sub_en = AMENDED_EN.replace("two months", "three months")
    sub_fr = AMENDED_FR.replace("deux mois", "trois mois")
    assert propose(client, en=sub_en, fr=sub_fr, to=1).status_code == 302
    sub = amendments(app)[1]
    assert sub.parent_id == amendments(app)[0].id and sub.state is AmendmentState.PROPOSED
    page = client.get(url(2)).get_data(as_text=True)
    assert "Sub-amendment 2" in page and "What it changes in amendment 1" in page and "three" in page
    client = as_user(delegates["delegate"].email)
    assert propose(client, en=sub_en.replace("three", "four"), fr=sub_fr, to=1).status_code == 409  # one sub
    third = propose(client, en=sub_en.replace("three", "four"), fr=sub_fr.replace("trois", "quatre"), to=2)
    assert third.status_code == 422  # a third degree
    assert len(amendments(app)) == 2


@pytest.mark.parametrize("en,fr,message", [
    (V1_EN, V1_FR, "This changes nothing"),
    ("## 2 Reports\n\nThe chair reports each year.\n\n## 1 Goals\n\nWe meet every month.\n", "", "cannot move"),
    ("## 1 Goals\n\n" + "x" * (MAX_VERSION_BYTES + 1), "", "too long"),
    ("## 1 Goals\n\n<script>alert(1)</script>\u202e", "", "Remove the character"),
    ("Not a clause", "", "clause heading"),
])
def test_bad_amendments_are_refused_and_nothing_is_stored(app: Flask, as_user: Callable[[str], FlaskClient],
                                                          delegates: dict[str, Person], proposal: str, en: str,
                                                          fr: str, message: str) -> None:
    client = as_user(delegates["delegate"].email)
    response = propose(client, en=en, fr=fr)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    assert amendments(app) == []


def test_an_oversized_explanation_is_refused(app: Flask, as_user: Callable[[str], FlaskClient],
                                             delegates: dict[str, Person], proposal: str) -> None:
    response = propose(as_user(delegates["delegate"].email), why="x" * 2001)
    assert response.status_code == 422
    assert amendments(app) == []


def test_an_amendment_in_one_language_waits_for_the_translation(
        app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person], delegates: dict[str, Person],
        proposal: str) -> None:
    client = as_user(delegates["delegate"].email)
    propose(client, en=V1_EN.replace("each year", "twice a year"), fr=V1_FR)
    assert amendments(app)[0].needs_translation
    act(as_user(delegates["bow"].email), 1, "second")
    client = as_user(people["chair"].email)
    page = client.get(url(1)).get_data(as_text=True)
    assert "Waiting for translation." in page and "Put it to a vote" not in page
    assert act(client, 1, "vote").status_code == 409
    assert post_form(client, url(1, "translate"), {
        "text_en": V1_EN.replace("each year", "twice a year"),
        "text_fr": V1_FR.replace("chaque année", "deux fois par année")}).status_code == 302
    (amendment,) = amendments(app)
    assert not amendment.needs_translation
    assert [c.text_fr for c in amendment.changes] == ["La présidence fait rapport deux fois par année."]
    assert "amendment.translate" in audit_actions(app)


def test_putting_it_to_a_vote_makes_a_draft_yes_no_motion(app: Flask, as_user: Callable[[str], FlaskClient],
                                                          people: dict[str, Person], seconded: int) -> None:
    client = as_user(people["chair"].email)
    response = act(client, seconded, "vote")
    assert response.status_code == 302 and "/motions/" in response.headers["Location"]
    (amendment,) = amendments(app)
    assert amendment.at_vote
    with app.app_context():
        motion = db.session.get(Motion, amendment.motion_id)
        assert motion.state is MotionState.DRAFT and motion.method == "yes_no"
        assert motion.option_ids == ["yes", "no", "abstain"]
        assert motion.title_en == "Amendment 1: Workplan, version 1"
        assert motion.title_fr == "Amendement 1 : Plan de travail, version 1"
        assert "Insert clause 3" in motion.text_en and "Supprimer l’article 2." in motion.text_fr
    assert act(client, seconded, "vote").status_code == 409
    assert act(client, seconded, "withdraw").status_code == 409  # at a vote


def run_vote(app: Flask, client: FlaskClient, motion_id: int, voters: dict[str, str]) -> None:
    """Open, cast (email -> choice), close and certify through the chair's pages."""
    assert post_form(client, f"/motions/{motion_id}/open", {}).status_code == 302
    with app.test_request_context():
        for email, choice in voters.items():
            cast_as(motion_id, email, choice)
    assert post_form(client, f"/motions/{motion_id}/close", {}).status_code == 302
    assert post_form(client, f"/motions/{motion_id}/certify", {}).status_code == 302


def test_a_carried_amendment_makes_the_next_version(app: Flask, as_user: Callable[[str], FlaskClient],
                                                    people: dict[str, Person], delegates: dict[str, Person],
                                                    seconded: int) -> None:
    client = as_user(people["chair"].email)
    act(client, seconded, "vote")
    motion_id = amendments(app)[0].motion_id
    run_vote(app, client, motion_id, {delegates["delegate"].email: "yes", delegates["bow"].email: "yes"})
    (amendment,) = amendments(app)
    assert amendment.state is AmendmentState.CARRIED and amendment.result_version_number == 2
    with app.app_context():
        latest = load_proposal().latest
        assert latest.number == 2
        assert [(c.key, c.text_en, c.text_fr) for c in latest.clauses] == [
            ("1", "We meet every two months.", "Nous nous réunissons tous les deux mois."),
            ("3", "The budget is public.", "Le budget est public.")]
        assert latest.change_note_en == "Amendment 1, carried"
    actions = audit_actions(app)
    assert actions.index("motion.certify") < actions.index("proposal.version") < actions.index("amendment.carried")
    page = client.get(url(1)).get_data(as_text=True)
    assert "carried" in page and f"/proposals/{SLUG}/compare?from=1&amp;to=2" in page
    assert "made version 2" in client.get(f"/proposals/{SLUG}").get_data(as_text=True)


def test_a_lost_amendment_is_recorded_and_the_text_stays(app: Flask, as_user: Callable[[str], FlaskClient],
                                                         people: dict[str, Person], delegates: dict[str, Person],
                                                         seconded: int) -> None:
    client = as_user(people["chair"].email)
    act(client, seconded, "vote")
    run_vote(app, client, amendments(app)[0].motion_id,
             {delegates["delegate"].email: "yes", delegates["bow"].email: "no"})
    (amendment,) = amendments(app)
    assert amendment.state is AmendmentState.LOST and amendment.result_version_number is None
    with app.app_context():
        assert load_proposal().latest.number == 1
        assert proposals.pending_amendments(load_proposal().latest) == 0
    assert "amendment.lost" in audit_actions(app)
    client = as_user(delegates["bow"].email)  # the floor is free for another amendment
    assert propose(client, en=V1_EN.replace("each year", "twice a year"),
                   fr=V1_FR.replace("chaque année", "deux fois par année")).status_code == 302


def test_votes_go_sub_amendment_then_amendment(app: Flask, as_user: Callable[[str], FlaskClient],
                                               people: dict[str, Person], delegates: dict[str, Person],
                                               seconded: int) -> None:
    sub_en = AMENDED_EN.replace("two months", "three months")
    sub_fr = AMENDED_FR.replace("deux mois", "trois mois")
    propose(as_user(delegates["bow"].email), en=sub_en, fr=sub_fr, to=seconded)
    act(as_user(delegates["delegate"].email), 2, "second")
    client = as_user(people["chair"].email)
    assert "put it to a vote first" in client.get(url(1)).get_data(as_text=True)
    assert act(client, 1, "vote").status_code == 409  # the sub-amendment first
    assert act(client, 2, "vote").status_code == 302
    run_vote(app, client, amendments(app)[1].motion_id,
             {delegates["delegate"].email: "yes", delegates["bow"].email: "yes"})
    amendment, sub = amendments(app)
    assert sub.state is AmendmentState.CARRIED and amendment.state is AmendmentState.SECONDED
    assert [c.text_en for c in amendment.changes if c.clause_key == "1"] == ["We meet every three months."]
    with app.app_context():
        assert load_proposal().latest.number == 1  # a sub-amendment changes the amendment, not the text
    assert act(client, 1, "vote").status_code == 302
    run_vote(app, client, amendments(app)[0].motion_id,
             {delegates["delegate"].email: "yes", delegates["bow"].email: "yes"})
    with app.app_context():
        latest = load_proposal().latest
        assert latest.number == 2 and latest.clause("1").text_en == "We meet every three months."


def test_withdrawing(app: Flask, as_user: Callable[[str], FlaskClient], people: dict[str, Person],
                     delegates: dict[str, Person], proposal: str) -> None:
    propose(as_user(delegates["delegate"].email))
    assert act(as_user(delegates["bow"].email), 1, "withdraw").status_code == 403
    assert act(as_user(people["observer"].email), 1, "withdraw").status_code == 403
    assert act(as_user(delegates["alternate"].email), 1, "withdraw").status_code == 302  # the proposer's member
    assert amendments(app)[0].state is AmendmentState.WITHDRAWN
    assert act(as_user(people["chair"].email), 1, "withdraw").status_code == 409
    propose(as_user(delegates["bow"].email))
    assert act(as_user(people["chair"].email), 2, "withdraw").status_code == 302  # ruled out of order
    assert audit_actions(app).count("amendment.withdraw") == 2


def test_every_amendment_route_for_every_role(client: FlaskClient, as_user: Callable[[str], FlaskClient],
                                              people: dict[str, Person], delegates: dict[str, Person],
                                              proposal: str) -> None:
    propose(as_user(delegates["delegate"].email))
    # (method, url) -> status for admin, chair, delegate (Halifax, the proposer), auditor, observer
    expected = {
        ("GET", url(1)): (200, 200, 200, 200, 200),
        ("GET", url(9)): (404, 404, 404, 404, 404),
        ("GET", NEW): (403, 403, 200, 403, 403),
        ("GET", url(1, "translate")): (403, 200, 403, 403, 403),
        ("POST", url(1, "translate")): (403, 422, 403, 403, 403),
        ("POST", url(1, "second")): (403, 403, 403, 403, 403),
        ("POST", url(1, "vote")): (403, 409, 403, 403, 403),
        ("GET", url(1, "second")): (405, 405, 405, 405, 405),
    }
    failures = []
    for index, role in enumerate(("admin", "chair", "delegate", "auditor", "observer")):
        as_user(people[role].email)
        for (method, target), statuses in expected.items():
            if method == "GET":
                status = client.get(target).status_code
            else:
                status = client.post(target, data={"csrf_token": csrf_token(client, "/home")}).status_code
            if status != statuses[index]:
                failures.append(f"{role} {method} {target}: got {status}, want {statuses[index]}")
    assert not failures, "\n".join(failures)
    assert amendments(client.application)[0].state is AmendmentState.PROPOSED
