"""`lipvote mail`: record the notifications that are due and deliver the outbox, once (cron) or
again and again (`--watch`). Without mail set up it still records the in-app notifications."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.mail import delivery, notifications
from app.mail.settings import configured


def _round() -> None:
    """Record the notifications that are due (and queue their e-mail, whose links need
    LIPVOTE_BASE_URL), then deliver the outbox when mail is set up."""
    with current_app.test_request_context("/"):  # for url_for; e-mailed links start with LIPVOTE_BASE_URL
        queued = notifications.queue_due()
    if queued:
        click.echo(f"queued {queued} notifications")
    if configured():
        _report(delivery.deliver_due())


def _report(outcome: delivery.Round) -> None:
    if outcome.sent or outcome.retrying or outcome.dead:
        click.echo(f"sent {len(outcome.sent)}, to retry {len(outcome.retrying)}, failed for good {len(outcome.dead)}")


@click.command("mail")
@click.option("--watch", is_flag=True, help="Keep running, delivering new messages as they are queued.")
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between rounds with --watch.")
@with_appcontext
def mail_command(watch: bool, interval: float) -> None:
    """Record due notifications and deliver queued e-mail over SMTP (from cron, or as a
    long-running process with --watch)."""
    if not configured():
        click.echo("Mail is not configured (LIPVOTE_SMTP_HOST and LIPVOTE_MAIL_FROM, docs/configuration.md): "
                   "notifications are only listed in lipvote, nothing is e-mailed.")
    elif not current_app.config["LIPVOTE_BASE_URL"]:
        click.echo("LIPVOTE_BASE_URL is not set: notifications about motions are not e-mailed (their links need it), "
                   "only listed in lipvote.")
    if not watch:
        _round()
        return
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, request_stop) for number in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Delivering queued e-mail every {interval:g} s; stop with Ctrl-C or SIGTERM.")
    try:
        while not stop.is_set():
            _round()
            db.session.remove()
            stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
