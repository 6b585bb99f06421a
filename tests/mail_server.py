"""A real SMTP server on the loopback for the tests (aiosmtpd), which can be stopped and started
again on the same port to play a mail server that is down for a while."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from app.extensions import db
from tests.conftest import _add_people, make_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """Every message the server accepted, parsed, with the envelope's recipients."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message, rcpt in zip(self.messages, self.envelopes) if address in rcpt]


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self, **overrides: Any) -> dict[str, Any]:
        """The app settings that send mail through this server."""
        return {"LIPVOTE_SMTP_HOST": "127.0.0.1", "LIPVOTE_SMTP_PORT": self.port, "LIPVOTE_SMTP_SECURITY": "none",
                "LIPVOTE_MAIL_FROM": "lipvote <vote@lipvote.test>", "LIPVOTE_SMTP_TIMEOUT": 5, **overrides}


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def server() -> Iterator[MailServer]:
    smtp = MailServer()
    smtp.start()
    yield smtp
    smtp.stop()


def mail_app(tmp_path: Path, migrated_database: Path, server: MailServer, **overrides: object) -> Flask:
    """A fresh app on its own database with the test people, sending mail through `server`."""
    overrides.setdefault("LIPVOTE_RESET_ANSWER_SECONDS", 0.01)
    database = tmp_path / "lipvote.sqlite3"
    shutil.copyfile(migrated_database, database)
    app = make_app(tmp_path, database, **server.config(**overrides))
    with app.app_context():
        _add_people()
    return app


@pytest.fixture
def app_with_mail(tmp_path: Path, migrated_database: Path, server: MailServer) -> Iterator[Flask]:
    app = mail_app(tmp_path, migrated_database, server)
    yield app
    with app.app_context():
        db.engine.dispose()
