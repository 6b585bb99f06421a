"""``bundle.fast_json_loads`` (msgspec) gives exactly what ``json.loads`` gives, or None.

The verifier reads bundles through msgspec because it is faster on a large
bundle and copies nothing first; whenever it answers, the value must be the one ``json.loads``
would return (same types too: an int must not come back as a float), and when
it cannot be sure it returns None so that ``json.loads`` decides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.bundle import decode_json_bytes, fast_json_loads, load_json_file
from ballots.fast.pieces import leaf_pieces
from ballots.errors import FormatError
from tests.conftest import examples

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=4),
    max_leaves=12)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _agrees(text: str) -> None:
    try:
        want: Any = json.loads(text)
    except (ValueError, RecursionError):
        want = ValueError
    for data in (text, text.encode("utf-8", "surrogatepass")):
        got = fast_json_loads(data)
        if got is not None:
            assert want is not ValueError and _same(got, want), (text, got, want)


@settings(max_examples=examples(400), deadline=None)
@given(json_values, st.booleans(), st.booleans())
def test_fast_decoder_agrees_with_json_on_valid_text(value: Any, ascii_only: bool, spaced: bool) -> None:
    _agrees(json.dumps(value, ensure_ascii=ascii_only, indent=1 if spaced else None))


@settings(max_examples=examples(400), deadline=None)
@given(json_values, st.integers(0, 200), st.sampled_from(
    list(' "\\,:{}[]0e.-+\t\n\r\x00\x7fNa') + ["\ud800", "\\ud800", "\ufeff", "\u00e9", "1e999",
                                              "99999999999999999999", "\\u00"]),
       st.integers(0, 1))
def test_fast_decoder_agrees_with_json_on_mangled_text(value: Any, pos: int, insert: str,
                                                 drop: int) -> None:
    text = json.dumps({"leaves": ["{\"a\":1}"], "x": value})
    pos = min(pos, len(text))
    _agrees(text[:pos] + insert + text[pos + drop:])


@pytest.mark.parametrize("text, want", [
    ('{"x": [NaN]}', None),
    ('{"x": [1.5]}', None),  # any float: json.loads decides
    ('"\\ud800"', "\ud800"),
    ("\ufeff{}", ValueError),
])
def test_json_decides_what_the_fast_decoder_cannot(text: str, want: Any) -> None:
    assert fast_json_loads(text) is None
    if want is ValueError:
        with pytest.raises(ValueError):
            json.loads(text)
    elif want is not None:
        assert _same(json.loads(text), want)


def test_load_json_file_keeps_json_semantics(tmp_path: Path) -> None:
    p = tmp_path / "b.json"
    p.write_text('{"big": 123456789012345678901234567890, "s": "\\ud800", "f": 1.5}')
    assert load_json_file(p, "bundle") == {"big": 123456789012345678901234567890,
                                           "s": "\ud800", "f": 1.5}
    p.write_text('{"leaves": ["a", "b"], "n": 1}')
    assert load_json_file(p, "bundle") == {"leaves": ["a", "b"], "n": 1}
    p.write_text("\ufeff{}")
    with pytest.raises(FormatError, match="not valid JSON"):
        load_json_file(p, "bundle")


def test_the_fast_decoder_keeps_big_integers_exact() -> None:
    got = fast_json_loads(b'{"n": [123456789012345678901234567890, -18446744073709551617]}')
    assert _same(got, {"n": [123456789012345678901234567890, -18446744073709551617]})


def test_bundle_text_is_decoded_like_a_bundle_file() -> None:
    from ballots.bundle import parse_bundle
    for bad, message in ((b"{", "bundle: not valid JSON"), ("{", "bundle: not valid JSON"),
                         (b"\xff{}", "bundle: not UTF-8 text")):
        with pytest.raises(FormatError, match=message):
            parse_bundle(bad)
    with pytest.raises(FormatError, match="got a JSON list"):
        parse_bundle('["\\ud800"]')  # json.loads decides the lone surrogate, then the shape


# --------------------------------------------------------------------------
# leaf_pieces: the verifier's helper process reads the leaves a piece at a time;
# it must never read other leaves than decode_json_bytes gives the main process

# strings made to trip a cut between two strings: quotes, commas, backslashes, spaces
tricky_text = st.text(alphabet=st.sampled_from('",\\ \n\t{}[]:ae\u00e9\U0001f600'), max_size=12)


def _dump(obj: Any, style: int) -> bytes:
    if style == 0:
        return json.dumps(obj, separators=(",", ":")).encode()
    if style == 1:
        return json.dumps(obj).encode()
    return json.dumps(obj, ensure_ascii=False, indent=2).encode()


def _joined(data: bytes, piece_bytes: int) -> list[str]:
    return [leaf for piece in leaf_pieces(data, piece_bytes) for leaf in piece]


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(tricky_text, max_size=12), json_values, st.integers(0, 2), st.integers(1, 40))
def test_leaf_pieces_read_the_leaves_json_reads_or_refuse(
        leaves: list[str], other: Any, style: int, piece_bytes: int) -> None:
    data = _dump({"format": "x", "other": other, "leaves": leaves, "after": [leaves]}, style)
    try:
        got = _joined(data, piece_bytes)
    except FormatError:
        return  # a string that looks like the end of one string and the start of the next
    assert got == decode_json_bytes(data, "bundle")["leaves"]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), tricky_text), max_size=12),
       st.integers(0, 2), st.integers(1, 40))
def test_leaf_pieces_never_refuse_leaves_that_are_json_objects(
        objects: list[dict[str, str]], style: int, piece_bytes: int) -> None:
    leaves = [json.dumps(o, separators=(",", ":"), ensure_ascii=False) for o in objects]
    data = _dump({"leaves": leaves}, style)
    assert _joined(data, piece_bytes) == leaves


@pytest.mark.parametrize("text, want", [
    (b'{"leaves":["a"],"leaves":["b","c"]}', ["b", "c"]),  # the last one, as json.loads
    (b'{"leaves":["a"],"le\\u0061ves":["b","c"]}', ["b", "c"]),  # an escaped key too
    (b'{"le\\u0061ves":["b","c"],"leaves":["a"]}', ["a"]),
    (b'{"x":{"leaves":["no"]},"leaves":[ "y" ,\n "z" ]}', ["y", "z"]),  # top level only
    (b'{"leaves":[]}', []),
])
def test_leaf_pieces_take_the_leaves_json_loads_takes(text: bytes, want: list[str]) -> None:
    assert _joined(text, 1) == want == json.loads(text)["leaves"]


@pytest.mark.parametrize("text", [
    b'{"leaves":"abc"}', b'{"leaves":["a",1]}', b'{"leaves":[["a","b"]]}', b'{"other":1}',
    b'["leaves"]', b'{"leaves":["\\ud800"]}', b'{"leaves":["a"]', b"\xff",
])
def test_leaf_pieces_refuse_anything_else(text: bytes) -> None:
    with pytest.raises(FormatError, match="bundle leaves"):
        _joined(text, 1)
