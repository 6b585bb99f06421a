"""The ``leaves`` of a bundle's JSON bytes, read a piece at a time by the tree child.

Part of the verifier's fast path (see ``docs/verifier-internals.md``): the child
forked to build the Merkle tree of a large file reads only the leaves, from the
same bytes the parent decodes, without ever holding them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

from ..errors import FormatError

__all__ = ["leaf_pieces"]


class _LeavesOnly(msgspec.Struct):
    leaves: msgspec.Raw  # the exact JSON text of the value, a view of the input bytes


_LEAVES_ONLY = msgspec.json.Decoder(_LeavesOnly)
_STRINGS = msgspec.json.Decoder(list[str])
# where one string of a list ends and the next begins: a closing quote, the comma
# and an opening quote, with any JSON whitespace (compact, ", " or indented files)
_NEXT_STRING = re.compile(rb'"[ \t\n\r]*,[ \t\n\r]*"')


def leaf_pieces(data: bytes, piece_bytes: int = 1 << 18) -> Iterator[list[str]]:
    """The ``leaves`` of a bundle's JSON bytes, in order, a piece (about
    ``piece_bytes`` of JSON) at a time: without decoding the rest of the bundle
    and without ever holding every leaf.

    Where :func:`decode_json_bytes` and this both succeed, the pieces joined
    are that value's ``leaves``: the same msgspec string decoding, and of a
    repeated ``leaves`` key the last one, as :func:`json.loads` takes.  Raises
    :class:`FormatError` for anything else: no top-level ``leaves``, a value
    that is not a list of strings, text msgspec refuses.

    A piece ends where ``"``, a comma and ``"`` meet (JSON whitespace aside).
    Inside a list of strings that is always the end of one string and the start
    of the next; anywhere else (an escaped quote, a string holding `` , ``, a
    nested value) the piece would end inside a string or a bracket, which is
    not JSON, so a wrong cut is refused, never decoded into other leaves.
    """
    try:
        raw = _LEAVES_ONLY.decode(data).leaves
    except msgspec.DecodeError as e:
        raise FormatError(f"bundle leaves: cannot read them ({e})") from e
    with memoryview(raw) as text:
        end = len(text) - 1
        if end < 1 or text[0] != ord("[") or text[end] != ord("]"):
            raise FormatError("bundle leaves: not a list")
        at = 1
        while at < end:
            cut = _NEXT_STRING.search(text, min(at + piece_bytes, end), end)
            stop = cut.start() + 1 if cut is not None else end
            try:
                yield _STRINGS.decode(b"".join((b"[", text[at:stop], b"]")))
            except msgspec.DecodeError as e:
                raise FormatError(f"bundle leaves: cannot read them ({e})") from e
            at = cut.end() - 1 if cut is not None else end
