"""The delegate's pages through the test client: ballots of every method (ballot -> review -> cast),
every refusal, changed votes, proxies, receipts and the receipt check.

Each cast goes through the HTTP forms exactly as a browser without JavaScript sends them; the
stored leaf is then read back from the log, so a form that posted the wrong selection, a view
that took a weight from the form or a refusal that still stored something fails here.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DelegateRank, Member, Role
from app.motions import service
from app.motions.models import Ballot, LogLeaf, Motion, Proxy
from ballots.leaves import BallotLeaf, parse_leaf
from ballots.note import parse_vkey
from ballots.receipt import receipt_from_tlog_proof, verify_receipt
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.conftest import Person, add_member, add_user, csrf_token, post_form, sign_in

HIDDEN_RE = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')
ATTR_RE = re.compile(r'\b(name|value)="([^"]*)"')
FOUR = options("ada", "bea", "cy", "dan")


@pytest.fixture
def fed(app: Flask, people: dict[str, Person]) -> Flask:
    """`people` (delegate@ is halifax's primary) plus halifax's alternate and an ottawa delegate."""
    with app.app_context():
        halifax = db.session.scalar(select(Member).where(Member.slug == "halifax"))
        ottawa = add_member("ottawa", name_en="Ottawa LIP", name_fr="PLI d'Ottawa")
        add_user("alt.halifax@example.org", Role.DELEGATE, halifax, DelegateRank.ALTERNATE)
        add_user("ottawa@example.org", Role.DELEGATE, ottawa, DelegateRank.PRIMARY)
        db.session.commit()
    return app


def as_user(client: FlaskClient, email: str) -> FlaskClient:
    """Sign in as `email`, signing out whoever was signed in on this client first."""
    if client.get("/home").status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    response = sign_in(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def new_motion(app: Flask, *, open_it: bool = True, **kwargs: Any) -> int:
    with app.app_context():
        motion_id = draft_motion(**kwargs)
        if open_it:
            open_now(motion_id)
    return motion_id


def review(client: FlaskClient, motion_id: int, fields: list[tuple[str, str]], member: str = "halifax") -> Any:
    token = csrf_token(client, "/home")
    data: list[tuple[str, str]] = [("csrf_token", token), ("member", member), *fields]
    return client.post(f"/motions/{motion_id}/ballot/review", data=_multi(data))


def cast_fields(client: FlaskClient, motion_id: int, fields: list[tuple[str, str]], member: str = "halifax") -> Any:
    token = csrf_token(client, "/home")
    data: list[tuple[str, str]] = [("csrf_token", token), ("member", member), *fields]
    return client.post(f"/motions/{motion_id}/ballot/cast", data=_multi(data))


def _multi(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def cast_form_fields(review_page: str) -> list[tuple[str, str]]:
    """The hidden fields of the review page's "Cast ballot" form, as the browser would post them."""
    form = re.search(r'<form method="post" action="[^"]*/ballot/cast">(.*?)</form>', review_page, re.S)
    assert form is not None, review_page
    fields = []
    for tag in HIDDEN_RE.findall(form.group(1)):
        attrs = dict(ATTR_RE.findall(tag))
        fields.append((html.unescape(attrs["name"]), html.unescape(attrs.get("value", ""))))
    return fields


def vote(client: FlaskClient, motion_id: int, fields: list[tuple[str, str]], member: str = "halifax") -> Any:
    """Ballot page -> review -> the review page's own hidden fields posted to cast."""
    page = client.get(f"/motions/{motion_id}/ballot?member={member}")
    assert page.status_code == 200, page.get_data(as_text=True)
    reviewed = review(client, motion_id, fields, member)
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)
    hidden = cast_form_fields(reviewed.get_data(as_text=True))
    return client.post(f"/motions/{motion_id}/ballot/cast", data=_multi(hidden)), reviewed


def leaves_of(app: Flask, motion_id: int) -> list[str]:
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        if motion.log_id is None:
            return []
        return list(db.session.scalars(select(LogLeaf.leaf).where(LogLeaf.log_id == motion.log_id).order_by(LogLeaf.index)))


def ballot_count(app: Flask, motion_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.motion_id == motion_id)) or 0


def committed_weight(app: Flask, motion_id: int, slug: str) -> int:
    with app.app_context():
        return service.committed_weights(db.session.get(Motion, motion_id))[slug]


# --- casting every method ---------------------------------------------------------------------

CASES = [
    # method, options, seats, posted fields, expected leaf selection, words on the review page
    ("yes_no", None, 1, [("choice", "yes")], "yes", "Your choice: Yes"),
    ("yes_no", None, 1, [("choice", "abstain")], "abstain", "Your choice: Abstain"),
    ("plurality", FOUR, 1, [("choice", "cy")], "cy", "Your choice: Cy"),
    ("plurality", FOUR, 1, [("choice", "")], "", "A blank ballot"),
    ("approval", FOUR, 1, [("choice", "dan"), ("choice", "ada")], ["ada", "dan"], "You approve of:"),
    ("approval", FOUR, 1, [], [], "A blank ballot"),
    ("irv", FOUR, 1, [("rank-bea", "1"), ("rank-ada", "2"), ("rank-cy", "")], ["bea", "ada"], "Not ranked:"),
    ("stv", FOUR, 2, [("rank-dan", "1"), ("rank-cy", "2"), ("rank-bea", "3"), ("rank-ada", "4")],
     ["dan", "cy", "bea", "ada"], "most preferred first"),
    ("schulze", FOUR, 1, [("rank-cy", "2"), ("rank-ada", "1")], ["ada", "cy"], "most preferred first"),
    ("ranked_pairs", FOUR, 1, [("rank-ada", "2"), ("rank-bea", "1")], ["bea", "ada"], "most preferred first"),
    ("schulze_stv", FOUR, 2, [("rank-bea", "1"), ("rank-dan", "2")], ["bea", "dan"], "most preferred first"),
    ("irv", FOUR, 1, [("rank-ada", ""), ("rank-bea", "")], [], "A blank ballot"),
]


@pytest.mark.parametrize("method,option_list,seats,fields,expected,words", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_ballot_type_is_cast_through_the_forms(fed: Flask, client: FlaskClient, method: str, option_list: Any,
                                                    seats: int, fields: list[tuple[str, str]], expected: Any,
                                                    words: str) -> None:
    kwargs: dict[str, Any] = {"method": method, "seats": seats}
    if option_list is not None:
        kwargs["option_list"] = option_list
    motion_id = new_motion(fed, **kwargs)
    as_user(client, "delegate@example.org")
    page = client.get(f"/motions/{motion_id}/ballot")
    assert page.status_code == 200
    assert "<fieldset" in page.get_data(as_text=True) and "<legend>" in page.get_data(as_text=True)
    response, reviewed = vote(client, motion_id, fields)
    assert words in reviewed.get_data(as_text=True)
    assert "Cast ballot" in reviewed.get_data(as_text=True)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/motions/{motion_id}/receipts/1")
    stored = leaves_of(fed, motion_id)
    assert len(stored) == 2
    leaf = parse_leaf(stored[1])
    assert isinstance(leaf, BallotLeaf)
    assert leaf.selection == expected
    assert leaf.member == "halifax"
    assert leaf.weight == committed_weight(fed, motion_id, "halifax")


def test_review_stores_nothing_and_change_link_prefills(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, method="irv", option_list=FOUR)
    as_user(client, "delegate@example.org")
    reviewed = review(client, motion_id, [("rank-cy", "1"), ("rank-ada", "2")])
    assert reviewed.status_code == 200
    assert len(leaves_of(fed, motion_id)) == 1 and ballot_count(fed, motion_id) == 0
    change = re.search(r'href="([^"]*/ballot\?[^"]*)"[^>]*>Change<', reviewed.get_data(as_text=True))
    assert change is not None
    page = client.get(html.unescape(change.group(1))).get_data(as_text=True)
    assert re.search(r'name="rank-cy"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="1" selected>', page)
    assert re.search(r'name="rank-ada"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="1">1</option>'
                     r'\s*<option value="2" selected>', page)


# --- refusals ----------------------------------------------------------------------------------


def test_delegate_cannot_vote_for_another_member(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    assert client.get(f"/motions/{motion_id}/ballot?member=ottawa").status_code == 403
    assert review(client, motion_id, [("choice", "yes")], member="ottawa").status_code == 403
    response = cast_fields(client, motion_id, [("choice", "yes")], member="ottawa")
    assert response.status_code == 403
    assert "may not vote for" in response.get_data(as_text=True)
    assert cast_fields(client, motion_id, [("choice", "yes")], member="no-such-member").status_code == 404
    assert ballot_count(fed, motion_id) == 0 and len(leaves_of(fed, motion_id)) == 1


def test_no_ballot_on_a_draft_or_closed_motion_and_a_stale_form_is_refused(fed: Flask, client: FlaskClient) -> None:
    draft = new_motion(fed, open_it=False)
    as_user(client, "delegate@example.org")
    assert client.get(f"/motions/{draft}/ballot").status_code == 409
    assert cast_fields(client, draft, [("choice", "yes")]).status_code == 409

    motion_id = new_motion(fed)
    reviewed = review(client, motion_id, [("choice", "no")])
    hidden = cast_form_fields(reviewed.get_data(as_text=True))
    with fed.app_context():
        close_now(motion_id)
    stale = client.post(f"/motions/{motion_id}/ballot/cast", data=_multi(hidden))
    assert stale.status_code == 409
    assert "not open for voting" in stale.get_data(as_text=True)
    assert client.get(f"/motions/{motion_id}/ballot").status_code == 409
    assert ballot_count(fed, motion_id) == 0 and ballot_count(fed, draft) == 0


def test_second_ballot_refused_without_revote(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    assert vote(client, motion_id, [("choice", "yes")])[0].status_code == 303
    page = client.get(f"/motions/{motion_id}/ballot")
    assert page.status_code == 409 and "already voted" in page.get_data(as_text=True)
    again = cast_fields(client, motion_id, [("choice", "no")])
    assert again.status_code == 409
    as_user(client, "alt.halifax@example.org")  # the member's other delegate
    assert cast_fields(client, motion_id, [("choice", "no")]).status_code == 409
    assert ballot_count(fed, motion_id) == 1 and len(leaves_of(fed, motion_id)) == 2


@pytest.mark.parametrize("role", ["chair", "observer", "auditor", "admin"])
def test_other_roles_cannot_vote(fed: Flask, client: FlaskClient, people: dict[str, Person], role: str) -> None:
    motion_id = new_motion(fed)
    as_user(client, people[role].email)
    assert client.get(f"/motions/{motion_id}/ballot?member=halifax").status_code == 403
    assert review(client, motion_id, [("choice", "yes")]).status_code == 403
    assert cast_fields(client, motion_id, [("choice", "yes")]).status_code == 403
    assert client.get("/motions/ballots").status_code == 403
    assert ballot_count(fed, motion_id) == 0


FORGED = [
    ("yes_no", None, [("choice", "maybe")], "Unknown option"),
    ("yes_no", None, [("choice", "yes"), ("weight", "9999")], "Unexpected field 'weight'"),
    ("yes_no", None, [("choice", "yes"), ("choice", "no")], "only one"),
    ("yes_no", None, [], "Choose one"),
    ("approval", FOUR, [("choice", "ada"), ("choice", "zed")], "Unknown option"),
    ("approval", FOUR, [("choice", "ada"), ("choice", "ada")], "more than once"),
    ("irv", FOUR, [("rank-ada", "1"), ("rank-bea", "1")], "Rank 1 is given to both"),
    ("irv", FOUR, [("rank-ada", "1"), ("rank-zed", "2")], "Unexpected field 'rank-zed'"),
    ("irv", FOUR, [("rank-ada", "5")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "-1")], "must be a number from 1 to 4"),
    # a gap is refused, never read as the ranking it would close up to (1 and 3 are not 1 and 2)
    ("irv", FOUR, [("rank-ada", "1"), ("rank-bea", "3")], "Rank 2 is not given, but rank 3 is"),
    ("ranked_pairs", FOUR, [("rank-ada", "3"), ("rank-bea", "1")], "Rank 2 is not given, but rank 3 is"),
    ("schulze", FOUR, [("rank-ada", "2")], "Rank 1 is not given, but rank 2 is"),
    ("stv", FOUR, [("rank-ada", "1"), ("rank-bea", "2"), ("rank-cy", "4")], "Rank 3 is not given, but rank 4 is"),
    # only ASCII digits: "\u0661" (Arabic-Indic one) was read as 1, and "\u00b2" gave a 500
    ("irv", FOUR, [("rank-ada", "\u0661")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "\u00b2")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "\uff11")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "1_0")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "99999999999999999999999")], "must be a number from 1 to 4"),
    ("irv", FOUR, [("rank-ada", "1"), ("rank-ada", "2")], "more than one rank"),
    ("irv", FOUR, [("choice", "ada")], "Unexpected field 'choice'"),
    ("schulze", FOUR, [("rank-ada", "1"), ("weight", "1")], "Unexpected field 'weight'"),
]


@pytest.mark.parametrize("method,option_list,fields,message", FORGED, ids=[f"{c[0]}-{i}" for i, c in enumerate(FORGED)])
def test_forged_fields_are_refused_and_store_nothing(fed: Flask, client: FlaskClient, method: str, option_list: Any,
                                                     fields: list[tuple[str, str]], message: str) -> None:
    kwargs: dict[str, Any] = {"method": method}
    if option_list is not None:
        kwargs["option_list"] = option_list
    motion_id = new_motion(fed, **kwargs)
    as_user(client, "delegate@example.org")
    for response in (review(client, motion_id, fields), cast_fields(client, motion_id, fields)):
        assert response.status_code == 422, response.get_data(as_text=True)
        assert html.unescape(response.get_data(as_text=True)).count(message) >= 1
    assert ballot_count(fed, motion_id) == 0 and len(leaves_of(fed, motion_id)) == 1


def test_a_ranking_with_a_gap_comes_back_as_submitted_with_the_reason(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, method="irv", option_list=FOUR)
    as_user(client, "delegate@example.org")
    response = review(client, motion_id, [("rank-ada", "1"), ("rank-cy", "3")])
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'role="alert"' in page and "Rank 2 is not given, but rank 3 is" in page
    assert re.search(r'name="rank-ada"[^>]*>\s*<option value="">[^<]*</option>\s*<option value="1" selected>', page)
    assert re.search(r'name="rank-cy"[^>]*>(\s*<option value="[^"]*">[^<]*</option>){3}\s*<option value="3" selected>', page)
    assert "data-text-renumbered=" in page  # the script says so if it shows this ranking as 1, 2
    assert ballot_count(fed, motion_id) == 0


def test_weight_is_never_taken_from_the_form(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, policy={"kind": "equal", "total": 9, "cap": None, "floor": None})
    as_user(client, "delegate@example.org")
    # The review page carries no weight; the cast stores the weight committed at open.
    reviewed = review(client, motion_id, [("choice", "yes")])
    assert [k for k, _v in cast_form_fields(reviewed.get_data(as_text=True))] == ["csrf_token", "member", "choice"]
    assert cast_fields(client, motion_id, [("choice", "yes")]).status_code == 303
    leaf = parse_leaf(leaves_of(fed, motion_id)[1])
    assert isinstance(leaf, BallotLeaf) and leaf.weight == committed_weight(fed, motion_id, "halifax")


# --- changed vote ------------------------------------------------------------------------------


def test_changed_vote_supersedes_and_says_so(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, revote=True)
    as_user(client, "delegate@example.org")
    first_page = client.get(f"/motions/{motion_id}/ballot").get_data(as_text=True)
    assert "already voted" not in first_page
    assert vote(client, motion_id, [("choice", "yes")])[0].status_code == 303
    page = client.get(f"/motions/{motion_id}/ballot").get_data(as_text=True)
    assert "already voted" in page and "replaces that ballot" in page
    response, reviewed = vote(client, motion_id, [("choice", "no")])
    assert "This ballot replaces the one" in reviewed.get_data(as_text=True)
    assert response.status_code == 303
    stored = [parse_leaf(t) for t in leaves_of(fed, motion_id)]
    assert isinstance(stored[2], BallotLeaf) and stored[2].supersedes == 1 and stored[2].selection == "no"
    with fed.app_context():
        rows = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion_id).order_by(Ballot.leaf_index)).all()
        assert [(b.leaf_index, b.counted) for b in rows] == [(1, False), (2, True)]
    listing = client.get("/motions/ballots").get_data(as_text=True)
    assert "Voted (changed)" in listing
    old = client.get(f"/motions/{motion_id}/receipts/1").get_data(as_text=True)
    assert "replaced by a later ballot" in old


# --- proxies -----------------------------------------------------------------------------------


def give_proxy(client: FlaskClient, motion_id: int, holder: str) -> Any:
    return post_form(client, f"/motions/{motion_id}/proxy", {"holder": holder})


def revoke(client: FlaskClient, motion_id: int) -> Any:
    return post_form(client, f"/motions/{motion_id}/proxy/revoke", {}, token_from=f"/motions/{motion_id}/vote")


def test_proxy_assign_use_and_no_revoke_after_use(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, open_it=False)  # a proxy may be given before the motion opens
    as_user(client, "delegate@example.org")
    assert give_proxy(client, motion_id, "ottawa").status_code == 303
    with fed.app_context():
        proxy = db.session.scalar(select(Proxy).where(Proxy.motion_id == motion_id))
        assert proxy.grantor.slug == "halifax" and proxy.holder.slug == "ottawa" and proxy.revoked_at is None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proxy.grant")) is not None
        open_now(motion_id)
    assert "given to Ottawa LIP" in client.get(f"/motions/{motion_id}/proxy").get_data(as_text=True)
    assert client.get(f"/motions/{motion_id}/ballot").status_code == 409  # halifax's own delegate now may not
    as_user(client, "ottawa@example.org")
    listing = client.get("/motions/ballots").get_data(as_text=True)
    assert "Halifax LIP" in listing and "by proxy" in listing
    page = client.get(f"/motions/{motion_id}/ballot?member=halifax").get_data(as_text=True)
    assert "by proxy" in page and "You are voting on behalf of Halifax LIP" in page
    response, _reviewed = vote(client, motion_id, [("choice", "no")], member="halifax")
    assert response.status_code == 303
    leaf = parse_leaf(leaves_of(fed, motion_id)[1])
    assert isinstance(leaf, BallotLeaf) and leaf.member == "halifax" and leaf.proxy == "ottawa"
    assert client.get(response.headers["Location"]).status_code == 200  # the holder sees the receipt it made
    with fed.app_context():
        assert db.session.scalar(select(Proxy).where(Proxy.motion_id == motion_id)).used_at is not None
    as_user(client, "delegate@example.org")
    refused = revoke(client, motion_id)
    assert refused.status_code == 409 and "already been used" in refused.get_data(as_text=True)
    assert client.get(f"/motions/{motion_id}/receipts/1").status_code == 200  # the grantor's delegates too


def test_proxy_revoked_before_use_gives_the_vote_back(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    assert give_proxy(client, motion_id, "halifax").status_code == 422  # not to itself: not among the choices
    assert give_proxy(client, motion_id, "ottawa").status_code == 303
    assert give_proxy(client, motion_id, "bow-valley").status_code == 409  # one live proxy at a time
    assert revoke(client, motion_id).status_code == 303
    with fed.app_context():
        proxy = db.session.scalar(select(Proxy).where(Proxy.motion_id == motion_id))
        assert proxy.revoked_at is not None
    as_user(client, "ottawa@example.org")
    assert client.get(f"/motions/{motion_id}/ballot?member=halifax").status_code == 403
    assert cast_fields(client, motion_id, [("choice", "yes")], member="halifax").status_code == 403
    as_user(client, "delegate@example.org")
    assert vote(client, motion_id, [("choice", "yes")])[0].status_code == 303
    assert revoke(client, motion_id).status_code == 409  # nothing left to revoke
    assert give_proxy(client, motion_id, "ottawa").status_code == 409  # already voted


def test_only_a_delegate_of_the_member_manages_its_proxy(fed: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    motion_id = new_motion(fed)
    as_user(client, people["chair"].email)
    assert client.get(f"/motions/{motion_id}/proxy").status_code == 403
    as_user(client, "ottawa@example.org")
    assert give_proxy(client, motion_id, "bow-valley").status_code == 303
    with fed.app_context():
        grantors = db.session.scalars(select(Proxy.grantor_id).where(Proxy.motion_id == motion_id)).all()
        ottawa = db.session.scalar(select(Member.id).where(Member.slug == "ottawa"))
        assert grantors == [ottawa]


# --- receipts ----------------------------------------------------------------------------------


def test_receipt_page_downloads_and_who_may_see_it(fed: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    response, _ = vote(client, motion_id, [("choice", "yes")])
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    code_box = re.search(r'class="tracking-code mono">(.*?)</p>', text)
    assert code_box is not None
    code = re.fullmatch(r"([0-9A-Z-]{19})", re.sub(r"<[^>]+>", "", code_box.group(1)))
    assert code is not None
    assert "Your choice: Yes" in text and "<svg" in text and f"code={code.group(1)}" in text
    assert 'style="' not in text  # the CSP forbids inline styles

    download = client.get(f"/motions/{motion_id}/receipts/1/receipt.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    receipt = json.loads(download.get_data(as_text=True))
    assert receipt["tracking_code"] == code.group(1) and receipt["index"] == 1
    with fed.app_context():
        vkey = db.session.get(Motion, motion_id).log.verifier_key
    checked = verify_receipt(receipt, vkey)
    assert checked.index == 1 and isinstance(checked.leaf, BallotLeaf) and checked.leaf.selection == "yes"
    # the receipt names the signing key and its fingerprint, on paper and in the file, EN and FR
    fingerprint = parse_vkey(vkey).fingerprint
    assert receipt["verifier_key"] == vkey and receipt["key_fingerprint"] == fingerprint
    assert "Fingerprint of the server’s signing key" in text and _fingerprint_shown(text) == fingerprint
    receipt_url = response.headers["Location"]
    post_form(client, "/language", {"lang": "fr", "next": receipt_url}, token_from=receipt_url)
    french = client.get(receipt_url).get_data(as_text=True)
    assert "Empreinte de la clé de signature du serveur" in french and _fingerprint_shown(french) == fingerprint
    post_form(client, "/language", {"lang": "en", "next": receipt_url}, token_from=receipt_url)

    proof = client.get(f"/motions/{motion_id}/receipts/1/tlog-proof")
    assert proof.status_code == 200 and proof.headers["Content-Disposition"].startswith("attachment;")
    assert proof.get_data(as_text=True).startswith("c2sp.org/tlog-proof@v1\n")
    verify_receipt(receipt_from_tlog_proof(proof.get_data(as_text=True)), vkey)

    as_user(client, "alt.halifax@example.org")
    assert client.get(f"/motions/{motion_id}/receipts/1").status_code == 200
    as_user(client, "ottawa@example.org")
    for url in ("", "/receipt.json", "/tlog-proof"):
        assert client.get(f"/motions/{motion_id}/receipts/1{url}").status_code == 403
    assert client.get(f"/motions/{motion_id}/receipts/0").status_code == 404  # the open leaf is no ballot
    for role in ("chair", "auditor", "observer"):
        as_user(client, people[role].email)
        assert client.get(f"/motions/{motion_id}/receipts/1").status_code == 403


def test_receipt_stays_valid_after_the_log_grows(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    vote(client, motion_id, [("choice", "no")])
    early = json.loads(client.get(f"/motions/{motion_id}/receipts/1/receipt.json").get_data(as_text=True))
    with fed.app_context():
        cast_as(motion_id, "ottawa@example.org", "yes")
        close_now(motion_id)
        vkey = db.session.get(Motion, motion_id).log.verifier_key
    later = json.loads(client.get(f"/motions/{motion_id}/receipts/1/receipt.json").get_data(as_text=True))
    assert later["checkpoint"] != early["checkpoint"] and later["leaf"] == early["leaf"]
    verify_receipt(later, vkey)


# --- receipt check -----------------------------------------------------------------------------


def check_receipt(client: FlaskClient, motion_id: int, text: str) -> Any:
    """Delegates check receipts on the motion's public audit page (linked from the receipt page)."""
    return post_form(client, f"/audit/motions/{motion_id}/receipt", {"receipt": text})


def test_receipt_check_says_included_and_detects_tampering(fed: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    motion_id = new_motion(fed, revote=True)
    as_user(client, "delegate@example.org")
    vote(client, motion_id, [("choice", "yes")])
    text = client.get(f"/motions/{motion_id}/receipts/1/receipt.json").get_data(as_text=True)
    assert f"/audit/motions/{motion_id}/receipt" in client.get(f"/motions/{motion_id}/receipts/1").get_data(as_text=True)
    with fed.app_context():
        cast_as(motion_id, "ottawa@example.org", "no")  # the log grows: the check needs a consistency proof
    as_user(client, people["observer"].email)  # anyone may check a receipt on the public audit page
    assert client.get(f"/audit/motions/{motion_id}/receipt").status_code == 200
    good = check_receipt(client, motion_id, text)
    assert good.status_code == 200
    body = html.unescape(good.get_data(as_text=True))
    assert "Your ballot is in the log" in body and "Entry 1 of this motion's log" in body and "unchanged, and it is counted" in body

    receipt = json.loads(text)
    changed_leaf = dict(receipt, leaf=receipt["leaf"].replace('"selection":"yes"', '"selection":"no"'))
    assert changed_leaf["leaf"] != receipt["leaf"]
    bad = check_receipt(client, motion_id, json.dumps(changed_leaf))
    assert bad.status_code == 422
    assert "does not match its own signature and proof" in html.unescape(bad.get_data(as_text=True))

    wrong_index = dict(receipt, index=2)
    refused = check_receipt(client, motion_id, json.dumps(wrong_index))
    assert refused.status_code == 422 and "does not match its own signature and proof" in html.unescape(refused.get_data(as_text=True))

    malformed = check_receipt(client, motion_id, "{not json")
    assert malformed.status_code == 422 and "not a receipt we can read" in html.unescape(malformed.get_data(as_text=True))
    wrong_format = check_receipt(client, motion_id, json.dumps(dict(receipt, format="other/1")))
    assert wrong_format.status_code == 422 and "not a receipt we can read" in html.unescape(wrong_format.get_data(as_text=True))
    assert check_receipt(client, motion_id, "").status_code == 422

    # an upload works like a paste
    token = csrf_token(client, f"/audit/motions/{motion_id}/receipt")
    from io import BytesIO

    uploaded = client.post(f"/audit/motions/{motion_id}/receipt",
                           data={"csrf_token": token, "upload": (BytesIO(text.encode()), "receipt.json")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 200 and "Your ballot is in the log" in html.unescape(uploaded.get_data(as_text=True))

    # after a changed vote, the old receipt is still included but no longer counts
    as_user(client, "delegate@example.org")
    vote(client, motion_id, [("choice", "no")])
    superseded = html.unescape(check_receipt(client, motion_id, text).get_data(as_text=True))
    assert "Your ballot is in the log, but it was replaced" in superseded and "entry 3 is the one counted" in superseded


def test_receipt_check_detects_a_fork(fed: Flask, client: FlaskClient) -> None:
    """A receipt validly signed for this log's origin whose tree the current log does not extend."""
    from ballots import merkle
    from ballots.checkpoint import sign_checkpoint
    from ballots.leaves import ballot_leaf
    from ballots.receipt import build_receipt
    from app import board
    from datetime import datetime, timezone

    motion_id = new_motion(fed)
    with fed.app_context():
        cast_as(motion_id, "ottawa@example.org", "yes")
        motion = db.session.get(Motion, motion_id)
        origin = motion.log.origin
        other = ballot_leaf(motion=motion.public_id, weight=1, selection="no",
                            cast_at=datetime(2025, 1, 1, tzinfo=timezone.utc), member="halifax")
        hashes = [merkle.leaf_hash(t.encode()) for t in leaves_of(fed, motion_id)[:1]] + [merkle.leaf_hash(other.encode())]
        tree = merkle.Tree(hashes)
        note = sign_checkpoint(board.signer(), origin, 2, tree.root())
        forged = build_receipt(origin=origin, index=1, leaf=other, checkpoint=note, proof=tree.inclusion_proof(1, 2))
    as_user(client, "delegate@example.org")
    response = check_receipt(client, motion_id, json.dumps(forged))
    assert response.status_code == 409
    assert "history was changed" in response.get_data(as_text=True)


def test_receipt_for_another_motion_is_refused(fed: Flask, client: FlaskClient) -> None:
    first = new_motion(fed)
    second = new_motion(fed)
    as_user(client, "delegate@example.org")
    vote(client, first, [("choice", "yes")])
    text = client.get(f"/motions/{first}/receipts/1/receipt.json").get_data(as_text=True)
    response = check_receipt(client, second, text)
    assert response.status_code == 422 and "This receipt is for another motion" in html.unescape(response.get_data(as_text=True))


# --- lists -------------------------------------------------------------------------------------


def test_home_and_list_show_open_motions_with_their_state(fed: Flask, client: FlaskClient) -> None:
    voted = new_motion(fed, title="Budget motion")
    pending = new_motion(fed, title="Bylaw amendment")
    draft = new_motion(fed, open_it=False, title="Future election")
    as_user(client, "delegate@example.org")
    vote(client, voted, [("choice", "yes")])
    for url in ("/home", "/motions/ballots"):
        page = client.get(url).get_data(as_text=True)
        rows = {title: re.search(title + r".*?</tr>", page, re.S) for title in ("Budget motion", "Bylaw amendment", "Future election")}
        assert all(rows.values()), url
        assert "Voted" in rows["Budget motion"].group(0)
        assert "Not voted yet" in rows["Bylaw amendment"].group(0)
        assert f"/motions/{pending}/ballot?member=halifax" in rows["Bylaw amendment"].group(0)
        assert "Not open yet" in rows["Future election"].group(0)
    detail = client.get(f"/motions/{voted}/vote").get_data(as_text=True)
    assert f"/motions/{voted}/receipts/1" in detail
    assert client.get(f"/motions/{draft}/vote").status_code == 200


def test_ranked_ballot_works_without_javascript_and_loads_the_enhancement_from_static(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed, method="schulze", option_list=FOUR)
    as_user(client, "delegate@example.org")
    page = client.get(f"/motions/{motion_id}/ballot").get_data(as_text=True)
    selects = re.findall(r'<select id="rank-\d+" name="rank-([a-z]+)"', page)
    assert selects == ["ada", "bea", "cy", "dan"]  # one rank field per candidate: the no-JS ballot
    for option in selects:
        assert re.search(rf'<label for="rank-\d+">{option.title()}</label>', page)
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts == ['<script src="/static/ranking.js" defer>']  # no inline script (CSP script-src 'self')
    script = client.get("/static/ranking.js")
    assert script.status_code == 200 and b"data-ranking" in script.data
    script.close()


def test_detail_page_of_a_closed_motion_links_results_and_audit(fed: Flask, client: FlaskClient) -> None:
    motion_id = new_motion(fed)
    as_user(client, "delegate@example.org")
    vote(client, motion_id, [("choice", "yes")])
    with fed.app_context():
        close_now(motion_id)
    detail = client.get(f"/motions/{motion_id}/vote").get_data(as_text=True)
    assert f'href="/results/motions/{motion_id}"' in detail and f'href="/audit/motions/{motion_id}"' in detail
    assert "closed, not certified" in detail and f"/motions/{motion_id}/ballot?" not in detail
    assert client.get(f"/motions/{motion_id}/receipts/1").status_code == 200  # receipts outlive the vote


def _fingerprint_shown(html: str) -> str:
    """The fingerprint a page shows, as text (its groups may break only between them)."""
    found = re.search(r'<code class="key-fingerprint"[^>]*>(.*?)</code>', html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()
