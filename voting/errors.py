"""Typed errors of the ``voting`` library.

Every error raised on purpose by ``voting`` derives from :class:`VotingError`, so a caller
(the app, the verifier's CLI) can catch one base class.  Bad ballots and bad motion
settings are distinct families: a ballot error names the index of the offending ballot in
the caller's iteration order.
"""

from __future__ import annotations

__all__ = ["VotingError", "InvalidBallot", "InvalidMotion", "InvalidPolicy"]


class VotingError(Exception):
    """Base class of every error the voting library raises on purpose."""


def _located(field: str | None, reason: str) -> str:
    return f"{field}: {reason}" if field else reason


class InvalidMotion(VotingError):
    """The motion's settings cannot be counted: method, options, seats, rules or seed.

    ``field`` is the setting at fault (``"seats"``, ``"rules.quorum.members"``...), ``reason``
    what is wrong with it; the message is ``"<field>: <reason>"``.
    """

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(_located(field, reason))


class InvalidBallot(VotingError):
    """One ballot is malformed; ``index`` is its 0-based position in the input, ``field`` the
    part at fault (``"selection"``, ``"weight"``, ``"region"``, or None for the whole ballot),
    ``reason`` what is wrong with it, and ``message`` the two together."""

    def __init__(self, index: int, field: str | None, reason: str) -> None:
        self.index = index
        self.field = field
        self.reason = reason
        self.message = _located(field, reason)
        super().__init__(f"ballot {index}: {self.message}")


class InvalidPolicy(VotingError):
    """A weight policy, member list or stored weight snapshot is malformed or inconsistent."""
