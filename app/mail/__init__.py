"""Mail to the people of the federation: an outbox in the database (`models.py`, `outbox.py`),
delivered over SMTP by `lipvote mail` (`delivery.py`, `cli.py`), notifications about motions
(`notifications.py`), each person's notifications in lipvote (`inbox.py`), and the pages: the administrator's outbox, each person's choices, the
one-click unsubscribe (`views.py`). See docs/configuration.md, "Mail"."""

from __future__ import annotations

from flask import Blueprint, Flask

from flask_babel import gettext as _

from app.display import when_text

bp = Blueprint("mail", __name__, url_prefix="/mail")


def init_app(app: Flask) -> None:
    from app.mail import cli, inbox, models, outbox, settings, views, words  # noqa: F401  (the table and the routes)

    settings.load(app)
    app.register_blueprint(bp)
    app.register_blueprint(inbox.bp)
    app.cli.add_command(cli.mail_command)
    app.jinja_env.filters.update(mail_kind=words.mail_kind, mail_state=words.mail_state, when_text=when_text)

    @app.errorhandler(outbox.HeaderInjection)
    def header_injection(error: outbox.HeaderInjection) -> tuple[object, int]:
        from app.errors.handlers import error_response

        return error_response(422, _("The data could not be accepted"), error.message)

    @app.context_processor
    def mail_flags() -> dict[str, object]:
        return {"mail_configured": settings.configured()}

    # A function, not a value: the count is asked only by a page that shows it (a context
    # processor runs on every render, fragments and e-mails included), once per request.
    app.jinja_env.globals["unread_notifications"] = inbox.header_unread_count

    @app.template_global()
    def notification_choices_form() -> object:
        """The signed-in person's choices of notifications by e-mail, as a form (account page)."""
        from flask_login import current_user

        from app.mail.forms import NotificationChoicesForm
        from app.mail.notifications import KINDS, opted_out

        off = opted_out(current_user.id)
        return NotificationChoicesForm(formdata=None, data={kind: kind not in off for kind in KINDS})
