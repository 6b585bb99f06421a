"""Two-factor authentication: RFC 6238 time-based codes (TOTP) and single-use recovery codes.

Codes are RFC 6238 TOTP with HMAC-SHA-1, 6 digits and 30-second steps, which every common
authenticator app reads from an `otpauth://` QR code. A code is accepted for the current step
and one step either side (a clock that drifts, a code typed as it changes), and never twice:
the last accepted step is stored and only a later one is accepted after it.

Secrets are stored encrypted with Fernet under a key kept outside the database
(`LIPVOTE_TWO_FACTOR_KEY`, by default `instance/two_factor_key`), so a copy of the database
alone does not give them away. Recovery codes are 80 random bits each; only their SHA-256 is
stored, and each works once.

Wrong codes count as failed sign-ins in the same counter as wrong passwords
(`app.security`), and every enrolment, recovery-code use, regeneration, turn-off and reset is
recorded in the signed audit trail, without any secret or code.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from app.action_log import record_action
from app.auth.models import RecoveryCode, TwoFactor
from app.config import read_or_create_secret
from app.database import write_transaction
from app.extensions import db
from app.models import User, utcnow
from app.security import LoginRefused
from app.qr import qr_svg

TOTP_DIGITS = 6
TOTP_PERIOD_SECONDS = 30
TOTP_WINDOW_STEPS = 1  # steps accepted either side of the current one
ISSUER = "lipvote"
RECOVERY_CODE_COUNT = 10
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand stays unambiguous.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_CODE_LENGTH = 16  # 16 symbols x 5 bits = 80 bits
PENDING_SESSION_KEY = "two_factor_pending"
PENDING_LIFETIME = timedelta(minutes=5)


# --- RFC 6238 codes ----------------------------------------------------------------------------


def time_step(at: datetime) -> int:
    """The RFC 6238 time step T = floor(unix time / 30 s) that `at` falls in."""
    return int(at.timestamp()) // TOTP_PERIOD_SECONDS


def code_at(secret: str, step: int, digits: int = TOTP_DIGITS) -> str:
    """The code of base32 `secret` for time step `step` (HOTP of the step, RFC 4226 truncation)."""
    return pyotp.TOTP(secret, digits=digits, interval=TOTP_PERIOD_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, at: datetime, digits: int = TOTP_DIGITS) -> int | None:
    """The time step within one step of `at` whose code is `code`, or None.

    Every step of the window is compared (in constant time), so the time taken does not say
    which one matched.
    """
    if len(code) != digits or not (code.isascii() and code.isdigit()):
        return None  # compare_digest takes only ASCII, and nothing else can match anyway
    now = time_step(at)
    found = None
    for step in range(now - TOTP_WINDOW_STEPS, now + TOTP_WINDOW_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step, digits), code) and found is None:
            found = step
    return found


def typed_code(raw: str) -> str | None:
    """The 6 digits of a typed authenticator code in ASCII (spaces dropped; digits of any script,
    such as Arabic-Indic ones from a phone keyboard, read as their values), or None."""
    text = "".join(raw.split())
    if len(text) != TOTP_DIGITS or not text.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(c)) for c in text)


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 symbols: 160 bits, the length RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER)


def provisioning_qr(uri: str) -> str:
    """The provisioning URI as a QR code for the authenticator app."""
    return qr_svg(uri, _("QR code for your authenticator app"))


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps accept it typed in."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- the secret's encryption ---------------------------------------------------------------------


class SecretUnreadable(Exception):
    """The stored secret does not decrypt with this server's two-factor key (the key changed)."""


@lru_cache(maxsize=4)
def _fernet_at(path: str) -> Fernet:
    material = read_or_create_secret(Path(path)).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lipvote two-factor secrets").derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> Fernet:
    return _fernet_at(current_app.config["LIPVOTE_TWO_FACTOR_KEY"])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as e:
        raise SecretUnreadable from e


# --- recovery codes ------------------------------------------------------------------------------


def new_recovery_code() -> str:
    symbols = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(symbols[i:i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def normalise_recovery_code(raw: str) -> str | None:
    """The code's 16 symbols in lower case (spaces and hyphens dropped, i/l read as 1 and o as 0
    as Crockford's base32 does), or None when it cannot be a recovery code."""
    text = "".join(raw.split()).replace("-", "").lower().translate(str.maketrans("ilo", "110"))
    if len(text) != RECOVERY_CODE_LENGTH or any(c not in RECOVERY_ALPHABET for c in text):
        return None
    return text


def recovery_code_hash(code: str) -> str:
    normal = normalise_recovery_code(code)
    if normal is None:
        raise ValueError("not a recovery code")
    return hashlib.sha256(normal.encode()).hexdigest()


def _replace_recovery_codes(user_id: int) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=recovery_code_hash(code)) for code in codes)
    return codes


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


# --- who has it, who needs it --------------------------------------------------------------------


def confirmed_record(user_id: int) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user_id, TwoFactor.confirmed_at.is_not(None)))


def is_enrolled(user: User) -> bool:
    return confirmed_record(user.id) is not None


def is_required(user: User) -> bool:
    """Does the configuration (LIPVOTE_TWO_FACTOR_ROLES) require two-factor sign-in for this role?"""
    return user.role.value in current_app.config["LIPVOTE_TWO_FACTOR_ROLES"]


def enrolled_user_ids() -> set[int]:
    return set(db.session.scalars(select(TwoFactor.user_id).where(TwoFactor.confirmed_at.is_not(None))))


def _audit_state(user_id: int) -> dict[str, object]:
    """What the audit trail records about an account's two-factor state: never a secret or code."""
    record = db.session.get(TwoFactor, user_id)
    state = "off" if record is None else "on" if record.confirmed_at else "enrolling"
    return {"two_factor": state, "recovery_codes_left": recovery_codes_left(user_id)}


def _target(user_id: int) -> str:
    return f"user:{user_id}"


# --- enrolment, regeneration, turning off, reset -------------------------------------------------


class AlreadyEnrolled(Exception):
    pass


def enrolment_secret(user: User) -> str:
    """The secret to show on the enrolment page: the one of an enrolment in progress, or a new one.

    Raises AlreadyEnrolled when two-factor authentication is already on.
    """
    user_id = user.id
    with write_transaction():
        record = db.session.get(TwoFactor, user_id)
        if record is not None and record.confirmed_at is not None:
            raise AlreadyEnrolled
        if record is not None:
            try:
                return decrypt_secret(record.secret_encrypted)
            except SecretUnreadable:
                pass  # written under an earlier key: start again with a new secret
        secret = new_secret()
        if record is None:
            db.session.add(TwoFactor(user_id=user_id, secret_encrypted=encrypt_secret(secret)))
        else:
            record.secret_encrypted = encrypt_secret(secret)
            record.created_at = utcnow()
    return secret


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Turn two-factor authentication on if `code` comes from the secret being enrolled.

    Returns the new recovery codes (to show once), or None when the code does not match.
    Raises AlreadyEnrolled when it is already on (say, confirmed from another tab).
    """
    now = now or utcnow()
    user_id = user.id
    digits = typed_code(code)
    with write_transaction():
        record = db.session.get(TwoFactor, user_id)
        if record is not None and record.confirmed_at is not None:
            raise AlreadyEnrolled
        try:
            step = matching_step(decrypt_secret(record.secret_encrypted), digits, now) if record and digits else None
        except SecretUnreadable:
            step = None
        if record is None or step is None:
            return None
        before = _audit_state(user_id)
        record.confirmed_at = now
        record.last_used_step = step  # the code just typed cannot then sign anyone in
        codes = _replace_recovery_codes(user_id)
        db.session.flush()
        record_action("two_factor.enrol", target=_target(user_id), before=before, after=_audit_state(user_id))
    return codes


def enrol_with_secret(user: User, secret: str, now: datetime | None = None) -> None:
    """Turn two-factor authentication on with a given secret (the demo accounts' published one).

    No recovery codes and no audit event: the demo loader creates its accounts without either.
    """
    db.session.add(TwoFactor(user_id=user.id, secret_encrypted=encrypt_secret(secret), confirmed_at=now or utcnow()))


def current_secret(user: User) -> str | None:
    record = confirmed_record(user.id)
    return decrypt_secret(record.secret_encrypted) if record else None


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes for an enrolled account; the earlier ones stop working."""
    user_id = user.id
    with write_transaction():
        before = _audit_state(user_id)
        codes = _replace_recovery_codes(user_id)
        db.session.flush()
        record_action("two_factor.recovery_codes_regenerated", target=_target(user_id), before=before,
                      after=_audit_state(user_id))
    return codes


def turn_off(user: User) -> None:
    """The account holder turns two-factor authentication off (the caller checked a code and the role)."""
    _remove(user.id, "two_factor.turn_off")


def reset(user: User) -> bool:
    """An administrator removes another account's two-factor authentication (a lost phone).

    Returns False when there was nothing to reset. The person enrols again at their next
    sign-in if their role requires it.
    """
    return _remove(user.id, "two_factor.reset")


def _remove(user_id: int, action: str) -> bool:
    with write_transaction():
        if db.session.get(TwoFactor, user_id) is None:
            return False
        before = _audit_state(user_id)
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user_id))
        record_action(action, target=_target(user_id), before=before, after=_audit_state(user_id))
    return True


# --- checking a code -----------------------------------------------------------------------------


class Outcome(enum.Enum):
    AUTHENTICATOR = "authenticator"
    RECOVERY = "recovery"
    WRONG = "wrong"
    REPLAYED = "replayed"
    SPENT = "spent"
    MALFORMED = "malformed"
    UNREADABLE = "unreadable"


REFUSALS: dict[Outcome, tuple[object, int]] = {
    Outcome.WRONG: (_l("That code is not right. Enter the newest code your authenticator app shows, "
                       "or one of your recovery codes."), 401),
    Outcome.REPLAYED: (_l("That code has already been used. Wait for your authenticator app to show the next "
                          "code, then enter it."), 401),
    Outcome.SPENT: (_l("That recovery code has already been used. Each recovery code works only once."), 401),
    Outcome.MALFORMED: (_l("Enter the 6-digit code from your authenticator app, or a recovery code "
                           "(16 letters and digits)."), 400),
    Outcome.UNREADABLE: (_l("This server cannot read your authenticator secret, because its two-factor key "
                            "has changed. Use a recovery code, or ask an administrator to reset your "
                            "two-factor authentication."), 503),
}


def verify_code(user: User, raw: str, now: datetime | None = None) -> Outcome:
    """Accept a current authenticator code or an unused recovery code of `user`.

    Returns AUTHENTICATOR or RECOVERY when accepted (the step or the recovery code is then
    spent); raises LoginRefused with the reason otherwise. Wrong, replayed and spent codes
    are answered 401, which the code page's throttle counts (`app.security.code_limits`).
    """
    now = now or utcnow()
    user_id = user.id
    with write_transaction():
        account = db.session.get(User, user_id)
        if account is None:
            raise LoginRefused(REFUSALS[Outcome.WRONG][0], 401)
        outcome = _check(account, raw, now)
    if outcome is Outcome.UNREADABLE:
        current_app.logger.error("The two-factor secret of user %s does not decrypt with LIPVOTE_TWO_FACTOR_KEY.", user_id)
    if outcome in REFUSALS:
        message, status = REFUSALS[outcome]
        raise LoginRefused(message, status)
    return outcome


def _check(user: User, raw: str, now: datetime) -> Outcome:
    record = confirmed_record(user.id)
    if record is None:
        return Outcome.WRONG
    digits = typed_code(raw)
    if digits is not None:
        try:
            step = matching_step(decrypt_secret(record.secret_encrypted), digits, now)
        except SecretUnreadable:
            return Outcome.UNREADABLE
        if step is None:
            return Outcome.WRONG
        # One conditional UPDATE: of two requests racing with the same code, only one moves the step on.
        claimed = db.session.execute(
            update(TwoFactor)
            .where(TwoFactor.user_id == user.id, or_(TwoFactor.last_used_step.is_(None), TwoFactor.last_used_step < step))
            .values(last_used_step=step)
        ).rowcount
        return Outcome.AUTHENTICATOR if claimed == 1 else Outcome.REPLAYED
    if normalise_recovery_code(raw) is None:
        return Outcome.MALFORMED
    row = db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                       RecoveryCode.code_hash == recovery_code_hash(raw)))
    if row is None:
        return Outcome.WRONG
    before = _audit_state(user.id)
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if spent != 1:
        return Outcome.SPENT
    record_action("two_factor.recovery_code_used", target=_target(user.id), before=before,
                  after=_audit_state(user.id), actor=user)
    return Outcome.RECOVERY


# --- the sign-in that waits for its code ---------------------------------------------------------


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    remember: bool
    next_path: str | None


def hold_for_code(user: User, remember: bool, next_path: str | None, now: datetime | None = None) -> None:
    """Remember in the session that this account's password was right; it is not signed in yet.

    The state names the account, the fingerprint of its password hash (a password change
    voids it) and when it began (it lasts PENDING_LIFETIME).
    """
    session[PENDING_SESSION_KEY] = {
        "user": user.id,
        "fingerprint": user.session_fingerprint(),
        "since": int((now or utcnow()).timestamp()),
        "remember": bool(remember),
        "next": next_path,
    }


def pending_sign_in(now: datetime | None = None) -> PendingSignIn:
    """The sign-in waiting for a code, or LoginRefused (400 none, 410 expired or no longer valid)."""
    state = session.get(PENDING_SESSION_KEY)
    if not isinstance(state, dict):
        raise LoginRefused(_l("There is no sign-in waiting for a code. Sign in with your e-mail address and "
                              "password first."), 400)
    now = now or utcnow()
    since = state.get("since")
    user = db.session.get(User, state.get("user")) if isinstance(state.get("user"), int) else None
    expired = not isinstance(since, int) or now.timestamp() - since > PENDING_LIFETIME.total_seconds()
    if expired or user is None or not user.active or user.session_fingerprint() != state.get("fingerprint"):
        clear_pending()
        raise LoginRefused(_l("Your sign-in expired: the code must be entered within %(minutes)d minutes of the "
                              "password. Sign in again.", minutes=int(PENDING_LIFETIME.total_seconds() // 60)), 410)
    next_path = state.get("next")
    return PendingSignIn(user, bool(state.get("remember")), next_path if isinstance(next_path, str) else None)


def clear_pending() -> None:
    session.pop(PENDING_SESSION_KEY, None)
