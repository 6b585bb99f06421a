"""The verifier's report: named checks in order, and a summary (``lipvote-verify-report/2``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "Report", "REPORT_FORMAT", "CHECKS", "AUDIT_CHECKS", "SPEC", "section_of"]

REPORT_FORMAT = "lipvote-verify-report/2"  # /2: "verified" apart from "ok" (the trust anchor)
CHECKS = ("bundle format", "verifier key", "leaves", "log structure", "signing keys",
          "final checkpoint", "merkle root", "checkpoints", "receipts", "weights", "ballots",
          "tie-break seed", "tally", "trust anchor", "witnesses")
AUDIT_CHECKS = CHECKS[:9] + ("trust anchor", "witnesses")
SPEC = "docs/bulletin-board.md"  # check N is specified in its §7, item N, cited "§7.N"
_MAX_LISTED = 5


def section_of(name: str) -> str | None:
    """The section of the specification (:data:`SPEC`) that a check implements: "§7.4"."""
    return f"§7.{CHECKS.index(name) + 1}" if name in CHECKS else None


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: ``status`` is "ok", "failed" or "skipped"."""

    name: str
    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class Report:
    """The outcome of :func:`verify_bundle`: checks in order, and a summary."""

    checks: list[Check] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no check failed (skipped checks were not asked for): self-consistent."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def verified(self) -> bool:
        """Self-consistent, and something the user holds pinned the signing key (check 14)."""
        return self.ok and any(c.name == "trust anchor" and c.status == "ok"
                               for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    def skip_rest(self, names: Iterable[str], why: str) -> None:
        done = {c.name for c in self.checks}
        self.checks += [Check(n, "skipped", why) for n in names if n not in done]

    def as_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "ok": self.ok, "verified": self.verified,
                "checks": [{"name": c.name, "status": c.status, "message": c.message,
                            "section": section_of(c.name)} for c in self.checks],
                "summary": dict(self.summary)}


def plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} leaves" if word == "leaf" else f"{n} {word}s"


def listed(problems: Sequence[str]) -> str:
    more = len(problems) - _MAX_LISTED
    return "; ".join(problems[:_MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")


def outcome(name: str, problems: Sequence[str], ok_message: str) -> Check:
    """Failed with the first few problems, or ok."""
    return Check(name, "failed", listed(problems)) if problems else Check(name, "ok", ok_message)
