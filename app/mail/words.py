"""The outbox's kinds and states in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "motion_opened": _l("Motion open for voting"),
    "motion_closing": _l("Reminder: motion closes soon"),
    "motion_certified": _l("Result certified"),
    "proxy_granted": _l("A vote given to your member"),
    "consultation_opened": _l("Consultation open"),
    "consultation_closing": _l("Reminder: consultation closes soon"),
    "comment_reply": _l("Reply to a comment"),
    "amendment_seconder": _l("Amendment needs a seconder"),
}
STATE_LABELS = {
    "queued": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "dead": _l("Failed"),
}


def mail_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def mail_state(state: object) -> str:
    value = str(getattr(state, "value", state))
    return str(STATE_LABELS.get(value, value))
