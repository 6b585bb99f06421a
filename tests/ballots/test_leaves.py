"""Leaf builders, the strict parser, and canonical JSON (RFC 8785)."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import leaves, seed
from ballots.fast.columns import ballot_columns
from ballots._canonical import canonical_dumps
from ballots.errors import LeafError
from tests.conftest import examples

T0 = datetime(2025, 3, 1, 14, 5, tzinfo=timezone.utc)


def _open(**over: Any) -> str:
    kw: dict[str, Any] = dict(
        motion="m-1", title={"en": "Budget", "fr": "Budget"}, method="plurality",
        options=["yes", "no"], seats=1, rules={"threshold": "majority_cast"},
        secrecy="recorded", revote=True, weights={"weights": {"lip-a": 3}},
        opened_at=T0,
    )
    kw.update(over)
    return leaves.open_leaf(**kw)


def _ballot(**over: Any) -> str:
    kw: dict[str, Any] = dict(motion="m-1", weight=3, selection=["yes"], cast_at=T0,
                              member="lip-a", nonce="AAAAAAAAAAAAAAAAAAAAAA")
    kw.update(over)
    return leaves.ballot_leaf(**kw)


# --------------------------------------------------------------------------
# RFC 8785 canonical form


def test_rfc8785_key_order_example() -> None:
    # RFC 8785 section 3.2.3 sorts keys by UTF-16 code units; its example keys
    # "\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6" sort as
    # "\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33".  U+FB33 is not
    # NFC (a composition exclusion), so lipvote refuses it; U+FF21 stands in for
    # it: also above the surrogate range, so the emoji still sorts before it.
    obj = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\uff21": "Fullwidth A",
           "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control",
           "\u00f6": "Latin Small Letter O With Diaeresis"}
    text = canonical_dumps(obj)
    order = list(json.loads(text))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\uff21"]
    assert sorted(obj) != order  # plain code-point order differs: the fallback matters
    with pytest.raises(LeafError, match="not in Unicode NFC"):
        canonical_dumps({"\ufb33": 1})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text().map(lambda s: unicodedata.normalize("NFC", s)).filter(
        lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=4).map(lambda s: unicodedata.normalize("NFC", s)).filter(
            lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=examples(300), deadline=None)
@given(json_values)
def test_fast_canonical_equals_rfc8785_package(value: Any) -> None:
    assert canonical_dumps(value) == rfc8785.dumps(value).decode("utf-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"w": 1.5}, "w: got number 1.5, want an integer"),
        ({"w": 2**53}, "w: integer 9007199254740992 outside"),
        ({"s": "e\u0301"}, "s: string is not in Unicode NFC form"),
        ({"s": "\ud800"}, "s: contains a lone surrogate"),
        ({1: "x"}, "object key 1 is not a string"),
        ({"x": {1, 2}}, "x: got set, want a JSON value"),
    ],
)
def test_canonical_rejects_outside_domain(value: Any, message: str) -> None:
    with pytest.raises(LeafError, match=message):
        canonical_dumps(value)


def test_builder_normalises_to_nfc() -> None:
    text = _open(title={"en": "Cafe\u0301", "fr": "Caf\u00e9"})
    leaf = leaves.parse_leaf(text)
    assert isinstance(leaf, leaves.OpenLeaf)
    assert leaf.title == {"en": "Caf\u00e9", "fr": "Caf\u00e9"}


# --------------------------------------------------------------------------
# Builders and parser round trips


def test_open_leaf_round_trip() -> None:
    text = _open(closes_at=T0 + timedelta(hours=1), description={"en": "Why"}, meta={"k": 1})
    assert text == rfc8785.dumps(json.loads(text)).decode()
    leaf = leaves.parse_leaf(text)
    assert leaf == leaves.OpenLeaf(
        motion="m-1", title={"en": "Budget", "fr": "Budget"}, method="plurality",
        options=("yes", "no"), seats=1, rules={"threshold": "majority_cast"},
        secrecy="recorded", revote=True, weights={"weights": {"lip-a": 3}},
        opened_at="2025-03-01T14:05:00Z", closes_at="2025-03-01T15:05:00Z",
        description={"en": "Why"}, meta={"k": 1})
    assert json.loads(text)["format"] == "lipvote-leaf/1"


def test_ballot_leaf_round_trip_recorded_and_secret() -> None:
    rec = leaves.parse_leaf(_ballot(region="west", proxy="lip-b", supersedes=3))
    assert rec == leaves.BallotLeaf(motion="m-1", weight=3, selection=["yes"],
                                    nonce="AAAAAAAAAAAAAAAAAAAAAA",
                                    cast_at="2025-03-01T14:05:00Z", supersedes=3,
                                    member="lip-a", region="west", proxy="lip-b")
    sec_text = _ballot(member=None)
    assert "member" not in json.loads(sec_text)
    assert json.loads(sec_text)["supersedes"] is None  # always present, null when none
    sec = leaves.parse_leaf(sec_text)
    assert isinstance(sec, leaves.BallotLeaf) and sec.member is None


def test_ballot_leaf_exact_text() -> None:
    # The byte-exact form documented in docs/bulletin-board.md.
    assert _ballot() == (
        '{"cast_at":"2025-03-01T14:05:00Z","member":"lip-a","motion":"m-1",'
        '"nonce":"AAAAAAAAAAAAAAAAAAAAAA","selection":["yes"],"supersedes":null,'
        '"type":"ballot","weight":3}')


def test_fresh_nonces_are_128_bit_and_distinct() -> None:
    a, b = leaves.new_nonce(), leaves.new_nonce()
    assert a != b and len(a) == 22
    assert json.loads(_ballot(nonce=None))["nonce"] != json.loads(_ballot(nonce=None))["nonce"]


def test_close_leaf_and_time_format() -> None:
    text = leaves.close_leaf(motion="m-1", closed_at=T0.replace(microsecond=250), ballots=7)
    assert text == ('{"ballots":7,"closed_at":"2025-03-01T14:05:00.000250Z","motion":"m-1",'
                    '"type":"close"}')
    assert leaves.parse_leaf(text) == leaves.CloseLeaf("m-1", "2025-03-01T14:05:00.000250Z", 7)
    tz = timezone(timedelta(hours=-5))
    assert leaves.format_time(datetime(2025, 3, 1, 9, 5, tzinfo=tz)) == "2025-03-01T14:05:00Z"
    with pytest.raises(LeafError, match="timezone-aware"):
        leaves.format_time(datetime(2025, 3, 1))
    # four-digit years always (glibc's strftime writes year 999 as "999")
    early = datetime(999, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert leaves.format_time(early) == "0999-01-02T03:04:05Z"
    assert leaves.format_time(leaves.format_time(early)) == "0999-01-02T03:04:05Z"


def test_a_committed_open_leaf_is_lipvote_leaf_2_and_its_close_reveals_the_secret() -> None:
    secret = bytes(range(32))
    opened = leaves.parse_leaf(_open(seed_commitment=seed.commitment(secret)))
    assert isinstance(opened, leaves.OpenLeaf) and opened.format == "lipvote-leaf/2"
    assert opened.seed_commitment == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    assert leaves.parse_leaf(_open()).format == "lipvote-leaf/1"
    text = leaves.close_leaf(motion="m-1", closed_at=T0, ballots=7, seed_secret=secret.hex())
    assert text == ('{"ballots":7,"closed_at":"2025-03-01T14:05:00Z","motion":"m-1","seed_secret":'
                    '"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","type":"close"}')
    assert leaves.parse_leaf(text) == leaves.CloseLeaf("m-1", "2025-03-01T14:05:00Z", 7, secret.hex())


def test_audit_leaf_round_trip() -> None:
    text = leaves.audit_leaf(log="audit", at=T0, actor="admin-1", action="member.update",
                             target="lip-a", details={"weight": [2, 3]})
    leaf = leaves.parse_leaf(text)
    assert isinstance(leaf, leaves.AuditLeaf) and leaf.details == {"weight": [2, 3]}


# --------------------------------------------------------------------------
# Parser rejections, each with a message naming the problem


def _edit(text: str, **changes: Any) -> str:
    d = json.loads(text)
    for k, v in changes.items():
        if v is ...:
            d.pop(k)
        else:
            d[k] = v
    return rfc8785.dumps(d).decode()


BALLOT = _ballot()
CLOSE = leaves.close_leaf(motion="m-1", closed_at=T0, ballots=7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BALLOT.replace(",", ", ", 1), "not canonical JSON .* character 34"),
        (BALLOT.replace('"weight":3', '"weight":3.0'), "weight: got number 3.0, want an integer"),
        ('{"type":"ballot",', "not valid JSON"),
        ("[1]", "got a JSON list, want an object"),
        (_edit(BALLOT, type="vote"), "type: got 'vote', want one of"),
        (_edit(BALLOT, weight=0), "weight: got 0, want an integer >= 1"),
        (_edit(BALLOT, weight=True), "weight: got True, want an integer"),
        (_edit(BALLOT, nonce="short"), "nonce: got 'short', want base64url"),
        (_edit(BALLOT, nonce="A" * 21 + "="), "nonce"),
        (_edit(BALLOT, supersedes=0), "supersedes: got 0"),
        (_edit(BALLOT, supersedes=...), r"missing field\(s\) \['supersedes'\]"),
        (_edit(BALLOT, colour="red"), r"unknown field\(s\) \['colour'\]"),
        (_edit(BALLOT, member=None), "member: got None"),
        (_edit(BALLOT, member=""), "member: got ''"),
        (_edit(BALLOT, cast_at="2025-03-01 14:05:00Z"), "cast_at: got .* RFC 3339 UTC"),
        (_edit(BALLOT, cast_at="2025-02-30T14:05:00Z"), "cast_at: .* real calendar date"),
        (_edit(BALLOT, cast_at="2025-03-01T14:05:00+01:00"), "cast_at"),
        (BALLOT.replace('"yes"', '"ye\\u0301s"'), r"selection\[0\]: string is not in Unicode NFC"),
        (_edit(_open(), format="lipvote-leaf/3"), "format: got 'lipvote-leaf/3'"),
        (_edit(_open(), format="lipvote-leaf/2"), "seed_commitment: got None, want present exactly"),
        (_edit(_open(), seed_commitment="ab" * 32), "seed_commitment: .* present exactly when"),
        (_edit(_open(), format="lipvote-leaf/2", seed_commitment="AB" * 32), "seed_commitment: .* 64 lowercase"),
        (_edit(_open(), format="lipvote-leaf/2", seed_commitment="ab" * 31), "seed_commitment: .* 64 lowercase"),
        (_edit(CLOSE, seed_secret="ab" * 33), "seed_secret: .* 64 lowercase"),
        (_edit(CLOSE, seed_secret=None), "seed_secret: got None"),
        (_edit(_open(), secrecy="public"), "secrecy: got 'public'"),
        (_edit(_open(), options=["yes", "yes"]), "options: .* distinct"),
        (_edit(_open(), options=[]), "options: got"),
        (_edit(_open(), seats=0), "seats: got 0"),
        (_edit(_open(), revote=1), "revote: got 1, want true or false"),
        (_edit(_open(), title={"de": "x"}), "title: got"),
        (_edit(_open(), weights=[]), "weights: got"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(LeafError, match=message):
        leaves.parse_leaf(text)


def test_parse_rejects_non_nfc_even_when_canonical_otherwise() -> None:
    raw = '{"ballots":1,"closed_at":"2025-03-01T14:05:00Z","motion":"m\u0301","type":"close"}'
    with pytest.raises(LeafError, match="motion: string is not in Unicode NFC form"):
        leaves.parse_leaf(raw)


def test_parse_rejects_bad_bytes_and_huge_leaves() -> None:
    with pytest.raises(LeafError, match="not valid UTF-8"):
        leaves.parse_leaf(b'{"a":"\xff"}')
    with pytest.raises(LeafError, match="leaf size"):
        leaves.parse_leaf("x" * (leaves.MAX_LEAF_BYTES + 1))
    with pytest.raises(LeafError, match="not valid JSON"):
        leaves.parse_leaf('{"a":NaN}')


def test_builders_refuse_floats_and_bad_fields() -> None:
    with pytest.raises(LeafError, match="weight"):
        _ballot(weight=2.0)
    with pytest.raises(LeafError, match=r"selection\[0\]: got number 0.5"):
        _ballot(selection=[0.5])
    with pytest.raises(LeafError, match="secrecy"):
        _open(secrecy="open")


# --------------------------------------------------------------------------
# The verifier's fast path (its bulk check, one leaf at a time) agrees with the strict parser


def bulk_ballot(text: str) -> tuple[Any, ...] | None:
    """The bulk check of one leaf of motion m-1: (member, weight, supersedes, region, proxy,
    selection, motion, cast_at), or None when it hands the leaf to the parser."""
    cols = ballot_columns([text], "m-1")
    if cols is None:
        return None
    member, weight, sup, region, proxy, sel, (first, _) = cols
    return member[0], weight[0], sup[0], region[0], proxy[0], sel[0], "m-1", first


ids = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1,
              max_size=12)


@settings(max_examples=examples(200), deadline=None)
@given(
    member=st.none() | ids, weight=st.integers(1, 2**53 - 1),
    supersedes=st.none() | st.integers(1, 2**53 - 1), region=st.none() | ids,
    proxy=st.none() | ids,
    selection=st.none() | ids | st.lists(ids, max_size=4),
    nonce_bytes=st.integers(16, 64),
    cast_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                         timezones=st.just(timezone.utc)),
)
def test_bulk_ballot_matches_parse_leaf(member: str | None, weight: int, supersedes: int | None,
                                        region: str | None, proxy: str | None, selection: Any,
                                        nonce_bytes: int, cast_at: datetime) -> None:
    import base64 as b64
    import os
    nonce = b64.urlsafe_b64encode(os.urandom(nonce_bytes)).rstrip(b"=").decode()
    text = leaves.ballot_leaf(motion="m-1", weight=weight, selection=selection, cast_at=cast_at,
                              member=member, region=region, supersedes=supersedes, proxy=proxy,
                              nonce=nonce)
    slow = leaves.parse_leaf(text)
    assert isinstance(slow, leaves.BallotLeaf)
    fast = bulk_ballot(text)
    if fast is not None:  # plain leaves take the fast path; the rest fall back
        assert fast == (slow.member, slow.weight, slow.supersedes, slow.region, slow.proxy,
                        slow.selection, slow.motion, slow.cast_at)
    strings = [x for x in (member, region, proxy) if x is not None]
    strings += selection if isinstance(selection, list) else [selection or ""]
    if not any('"' in x or "\\" in x for x in strings):
        assert fast is not None


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 160), st.sampled_from(list(' "\\,:{}[]0aZ.-\u00e9\x01')), st.booleans())
def test_bulk_ballot_never_accepts_what_the_parser_refuses(pos: int, char: str, insert: bool) -> None:
    text = BALLOT[:pos] + char + BALLOT[pos + (0 if insert else 1):]
    fast = bulk_ballot(text)
    try:
        slow = leaves.parse_leaf(text)
    except LeafError:
        assert fast is None
    else:
        if fast is not None:
            assert isinstance(slow, leaves.BallotLeaf)
            assert fast[:3] == (slow.member, slow.weight, slow.supersedes)


# --------------------------------------------------------------------------
# Times are ASCII digits only: Python's \d and int() also read other scripts' digits

_ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x660 + k) for k in range(10)))


@pytest.mark.parametrize("span", [(0, 4), (5, 7), (8, 10), (11, 13), (17, 19), (0, 19)])
@pytest.mark.parametrize("field", ["cast_at", "closed_at", "opened_at"])
def test_parse_rejects_non_ascii_digits_in_times(field: str, span: tuple[int, int]) -> None:
    text = {"cast_at": BALLOT, "closed_at": leaves.close_leaf(motion="m-1", closed_at=T0,
                                                               ballots=1),
            "opened_at": _open()}[field]
    good = json.loads(text)[field]
    a, b = span
    bad = good[:a] + good[a:b].translate(_ARABIC_INDIC) + good[b:]
    assert bad != good and not bad.isascii()
    edited = _edit(text, **{field: bad})
    with pytest.raises(LeafError, match=f"{field}: got .* RFC 3339 UTC"):
        leaves.parse_leaf(edited)
    assert bulk_ballot(edited) is None
    with pytest.raises(LeafError, match="RFC 3339 UTC"):
        leaves.format_time(bad)


def test_bulk_ballot_refuses_leaves_over_the_size_limit() -> None:
    # a plain ballot whose selection list makes it larger than 1 MiB
    text = _edit(BALLOT, selection=[f"o{k}" for k in range(150_000)])
    assert len(text) > leaves.MAX_LEAF_BYTES
    with pytest.raises(LeafError, match="leaf size"):
        leaves.parse_leaf(text)
    assert bulk_ballot(text) is None


def test_counted_ballots_drops_each_ballot_a_later_one_replaces() -> None:
    from ballots.ballot_rules import counted_ballots
    from ballots.leaves import BallotLeaf

    def ballot(supersedes: int | None, choice: str) -> BallotLeaf:
        return BallotLeaf(motion="m", weight=1, selection=choice, nonce="n" * 22, cast_at="2026-01-01T00:00:00Z",
                          supersedes=supersedes)

    first, other, change, change_again = ballot(None, "yes"), ballot(None, "no"), ballot(1, "no"), ballot(3, "yes")
    counted = counted_ballots([(1, first), (2, other), (3, change), (4, change_again)])
    assert counted == [(2, other), (4, change_again)]
    assert counted_ballots([]) == []
