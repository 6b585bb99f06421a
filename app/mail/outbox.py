"""Putting messages in the outbox, inside the caller's write transaction.

A message is only a row until `lipvote mail` delivers it, so an action that rolls back takes
its messages with it, and a mail server that is down loses nothing. Each message is written in
its recipient's language (plain text and HTML) from `templates/mail/<name>.txt` and `.html`.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.mail.models import MailMessage
from app.models import User

MAX_SUBJECT = 300


HEADER_NAMES = {
    "recipient_address": _l("recipient's address"),
    "recipient_name": _l("recipient's name"),
    "subject": _l("subject"),
}
LINE_BREAKS = ("\r", "\n", "\x00", "\x85", "\u2028", "\u2029")


class HeaderInjection(ValueError):
    """A header value (a name, an address, a subject) holding a line break: it could add headers
    or recipients of its own, so the message is refused, and the action with it."""

    def __init__(self, header: str) -> None:
        super().__init__(f"line break in the {header} of an e-mail")
        self.header = header

    @property
    def message(self) -> str:
        return _("The %(header)s of an e-mail may not contain a line break. Nothing was saved or sent.",
                 header=HEADER_NAMES[self.header])


def refuse_line_breaks(**headers: str) -> None:
    for header, value in headers.items():
        if any(char in value for char in LINE_BREAKS):
            raise HeaderInjection(header)


def queue(*, kind: str, to_address: str, to_name: str, subject: str, text: str, html: str,
          user: User | None = None, unsubscribe_url: str | None = None, calendar: str | None = None) -> MailMessage:
    """Add one message to the outbox (the caller's transaction commits it with the action)."""
    refuse_line_breaks(recipient_address=to_address, recipient_name=to_name, subject=subject)
    message = MailMessage(kind=kind, user_id=user.id if user is not None else None, to_address=to_address,
                          to_name=to_name, subject=subject[:MAX_SUBJECT], body_text=text, body_html=html,
                          unsubscribe_url=unsubscribe_url, calendar=calendar)
    db.session.add(message)
    return message


def queue_to(user: User, kind: str, template: str, subject: Callable[[], Any], unsubscribe_url: str | None = None,
             calendar: Callable[[], str] | None = None, **context: Any) -> MailMessage:
    """A message to `user` in their language, from the `mail/<template>` pair of templates."""
    with force_locale(user.locale):
        subject_text = str(subject())
        text = render_template(f"mail/{template}.txt", user=user, subject=subject_text,
                               unsubscribe_url=unsubscribe_url, **context)
        html = render_template(f"mail/{template}.html", user=user, subject=subject_text,
                               unsubscribe_url=unsubscribe_url, **context)
        attachment = calendar() if calendar is not None else None
    return queue(kind=kind, to_address=user.email, to_name=user.display_name, subject=subject_text,
                 text=text, html=html, user=user, unsubscribe_url=unsubscribe_url, calendar=attachment)
