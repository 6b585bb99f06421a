"""Motion bundles (``lipvote-bundle/1``) and audit bundles (``lipvote-audit/1``).

A bundle is one JSON object holding everything an auditor needs offline::

    {"format": "lipvote-bundle/1",
     "origin": <checkpoint origin of the motion's log>,
     "verifier_key": <vkey of the key that signs the log's first checkpoints>,
     "leaves": [<exact canonical leaf text>, ...],      # in log order, open ... close
     "checkpoint": <final signed checkpoint, size == len(leaves)>,
     "checkpoints": [<earlier signed checkpoints>, ...], # optional, may be []
     "result": <voting Result.as_dict()>}

An audit bundle has ``"format": "lipvote-audit/1"`` and no ``result``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import msgspec

from . import _canonical
from .errors import FormatError

__all__ = [
    "BUNDLE_FORMAT",
    "AUDIT_FORMAT",
    "MAX_BUNDLE_BYTES",
    "MAX_LEAVES",
    "Bundle",
    "build_bundle",
    "build_audit_bundle",
    "parse_bundle",
    "load_json_file",
    "read_json_bytes",
    "decode_json_bytes",
]

BUNDLE_FORMAT = "lipvote-bundle/1"
AUDIT_FORMAT = "lipvote-audit/1"
MAX_BUNDLE_BYTES = 768 << 20
MAX_LEAVES = 5_000_000
MAX_CHECKPOINTS = 100_000


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle whose shape has been checked (nothing verified yet)."""

    format: str
    origin: str
    verifier_key: str
    leaves: Sequence[str]
    checkpoint: str
    checkpoints: tuple[str, ...]
    result: dict[str, Any] | None

    @property
    def is_audit(self) -> bool:
        return self.format == AUDIT_FORMAT


def build_bundle(*, origin: str, verifier_key: str, leaves: Sequence[str], checkpoint: str,
                 result: Mapping[str, Any], checkpoints: Sequence[str] = ()) -> dict[str, Any]:
    """The motion bundle dict (JSON-safe); see the module docstring."""
    return {"format": BUNDLE_FORMAT, "origin": origin, "verifier_key": verifier_key,
            "leaves": list(leaves), "checkpoint": checkpoint,
            "checkpoints": list(checkpoints), "result": dict(result)}


def build_audit_bundle(*, origin: str, verifier_key: str, leaves: Sequence[str],
                       checkpoint: str, checkpoints: Sequence[str] = ()) -> dict[str, Any]:
    """The audit-log bundle dict (leaves of type ``audit_event`` and ``key``)."""
    return {"format": AUDIT_FORMAT, "origin": origin, "verifier_key": verifier_key,
            "leaves": list(leaves), "checkpoint": checkpoint,
            "checkpoints": list(checkpoints)}


def _has_float(obj: object) -> bool:
    """Does a parsed JSON value hold a float anywhere?  (Lists of strings are passed fast.)"""
    todo = [obj]
    while todo:
        v = todo.pop()
        t = type(v)
        if t is float:
            return True
        if t is dict:
            todo.extend(cast("dict[str, object]", v).values())
        elif t is list and set(map(type, cast("list[object]", v))) - {str}:
            todo.extend(cast("list[object]", v))
    return False


def fast_json_loads(data: bytes | str) -> Any:
    """``json.loads(data)`` through msgspec when that gives the very same value, else None.

    msgspec parses a large bundle faster than :func:`json.loads` without
    copying its input first (a copy is 200 MB of fresh pages at a million
    ballots), keeps integers of any size exact, and agrees with
    :func:`json.loads` on every text it accepts.  To stay on the safe side a
    value holding any float is thrown away (None), and so is every text
    msgspec refuses (NaN, a lone surrogate escape, a byte order mark...): the
    caller then runs :func:`json.loads`, which decides and words any error
    exactly as before.
    """
    try:
        obj = _ANY_JSON.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):
        return None  # not JSON, too deep, or a str holding a lone surrogate
    if _has_float(obj):
        return None
    return obj


_ANY_JSON = msgspec.json.Decoder()


def read_json_bytes(path: str | os.PathLike[str], what: str,
                    max_bytes: int = MAX_BUNDLE_BYTES) -> bytes:
    """The bytes of a JSON file of at most ``max_bytes``; every failure is one plain
    :class:`FormatError`."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise FormatError(f"{what} {p}: {size} bytes, more than the {max_bytes} allowed")
        with p.open("rb") as fb:
            data = fb.read(max_bytes + 1)
    except OSError as e:
        raise FormatError(f"{what} {p}: cannot read ({e.strerror or e})") from e
    if len(data) > max_bytes:  # it grew while being read
        raise FormatError(f"{what} {p}: more than the {max_bytes} bytes allowed")
    return data


def decode_json_bytes(data: bytes | str, what: str) -> Any:
    """``json.loads`` of ``data``, UTF-8 bytes or text (through msgspec when that gives
    the same value); every failure is one plain :class:`FormatError` naming ``what``.

    The same bytes always give the same value, and its strings are those
    :func:`ballots.fast.pieces.leaf_pieces` reads, which the verifier's fast path
    relies on: its helper process hashes the leaves it reads from the very bytes
    the main process decodes.
    """
    obj = fast_json_loads(data)
    if obj is None:
        try:
            text = data if isinstance(data, str) else data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FormatError(f"{what}: not UTF-8 text") from e
        try:
            obj = json.loads(text)
        except RecursionError:
            raise FormatError(f"{what}: not valid JSON ({_canonical.too_deep_message()})") from None
        except ValueError as e:
            raise FormatError(f"{what}: not valid JSON ({str(e)[:120]})") from e
    if _canonical.deeper_than(obj):
        raise FormatError(f"{what}: not valid JSON ({_canonical.too_deep_message()})")
    return obj


def load_json_file(path: str | os.PathLike[str], what: str,
                   max_bytes: int = MAX_BUNDLE_BYTES) -> Any:
    """Read and parse a JSON file; every failure is one plain :class:`FormatError`."""
    return decode_json_bytes(read_json_bytes(path, what, max_bytes), f"{what} {Path(path)}")


def _str(d: Mapping[str, Any], key: str, what: str) -> str:
    if key not in d:
        raise FormatError(f"bundle: missing field {key!r}")
    v = d[key]
    if not isinstance(v, str) or not v:
        raise FormatError(f"bundle {key}: got {type(v).__name__}, want {what}")
    return v


def parse_bundle(obj: object) -> Bundle:
    """Check a bundle's shape (dict or JSON text); raise :class:`FormatError`."""
    if isinstance(obj, (str, bytes)):
        if len(obj) > MAX_BUNDLE_BYTES:
            raise FormatError(f"bundle: more than the {MAX_BUNDLE_BYTES} bytes allowed")
        obj = decode_json_bytes(obj, "bundle")
    if not isinstance(obj, dict):
        raise FormatError(f"bundle: got a JSON {type(obj).__name__}, want an object")
    fmt = obj.get("format")
    if fmt not in (BUNDLE_FORMAT, AUDIT_FORMAT):
        raise FormatError(f"bundle format: got {fmt!r}, want {BUNDLE_FORMAT!r} or "
                          f"{AUDIT_FORMAT!r}")
    allowed = {"format", "origin", "verifier_key", "leaves", "checkpoint", "checkpoints"}
    if fmt == BUNDLE_FORMAT:
        allowed.add("result")
    extra = sorted(set(obj) - allowed)
    if extra:
        raise FormatError(f"bundle: unknown field(s) {extra}")
    leaves = obj.get("leaves")
    if not isinstance(leaves, list):
        raise FormatError(f"bundle leaves: got {type(leaves).__name__}, want a list of strings")
    if not leaves:
        raise FormatError("bundle leaves: empty, want at least one leaf")
    if len(leaves) > MAX_LEAVES:
        raise FormatError(f"bundle leaves: {len(leaves)}, more than the {MAX_LEAVES} allowed")
    if set(map(type, leaves)) - {str}:  # one quick pass; look for the culprit only if needed
        bad = next(((i, x) for i, x in enumerate(leaves) if not isinstance(x, str)), None)
        if bad is not None:
            raise FormatError(f"bundle leaves[{bad[0]}]: got {type(bad[1]).__name__}, "
                              "want a string")
    cps = obj.get("checkpoints", [])
    if not isinstance(cps, list) or not all(isinstance(c, str) for c in cps):
        raise FormatError("bundle checkpoints: want a list of signed checkpoint texts")
    if len(cps) > MAX_CHECKPOINTS:
        raise FormatError(f"bundle checkpoints: more than {MAX_CHECKPOINTS}")
    result = None
    if fmt == BUNDLE_FORMAT:
        result = obj.get("result")
        if not isinstance(result, dict):
            raise FormatError(f"bundle result: got {type(result).__name__}, want the published "
                              "result object")
    return Bundle(
        format=fmt,
        origin=_str(obj, "origin", "the log origin"),
        verifier_key=_str(obj, "verifier_key", "a vkey name+keyid+base64"),
        leaves=leaves,
        checkpoint=_str(obj, "checkpoint", "the final signed checkpoint"),
        checkpoints=tuple(cps),
        result=result,
    )
