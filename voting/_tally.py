"""voting.tally: validate, aggregate, check quorum, count, resolve ties, explain."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ._feasible import METHODS, SCHULZE_STV_BALLOT_BUDGET, check_feasible, schulze_stv_units
from . import fast as voting_fast
from ._ingest import YES_NO_CHOICES, Ingested, ingest
from ._materiality import format_1_ties
from ._methods import RUNNERS
from ._outcome import Outcome
from ._rules import normalise_rules, quorum_report, rules_for_method
from ._result import Result
from ._ties import check_seed, option_digest, tie_order
from ._yesno import run_yes_no
from ._fractions import share_str
from .errors import InvalidMotion

# The explanation's format names the tie rule it was counted under (docs/methods.md §4):
# /1 counted every IRV and STV tie as material; /2 only those whose breaking could change
# who is elected.  Verifiers re-tally an old result under its own format.
FORMAT_V1 = "lipvote-tally/1"
FORMAT = "lipvote-tally/2"
FORMATS: tuple[str, ...] = (FORMAT_V1, FORMAT)
TIE_RULE = "options sorted by ascending SHA-256(seed || UTF-8 option id); earlier is favoured"


def _check_options(method: str, options: Sequence[str]) -> tuple[str, ...]:
    if isinstance(options, (str, bytes)) or not isinstance(options, Iterable):
        raise InvalidMotion("options", f"got {type(options).__name__}, want a list of option ids")
    opts = tuple(options)
    if method == "yes_no":
        if not opts:
            return YES_NO_CHOICES
        if not {"yes", "no"} <= set(opts) or not set(opts) <= set(YES_NO_CHOICES):
            raise InvalidMotion("options", f"got {list(opts)}, want [] or [\"yes\", \"no\", \"abstain\"]")
    if not opts:
        raise InvalidMotion("options", "empty, want at least one option id")
    seen: set[str] = set()
    for o in opts:
        if not isinstance(o, str) or not o:
            raise InvalidMotion("options", f"got {o!r}, want a non-empty string id")
        if o in seen:
            raise InvalidMotion("options", f"{o!r} appears more than once")
        seen.add(o)
    return opts


def _totals(method: str, ing: Ingested, options: Sequence[str]) -> dict[str, dict[str, int]]:
    if ing.rankings is not None:
        r = ing.rankings
        return {o: {"ballots": r.first_ballots[i], "weight": r.first_weight[i]} for i, o in enumerate(options)}
    totals = {o: {"ballots": 0, "weight": 0} for o in options}
    for g in ing.groups:
        if not g.selection:
            continue
        if method in ("yes_no", "plurality"):
            chosen: Iterable[str] = (g.selection,)
        elif method == "approval":
            chosen = g.selection
        else:
            chosen = g.selection[:1]
        for o in chosen:
            totals[o]["ballots"] += g.ballots
            totals[o]["weight"] += g.weight
    return totals


def validate_selection(method: str, selection: Any, *, options: Sequence[str]) -> None:
    """Check one selection exactly as :func:`tally` checks each ballot, without counting.

    Raises :class:`InvalidBallot` (index 0) for a malformed selection, :class:`InvalidMotion`
    for an unknown method or bad options. The web app calls this before appending a ballot.
    """
    if method not in METHODS:
        raise InvalidMotion("method", f"got {method!r}, want one of {list(METHODS)}")
    ingest(method, [(1, selection)], _check_options(method, options), None)


def tally(
    method: str,
    ballots: Iterable[Any],
    *,
    options: Sequence[str],
    seats: int = 1,
    rules: Mapping[str, Any] | None = None,
    tie_break_seed: bytes | None = None,
    fast: bool = True,
    result_format: str = FORMAT,
) -> Result:
    """Count ``ballots`` (``(weight, selection[, region])`` tuples) and explain the result.

    ``fast=False`` counts with the reference code alone; the default lets large ranked
    profiles take the fast path (``voting.fast``), which gives the same explanation.
    ``result_format`` is one of :data:`FORMATS`; a verifier passes an old result's own
    format to reproduce it under the tie rule of its time.
    """
    if result_format not in FORMATS:
        raise InvalidMotion("result_format", f"got {result_format!r}, want one of {list(FORMATS)}")
    opts, norm, seed = _settings(method, options, seats, rules, tie_break_seed)
    ing = _ingest(method, ballots, opts, norm, fast)
    _check_turnout(ing, norm)
    quorum = quorum_report(norm, ing.ballots, ing.weight)
    order = tie_order(seed, opts) if seed is not None else list(opts)
    explanation = _explanation(method, opts, seats, norm, ing, quorum, seed, order, result_format)

    def finish(status: str, winners: tuple[str, ...], carried: bool | None) -> Result:
        explanation["status"] = status
        explanation["winners"] = list(winners)
        explanation["carried"] = carried
        return Result(method, winners, carried, status, explanation)

    if not quorum["met"]:
        return finish("no_quorum", (), False if method == "yes_no" else None)
    if method == "yes_no":
        carried, detail = run_yes_no(ing.groups, norm)
        explanation["detail"] = detail
        return finish("carried" if carried else "defeated", (), carried)
    if ing.rankings is not None:
        if not ing.rankings.counted:
            return finish("no_votes", (), None)
        with _tie_rule(result_format):
            outcome = voting_fast.count_arrays(method, ing, opts, seats, order)
        return _conclude(explanation, outcome, seed, finish)
    counted = ing.counted()
    if not counted:
        return finish("no_votes", (), None)
    _check_schulze_stv_budget(method, len(opts), seats, len(counted))
    run = (voting_fast.runner(method) if fast else None) or RUNNERS[method]
    with _tie_rule(result_format):
        outcome = run(counted, opts, seats, order)
    return _conclude(explanation, outcome, seed, finish)


def _tie_rule(result_format: str) -> AbstractContextManager[None]:
    """Format 1 called every IRV and STV tie material, whether or not it could matter, and
    judged Ranked Pairs groups by their cycle rule alone."""
    return format_1_ties() if result_format == FORMAT_V1 else nullcontext()


def _settings(
    method: str, options: Sequence[str], seats: int, rules: Mapping[str, Any] | None, tie_break_seed: bytes | None
) -> tuple[tuple[str, ...], dict[str, Any], bytes | None]:
    """Step 1: the motion's settings, checked: options, seats, normalised rules, seed."""
    if method not in METHODS:
        raise InvalidMotion("method", f"got {method!r}, want one of {list(METHODS)}")
    opts = _check_options(method, options)
    check_feasible(method, len(opts), seats)
    norm = normalise_rules(rules)
    rules_for_method(norm, method)
    return opts, norm, check_seed(tie_break_seed)


def _ingest(method: str, ballots: Iterable[Any], opts: tuple[str, ...], norm: dict[str, Any], fast: bool) -> Ingested:
    """Step 2: read, check and aggregate the ballots (as arrays on the fast path)."""
    regions = None
    if norm["double_majority"]["regions"] is not None:
        regions = frozenset(norm["eligible"]["regions"])
    if fast and regions is None:
        arrays, ballots = voting_fast.ingest(method, ballots, opts)
        if arrays is not None:
            return arrays
    return ingest(method, ballots, opts, regions)


def _check_turnout(ing: Ingested, norm: dict[str, Any]) -> None:
    """Step 3: never more ballots or weight than the eligible members hold."""
    if norm["eligible"] is None:
        return
    for key, cast in (("members", ing.ballots), ("weight", ing.weight)):
        if cast > norm["eligible"][key]:
            raise InvalidMotion(f"turnout {key}", f"got {cast}, more than the {norm['eligible'][key]} eligible")


def _explanation(
    method: str,
    opts: tuple[str, ...],
    seats: int,
    norm: dict[str, Any],
    ing: Ingested,
    quorum: dict[str, Any],
    seed: bytes | None,
    order: list[str],
    result_format: str,
) -> dict[str, Any]:
    """Step 4: the explanation's fields known before counting (docs/methods.md §6)."""
    eligible = norm["eligible"]
    return {
        "format": result_format,
        "method": method,
        "options": list(opts),
        "seats": seats,
        "rules": norm,
        "status": "",
        "carried": None,
        "winners": [],
        "turnout": {
            "ballots": ing.ballots,
            "weight": ing.weight,
            "blank_ballots": ing.blank_ballots,
            "blank_weight": ing.blank_weight,
            "members_share": share_str(ing.ballots, eligible["members"]) if eligible else None,
            "weight_share": share_str(ing.weight, eligible["weight"]) if eligible else None,
        },
        "quorum": quorum,
        "totals": _totals(method, ing, opts),
        "tie_break": {
            "seed": seed.hex() if seed is not None else None,
            "rule": TIE_RULE,
            "order": order if seed is not None else None,
            "digests": {o: option_digest(seed, o).hex() for o in opts} if seed is not None else None,
        },
        "ties": [],
        "detail": None,
    }


def _check_schulze_stv_budget(method: str, n_options: int, seats: int, distinct_rankings: int) -> None:
    if method != "schulze_stv":
        return
    units = schulze_stv_units(n_options, seats)
    if units * distinct_rankings > SCHULZE_STV_BALLOT_BUDGET:
        raise InvalidMotion(
            "schulze_stv", f"{distinct_rankings} distinct rankings x {units} set comparisons exceeds "
            f"the budget of {SCHULZE_STV_BALLOT_BUDGET}"
        )


def _conclude(
    explanation: dict[str, Any],
    outcome: Outcome,
    seed: bytes | None,
    finish: Callable[[str, tuple[str, ...], bool | None], Result],
) -> Result:
    """Record the runner's detail and ties; without a seed a material tie leaves no winner."""
    explanation["detail"] = outcome.detail
    material = [t for t in outcome.ties if t["material"]]
    if material and seed is None:
        for t in material:
            t["chosen"] = None
        explanation["ties"] = outcome.ties
        explanation["provisional"] = True
        return finish("tie_unresolved", (), None)
    explanation["ties"] = outcome.ties
    return finish("tie_resolved" if material else "elected", outcome.winners, None)


__all__ = ["tally"]
