"""Schedules: open and close motions and consultations whose time has passed, without a
background worker.

The first request after a scheduled time does it (at most every few seconds per process),
and `lipvote tick` does the same from cron for quiet periods. Both act as the system, never
as whoever happens to be signed in.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import click
from flask import Flask, current_app, g, request
from flask.cli import with_appcontext

import voting

from app.deliberation import consultations
from app.extensions import login_manager
from app.motions import service

SCHEDULE_EVERY_SECONDS = 5.0


@contextmanager
def as_system() -> Iterator[None]:
    """Scheduled changes are the system's, not whoever's request happened to run them."""
    had_user = "_login_user" in g
    saved = g.get("_login_user")
    g._login_user = login_manager.anonymous_user()
    try:
        yield
    finally:
        if had_user:
            g._login_user = saved
        else:
            g.pop("_login_user", None)


def run_schedule() -> tuple[list[int], list[int]]:
    """Apply every due schedule as the system: (motions changed, consultations changed)."""
    with as_system():
        return service.apply_schedule(), consultations.run_schedule()


def schedule_hook() -> None:
    """At most every SCHEDULE_EVERY_SECONDS per process: apply what is due."""
    if request.endpoint == "static":
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = time.monotonic()
    last = app.extensions.get("lipvote_schedule_checked")
    every = float(app.config.get("LIPVOTE_SCHEDULE_EVERY_SECONDS", SCHEDULE_EVERY_SECONDS))
    if last is not None and now - last < every:
        return
    app.extensions["lipvote_schedule_checked"] = now
    try:
        motions, consulted = run_schedule()
    except (service.MotionError, voting.VotingError) as e:
        app.logger.warning("A scheduled open or close failed: %s", e)
        return
    if motions or consulted:
        app.logger.info("Schedule applied to motions %s and consultations %s", motions, consulted)


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Open and close motions and consultations whose scheduled time has passed (run it from cron every minute)."""
    try:
        motions, consulted = run_schedule()
    except (service.MotionError, voting.VotingError) as e:
        raise click.ClickException(f"A scheduled open or close failed: {e}") from e
    done = [f"motion(s) {', '.join(map(str, motions))}" if motions else "",
            f"consultation(s) {', '.join(map(str, consulted))}" if consulted else ""]
    click.echo(f"Schedule applied to {' and '.join(d for d in done if d)}." if any(done) else "Nothing was due.")
    from app.witnesses import cosign_pending

    cosigned = cosign_pending()
    if cosigned:
        click.echo(f"Stored {cosigned} witness cosignature(s).")


def init_app(app: Flask) -> None:
    app.before_request(schedule_hook)
    app.cli.add_command(tick_command)
