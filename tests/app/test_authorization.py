"""Every route x every role (and anonymous) -> the status the policy promises.

The expected table is written out by hand, not derived from app.policy, so a change to the
policy or a new unguarded route makes this test fail until the table is updated on purpose.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Person, csrf_token, sign_in

ROLES = ("anonymous", "admin", "chair", "delegate", "auditor", "observer")

# (method, url template) -> expected status per role, in ROLES order.
ANON_LOGIN = 302  # anonymous visitors are redirected to the sign-in page
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/"): (302, 302, 302, 302, 302, 302),
    ("GET", "/login"): (200, 302, 302, 302, 302, 302),
    ("POST", "/login"): (400, 302, 302, 302, 302, 302),  # anonymous: an empty form is refused
    ("POST", "/logout"): (302, 302, 302, 302, 302, 302),
    ("GET", "/invite/<token>"): (404, 404, 404, 404, 404, 404),
    ("POST", "/invite/<token>"): (404, 404, 404, 404, 404, 404),
    ("GET", "/reset/<token>"): (404, 404, 404, 404, 404, 404),
    ("POST", "/reset/<token>"): (404, 404, 404, 404, 404, 404),
    ("GET", "/password-reset"): (200, 302, 302, 302, 302, 302),  # no mail configured here: "ask your administrator"
    ("POST", "/password-reset"): (200, 302, 302, 302, 302, 302),
    ("POST", "/language"): (302, 302, 302, 302, 302, 302),
    # two-factor authentication: nobody here has it on (tests/app/test_two_factor.py covers it)
    ("GET", "/login/code"): (400, 302, 302, 302, 302, 302),  # anonymous: no sign-in waits for a code
    ("POST", "/login/code"): (400, 302, 302, 302, 302, 302),
    ("GET", "/account"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/account/two-factor/enrol"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("POST", "/account/two-factor/enrol"): (ANON_LOGIN, 422, 422, 422, 422, 422),  # no code sent
    ("GET", "/account/two-factor/recovery-codes"): (ANON_LOGIN, 409, 409, 409, 409, 409),  # it is off
    ("POST", "/account/two-factor/recovery-codes"): (ANON_LOGIN, 409, 409, 409, 409, 409),
    ("GET", "/account/two-factor/turn-off"): (ANON_LOGIN, 409, 409, 409, 409, 409),
    ("POST", "/account/two-factor/turn-off"): (ANON_LOGIN, 409, 409, 409, 409, 409),
    ("GET", "/home"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/healthz"): (200, 200, 200, 200, 200, 200),
    ("GET", "/motions/"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/members/"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/members/new"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/members/new"): (ANON_LOGIN, 422, 403, 403, 403, 403),  # admin: empty form refused
    ("GET", "/members/<slug>/edit"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/members/<slug>/edit"): (ANON_LOGIN, 302, 403, 403, 403, 403),  # fields not sent keep their values
    ("POST", "/members/<slug>/active"): (ANON_LOGIN, 302, 403, 403, 403, 403),
    ("GET", "/members/import"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/members/import"): (ANON_LOGIN, 422, 403, 403, 403, 403),
    ("GET", "/members/export.csv"): (ANON_LOGIN, 200, 200, 403, 200, 403),
    ("GET", "/accounts/"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("GET", "/accounts/new"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/accounts/new"): (ANON_LOGIN, 422, 403, 403, 403, 403),
    ("GET", "/accounts/<int:user_id>/edit"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/accounts/<int:user_id>/edit"): (ANON_LOGIN, 422, 403, 403, 403, 403),
    ("POST", "/accounts/<int:user_id>/link"): (ANON_LOGIN, 201, 403, 403, 403, 403),
    ("POST", "/accounts/<int:user_id>/active"): (ANON_LOGIN, 302, 403, 403, 403, 403),
    ("GET", "/accounts/<int:user_id>/two-factor/reset"): (ANON_LOGIN, 409, 403, 403, 403, 403),  # the observer has none
    ("POST", "/accounts/<int:user_id>/two-factor/reset"): (ANON_LOGIN, 409, 403, 403, 403, 403),
    ("GET", "/accounts/invitations"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/accounts/invitations/preview"): (ANON_LOGIN, 422, 403, 403, 403, 403),  # no file sent
    ("POST", "/accounts/invitations/send"): (ANON_LOGIN, 400, 403, 403, 403, 403),  # no checked file
    ("POST", "/accounts/<int:user_id>/invitation/revoke"): (ANON_LOGIN, 409, 403, 403, 403, 403),  # accepted already
    # the outbox (app/mail/): <int:message_id> names no message, so the admin gets 404
    ("GET", "/mail/"): (ANON_LOGIN, 200, 403, 403, 403, 403),
    ("POST", "/mail/<int:message_id>/retry"): (ANON_LOGIN, 404, 403, 403, 403, 403),
    ("GET", "/mail/unsubscribe/<token>"): (404, 404, 404, 404, 404, 404),  # the signed link is the permission
    ("POST", "/mail/unsubscribe/<token>"): (404, 404, 404, 404, 404, 404),
    ("POST", "/mail/choices"): (ANON_LOGIN, 302, 302, 302, 302, 302),  # each person's own choices
    # each person's own notifications in lipvote (app/mail/inbox.py)
    ("GET", "/notifications/"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("POST", "/notifications/read"): (ANON_LOGIN, 302, 302, 302, 302, 302),
    # public audit and results pages: no login; <int:motion_id> names no motion, so 404 for all
    ("GET", "/audit/"): (200, 200, 200, 200, 200, 200),
    ("GET", "/audit/key"): (200, 200, 200, 200, 200, 200),
    ("GET", "/audit/motions/<int:motion_id>"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/motions/<int:motion_id>/bundle.json"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/motions/<int:motion_id>/checkpoint"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/motions/<int:motion_id>/consistency"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/motions/<int:motion_id>/receipt"): (404, 404, 404, 404, 404, 404),
    ("POST", "/audit/motions/<int:motion_id>/receipt"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/motions/<int:motion_id>/verified"): (ANON_LOGIN, 403, 403, 403, 404, 403),  # auditors only
    ("POST", "/audit/motions/<int:motion_id>/verified"): (ANON_LOGIN, 403, 403, 403, 404, 403),
    ("GET", "/results/motions/<int:motion_id>"): (404, 404, 404, 404, 404, 404),
    ("GET", "/audit/trail"): (ANON_LOGIN, 200, 200, 403, 200, 403),
    ("GET", "/audit/trail/bundle.json"): (ANON_LOGIN, 404, 404, 403, 404, 403),  # no action recorded yet
    # the chair's motion pages: <int:motion_id> is a motion that does not exist, so the chair gets
    # 404 after the permission check and everyone else 403 (tests/app/test_chair.py covers real ones)
    ("GET", "/motions/new"): (ANON_LOGIN, 403, 200, 403, 403, 403),
    ("POST", "/motions/new"): (ANON_LOGIN, 403, 422, 403, 403, 403),  # chair: empty form refused
    ("GET", "/motions/<int:motion_id>/edit"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/edit"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/preview"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/open"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/open"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/extend"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/extend"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/close"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/close"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/certify"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/certify"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/delete"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/delete"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/console"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/console.json"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/outcome"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/present"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/<int:motion_id>/present.json"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/present"): (ANON_LOGIN, 403, 200, 403, 403, 403),  # no motion yet: says so
    ("GET", "/motions/present.json"): (ANON_LOGIN, 403, 200, 403, 403, 403),
    ("GET", "/motions/open.json"): (ANON_LOGIN, 403, 200, 403, 403, 403),
    ("POST", "/motions/<int:motion_id>/duplicate"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/meetings/<int:meeting_id>/minutes"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/motions/meetings/<int:meeting_id>/results.csv"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    # the delegate's pages: only delegates pass the permission check, then the motion is unknown
    # (tests/app/test_delegate.py covers real motions, other members and every refusal)
    ("GET", "/motions/ballots"): (ANON_LOGIN, 403, 403, 200, 403, 403),
    ("GET", "/motions/<int:motion_id>/vote"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/motions/<int:motion_id>/ballot"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/motions/<int:motion_id>/ballot/review"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/motions/<int:motion_id>/ballot/cast"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/motions/<int:motion_id>/receipts/<int:index>"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/motions/<int:motion_id>/receipts/<int:index>/receipt.json"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/motions/<int:motion_id>/receipts/<int:index>/tlog-proof"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/motions/<int:motion_id>/proxy"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/motions/<int:motion_id>/proxy"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/motions/<int:motion_id>/proxy/revoke"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    # proposals: everyone signed in reads, chairs write; <slug> names no proposal here
    # (tests/app/test_proposal_access.py checks every route and role on a real one)
    ("GET", "/proposals/"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/proposals/new"): (ANON_LOGIN, 403, 200, 403, 403, 403),
    ("POST", "/proposals/new"): (ANON_LOGIN, 403, 422, 403, 403, 403),  # chair: empty form refused
    ("GET", "/proposals/<slug>"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/versions/<int:number>"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/versions/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/versions/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/proposals/<slug>/history"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/compare"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/state"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/state"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    # consultations (tests/app/test_consultation_pages.py checks every route and role on a real one)
    ("GET", "/proposals/<slug>/consultations/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/consultations/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/proposals/<slug>/consultations/<int:consultation_id>"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/consultations/<int:consultation_id>/results.csv"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/consultations/<int:consultation_id>/answer"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/proposals/<slug>/consultations/<int:consultation_id>/answer"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/proposals/<slug>/consultations/<int:consultation_id>/open"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/consultations/<int:consultation_id>/close"): (ANON_LOGIN, 403, 404, 403, 403, 403),

    # comments (chairs and delegates write, chairs hide and show again) and amendments (delegates propose and
    # second, chairs translate and put to a vote); <slug> names no proposal here
    ("GET", "/proposals/<slug>/comments"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/comments/new"): (ANON_LOGIN, 403, 404, 404, 403, 403),
    ("POST", "/proposals/<slug>/comments/new"): (ANON_LOGIN, 403, 404, 404, 403, 403),
    ("GET", "/proposals/<slug>/comments/<int:comment_id>/edit"): (ANON_LOGIN, 403, 404, 404, 403, 403),
    ("POST", "/proposals/<slug>/comments/<int:comment_id>/edit"): (ANON_LOGIN, 403, 404, 404, 403, 403),
    ("GET", "/proposals/<slug>/comments/<int:comment_id>/history"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("GET", "/proposals/<slug>/comments/<int:comment_id>/hide"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/comments/<int:comment_id>/hide"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/proposals/<slug>/comments/<int:comment_id>/show"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/comments/<int:comment_id>/show"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/proposals/<slug>/amendments/new"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/proposals/<slug>/amendments/new"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("GET", "/proposals/<slug>/amendments/<int:number>"): (ANON_LOGIN, 404, 404, 404, 404, 404),
    ("POST", "/proposals/<slug>/amendments/<int:number>/second"): (ANON_LOGIN, 403, 403, 404, 403, 403),
    ("POST", "/proposals/<slug>/amendments/<int:number>/withdraw"): (ANON_LOGIN, 403, 404, 404, 403, 403),
    ("POST", "/proposals/<slug>/amendments/<int:number>/vote"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/vote"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("GET", "/proposals/<slug>/amendments/<int:number>/translate"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/amendments/<int:number>/translate"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    # subject-matter experts: chairs invite and end (the expert's own matrix is in test_experts.py)
    ("GET", "/proposals/<slug>/experts/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/experts/new"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    ("POST", "/proposals/<slug>/experts/<int:grant_id>/end"): (ANON_LOGIN, 403, 404, 403, 403, 403),
    # the framework explorer: everyone signed in compares presets, chairs and admins edit their own
    # (a custom framework's export without its parameters is refused: 422)
    ("GET", "/explorer/"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/explorer/<name>.csv"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/explorer/<name>.json"): (ANON_LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/explorer/custom"): (ANON_LOGIN, 200, 200, 403, 403, 403),
    ("GET", "/explorer/custom.csv"): (ANON_LOGIN, 422, 422, 403, 403, 403),
    ("GET", "/explorer/custom.json"): (ANON_LOGIN, 422, 422, 403, 403, 403),
}


def routes_of(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods or ():
            if method in {"GET", "POST"}:
                found.add((method, rule.rule))
    return found


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    missing = routes_of(app) - EXPECTED.keys()
    stale = EXPECTED.keys() - routes_of(app)
    assert not missing, f"routes without an expected status per role: {sorted(missing)}"
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def fill(url: str, people: dict[str, Person]) -> str:
    return (
        url.replace("<token>", "no-such-token")
        .replace("<slug>", "bow-valley")
        .replace("<int:user_id>", str(people["observer"].id))
        .replace("<int:motion_id>", "999999")
        .replace("<int:meeting_id>", "999999")
        .replace("<int:consultation_id>", "999999")
        .replace("<int:index>", "1")
        .replace("<int:number>", "1")
        .replace("<int:comment_id>", "1")
        .replace("<int:grant_id>", "1")
        .replace("<int:message_id>", "999999")
        .replace("<name>", "size_tiers")
    )


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_authorization_matrix(client: FlaskClient, people: dict[str, Person], role_index: int, role: str) -> None:
    if role != "anonymous":
        assert sign_in(client, people[role].email).status_code == 302
    failures = []
    for (method, template), statuses in sorted(EXPECTED.items()):
        if role != "anonymous" and template == "/logout":
            continue  # checked last: it would end the session for the rows after it
        url = fill(template, people)
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": csrf_token(client, "/login" if role == "anonymous" else "/home"), "active": "1", "lang": "en"}
            response = client.post(url, data=data)
        if response.status_code != statuses[role_index]:
            failures.append(f"{method} {url}: got {response.status_code}, want {statuses[role_index]}")
        if statuses[role_index] == ANON_LOGIN and role == "anonymous" and template not in {"/", "/login"} and method == "GET" and template != "/logout":
            if response.status_code == 302 and "/login" not in response.headers["Location"]:
                failures.append(f"{method} {url}: anonymous redirected to {response.headers['Location']}, want the sign-in page")
    if role != "anonymous":
        data = {"csrf_token": csrf_token(client, "/home")}
        response = client.post("/logout", data=data)
        if response.status_code != EXPECTED[("POST", "/logout")][role_index]:
            failures.append(f"POST /logout: got {response.status_code}")
        if client.get("/home").status_code != 302:
            failures.append("still signed in after logout")
    assert not failures, "\n".join(failures)
