"""The optional ``decides`` field of an open leaf: which text a motion decides.

A motion that adopts a proposal names the exact version voted on, so the
bulletin board proves which text was adopted: the proposal's slug, its version
number and the SHA-256 content hash of that version (lowercase hex).  Ordinary
motions leave the field out, and their leaves are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import LeafError

__all__ = ["Decides", "parse_decides", "decides_object"]

_FIELDS = {"proposal", "version", "sha256"}
_SHA256_RE = re.compile(r"[0-9a-f]{64}\Z", re.ASCII)
MAX_SLUG_CHARS = 200


@dataclass(frozen=True, slots=True)
class Decides:
    """The proposal version a motion puts to the vote."""

    proposal: str
    version: int
    sha256: str


def _refuse(got: object, want: str) -> LeafError:
    shown = repr(got)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return LeafError(f"decides: got {shown}, want {want}")


def parse_decides(value: object) -> Decides:
    """Validate a decoded ``decides`` object; :class:`LeafError` names what is wrong."""
    if not isinstance(value, Mapping) or set(value) != _FIELDS:
        raise _refuse(value, 'an object with exactly "proposal", "version" and "sha256"')
    slug, version, digest = value["proposal"], value["version"], value["sha256"]
    if (not isinstance(slug, str) or not slug or len(slug) > MAX_SLUG_CHARS
            or not slug.isprintable()):
        raise _refuse(slug, f"a proposal slug of 1..{MAX_SLUG_CHARS} printable characters")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(version, "a version number of at least 1")
    if not isinstance(digest, str) or not _SHA256_RE.match(digest):
        raise _refuse(digest, "64 lowercase hexadecimal digits (SHA-256)")
    return Decides(proposal=slug, version=version, sha256=digest)


def decides_object(decides: Decides) -> dict[str, Any]:
    """The JSON object written into the open leaf."""
    return {"proposal": decides.proposal, "version": decides.version, "sha256": decides.sha256}
