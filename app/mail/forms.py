from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from app.mail.notifications import (AMENDMENT_SECONDER, CERTIFIED, CLOSING, COMMENT_REPLY, CONSULTATION_CLOSING,
                                    CONSULTATION_OPENED, KINDS, OPENED, PROXY)


class NotificationChoicesForm(FlaskForm):
    motion_opened = BooleanField(KINDS[OPENED])
    motion_closing = BooleanField(KINDS[CLOSING])
    motion_certified = BooleanField(KINDS[CERTIFIED])
    proxy_granted = BooleanField(KINDS[PROXY])
    consultation_opened = BooleanField(KINDS[CONSULTATION_OPENED])
    consultation_closing = BooleanField(KINDS[CONSULTATION_CLOSING])
    comment_reply = BooleanField(KINDS[COMMENT_REPLY])
    amendment_seconder = BooleanField(KINDS[AMENDMENT_SECONDER])
    submit = SubmitField(_l("Save my e-mail choices"))

    def kind_fields(self) -> list[BooleanField]:
        """One checkbox per kind, in `KINDS` order: a kind left off the page would be turned off
        each time the form is saved."""
        return [getattr(self, kind) for kind in KINDS]

    def chosen(self) -> set[str]:
        return {kind for kind in KINDS if getattr(self, kind).data}
