"""Bulk checking of plain ballot leaves with msgspec (the verifier's fast path).

What :func:`ballot_columns` accepts, :func:`ballots.leaves.parse_leaf` accepts too,
with the same values; tests/ballots/test_verify_bulk.py checks it.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import msgspec

from .. import _canonical
from ..leaves import MAX_ID_CHARS, MAX_LEAF_BYTES

__all__ = ["ballot_columns"]

# The same check over many leaves at once, for the leaves of one motion, with
# msgspec: each leaf is decoded into a Struct that describes exactly a plain
# ballot leaf (the members in canonical order, strict types, no unknown member,
# the documented bounds), then the whole chunk is encoded again and compared
# with the leaves joined as a JSON array.  msgspec writes a Struct's members in
# declaration order, integers plainly, a UTC datetime as lipvote's own time
# format and the strings of printable ASCII verbatim, so equal bytes prove that
# every leaf is exactly its canonical form (each leaf was decoded alone, so the
# array's element boundaries are the leaves').  The chunk must be printable
# ASCII without backslash: then there are no escapes and no other script, where
# msgspec's choices might differ from RFC 8785 or NFC matters.  The rest of
# the strict parser's rules are checked on the columns (the motion, the nonce's
# alphabet and length) and on the texts (at most MAX_LEAF_BYTES each).  Anything
# else returns None, for the leaf-by-leaf path.

_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
_Positive = Annotated[int, msgspec.Meta(ge=1, le=_canonical.MAX_SAFE_INT)]


class _PlainBallot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True,
                   omit_defaults=True, gc=False):
    """A ballot leaf as the bulk check reads it; members in RFC 8785 order."""

    cast_at: Annotated[datetime, msgspec.Meta(tz=True)]
    member: _Id | None = None  # absent, never null: a null is re-encoded as absent
    motion: _Id
    nonce: Annotated[str, msgspec.Meta(min_length=22, max_length=86)]
    proxy: _Id | None = None
    region: _Id | None = None
    selection: None | str | list[str]
    supersedes: _Positive | None
    type: Literal["ballot"]
    weight: _Positive


_PLAIN_DECODER = msgspec.json.Decoder(_PlainBallot)
_ENCODER = msgspec.json.Encoder()
_NONCE_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

Columns = tuple[Sequence[Union[str, None]], Sequence[int], Sequence[Union[int, None]],
                    Sequence[Union[str, None]], Sequence[Union[str, None]], Sequence[Any],
                    tuple[str, str]]


def _time_text(t: datetime) -> str:
    text: str = _ENCODER.encode(t)[1:-1].decode("ascii")
    return text


def ballot_columns(texts: Sequence[str], motion: str,
                        scratch: bytearray | None = None) -> Columns | None:
    """Check many ballot leaves of ``motion`` at once, as columns, or return None.

    Returns ``(members, weights, supersedes, regions, proxies, selections,
    (first, last))``, where row ``k`` of the columns holds the ``member``,
    ``weight``, ``supersedes``, ``region``, ``proxy`` and ``selection`` that
    :func:`parse_leaf` reads from ``texts[k]``, and ``first`` and ``last`` are
    the first and last ``cast_at`` texts, when every text is a ballot leaf
    of ``motion`` that :func:`parse_leaf` accepts and no ``cast_at`` is earlier than
    the one before it (so the first is the earliest); None as soon as one is not,
    and for unusual valid ones (non-ASCII, escapes, other selections): check
    those one by one.  It never accepts a leaf that :func:`parse_leaf` refuses.

    ``scratch``, a buffer kept between calls, holds the re-encoded leaves: a
    fresh one for every call would cost as many fresh memory pages as the
    texts fill, which is a fifth of the time on a large log.
    """
    n = len(texts)
    if n == 0:
        return None
    joined = ",".join(texts)
    if (not joined.isascii() or "\\" in joined or "\x7f" in joined
            or (len(joined) > MAX_LEAF_BYTES and max(map(len, texts)) > MAX_LEAF_BYTES)):
        return None
    try:
        rows = list(map(_PLAIN_DECODER.decode, texts))
    except (msgspec.DecodeError, TypeError):
        return None
    encoded = bytearray() if scratch is None else scratch
    _ENCODER.encode_into(rows, encoded)
    expected = joined.encode("ascii")
    del joined
    # the rows encoded again are the texts as a JSON array, byte for byte
    if not (len(encoded) == len(expected) + 2 and encoded.startswith(expected, 1)
            and encoded[0] == 0x5B and encoded[-1] == 0x5D):
        return None
    del expected
    # the columns, in the Struct's order (astuple is the quickest way to them)
    cast_at, member, motions, nonce, proxy, region, sel, sup, _, weight = zip(
        *map(msgspec.structs.astuple, rows))
    del rows
    if (motions.count(motion) != n
            or "".join(nonce).encode("ascii").translate(None, _NONCE_ALPHABET)
            or any(k % 4 == 1 for k in set(map(len, nonce)))
            or not all(map(operator.le, cast_at, cast_at[1:]))):
        return None
    return (member, weight, sup, region, proxy, sel,
            (_time_text(cast_at[0]), _time_text(cast_at[-1])))
