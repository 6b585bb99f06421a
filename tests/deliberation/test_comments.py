"""Comments: who may write, reply, edit and hide; the history of edits; the moderation in the
audit trail; bad input refused with a 4xx and nothing stored."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.deliberation.markdown import ALLOWED_TAGS
from app.deliberation.comments import MAX_COMMENT_CHARS, MAX_DEPTH, MAX_REASON_CHARS, Comment
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import Person, csrf_token, post_form, sign_in
from tests.deliberation.conftest import SLUG

NEW = f"/proposals/{SLUG}/comments/new"
LIST = f"/proposals/{SLUG}/comments"


def comments(app: Flask) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment).order_by(Comment.id)))


def write(client: FlaskClient, body: str, url: str = NEW, **fields: str) -> object:
    return post_form(client, url, {"body": body, "clause": fields.pop("clause", ""), **fields})


def test_a_delegate_comments_for_its_member_on_the_proposal_and_on_a_clause(
        app: Flask, client: FlaskClient, people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    assert write(client, "We support **this**.").status_code == 302
    assert write(client, "Monthly is too often.", clause="2").status_code == 302
    first, second = comments(app)
    assert (first.clause_key, second.clause_key) == (None, "2")
    assert first.member_id is not None and first.version_number == 1
    page = client.get(LIST).get_data(as_text=True)
    assert "<strong>this</strong>" in page and "Halifax LIP" in page
    assert "Monthly is too often." in client.get(f"{LIST}?clause=2").get_data(as_text=True)
    assert "We support" not in client.get(f"{LIST}?clause=2").get_data(as_text=True)
    assert "Clause 2: 1 comment" in client.get(f"/proposals/{SLUG}").get_data(as_text=True)


def test_a_chair_comments_as_chair(app: Flask, client: FlaskClient, people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["chair"].email)
    assert write(client, "Thank you all.").status_code == 302
    (comment,) = comments(app)
    assert comment.member_id is None
    assert "Chair · Chair" in client.get(LIST).get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "auditor", "observer"])
def test_only_chairs_and_delegates_may_comment(client: FlaskClient, people: dict[str, Person], proposal: str,
                                                role: str) -> None:
    sign_in(client, people[role].email)
    assert client.get(NEW).status_code == 403
    token = csrf_token(client, "/home")
    assert client.post(NEW, data={"csrf_token": token, "body": "Hello"}).status_code == 403
    assert "Write a comment" not in client.get(LIST).get_data(as_text=True)


def test_replies_nest_and_keep_the_clause_of_their_thread(app: Flask, client: FlaskClient,
                                                           people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "On clause 1.", clause="1")
    parent_id = comments(app)[0].id
    for depth in range(1, MAX_DEPTH + 1):
        assert write(client, f"Reply {depth}", url=f"{NEW}?reply_to={parent_id}",
                     reply_to=str(parent_id)).status_code == 302
        parent_id = comments(app)[-1].id
    assert all(c.clause_key == "1" for c in comments(app))
    too_deep = write(client, "Too deep", url=f"{NEW}?reply_to={parent_id}", reply_to=str(parent_id))
    assert too_deep.status_code == 422
    assert "as deep as it may go" in too_deep.get_data(as_text=True)
    assert len(comments(app)) == MAX_DEPTH + 1
    assert client.get(f"{NEW}?reply_to=9999").status_code == 404


def test_an_edit_keeps_the_earlier_text_in_the_history(app: Flask, client: FlaskClient,
                                                        people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "First thought.")
    comment_id = comments(app)[0].id
    edit = f"/proposals/{SLUG}/comments/{comment_id}/edit"
    assert post_form(client, edit, {"body": "Second thought."}).status_code == 302
    assert post_form(client, edit, {"body": "Second thought."}).status_code == 422  # nothing changed
    (comment,) = comments(app)
    assert comment.body == "Second thought." and comment.edited_at is not None
    history = client.get(f"/proposals/{SLUG}/comments/{comment_id}/history").get_data(as_text=True)
    assert "First thought." in history and "Second thought." in history


def test_only_the_author_may_edit(app: Flask, client: FlaskClient, people: dict[str, Person],
                                  delegates: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "Mine.")
    comment_id = comments(app)[0].id
    edit = f"/proposals/{SLUG}/comments/{comment_id}/edit"
    for email in (delegates["bow"].email, people["chair"].email, delegates["alternate"].email):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
        sign_in(client, email)
        assert client.get(edit).status_code == 403
        assert client.post(edit, data={"csrf_token": csrf_token(client, "/home"), "body": "Theirs"}).status_code == 403
    assert comments(app)[0].body == "Mine."


def test_a_chair_hides_a_comment_with_a_reason_only_auditors_read_the_text(
        app: Flask, client: FlaskClient, people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "Something rude.")
    comment_id = comments(app)[0].id
    hide = f"/proposals/{SLUG}/comments/{comment_id}/hide"
    assert client.get(hide).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["chair"].email)
    assert "<h1>Hide a comment</h1>" in client.get(hide).get_data(as_text=True)
    assert post_form(client, hide, {"reason": ""}).status_code == 422
    assert comments(app)[0].hidden_at is None
    assert post_form(client, hide, {"reason": "Personal attack."}).status_code == 302
    assert client.get(hide).status_code == 409
    for role in ("chair", "delegate", "observer", "admin", "auditor"):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
        sign_in(client, people[role].email)
        for url in (LIST, f"/proposals/{SLUG}/comments/{comment_id}/history"):
            page = client.get(url).get_data(as_text=True)
            assert "Personal attack." in page, (role, url)
            assert ("Something rude." in page) == (role == "auditor"), (role, url)
    with app.app_context():
        (event,) = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "comment.hide"))
        assert "Personal attack." in event.after_json and "Something rude." not in event.after_json


def test_a_chair_shows_a_hidden_comment_again_with_a_reason_kept_in_the_audit_trail(
        app: Flask, client: FlaskClient, people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "A sharp but fair point.")
    comment_id = comments(app)[0].id
    show = f"/proposals/{SLUG}/comments/{comment_id}/show"
    assert client.get(show).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["chair"].email)
    assert client.get(show).status_code == 409  # not hidden
    post_form(client, f"/proposals/{SLUG}/comments/{comment_id}/hide", {"reason": "Personal attack."})
    assert "Show again" in client.get(LIST).get_data(as_text=True)
    form_page = client.get(show).get_data(as_text=True)
    assert "<h1>Show a hidden comment again</h1>" in form_page and "Personal attack." in form_page
    assert post_form(client, show, {"reason": ""}).status_code == 422
    assert post_form(client, show, {"reason": "x" * (MAX_REASON_CHARS + 1)}).status_code == 422
    assert comments(app)[0].hidden_at is not None
    assert post_form(client, show, {"reason": "The member appealed; the chair agreed."}).status_code == 302
    assert client.get(show).status_code == 409
    assert comments(app)[0].hidden_at is None and comments(app)[0].hidden_reason is None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["observer"].email)
    page = client.get(LIST).get_data(as_text=True)
    assert "A sharp but fair point." in page and "Personal attack." not in page
    with app.app_context():
        (event,) = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "comment.show"))
        assert "Personal attack." in event.before_json and "The member appealed" in event.after_json


def test_the_author_cannot_edit_a_hidden_comment(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                 proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    write(client, "Text.")
    comment_id = comments(app)[0].id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["chair"].email)
    post_form(client, f"/proposals/{SLUG}/comments/{comment_id}/hide", {"reason": "Off topic."})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["delegate"].email)
    assert client.get(f"/proposals/{SLUG}/comments/{comment_id}/edit").status_code == 403


@pytest.mark.parametrize("body,status", [
    ("", 422),
    ("   \n  ", 422),
    ("x" * (MAX_COMMENT_CHARS + 1), 422),
    ("Hidden\u202econtrol", 422),
])
def test_bad_comments_are_refused_and_nothing_is_stored(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                        proposal: str, body: str, status: int) -> None:
    sign_in(client, people["delegate"].email)
    response = write(client, body)
    assert response.status_code == status
    assert "There is a problem" in response.get_data(as_text=True)
    assert comments(app) == []


def test_a_comment_on_a_clause_that_does_not_exist_is_refused(app: Flask, client: FlaskClient,
                                                               people: dict[str, Person], proposal: str) -> None:
    sign_in(client, people["delegate"].email)
    assert write(client, "Hello", clause="9").status_code == 422
    assert comments(app) == []
    assert client.get(f"{LIST}?clause=9").status_code == 404


def test_no_comments_once_the_proposal_is_withdrawn(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                    proposal: str) -> None:
    sign_in(client, people["chair"].email)
    assert post_form(client, f"/proposals/{SLUG}/state", {"target": "withdrawn"}).status_code == 302
    assert client.get(NEW).status_code == 409
    assert "no longer takes comments" in client.get(LIST).get_data(as_text=True)


# Published payloads (OWASP XSS Filter Evasion Cheat Sheet, PortSwigger XSS cheat sheet): each
# must come back as inert text or a cleaned link, never as markup that runs.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\"><script>alert(1)</script>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "![x](x\" onerror=\"alert(1))",
    "[x](https://example.org \"title\" onmouseover=alert(1))",
]


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_neutralised(app: Flask, client: FlaskClient, people: dict[str, Person], proposal: str,
                                      payload: str) -> None:
    sign_in(client, people["delegate"].email)
    assert write(client, payload).status_code == 302
    page = client.get(LIST).get_data(as_text=True)
    body = page.split('<div class="comment-body" lang="en">', 1)[1].split("</div>", 1)[0]
    collector = TagCollector()
    collector.feed(body)
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, (payload, body)
        for name, value in attrs:
            assert not name.startswith("on"), (payload, body)
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:")), (payload, body)
