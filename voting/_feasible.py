"""Bounds that keep every tally finite in practice (Schulze STV grows with combinations)."""

from __future__ import annotations

from math import comb

from .errors import InvalidMotion

METHODS: tuple[str, ...] = (
    "yes_no",
    "plurality",
    "approval",
    "irv",
    "stv",
    "schulze",
    "ranked_pairs",
    "schulze_stv",
)
SINGLE_WINNER = frozenset({"yes_no", "irv", "schulze", "ranked_pairs"})

# Schulze STV compares every set of `seats` winners with every set that differs by one
# candidate: C(n, seats + 1) * (seats + 1) vote-management strengths, each a max-flow
# computation over the distinct ballots.  Measured (2 cores, 80 distinct ballots):
# 504 units 1.5 s, 660 units 2.1 s, 840 units 6.6 s, 1980 units 92 s.
SCHULZE_STV_MAX_UNITS = 700
SCHULZE_STV_MAX_OPTIONS = 12
# check_feasible guarantees a bounded run for up to this many distinct rankings; tally()
# refuses a profile with more distinct rankings than the budget allows.
SCHULZE_STV_BALLOT_BUDGET = SCHULZE_STV_MAX_UNITS * 200


def schulze_stv_units(n_options: int, seats: int) -> int:
    if seats >= n_options:
        return 0
    return comb(n_options, seats + 1) * (seats + 1)


def check_feasible(method: str, n_options: int, seats: int) -> None:
    """Raise :class:`InvalidMotion` with a plain reason if this motion cannot be counted."""
    if method not in METHODS:
        raise InvalidMotion("method", f"got {method!r}, want one of {list(METHODS)}")
    if isinstance(n_options, bool) or not isinstance(n_options, int) or n_options < 1:
        raise InvalidMotion("options", f"got {n_options!r} options, want at least 1")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidMotion("seats", f"got {seats!r}, want a positive integer")
    if seats > n_options:
        raise InvalidMotion("seats", f"got {seats}, more than the {n_options} option(s)")
    if method in SINGLE_WINNER and seats != 1:
        raise InvalidMotion("seats", f"got {seats}, but {method} elects exactly 1")
    if method == "schulze_stv":
        if n_options > SCHULZE_STV_MAX_OPTIONS and seats < n_options:
            raise InvalidMotion(
                "schulze_stv", f"got {n_options} options, want at most {SCHULZE_STV_MAX_OPTIONS}; "
                "its count grows with every combination of candidates"
            )
        units = schulze_stv_units(n_options, seats)
        if units > SCHULZE_STV_MAX_UNITS:
            raise InvalidMotion(
                "schulze_stv", f"{n_options} options for {seats} seat(s) needs {units} set comparisons, "
                f"want at most {SCHULZE_STV_MAX_UNITS}; use fewer options or seats, or stv"
            )
