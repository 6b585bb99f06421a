"""Leaf records (``lipvote-leaf/1``): builders and a strict parser.

Every leaf is the RFC 8785 canonical JSON text of one object; its UTF-8 bytes
are what the Merkle tree hashes.  Strings are NFC, numbers are integers, and
no float ever appears.  Builders normalise and return the canonical text;
:func:`parse_leaf` accepts only text that is already canonical and returns a
typed record.  The full field list is in ``docs/bulletin-board.md``.

Leaf types: ``open`` (leaf 0), ``ballot``, ``key`` (signing-key rotation),
``close`` (last leaf of a motion log) and ``audit_event`` (audit log only).
"""

from __future__ import annotations

import base64
import functools
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Union

from . import _canonical
from .decides import Decides, decides_object, parse_decides
from .errors import LeafError
from .seed import hex32

__all__ = [
    "LEAF_FORMAT",
    "LEAF_FORMAT_2",
    "MAX_LEAF_BYTES",
    "SECRECY",
    "OpenLeaf",
    "BallotLeaf",
    "KeyLeaf",
    "CloseLeaf",
    "AuditLeaf",
    "Leaf",
    "canonical_json",
    "open_leaf",
    "ballot_leaf",
    "close_leaf",
    "audit_leaf",
    "new_nonce",
    "format_time",
    "parse_leaf",
]

LEAF_FORMAT = "lipvote-leaf/1"
LEAF_FORMAT_2 = "lipvote-leaf/2"  # an open leaf with seed_commitment: docs/bulletin-board.md §2.7
MAX_LEAF_BYTES = 1 << 20  # 1 MiB: an open leaf with a large weight snapshot fits easily
SECRECY = ("recorded", "secret")
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 10_000

_DATE = r"\d{4}-\d{2}-\d{2}"
_CLOCK = r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z"
_TIME = _DATE + _CLOCK
# re.ASCII: without it \d also matches other scripts' digits (Arabic-Indic, Devanagari...),
# which int() reads as well, so a time like "٢٠٢٥-03-01T..." would pass.
_TIME_RE = re.compile(_TIME + r"\Z", re.ASCII)
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{22,86}\Z")


# --------------------------------------------------------------------------
# Typed records


@dataclass(frozen=True, slots=True)
class OpenLeaf:
    """Leaf 0: the motion, its rules and weights, committed before any ballot."""

    motion: str
    title: dict[str, str]
    method: str
    options: tuple[str, ...]
    seats: int
    rules: dict[str, Any]
    secrecy: str
    revote: bool
    weights: dict[str, Any]
    opened_at: str
    closes_at: str | None = None
    description: dict[str, str] | None = None
    meta: dict[str, Any] | None = None
    decides: Decides | None = None
    format: str = LEAF_FORMAT
    seed_commitment: str | None = None  # lipvote-leaf/2 only


@dataclass(frozen=True, slots=True)
class BallotLeaf:
    """One cast ballot."""

    motion: str
    weight: int
    selection: Any
    nonce: str
    cast_at: str
    supersedes: int | None
    member: str | None = None
    region: str | None = None
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class KeyLeaf:
    """Announces the next checkpoint-signing key, signed by the current one."""

    motion: str
    new_key: str
    announced_at: str
    statement: str


@dataclass(frozen=True, slots=True)
class CloseLeaf:
    """Last leaf of a motion log."""

    motion: str
    closed_at: str
    ballots: int
    seed_secret: str | None = None  # reveals leaf 0's seed_commitment (lipvote-leaf/2 logs)


@dataclass(frozen=True, slots=True)
class AuditLeaf:
    """One administrative or chair action, in the audit log."""

    log: str
    at: str
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


Leaf = Union[OpenLeaf, BallotLeaf, KeyLeaf, CloseLeaf, AuditLeaf]


# --------------------------------------------------------------------------
# Field checks (shared by builders and the parser)


def _err(field: str, got: object, want: str) -> LeafError:
    shown = repr(got)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return LeafError(f"{field}: got {shown}, want {want}")


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _ident(d: Mapping[str, Any], field: str, *, optional: bool = False) -> str | None:
    v = d.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, str) or not v or len(v) > MAX_ID_CHARS or not v.isprintable():
        raise _err(field, v, f"a printable string of 1..{MAX_ID_CHARS} characters")
    return v


def _int(d: Mapping[str, Any], field: str, minimum: int) -> int:
    v = d.get(field)
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise _err(field, v, f"an integer >= {minimum}")
    return v


@functools.lru_cache(maxsize=4096)
def _real_date(ymd: str) -> bool:
    try:
        date(int(ymd[:4]), int(ymd[5:7]), int(ymd[8:10]))
    except ValueError:
        return False
    return True


def _time(d: Mapping[str, Any], field: str, *, optional: bool = False) -> str | None:
    v = d.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, str) or not _TIME_RE.match(v):
        raise _err(field, v, "an RFC 3339 UTC time like 2025-03-01T14:05:00Z")
    if not _real_date(v[:10]):
        raise _err(field, v, "a real calendar date and time")
    return v


def _texts(d: Mapping[str, Any], field: str, *, optional: bool = False) -> dict[str, str] | None:
    v = d.get(field)
    if v is None and optional:
        return None
    if (not isinstance(v, dict) or not v or not set(v) <= {"en", "fr"}
            or not all(isinstance(t, str) and 0 < len(t) <= MAX_TEXT_CHARS for t in v.values())):
        raise _err(field, v, 'an object {"en": text, "fr": text} with one or both languages')
    return dict(v)


def _obj(d: Mapping[str, Any], field: str, *, optional: bool = False) -> dict[str, Any] | None:
    v = d.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, dict):
        raise _err(field, v, "an object")
    return v


def _check_fields(d: Mapping[str, Any], kind: str, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - set(d))
    if missing:
        raise LeafError(f"{kind} leaf: missing field(s) {missing}")
    extra = sorted(set(d) - required - optional)
    if extra:
        raise LeafError(f"{kind} leaf: unknown field(s) {extra}")


def _nonce_ok(v: object) -> bool:
    # base64url without padding decodes exactly when len % 4 != 1; 22 characters or
    # more carry at least 16 bytes.
    return isinstance(v, str) and bool(_NONCE_RE.match(v)) and len(v) % 4 != 1


# --------------------------------------------------------------------------
# Validation of decoded objects


_OPEN_REQ = {"type", "format", "motion", "title", "method", "options", "seats", "rules",
             "secrecy", "revote", "weights", "opened_at"}
_OPEN_OPT = {"closes_at", "description", "meta", "decides", "seed_commitment"}
_BALLOT_REQ = {"type", "motion", "weight", "selection", "nonce", "cast_at", "supersedes"}
_BALLOT_OPT = {"member", "region", "proxy"}
_KEY_REQ = {"type", "motion", "new_key", "announced_at", "statement"}
_CLOSE_REQ = {"type", "motion", "closed_at", "ballots"}
_AUDIT_REQ = {"type", "format", "log", "at", "actor", "action", "target", "details"}


def _open(d: dict[str, Any]) -> OpenLeaf:
    _check_fields(d, "open", _OPEN_REQ, _OPEN_OPT)
    if d["format"] not in (LEAF_FORMAT, LEAF_FORMAT_2):
        raise _err("format", d["format"], f"{LEAF_FORMAT!r} or {LEAF_FORMAT_2!r}")
    if (d["format"] == LEAF_FORMAT_2) != ("seed_commitment" in d):
        raise _err("seed_commitment", d.get("seed_commitment"), f"present exactly when format is {LEAF_FORMAT_2!r}")
    opts = d["options"]
    if (not isinstance(opts, list) or not opts
            or not all(isinstance(o, str) and 0 < len(o) <= MAX_ID_CHARS for o in opts)):
        raise _err("options", opts, "a non-empty list of option ids")
    if len(set(opts)) != len(opts):
        raise _err("options", opts, "distinct option ids")
    if d["secrecy"] not in SECRECY:
        raise _err("secrecy", d["secrecy"], '"recorded" or "secret"')
    if not isinstance(d["revote"], bool):
        raise _err("revote", d["revote"], "true or false")
    if not isinstance(d["method"], str) or not d["method"]:
        raise _err("method", d["method"], "a method name")
    return OpenLeaf(
        motion=str(_ident(d, "motion")),
        title=_texts(d, "title") or {},
        method=d["method"],
        options=tuple(opts),
        seats=_int(d, "seats", 1),
        rules=_obj(d, "rules") or {},
        secrecy=d["secrecy"],
        revote=d["revote"],
        weights=_obj(d, "weights") or {},
        opened_at=str(_time(d, "opened_at")),
        closes_at=_time(d, "closes_at", optional=True),
        description=_texts(d, "description", optional=True),
        meta=_obj(d, "meta", optional=True),
        decides=parse_decides(d["decides"]) if "decides" in d else None,
        format=d["format"],
        seed_commitment=hex32(d["seed_commitment"], "seed_commitment").hex() if "seed_commitment" in d else None,
    )


def _ballot(d: dict[str, Any]) -> BallotLeaf:
    _check_fields(d, "ballot", _BALLOT_REQ, _BALLOT_OPT)
    if not _nonce_ok(d["nonce"]):
        raise _err("nonce", d["nonce"], "base64url (no padding) of at least 16 random bytes")
    sup = d["supersedes"]
    if sup is not None and (not _is_int(sup) or sup < 1):
        raise _err("supersedes", sup, "null or the index (>= 1) of an earlier ballot leaf")
    return BallotLeaf(
        motion=str(_ident(d, "motion")),
        weight=_int(d, "weight", 1),
        selection=d["selection"],
        nonce=d["nonce"],
        cast_at=str(_time(d, "cast_at")),
        supersedes=sup,
        member=_ident(d, "member") if "member" in d else None,
        region=_ident(d, "region") if "region" in d else None,
        proxy=_ident(d, "proxy") if "proxy" in d else None,
    )


def _key(d: dict[str, Any]) -> KeyLeaf:
    _check_fields(d, "key", _KEY_REQ, set())
    for f in ("new_key", "statement"):
        if not isinstance(d[f], str) or not d[f]:
            raise _err(f, d[f], "a non-empty string")
    return KeyLeaf(motion=str(_ident(d, "motion")), new_key=d["new_key"],
                   announced_at=str(_time(d, "announced_at")), statement=d["statement"])


def _close(d: dict[str, Any]) -> CloseLeaf:
    _check_fields(d, "close", _CLOSE_REQ, {"seed_secret"})
    secret = hex32(d["seed_secret"], "seed_secret").hex() if "seed_secret" in d else None
    return CloseLeaf(motion=str(_ident(d, "motion")), closed_at=str(_time(d, "closed_at")),
                     ballots=_int(d, "ballots", 0), seed_secret=secret)


def _audit(d: dict[str, Any]) -> AuditLeaf:
    _check_fields(d, "audit_event", _AUDIT_REQ, set())
    if d["format"] != LEAF_FORMAT:
        raise _err("format", d["format"], repr(LEAF_FORMAT))
    return AuditLeaf(log=str(_ident(d, "log")), at=str(_time(d, "at")),
                     actor=str(_ident(d, "actor")), action=str(_ident(d, "action")),
                     target=_ident(d, "target", optional=True),
                     details=_obj(d, "details") or {})


_PARSERS: dict[str, Callable[[dict[str, Any]], Leaf]] = {"open": _open, "ballot": _ballot, "key": _key, "close": _close,
            "audit_event": _audit}


def _typed(d: object) -> Leaf:
    if not isinstance(d, dict):
        raise LeafError(f"leaf: got a JSON {type(d).__name__}, want an object")
    kind = d.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise _err("type", kind, f"one of {sorted(_PARSERS)}")
    return parser(d)


# --------------------------------------------------------------------------
# Public builders and parser


def canonical_json(obj: Any) -> str:
    """NFC-normalise ``obj`` and return its RFC 8785 canonical text.

    Raises :class:`LeafError` for floats, out-of-range integers or
    non-JSON values.
    """
    return _canonical.canonical_dumps(_canonical.nfc(obj))


def format_time(when: datetime | str) -> str:
    """RFC 3339 UTC text: ``YYYY-MM-DDTHH:MM:SSZ``, with ``.ffffff`` when not whole."""
    if isinstance(when, str):
        return str(_time({"t": when}, "t"))
    if when.tzinfo is None:
        raise LeafError(f"time {when.isoformat()}: want a timezone-aware datetime")
    t = when.astimezone(timezone.utc)
    # not strftime: its %Y does not pad years below 1000 to four digits on glibc
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if t.microsecond:
        text += f".{t.microsecond:06d}"
    return text + "Z"


def new_nonce() -> str:
    """128 random bits, base64url without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def _build(d: dict[str, Any]) -> str:
    text = canonical_json(d)
    parse_leaf(text)  # the builder output must always pass the strict parser
    return text


def open_leaf(
    *,
    motion: str,
    title: Mapping[str, str],
    method: str,
    options: Sequence[str],
    seats: int,
    rules: Mapping[str, Any],
    secrecy: str,
    revote: bool,
    weights: Mapping[str, Any],
    opened_at: datetime | str,
    closes_at: datetime | str | None = None,
    description: Mapping[str, str] | None = None,
    meta: Mapping[str, Any] | None = None,
    decides: Decides | None = None,
    seed_commitment: str | None = None,
) -> str:
    """Canonical text of leaf 0 (``type: "open"``); ``decides`` names an adopted text.

    With ``seed_commitment`` (:func:`ballots.seed.commitment`) the leaf is ``lipvote-leaf/2``,
    the format of new motions; without it ``lipvote-leaf/1`` (older logs, tests)."""
    d: dict[str, Any] = {
        "type": "open", "format": LEAF_FORMAT if seed_commitment is None else LEAF_FORMAT_2,
        "motion": motion, "title": dict(title),
        "method": method, "options": list(options), "seats": seats, "rules": dict(rules),
        "secrecy": secrecy, "revote": revote, "weights": dict(weights),
        "opened_at": format_time(opened_at),
    }
    if closes_at is not None:
        d["closes_at"] = format_time(closes_at)
    if description is not None:
        d["description"] = dict(description)
    if meta is not None:
        d["meta"] = dict(meta)
    if decides is not None:
        d["decides"] = decides_object(decides)
    if seed_commitment is not None:
        d["seed_commitment"] = seed_commitment
    return _build(d)


def ballot_leaf(
    *,
    motion: str,
    weight: int,
    selection: Any,
    cast_at: datetime | str,
    member: str | None = None,
    region: str | None = None,
    supersedes: int | None = None,
    proxy: str | None = None,
    nonce: str | None = None,
) -> str:
    """Canonical text of a ballot leaf.

    Pass ``member`` for recorded ballots only; leave it None for secret ones.
    ``nonce`` defaults to :func:`new_nonce`.
    """
    d: dict[str, Any] = {
        "type": "ballot", "motion": motion, "weight": weight, "selection": selection,
        "nonce": new_nonce() if nonce is None else nonce, "cast_at": format_time(cast_at),
        "supersedes": supersedes,
    }
    for k, v in (("member", member), ("region", region), ("proxy", proxy)):
        if v is not None:
            d[k] = v
    return _build(d)


def close_leaf(*, motion: str, closed_at: datetime | str, ballots: int,
               seed_secret: str | None = None) -> str:
    """Canonical text of the close leaf; ``ballots`` counts every ballot leaf; ``seed_secret``
    (64 hex digits) reveals the secret leaf 0 of a ``lipvote-leaf/2`` log committed to."""
    d: dict[str, Any] = {"type": "close", "motion": motion, "closed_at": format_time(closed_at),
                         "ballots": ballots}
    if seed_secret is not None:
        d["seed_secret"] = seed_secret
    return _build(d)


def audit_leaf(*, log: str, at: datetime | str, actor: str, action: str,
               target: str | None, details: Mapping[str, Any]) -> str:
    """Canonical text of an audit-log leaf (``type: "audit_event"``)."""
    return _build({"type": "audit_event", "format": LEAF_FORMAT, "log": log,
                   "at": format_time(at), "actor": actor, "action": action,
                   "target": target, "details": dict(details)})


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def parse_leaf(text: str | bytes) -> Leaf:
    """Parse one leaf; it must be canonical JSON exactly as hashed.

    Raises :class:`LeafError` naming the field and the problem.
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_LEAF_BYTES:
            raise LeafError(f"leaf size: got {len(text)} bytes, want at most {MAX_LEAF_BYTES}")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise LeafError(f"leaf is not valid UTF-8 ({e.reason} at byte {e.start})") from e
    elif not isinstance(text, str):
        raise LeafError(f"leaf: got {type(text).__name__}, want str or bytes")
    elif len(text) > MAX_LEAF_BYTES // 4 and _utf8_size(text) > MAX_LEAF_BYTES:
        # the limit is in bytes of UTF-8 (docs/bulletin-board.md §2.1), not in characters
        raise LeafError(f"leaf size: got {_utf8_size(text)} bytes, want at most {MAX_LEAF_BYTES}")
    try:
        obj = _canonical.loads(text)
    except ValueError as e:
        raise LeafError(f"leaf is not valid JSON ({e})") from e
    canon = _canonical.canonical_dumps(obj)
    if canon != text:
        at = next((i for i, (a, b) in enumerate(zip(canon, text)) if a != b),
                  min(len(canon), len(text)))
        raise LeafError(f"leaf is not canonical JSON (RFC 8785): first difference at "
                        f"character {at}")
    return _typed(obj)

