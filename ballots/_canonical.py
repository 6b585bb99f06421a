"""RFC 8785 (JCS) canonical JSON restricted to lipvote's value domain.

The domain: objects with string keys, arrays, strings in Unicode NFC without
lone surrogates, integers within +/-(2**53 - 1), true, false, null.  No floats.

Within that domain ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` yields the same text as RFC 8785 except for key order
when a key holds a character outside the Basic Multilingual Plane (JCS sorts
by UTF-16 code units, Python by code points); such objects go through the
``rfc8785`` package instead.  ``tests/ballots/test_leaves.py`` checks the
equivalence with hypothesis.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Callable, cast

import rfc8785

from .errors import LeafError

MAX_SAFE_INT = 2**53 - 1
# Deepest nesting of arrays and objects accepted in any JSON read from outside (leaves, receipts,
# bundles). lipvote's own documents nest at most about six levels; a hostile "[[[[..." must be a
# plain refusal, not a RecursionError, and nothing deeper may reach the recursive checks below.
MAX_JSON_DEPTH = 64

_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                            allow_nan=False)
# The C encoder behind json.dumps, built once (json.JSONEncoder.encode rebuilds it on
# every call); the pure-Python encoder when the C accelerator is missing.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_make_encoder is not None:
    _c_encode = _c_make_encoder(None, None, json.encoder.encode_basestring, None, ":", ",",
                                True, False, False)

    def _dumps(obj: Any) -> str:
        return "".join(_c_encode(obj, 0))
else:  # pragma: no cover - CPython always has the accelerator

    def _dumps(obj: Any) -> str:
        return _encoder.encode(obj)


def _bad(path: str, why: str) -> LeafError:
    return LeafError(f"{path or 'value'}: {why}")


def _check_str(s: str, path: str) -> bool:
    """Validate one string; return True if it holds a non-BMP character."""
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as e:
            raise _bad(path, "contains a lone surrogate, want valid Unicode") from e
        if not unicodedata.is_normalized("NFC", s):
            raise _bad(path, "string is not in Unicode NFC form")
        return max(s) > "\uffff"
    return False


def check_value(obj: object, path: str = "") -> bool:
    """Validate ``obj`` against the domain; return True if some key is non-BMP."""
    if isinstance(obj, str):
        _check_str(obj, path)
        return False
    if obj is None or isinstance(obj, bool):
        return False
    if isinstance(obj, int):
        if not -MAX_SAFE_INT <= obj <= MAX_SAFE_INT:
            raise _bad(path, f"integer {obj} outside +/-(2**53 - 1)")
        return False
    if isinstance(obj, float):
        raise _bad(path, f"got number {obj!r}, want an integer (floats are not allowed)")
    if isinstance(obj, dict):
        astral = False
        for k, v in obj.items():
            if not isinstance(k, str):
                raise _bad(path, f"object key {k!r} is not a string")
            sub = f"{path}.{k}" if path else k
            astral = _check_str(k, sub) or astral
            astral = check_value(v, sub) or astral
        return astral
    if isinstance(obj, (list, tuple)):
        astral = False
        for i, v in enumerate(obj):
            astral = check_value(v, f"{path}[{i}]") or astral
        return astral
    raise _bad(path, f"got {type(obj).__name__}, want a JSON value")


def canonical_dumps(obj: Any) -> str:
    """Validate ``obj`` and return its RFC 8785 canonical JSON text."""
    if check_value(obj):
        return rfc8785.dumps(obj).decode("utf-8")
    return _dumps(obj)


def nfc(obj: Any) -> Any:
    """Copy of ``obj`` with every string (keys too) normalised to NFC."""
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, dict):
        return {nfc(k): nfc(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [nfc(v) for v in obj]
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


_decoder = json.JSONDecoder(parse_constant=_no_constant)


def deeper_than(obj: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does a parsed JSON value nest arrays and objects more than ``limit`` levels?

    Iterative, so a deep value cannot exhaust the stack here; a list holding only strings (a
    bundle's million leaves) is passed over in one C-level step.
    """
    todo: list[tuple[object, int]] = [(obj, 1)]
    while todo:
        value, depth = todo.pop()
        kind = type(value)
        if kind is dict:
            children: Any = cast("dict[str, object]", value).values()
        elif kind is list:
            children = value
            if not set(map(type, children)) - {str}:
                children = ()
        else:
            continue
        if depth > limit:
            return True
        todo.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def too_deep_message(limit: int = MAX_JSON_DEPTH) -> str:
    return f"nested more than {limit} levels deep"


def bounded(decode: Callable[[Any], Any], data: Any, limit: int = MAX_JSON_DEPTH) -> Any:
    """``decode(data)`` (a JSON decoder), refusing nesting deeper than ``limit`` with ValueError.

    The C decoder's own recursion is bounded by the interpreter (RecursionError, turned into the
    same ValueError); ``limit`` then keeps what is accepted shallow enough for recursive code.
    """
    try:
        obj = decode(data)
    except RecursionError:
        raise ValueError(too_deep_message(limit)) from None
    if deeper_than(obj, limit):
        raise ValueError(too_deep_message(limit))
    return obj


def loads(text: str) -> Any:
    """Parse JSON text; NaN and Infinity are refused (floats are refused later), and so is nesting
    deeper than MAX_JSON_DEPTH (ValueError)."""
    return bounded(_decoder.decode, text)


def loads_untrusted(data: str | bytes) -> Any:
    """``json.loads`` of text from outside, with the nesting bound of :func:`loads` (ValueError)."""
    return bounded(json.loads, data)
