"""Configuration from environment variables with safe defaults (docs/configuration.md lists them)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

from flask import Flask

SECRET_KEY_FILE = "secret_key"
TWO_FACTOR_KEY_FILE = "two_factor_key"
DEFAULT_TWO_FACTOR_ROLES = "admin,chair,auditor"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}.") from e


def read_or_create_secret(path: Path) -> str:
    """Return the secret stored at `path`, creating it (mode 0600) on first use.

    Several gunicorn workers may start at once: the secret is written to a private
    temporary file and hard-linked into place, so exactly one value wins and no reader
    ever sees a half-written file.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def role_set(raw: str | Iterable[str]) -> frozenset[str]:
    """The roles named in LIPVOTE_TWO_FACTOR_ROLES: comma-separated role names, or `none`."""
    from app.models import Role

    names = raw.split(",") if isinstance(raw, str) else [str(getattr(name, "value", name)) for name in raw]
    wanted = {name.strip().lower() for name in names if name.strip()} - {"none"}
    known = {role.value for role in Role}
    if wanted - known:
        raise SystemExit(f"LIPVOTE_TWO_FACTOR_ROLES names unknown roles {sorted(wanted - known)}; "
                         f"use some of {sorted(known)}, or none.")
    return frozenset(wanted)


def database_url(instance: Path) -> str:
    url = os.environ.get("LIPVOTE_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance / 'lipvote.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    if test_config and "INSTANCE_PATH" in test_config:
        instance = Path(test_config["INSTANCE_PATH"])
        app.instance_path = str(instance)
    instance.mkdir(parents=True, exist_ok=True)

    session_hours = env_int("LIPVOTE_SESSION_HOURS", 12)
    secure_cookies = env_bool("LIPVOTE_SECURE_COOKIES", False)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url(instance),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_NAME="lipvote_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(days=env_int("LIPVOTE_REMEMBER_DAYS", 14)),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=session_hours),
        # The server decides when a session ends (app/sessions.py: idle and absolute timeouts),
        # so the cookie is not re-signed and re-sent on every answer, only when it changes.
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=session_hours * 3600,
        MAX_CONTENT_LENGTH=env_int("LIPVOTE_MAX_UPLOAD_BYTES", 2 * 1024 * 1024),
        LANGUAGES=("en", "fr"),
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE=os.environ.get("LIPVOTE_TIMEZONE", "America/Toronto"),
        LIPVOTE_INVITATION_HOURS=env_int("LIPVOTE_INVITATION_HOURS", 72),
        LIPVOTE_RESET_HOURS=env_int("LIPVOTE_RESET_HOURS", 2),
        LIPVOTE_SESSION_IDLE_MINUTES=env_int("LIPVOTE_SESSION_IDLE_MINUTES", 120),
        LIPVOTE_LOGIN_LIMIT_PER_ACCOUNT=os.environ.get("LIPVOTE_LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour"),
        LIPVOTE_LOGIN_LIMIT_PER_ADDRESS=os.environ.get("LIPVOTE_LOGIN_LIMIT_PER_ADDRESS", "60 per minute; 300 per hour"),
        LIPVOTE_RESET_LIMIT_PER_ACCOUNT=os.environ.get("LIPVOTE_RESET_LIMIT_PER_ACCOUNT", "3 per hour; 10 per day"),
        LIPVOTE_RESET_LIMIT_PER_ADDRESS=os.environ.get("LIPVOTE_RESET_LIMIT_PER_ADDRESS", "20 per hour"),
        LIPVOTE_RESET_ANSWER_SECONDS=0.5,  # every reset request is answered after this long (app/auth/password_reset.py)
        RATELIMIT_STORAGE_URI=os.environ.get("LIPVOTE_RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
        LIPVOTE_TRUSTED_PROXIES=env_int("LIPVOTE_TRUSTED_PROXIES", 0),
        LIPVOTE_BASE_URL=os.environ.get("LIPVOTE_BASE_URL", "").rstrip("/"),
        LIPVOTE_LOG_ORIGIN=os.environ.get("LIPVOTE_LOG_ORIGIN", "lipvote.local"),
        LIPVOTE_SIGNING_KEY=os.environ.get("LIPVOTE_SIGNING_KEY", str(instance / "signing_key")),
        LIPVOTE_TWO_FACTOR_ROLES=os.environ.get("LIPVOTE_TWO_FACTOR_ROLES", "").strip() or DEFAULT_TWO_FACTOR_ROLES,
        LIPVOTE_TWO_FACTOR_KEY=os.environ.get("LIPVOTE_TWO_FACTOR_KEY", str(instance / TWO_FACTOR_KEY_FILE)),
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "INSTANCE_PATH"})
    app.config["LIPVOTE_TWO_FACTOR_ROLES"] = role_set(app.config["LIPVOTE_TWO_FACTOR_ROLES"])

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("LIPVOTE_SECRET_KEY") or read_or_create_secret(
            instance / SECRET_KEY_FILE
        )
