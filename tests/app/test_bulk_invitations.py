"""Delegates invited in bulk from a CSV file: every bad row listed and nothing created, a
preview, then accounts created and invitations queued (or links shown without mail); each
link works once; resend and revoke; who accepted."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.mail import delivery
from app.models import AuditEvent, User
from tests.conftest import csrf_token, post_form, sign_in
from tests.mail_server import MailServer, app_with_mail, mail_app, server, text_body  # noqa: F401  (fixtures)

HEADER = "member,name,email,language,rank\n"
GOOD = HEADER + ("bow-valley,Jane Doe,jane@example.org,en,primary\n"
                 "bow-valley,Émilie Tremblay,emilie@example.org,fr,alternate\n"
                 "halifax,Sam Lee,sam@example.org,EN,Alternate\n")
LINK_RE = re.compile(r"http://localhost(/invite/[A-Za-z0-9_-]+)")
CSV_FIELD_RE = re.compile(r'name="csv" type="hidden" value="([^"]+)"|name="csv" value="([^"]+)"')
PASSWORD = {"password": "a long enough password", "confirm": "a long enough password"}


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin@example.org").status_code == 302
    return client


def upload(client: FlaskClient, content: str, name: str = "delegates.csv") -> tuple[int, str]:
    data = {"csrf_token": csrf_token(client, "/accounts/invitations"),
            "file": (io.BytesIO(content.encode("utf-8")), name)}
    response = client.post("/accounts/invitations/preview", data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def send(client: FlaskClient, preview_page: str) -> object:
    match = CSV_FIELD_RE.search(preview_page)
    assert match, "no checked file on the preview page"
    token = csrf_token(client, "/accounts/invitations")
    return client.post("/accounts/invitations/send", data={"csrf_token": token, "csv": match.group(1) or match.group(2)})


def accounts(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(User)))


def test_every_bad_row_is_listed_and_nothing_is_created(app_with_mail: Flask) -> None:
    client = admin(app_with_mail)
    bad = HEADER + ("nowhere,A,a@example.org,en,alternate\n"
                    "halifax,B,not-an-address,en,alternate\n"
                    "halifax,C,delegate@example.org,en,alternate\n"
                    "halifax,D,d@example.org,de,alternate\n"
                    "halifax,E,e@example.org,en,chief\n"
                    "halifax,F,f@example.org,en,primary\n"
                    "bow-valley,G,g@example.org,en,primary\n"
                    "bow-valley,H,h@example.org,en,primary\n"
                    "bow-valley,I,g@example.org,en,alternate\n"
                    "bow-valley,J\u202e,j@example.org,en,alternate\n"
                    "bow-valley,,,,\n")
    before = accounts(app_with_mail)
    status, page = upload(client, bad)
    assert status == 422 and "Nobody was invited" in page
    for line, words in [(2, "No active member has the identifier nowhere"), (3, "This is not an e-mail address"),
                        (4, "An account already uses this address"), (5, "Use en or fr"), (6, "Use primary or alternate"),
                        (7, "halifax already has a primary delegate"), (9, "Line 8 already names the primary delegate"),
                        (10, "Duplicate of line 8"), (11, "Remove the character U+202E"), (12, "This field is required")]:
        assert re.search(rf"<td[^>]*>{line}</td><td[^>]*>[a-z]+</td><td[^>]*>[^<]*{re.escape(words)}", page), (line, words)
    assert accounts(app_with_mail) == before
    assert upload(client, "member,name,email\nhalifax,A,a@example.org\n")[1].count("Missing columns: language, rank") == 1
    assert "The file is empty" in upload(client, "")[1]


def test_preview_then_send_invites_everyone_each_link_works_once_in_their_language(
        app_with_mail: Flask, server: MailServer) -> None:
    client = admin(app_with_mail)
    before = accounts(app_with_mail)
    status, page = upload(client, GOOD)
    assert status == 200 and "Jane Doe" in page and "Émilie Tremblay" in page and "Sam Lee" in page
    assert accounts(app_with_mail) == before  # the preview creates nothing
    response = send(client, page)
    assert response.status_code == 303
    assert accounts(app_with_mail) == before + 3
    with app_with_mail.app_context():
        delivery.deliver_due()
        created = db.session.scalars(select(AuditEvent.after_json).where(AuditEvent.action == "account.create")).all()
        assert len(created) == 3 and all("bulk invitation" in after for after in created)
    [french] = server.inbox.to("emilie@example.org")
    assert french["Subject"] == "Votre invitation à lipvote"
    assert "délégué(e) substitut" in text_body(french) and "Partenariat en immigration de la vallée de la Bow" in text_body(french)
    [english] = server.inbox.to("jane@example.org")
    assert "primary delegate of Bow Valley Immigration Partnership" in text_body(english)
    for address in ("jane@example.org", "emilie@example.org", "sam@example.org"):
        [message] = server.inbox.to(address)
        path = LINK_RE.search(text_body(message)).group(1)
        visitor = app_with_mail.test_client()
        assert post_form(visitor, path, PASSWORD).status_code == 302
        assert app_with_mail.test_client().get(path).status_code == 410
    page = client.get("/accounts/invitations").get_data(as_text=True)
    assert "3 of 3 invited people have accepted." in page
    assert "An account already uses this address" in upload(client, GOOD)[1]  # the same file again


def test_the_send_checks_the_file_again(app_with_mail: Flask) -> None:
    client = admin(app_with_mail)
    _, page = upload(client, GOOD)
    post_form(client, "/accounts/new", {"email": "jane@example.org", "display_name": "Jane", "role": "observer",
                                        "member": "", "delegate_rank": "", "locale": "en"})
    before = accounts(app_with_mail)
    response = send(client, page)
    assert response.status_code == 422 and "An account already uses this address" in response.get_data(as_text=True)
    assert accounts(app_with_mail) == before
    token = csrf_token(client, "/accounts/invitations")
    assert client.post("/accounts/invitations/send", data={"csrf_token": token, "csv": "not base64!"}).status_code == 400


def test_without_mail_the_links_are_shown_once(client: FlaskClient, login) -> None:  # type: ignore[no-untyped-def]
    admin_client = login("admin")
    status, page = upload(admin_client, GOOD)
    assert status == 200 and "The links are shown to you once" in page
    response = send(admin_client, page)
    assert response.status_code == 201
    links = LINK_RE.findall(response.get_data(as_text=True))
    assert len(links) == 3
    assert "E-mail is not set up" in admin_client.get("/accounts/invitations").get_data(as_text=True)


def test_resend_and_revoke(app_with_mail: Flask, server: MailServer) -> None:
    client = admin(app_with_mail)
    send(client, upload(client, GOOD)[1])
    with app_with_mail.app_context():
        delivery.deliver_due()
        jane = db.session.scalar(select(User.id).where(User.email == "jane@example.org"))
    first = LINK_RE.search(text_body(server.inbox.to("jane@example.org")[0])).group(1)
    page = client.get("/accounts/invitations").get_data(as_text=True)
    assert "0 of 3 invited people have accepted." in page and "Waiting; the link works until" in page

    response = post_form(client, f"/accounts/{jane}/invitation/revoke", {}, token_from="/accounts/invitations")
    assert response.status_code == 302
    assert app_with_mail.test_client().get(first).status_code == 410
    assert "Expired or revoked" in client.get("/accounts/invitations").get_data(as_text=True)

    response = post_form(client, f"/accounts/{jane}/link", {"back": "invitations"}, token_from="/accounts/invitations")
    assert response.status_code == 302 and response.headers["Location"].endswith("/accounts/invitations")
    with app_with_mail.app_context():
        delivery.deliver_due()
    second = LINK_RE.search(text_body(server.inbox.to("jane@example.org")[1])).group(1)
    assert post_form(app_with_mail.test_client(), second, PASSWORD).status_code == 302
    response = post_form(client, f"/accounts/{jane}/invitation/revoke", {}, token_from="/accounts/invitations")
    assert response.status_code == 409  # accepted: nothing to revoke
