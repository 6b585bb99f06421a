"""Schedules: open and close motions whose time has passed, without a background worker.

The first request after a scheduled time does it (at most every few seconds per process),
and `lipvote tick` does the same from cron for quiet periods.  Both act as the system, never
as whoever happens to be signed in.
"""

from __future__ import annotations

import time

import click
from flask import current_app, g, request
from flask.cli import with_appcontext

import voting

from app.extensions import login_manager
from app.motions import bp, service

SCHEDULE_EVERY_SECONDS = 5.0


def run_schedule() -> list[int]:
    """Apply due schedules as the system, not as whoever happens to be signed in."""
    had_user = "_login_user" in g
    saved = g.get("_login_user")
    g._login_user = login_manager.anonymous_user()
    try:
        return service.apply_schedule()
    finally:
        if had_user:
            g._login_user = saved
        else:
            g.pop("_login_user", None)


@bp.before_app_request
def schedule_hook() -> None:
    """At most every SCHEDULE_EVERY_SECONDS per process: open and close motions that are due."""
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
        changed = run_schedule()
    except (service.MotionError, voting.VotingError) as e:
        app.logger.warning("A scheduled open or close failed: %s", e)
        return
    if changed:
        app.logger.info("Schedule applied to motions %s", changed)


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Open and close motions whose scheduled time has passed (run it from cron every minute)."""
    try:
        changed = run_schedule()
    except (service.MotionError, voting.VotingError) as e:
        raise click.ClickException(f"A scheduled open or close failed: {e}") from e
    click.echo(f"Schedule applied to motion(s): {', '.join(map(str, changed))}." if changed else "Nothing was due.")
