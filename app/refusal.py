"""The one refusal type of the services: an action refused for a reason the person can act on.

Services (motions, proposals, consultations, comments, amendments) raise a subclass before
anything is written; the web layer answers with `status` and shows `message`, already in the
reader's language (or a lazy string that becomes it)."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A refused action: `status` is the HTTP status to answer with, `message` the reason."""

    def __init__(self, message: Any, status: int = 409) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
