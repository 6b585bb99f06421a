"""The casting path from the view to the commit, and the proxy service (issue 14, part 2).

The cast view does no check of its own: it parses the form and calls `service.cast`, which
takes the motion's lock and then runs every rule. So whatever changed between the review page
and the cast (the motion closed, the proxy was revoked, another delegate of the member voted)
is refused there, with its HTTP status, in the delegate's language, and nothing is stored.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Member, User
from app.motions import proxies, service
from app.motions.models import Ballot, LogLeaf, Motion, MotionState, Proxy
from ballots.verify import verify_bundle
from tests.app import test_delegate
from tests.app.motion_helpers import cast_as, close_now
from tests.app.test_delegate import as_user, cast_fields, cast_form_fields, give_proxy, new_motion, review, revoke, vote

fed = test_delegate.fed  # halifax (delegate@ and alt.halifax@), bow-valley, ottawa (ottawa@)


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def set_locale(app: Flask, email: str, locale: str) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = locale
        db.session.commit()


def stored(app: Flask, motion_id: int) -> tuple[int, int]:
    """(leaves in the motion's log, ballot rows): what a refused cast must leave unchanged."""
    with app.app_context():
        log_id = db.session.get(Motion, motion_id).log_id
        leaves = db.session.scalar(select(func.count()).select_from(LogLeaf).where(LogLeaf.log_id == log_id))
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.motion_id == motion_id))
        return leaves, ballots


@pytest.fixture
def locks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The motions `service.lock_motion` was asked for: a refusal that follows one came from inside the lock."""
    taken: list[int] = []
    original = service.lock_motion

    def spy(motion_id: int) -> Motion:
        taken.append(motion_id)
        return original(motion_id)

    monkeypatch.setattr(service, "lock_motion", spy)
    return taken


def _close(app: Flask, motion_id: int, client: FlaskClient) -> None:
    with app.app_context():
        close_now(motion_id)


def _revoke_halifax(app: Flask, motion_id: int, client: FlaskClient) -> None:
    as_user(client, "delegate@example.org")
    assert revoke(client, motion_id).status_code == 303
    as_user(client, "ottawa@example.org")


def _alternate_votes(app: Flask, motion_id: int, client: FlaskClient) -> None:
    with app.app_context():
        cast_as(motion_id, "alt.halifax@example.org", "no")


RACES: dict[str, tuple[str, Callable[[Flask, int, FlaskClient], None], int, str]] = {
    # name: (who casts, what happens between review and cast, status, the French refusal)
    "closed": ("delegate@example.org", _close, 409, "Cette motion n’est pas ouverte au vote."),
    "proxy revoked": ("ottawa@example.org", _revoke_halifax, 403, "Vous ne pouvez pas voter au nom de : PLI d'Halifax."),
    "already voted": ("delegate@example.org", _alternate_votes, 409,
                      "PLI d'Halifax a déjà voté sur cette motion, et cette motion ne permet pas de changer de vote."),
}


@pytest.mark.parametrize("race", sorted(RACES))
def test_a_change_between_review_and_cast_is_refused_under_the_lock_in_french(
        fed: Flask, client: FlaskClient, locks: list[int], race: str) -> None:
    caster, between, status, refusal = RACES[race]
    motion_id = new_motion(fed)
    if caster == "ottawa@example.org":
        as_user(client, "delegate@example.org")
        assert give_proxy(client, motion_id, "ottawa").status_code == 303
    set_locale(fed, caster, "fr")
    as_user(client, caster)
    reviewed = review(client, motion_id, [("choice", "yes")])
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)
    hidden = cast_form_fields(reviewed.get_data(as_text=True))
    between(fed, motion_id, client)
    before = stored(fed, motion_id)
    locks.clear()
    refused = client.post(f"/motions/{motion_id}/ballot/cast", data=test_delegate._multi(hidden))
    assert refused.status_code == status
    assert refusal in words(refused.get_data(as_text=True))
    assert locks == [motion_id]  # refused by the service, after it took the motion's lock
    assert stored(fed, motion_id) == before


def test_the_ballot_page_and_the_cast_refuse_in_the_same_words(fed: Flask, client: FlaskClient) -> None:
    """The ballot page asks the casting service's own `check_caster`, not a copy of its rules."""
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    assert vote(client, motion_id, [("choice", "yes")])[0].status_code == 303
    page = client.get(f"/motions/{motion_id}/ballot")
    again = cast_fields(client, motion_id, [("choice", "no")])
    refusal = "Halifax LIP has already voted on this motion, and this motion does not allow a change of vote."
    assert page.status_code == again.status_code == 409
    assert refusal in words(page.get_data(as_text=True)) and refusal in words(again.get_data(as_text=True))


def test_a_form_error_is_shown_again_with_the_marks_and_stores_nothing(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, method="approval", option_list=test_delegate.FOUR)
    as_user(client, "delegate@example.org")
    before = stored(fed, motion_id)
    refused = cast_fields(client, motion_id, [("choice", "ada"), ("choice", "ada")])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "An option was ticked more than once." in words(page)
    assert re.search(r'value="ada"[^>]*checked', page)
    assert stored(fed, motion_id) == before


def test_the_cast_receipt_names_the_stored_ballot_and_what_it_replaces(fed: Flask) -> None:
    motion_id = new_motion(fed, revote=True)
    with fed.app_context():
        first = cast_as(motion_id, "delegate@example.org", "yes")
        second = cast_as(motion_id, "alt.halifax@example.org", "no")
        assert second.superseded == first.index and second.index == first.index + 1
        row = db.session.get(Ballot, second.ballot_id)
        assert row.leaf_index == second.index and row.counted and not db.session.get(Ballot, first.ballot_id).counted
        assert second.receipt["tracking_code"] == second.tracking_code


def test_a_clock_stepped_back_during_the_vote_never_puts_ballot_times_out_of_order(fed: Flask) -> None:
    motion_id = new_motion(fed, revote=True)
    with fed.app_context():
        user_ids = {email: db.session.scalar(select(User.id).where(User.email == email))
                    for email in ("delegate@example.org", "ottawa@example.org")}
        first = service.cast(motion_id, user_ids["delegate@example.org"], None, "yes")
        first_at = db.session.get(Ballot, first.ballot_id).cast_at
        second = service.cast(motion_id, user_ids["ottawa@example.org"], None, "no",
                              now=first_at - timedelta(minutes=5))  # NTP stepped the clock back
        assert db.session.get(Ballot, second.ballot_id).cast_at == first_at
        motion = close_now(motion_id)
        report = verify_bundle(service.bundle_for(motion))
        assert report.check("log structure").ok and report.ok, [c.message for c in report.failures()]


# --- the proxy service ------------------------------------------------------------------------


def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        users = {u.email: u.id for u in db.session.scalars(select(User))}
    return users


def refusal(call: Callable[[], Any]) -> service.MotionError:
    with pytest.raises(service.MotionError) as refused:
        call()
    return refused.value


def test_grant_and_revoke_record_the_proxy_and_the_audit_event(fed: Flask) -> None:
    motion_id = new_motion(fed, open_it=False)
    users = ids(fed)
    with fed.test_request_context():
        assert proxies.grant(motion_id, users["delegate@example.org"], "ottawa") == "Ottawa LIP"
        proxy = db.session.scalar(select(Proxy).where(Proxy.motion_id == motion_id))
        assert (proxy.grantor.slug, proxy.holder.slug, proxy.revoked_at) == ("halifax", "ottawa", None)
        proxies.revoke(motion_id, users["alt.halifax@example.org"])  # either delegate of the member
        assert db.session.get(Proxy, proxy.id).revoked_at is not None
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["proxy.grant", "proxy.revoke"]


def test_proxy_refusals_carry_their_status_and_store_nothing(fed: Flask) -> None:
    motion_id = new_motion(fed)
    users = ids(fed)
    delegate, ottawa = users["delegate@example.org"], users["ottawa@example.org"]
    with fed.test_request_context():
        assert refusal(lambda: proxies.grant(motion_id, delegate, "halifax")).status == 422  # not to itself
        assert refusal(lambda: proxies.grant(motion_id, delegate, "nowhere")).status == 404
        assert refusal(lambda: proxies.revoke(motion_id, delegate)).status == 409  # nothing to revoke
        assert refusal(lambda: proxies.grant(motion_id, users["chair@example.org"], "ottawa")).status == 403
        proxies.grant(motion_id, ottawa, "bow-valley")
        held = refusal(lambda: proxies.grant(motion_id, delegate, "ottawa"))
        assert held.status == 409 and "Ottawa LIP has given its own vote" in held.message
        assert refusal(lambda: proxies.grant(motion_id, ottawa, "halifax")).status == 409  # one live proxy
        assert db.session.scalar(select(func.count()).select_from(Proxy)) == 1
    with fed.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
    with fed.test_request_context():
        assert "already voted" in refusal(lambda: proxies.grant(motion_id, delegate, "bow-valley")).message
    with fed.app_context():
        close_now(motion_id)
    with fed.test_request_context():
        assert "before the motion opens" in refusal(lambda: proxies.grant(motion_id, users["alt.halifax@example.org"],
                                                                         "bow-valley")).message


def test_a_used_proxy_cannot_be_revoked_and_the_refusal_reads_french(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    users = ids(fed)
    with fed.test_request_context():
        proxies.grant(motion_id, users["delegate@example.org"], "ottawa")
    with fed.app_context():
        cast_as(motion_id, "ottawa@example.org", "no", for_member="halifax")
        assert db.session.scalar(select(Proxy)).used_at is not None
    set_locale(fed, "delegate@example.org", "fr")
    as_user(client, "delegate@example.org")
    refused = revoke(client, motion_id)
    assert refused.status_code == 409
    assert "La procuration a déjà servi à déposer le bulletin de votre membre" in words(refused.get_data(as_text=True))


def test_the_service_checks_outside_a_request_read_english(fed: Flask) -> None:
    """`lipvote tick`, the demo loader and the load bench have no reader: the words stay as written."""
    motion_id = new_motion(fed)
    with fed.app_context():
        close_now(motion_id)
        user = db.session.scalar(select(User).where(User.email == "delegate@example.org"))
        member = db.session.scalar(select(Member).where(Member.slug == "halifax"))
        motion = db.session.get(Motion, motion_id)
        assert motion.state is MotionState.CLOSED
        assert refusal(lambda: service.check_caster(motion, user, member)).message == "This motion is not open for voting."


def test_leaf_0_is_parsed_once_and_read_by_every_caller(fed: Flask) -> None:
    motion_id = new_motion(fed)
    with fed.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.opening is motion.opening  # one parse per committed text
        assert motion.opening.weights == service.committed_weights(motion)
        assert motion.opening.rules == service.committed_rules(motion)
        assert set(motion.opening.members) == set(motion.opening.weights) == {"halifax", "bow-valley", "ottawa"}
        service.committed_rules(motion)["eligible"]["weight"] = 0  # a caller's copy, not the shared leaf
        assert motion.opening.eligible["weight"] == motion.opening.total_weight > 0
    draft_id = new_motion(fed, open_it=False)
    with fed.app_context():
        assert db.session.get(Motion, draft_id).opening is None
