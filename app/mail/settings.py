"""Mail settings from the environment (docs/configuration.md, "Mail").

Mail is configured when `LIPVOTE_SMTP_HOST` is set; without it lipvote queues nothing and the
administrator hands out links as before. Values given to `create_app(test_config)` win.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from flask import Flask, current_app

from app.config import env_int

SECURITY_MODES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "tls" (implicit TLS from the first byte) or "none" (a relay on this machine)
    user: str
    password: str
    sender: str
    timeout: int


def _has_line_break(text: str) -> bool:
    return "\r" in text or "\n" in text


def load(app: Flask) -> None:
    security = (os.environ.get("LIPVOTE_SMTP_SECURITY", "").strip().lower() or "starttls")
    defaults = {
        "LIPVOTE_SMTP_HOST": os.environ.get("LIPVOTE_SMTP_HOST", "").strip(),
        "LIPVOTE_SMTP_SECURITY": security,
        "LIPVOTE_SMTP_PORT": env_int("LIPVOTE_SMTP_PORT", DEFAULT_PORTS.get(security, 587)),
        "LIPVOTE_SMTP_USER": os.environ.get("LIPVOTE_SMTP_USER", ""),
        "LIPVOTE_SMTP_PASSWORD": os.environ.get("LIPVOTE_SMTP_PASSWORD", ""),
        "LIPVOTE_SMTP_TIMEOUT": env_int("LIPVOTE_SMTP_TIMEOUT", 30),
        "LIPVOTE_MAIL_FROM": os.environ.get("LIPVOTE_MAIL_FROM", "").strip(),
        "LIPVOTE_MAIL_MAX_ATTEMPTS": env_int("LIPVOTE_MAIL_MAX_ATTEMPTS", 8),
        "LIPVOTE_MAIL_RETRY_SECONDS": env_int("LIPVOTE_MAIL_RETRY_SECONDS", 60),
        "LIPVOTE_REMINDER_HOURS": env_int("LIPVOTE_REMINDER_HOURS", 24),
    }
    for key, value in defaults.items():
        app.config.setdefault(key, value)
    check(app)


def check(app: Flask) -> None:
    """Stop at start-up on settings that could only fail later, in the worker."""
    config = app.config
    if config["LIPVOTE_SMTP_SECURITY"] not in SECURITY_MODES:
        raise SystemExit(f"LIPVOTE_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, "
                         f"got {config['LIPVOTE_SMTP_SECURITY']!r}.")
    if config["LIPVOTE_MAIL_MAX_ATTEMPTS"] < 1 or config["LIPVOTE_MAIL_RETRY_SECONDS"] < 1:
        raise SystemExit("LIPVOTE_MAIL_MAX_ATTEMPTS and LIPVOTE_MAIL_RETRY_SECONDS must be at least 1.")
    if not config["LIPVOTE_SMTP_HOST"]:
        return
    sender = config["LIPVOTE_MAIL_FROM"]
    if not sender or _has_line_break(sender) or "@" not in parseaddr(sender)[1]:
        raise SystemExit("LIPVOTE_SMTP_HOST is set, so LIPVOTE_MAIL_FROM must name the sender, "
                         "e.g. 'lipvote <vote@example.ca>', on one line.")


def configured() -> bool:
    return bool(current_app.config.get("LIPVOTE_SMTP_HOST"))


def smtp_settings() -> SmtpSettings:
    config = current_app.config
    return SmtpSettings(host=config["LIPVOTE_SMTP_HOST"], port=int(config["LIPVOTE_SMTP_PORT"]),
                        security=config["LIPVOTE_SMTP_SECURITY"], user=config["LIPVOTE_SMTP_USER"],
                        password=config["LIPVOTE_SMTP_PASSWORD"], sender=config["LIPVOTE_MAIL_FROM"],
                        timeout=int(config["LIPVOTE_SMTP_TIMEOUT"]))


def sender_address(sender: str) -> Address:
    name, address = parseaddr(sender)
    user, _, domain = address.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)
