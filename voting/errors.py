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


class InvalidMotion(VotingError):
    """The motion's settings cannot be counted: method, options, seats, rules or seed."""


class InvalidBallot(VotingError):
    """One ballot is malformed; ``index`` is its 0-based position in the input."""

    def __init__(self, index: int, message: str) -> None:
        self.index = index
        self.message = message
        super().__init__(f"ballot {index}: {message}")


class InvalidPolicy(VotingError):
    """A weight policy, member list or stored weight snapshot is malformed or inconsistent."""
