"""lipvote's weighted tally engine (pure Python: no web framework, no database).

Count a motion::

    import voting

    result = voting.tally(
        "schulze",
        [(120, ["a", "b", "c"]), (95, ["b", "c"]), (40, [])],   # (weight, selection)
        options=["a", "b", "c"],
        rules={"quorum": {"members": "1/2", "weight": None},
               "eligible": {"members": 5, "weight": 400}},
        tie_break_seed=bytes(32),                                # the log's final Merkle root
    )
    result.winners, result.status, result.as_dict()

``as_dict()`` is the JSON-safe explanation (no floats; fractions are "p/q" strings) that the
verifier re-derives and compares as parsed JSON values; its ``format`` (``TALLY_FORMAT``) names
the tie rule, and ``tally(..., result_format=...)`` reproduces an older one (``TALLY_FORMATS``).  Methods, rules, ties and the explanation
schema are specified in docs/methods.md; weight policies in docs/weights.md
(:mod:`voting.weights`); voting power in :mod:`voting.power`.

Errors: every deliberate error is a :class:`VotingError`; a malformed ballot raises
:class:`InvalidBallot` (with ``.index``), bad motion settings :class:`InvalidMotion`.
"""

from ._breakdown import ATTRIBUTES, breakdown
from ._feasible import METHODS, check_feasible
from ._result import STATUSES, Result
from ._ingest import RANKED as RANKED_METHODS
from ._rules import (
    RULE_THRESHOLDS,
    MethodRules,
    Threshold,
    full_turnout_quota,
    method_rules,
    needed,
    threshold,
    validate_rules,
)
from ._tally import FORMAT as TALLY_FORMAT, FORMATS as TALLY_FORMATS, tally, validate_selection
from ._ties import tie_order
from .errors import InvalidBallot, InvalidMotion, InvalidPolicy, VotingError

__all__ = [
    "ATTRIBUTES",
    "METHODS",
    "RANKED_METHODS",
    "RULE_THRESHOLDS",
    "STATUSES",
    "TALLY_FORMAT",
    "TALLY_FORMATS",
    "Threshold",
    "InvalidBallot",
    "InvalidMotion",
    "InvalidPolicy",
    "MethodRules",
    "Result",
    "VotingError",
    "breakdown",
    "check_feasible",
    "full_turnout_quota",
    "method_rules",
    "needed",
    "tally",
    "threshold",
    "tie_order",
    "validate_rules",
    "validate_selection",
]
