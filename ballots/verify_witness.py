"""Check 15 of the verifier: the final checkpoint is cosigned by enough of the witnesses given.

Policy: ``--witness VKEY`` (repeatable) names the witness keys the user trusts, and
``--witness-quorum K`` how many of them must have cosigned (C2SP tlog-cosignature v1) the
bundle's final checkpoint; K defaults to every key given. Without ``--witness`` the check is
skipped. A cosignature line that names a given key but does not verify fails the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .bundle import Bundle
from .cosignature import WitnessKey, cosignatures, parse_witness_vkey
from .errors import BallotsError
from .report import Check, listed

__all__ = ["WitnessPolicy", "check_witnesses", "parse_policy"]


@dataclass(frozen=True, slots=True)
class WitnessPolicy:
    """At least ``quorum`` of ``keys`` (vkeys of type 0x04); ``quorum`` None means all of them."""

    keys: tuple[str, ...] = ()
    quorum: int | None = None


def parse_policy(policy: WitnessPolicy) -> tuple[list[WitnessKey], int]:
    """The distinct witness keys and the quorum; raises :class:`BallotsError` with a sentence."""
    keys = list(dict.fromkeys(parse_witness_vkey(k) for k in policy.keys))
    quorum = len(keys) if policy.quorum is None else policy.quorum
    if keys and not 1 <= quorum <= len(keys):
        raise BallotsError(f"witness quorum {quorum}: want 1 to {len(keys)}, the number of "
                           "distinct witness keys given")
    return keys, quorum


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_witnesses(b: Bundle, signed_ok: bool, policy: WitnessPolicy) -> Check:
    """15. The final checkpoint carries valid cosignatures from at least K of the given keys."""
    if not policy.keys:
        return Check("witnesses", "skipped", "no witness keys given (--witness)")
    try:
        keys, quorum = parse_policy(policy)
    except BallotsError as e:
        return Check("witnesses", "failed", str(e))
    if not signed_ok:
        return Check("witnesses", "skipped", "not run: the final checkpoint did not verify")
    try:
        found, problems = cosignatures(b.checkpoint, keys)
    except BallotsError as e:
        return Check("witnesses", "failed", f"the final checkpoint's signatures: {e}")
    if problems:
        return Check("witnesses", "failed", listed(problems))
    who = ", ".join(f"{c.witness.name} at {_when(c.timestamp)}" for c in found) or "none of them"
    if len(found) < quorum:
        return Check("witnesses", "failed", f"the final checkpoint is cosigned by {len(found)} of "
                     f"the {len(keys)} witness keys given ({who}), want at least {quorum}: a "
                     "split view is not ruled out")
    return Check("witnesses", "ok", f"{len(found)} of {len(keys)} witnesses cosigned the final "
                 f"checkpoint (at least {quorum} wanted): {who}")

