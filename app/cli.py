"""The `lipvote` command: Flask's CLI (db migrations, run) plus lipvote's own commands.

`lipvote verify` is the offline verifier from `ballots`; it never builds the app or touches a
database, so an auditor can run it anywhere the package is installed.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app.extensions import db


def create_cli_app() -> Flask:
    from app import create_app

    return create_app()


@click.command(
    "verify",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify_command(args: tuple[str, ...]) -> None:
    """Verify a motion bundle offline: lipvote verify BUNDLE [--key VKEY] [--keys F] [--receipt F] [--checkpoint F] [--json]."""
    from ballots.cli import main as verify_main

    sys.exit(verify_main(list(args)))


@click.command(
    "witness",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def witness_command(args: tuple[str, ...]) -> None:
    """Witness a server's logs: lipvote witness keygen --name NAME --out FILE | serve --key F --state DIR --listen HOST:PORT --log-key VKEY."""
    from ballots.witness_cli import main as witness_main

    sys.exit(witness_main(list(args)))


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (but print the logins) when data already exists.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the illustrative demo federation into an empty database."""
    from app import demo

    if not demo.is_empty():
        if not if_empty:
            raise click.ClickException("The database already holds members or accounts; the demo loads only into an empty one.")
        if not demo.is_demo():
            click.echo("The database already holds data; the demo federation was not loaded.")
            return
    else:
        demo.load()
        click.echo(f"Loaded the demo federation: {len(demo.LIPS)} LIPs, one delegate each, and staff accounts.")
    click.echo("")
    click.echo("DEMO DATA — illustrative only. Demo logins (every demo account has the same password):")
    click.echo(f"  password: {demo.DEMO_PASSWORD}")
    for login in demo.logins():
        click.echo(f"  {login.role:<9} {login.email:<45} {login.who}")
    click.echo(f"  delegate  delegate.<member-id>@{demo.DEMO_DOMAIN}  (one per LIP, e.g. delegate.bow-valley@{demo.DEMO_DOMAIN})")
    with_code = demo.two_factor_logins()
    if with_code:
        from app.auth.two_factor import grouped

        click.echo("")
        click.echo(f"Two-factor sign-in: {', '.join(with_code)} also need a code. Add this demo key to an authenticator app:")
        click.echo(f"  {grouped(demo.DEMO_TWO_FACTOR_SECRET)}")
        click.echo(f"or print the current code with: lipvote demo-code {with_code[0]}")


@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code_command(email: str) -> None:
    """Print the current two-factor code of a demo account (demo databases only)."""
    from app import demo
    from app.auth.two_factor import TOTP_PERIOD_SECONDS, code_at, time_step
    from app.models import utcnow
    from app.security import find_user_by_email

    if not demo.is_demo():
        raise click.ClickException("This database does not hold the demo federation; demo-code works only there.")
    user = find_user_by_email(email)
    if user is None or not demo.uses_demo_secret(user):
        raise click.ClickException(f"{email} is not a demo account that signs in with the published demo key.")
    now = utcnow()
    seconds_left = TOTP_PERIOD_SECONDS - int(now.timestamp()) % TOTP_PERIOD_SECONDS
    click.echo(code_at(demo.DEMO_TWO_FACTOR_SECRET, time_step(now)))
    click.echo(f"(changes in {seconds_left} s; each code signs in once)", err=True)


@click.command("create-admin")
@click.argument("email")
@click.argument("name")
@with_appcontext
def create_admin_command(email: str, name: str) -> None:
    """Create an administrator account and print its single-use invitation link."""
    from email_validator import EmailNotValidError, validate_email
    from sqlalchemy import func, select

    from app import tokens
    from app.models import Role, TokenPurpose, User
    from app.text_input import clean_line, refused_character

    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise click.ClickException(f"{email!r} is not a valid e-mail address: {e}") from e
    name = clean_line(name)
    refused = refused_character(name)
    if refused:
        raise click.ClickException(f"The name contains {refused}: invisible and control characters are not accepted.")
    if not name or len(name) > 120:
        raise click.ClickException("The name must have 1 to 120 characters.")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise click.ClickException(f"An account with {email} already exists.")
    user = User(email=email, display_name=name, role=Role.ADMIN, locale="en")
    db.session.add(user)
    db.session.flush()
    raw = tokens.issue(user, TokenPurpose.INVITATION, None)
    db.session.commit()
    base = current_app.config["LIPVOTE_BASE_URL"] or "http://127.0.0.1:8000"
    click.echo(f"Created {email}. Invitation link (valid {current_app.config['LIPVOTE_INVITATION_HOURS']} hours, single use):")
    click.echo(f"  {base}/invite/{raw}")


def init_app(app: Flask) -> None:
    from app.audit_portal.cli import bundle_command

    app.cli.add_command(demo_command)
    app.cli.add_command(demo_code_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(bundle_command)


def main() -> None:
    cli = FlaskGroup(create_app=create_cli_app, add_version_option=False, help="lipvote: weighted, verifiable voting for a federation of LIPs.")
    cli.add_command(verify_command)
    cli.add_command(witness_command)
    cli.main(prog_name="lipvote")
