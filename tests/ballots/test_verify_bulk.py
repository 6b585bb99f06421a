"""The verifier's bulk paths agree with the leaf-by-leaf and ballot-by-ballot ones.

The bulk paths only make a large bundle faster: whenever they accept something,
the step-by-step code (which gives every message) must reach exactly the same
state; when anything is unusual they must hand over.  These are invariants, so
the tests are hypothesis properties plus a check that the bulk paths are
actually taken on ordinary logs.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import leaves, verify
from ballots._canonical import canonical_dumps
from ballots.ballot_rules import ballot_rules
from ballots.bundle import build_bundle, parse_bundle
from ballots.errors import FormatError, LeafError
from ballots.fast import FastPath
from ballots.fast import tree_job as _tree_job
from ballots.fast import columns as bulk
from ballots.fast.reading import read_in_bulk
from ballots.fast.rules import plain_ballots
from ballots.leaflog import Ballots, read_leaves, time_key

from ballots_testlog import REGIONS, WEIGHTS, weight_snapshot
from tests.conftest import examples

T0 = datetime(2025, 3, 1, 14, 0, tzinfo=timezone.utc)
MEMBERS = sorted(WEIGHTS)


def _open(*, secrecy: str = "recorded", revote: bool = True, regions: bool = False,
          at: datetime = T0) -> str:
    rules: dict[str, Any] = {"double_majority": {"regions": ["east", "west"]}} if regions else {}
    return leaves.open_leaf(motion="m-1", title={"en": "T"}, method="plurality",
                            options=["yes", "no"], seats=1, rules=rules, secrecy=secrecy,
                            revote=revote, weights=weight_snapshot(), opened_at=at)


# --------------------------------------------------------------------------
# ballot_columns (the bulk check): accepts only what parse_leaf accepts, with the same values

plain_ids = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                           blacklist_characters='"\\'), min_size=1, max_size=8)
any_ids = st.text(min_size=1, max_size=8).filter(str.isprintable)


@st.composite
def ballot_texts(draw: st.DrawFn, ids: st.SearchStrategy[str] = plain_ids,
                 big: int = 10**15 - 1) -> str:
    sel = draw(st.none() | ids | st.lists(ids, max_size=3))
    return leaves.ballot_leaf(
        motion=draw(ids), weight=draw(st.integers(1, big)), selection=sel,
        cast_at=T0 + timedelta(seconds=draw(st.integers(0, 10**8)),
                               microseconds=draw(st.sampled_from([0, 5, 123456]))),
        member=draw(st.none() | ids), region=draw(st.none() | ids),
        proxy=draw(st.none() | ids), supersedes=draw(st.none() | st.integers(1, big)),
        nonce=leaves.new_nonce() + draw(st.sampled_from(["", "ab", "abcd"])))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(ballot_texts())
    pos = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(list(' "\\,:{}[]0aZ.-\u00e9\x00\n')))
    return text[:pos] + char + text[pos + draw(st.integers(0, 1)):]


def _edited(text: str, **changes: Any) -> str:
    """A leaf with members changed (None removes one), still in canonical form."""
    d = json.loads(text)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return canonical_dumps(d)


json_scalars = (st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.text(max_size=5)
                | st.sampled_from([0, 1, 2**53 - 1, 2**53, "", "yes", "\u00e9", "a\nb"]))
odd_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=3), inner, max_size=2),
                          max_leaves=5)
odd_times = st.sampled_from([
    "2025-03-01T14:05:00Z", "2025-03-01T14:05:00.250000Z", "2025-03-01T14:05:00.25Z",
    "2025-03-01T14:05:00.123456789Z", "2025-03-01t14:05:00z", "2025-03-01T14:05:00+00:00",
    "2025-03-01T14:05:00", "2025-03-01T14:05:60Z", "2025-02-29T14:05:00Z", "0001-01-01T00:00:00Z",
    "2025-03-01T24:00:00Z", "2025-03-01 14:05:00Z", "20250301T140500Z",
    "\u0662\u0660\u0662\u0665-03-01T14:05:00Z", "2025-03-01T14:05:00.000000Z"])
odd_nonces = st.sampled_from(["A" * 21, "A" * 22, "A" * 25, "A" * 86, "A" * 87, "A" * 21 + "=",
                              "A" * 21 + "+", "A" * 21 + "/", "A" * 21 + "\u00c9", ""])


@st.composite
def odd_ballots(draw: st.DrawFn) -> str:
    """A canonical ballot leaf with one or two members changed to something unusual."""
    text = draw(ballot_texts())
    fields = ["cast_at", "member", "motion", "nonce", "proxy", "region", "selection",
              "supersedes", "type", "weight", "extra"]
    changes: dict[str, Any] = {}
    for f in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2)):
        changes[f] = draw(odd_times if f == "cast_at" else odd_nonces if f == "nonce"
                          else st.just(None) | odd_values)
    try:
        return _edited(text, **changes)
    except LeafError:
        return text


@st.composite
def reshaped(draw: st.DrawFn) -> list[str]:
    """Valid leaves joined by commas, then cut at other commas: the joined text is the same."""
    texts = draw(st.lists(ballot_texts(), min_size=1, max_size=3))
    joined = ",".join(texts)
    cuts = sorted(draw(st.sets(st.sampled_from([i for i, c in enumerate(joined) if c == ","]
                                               or [0]))))
    out, at = [], 0
    for c in cuts:
        if joined[c] == ",":
            out.append(joined[at:c])
            at = c + 1
    return out + [joined[at:]]


def _check_columns_against_parser(texts: list[str], motion: str) -> bool:
    """ballot_columns accepts => parse_leaf accepts every text, with the same values."""
    cols = bulk.ballot_columns(texts, motion)
    # a scratch buffer still holding an earlier chunk (longer or shorter) changes nothing
    for old in (bytearray(b'[{"x":1}]' * 1000), bytearray(b"["), bytearray()):
        assert bulk.ballot_columns(texts, motion, old) == cols
    if cols is None:
        return False
    parsed = [leaves.parse_leaf(t) for t in texts]  # raises if the bulk path was wrong
    assert all(isinstance(p, leaves.BallotLeaf) and p.motion == motion for p in parsed)
    *columns, (first, last) = cols
    assert [tuple(r) for r in zip(*columns)] == [
        (p.member, p.weight, p.supersedes, p.region, p.proxy, p.selection)
        for p in parsed if isinstance(p, leaves.BallotLeaf)]
    times = [p.cast_at for p in parsed if isinstance(p, leaves.BallotLeaf)]
    assert list(map(time_key, times)) == sorted(map(time_key, times))  # only in time order
    assert first == min(times, key=time_key) == times[0]
    assert last == max(times, key=time_key) == times[-1]
    return True


@settings(max_examples=examples(600), deadline=None)
@given(st.lists(ballot_texts(any_ids, 2**53 - 1) | mutated() | odd_ballots() | ballot_texts(),
                min_size=1, max_size=6) | reshaped())
def test_columns_accept_only_what_the_parser_accepts(texts: list[str]) -> None:
    motions = {m.group(1) for m in map(re.compile(r'"motion":"([^"]*)"').search, texts) if m}
    for motion in motions | {"m-1"}:
        _check_columns_against_parser(texts, motion)


plain_selection_ids = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                                     blacklist_characters='"\\'), max_size=8)


def _rfc3339(d: datetime) -> str:
    """lipvote's time text, years below 1000 included (strftime's %Y does not pad them)."""
    return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:"
            f"{d.second:02d}" + (f".{d.microsecond:06d}" if d.microsecond else "") + "Z")


@st.composite
def plain_ballot_texts(draw: st.DrawFn) -> str:
    """Canonical ballot leaves of motion m-1 written in printable ASCII without escapes."""
    sel = draw(st.none() | plain_selection_ids | st.lists(plain_selection_ids, max_size=3))
    return leaves.ballot_leaf(
        motion="m-1", weight=draw(st.integers(1, 2**53 - 1)), selection=sel,
        cast_at=_rfc3339(draw(st.datetimes(min_value=datetime(1, 1, 1),
                                           max_value=datetime(9999, 12, 31)))),
        member=draw(st.none() | plain_ids), region=draw(st.none() | plain_ids),
        proxy=draw(st.none() | plain_ids),
        supersedes=draw(st.none() | st.integers(1, 2**53 - 1)),
        nonce=draw(st.from_regex(r"\A[A-Za-z0-9_-]{22,86}\Z").filter(lambda x: len(x) % 4 != 1)))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(plain_ballot_texts(), min_size=1, max_size=6))
def test_columns_takeplain_ballots(texts: list[str]) -> None:
    times = [time_key(leaves.parse_leaf(t).cast_at) for t in texts]
    in_order = [t for _, t in sorted(zip(times, texts))]
    assert _check_columns_against_parser(in_order, "m-1")
    assert bulk.ballot_columns(in_order, "m-2") is None
    if sorted(times) != times:  # a ballot stamped before the one above it: one by one
        assert bulk.ballot_columns(texts, "m-1") is None


def test_columns_leave_unusual_leaves_to_the_parser() -> None:
    base = leaves.ballot_leaf(motion="m-1", weight=3, selection="yes", member="lip-a",
                              cast_at=T0, nonce="AAAAAAAAAAAAAAAAAAAAAA")
    # valid, but with escapes, other scripts or other time fractions: left to the
    # leaf-by-leaf path
    for text in (base.replace("14:00:00Z", "14:00:00.0Z"), _edited(base, member="lip-\u00e9"),
                 _edited(base, selection="a\nb"), _edited(base, selection='say "yes"'),
                 _edited(base, selection=5), _edited(base, selection={"a": 1})):
        assert isinstance(leaves.parse_leaf(text), leaves.BallotLeaf)
        assert bulk.ballot_columns([base, text], "m-1") is None
    # invalid or not canonical: refused by both
    two = [base, _edited(base, member="lip-b")]
    joined = ",".join(two)
    cut = joined.index(",", joined.index('"member"'))  # same joined text, other boundaries
    for texts in ([base.replace(":", ": ", 1)],
                  [base.replace('"member":"lip-a",', '"member":null,')],
                  [_edited(base, member="lip-\x7f")], [joined[:cut], joined[cut + 1:]],
                  [base.replace("}", ',"cast_at":"2025-03-01T14:05:00Z"}')],
                  [_edited(base, selection=[f"o{k}" for k in range(150_000)])]):  # > 1 MiB
        assert texts != [base]
        assert bulk.ballot_columns(texts, "m-1") is None
        with pytest.raises(LeafError):
            for t in texts:
                leaves.parse_leaf(t)


# --------------------------------------------------------------------------
# read_in_bulk: bulk chunks == leaf by leaf (read_leaves, the reference)


@st.composite
def motion_logs(draw: st.DrawFn) -> list[str]:
    opened = T0 + timedelta(milliseconds=700)  # ballots in the same second may be early
    out = [_open(at=opened)]
    k = 0
    for _ in range(draw(st.integers(0, 14))):
        k += 1
        kind = draw(st.sampled_from(["plain"] * 6 + ["other motion", "late", "non-ascii",
                                                     "bad", "list", "close", "dup-open",
                                                     "same second"]))
        at = T0 + timedelta(seconds=k)
        if kind == "same second":
            at = T0 + timedelta(milliseconds=draw(st.sampled_from([0, 500, 700, 900])))
        member = draw(st.sampled_from(MEMBERS))
        if kind == "close":
            out.append(leaves.close_leaf(motion="m-1", closed_at=at, ballots=0))
        elif kind == "dup-open":
            out.append(_open())
        elif kind == "bad":
            out.append('{"type":"ballot"}')
        else:
            out.append(leaves.ballot_leaf(
                motion="m-2" if kind == "other motion" else "m-1", weight=WEIGHTS[member],
                selection=["yes", "no"] if kind == "list" else draw(st.sampled_from(["yes", "no"])),
                cast_at=T0 - timedelta(days=1) if kind == "late" else at,
                member=member + "\u00e9" if kind == "non-ascii" else member,
                supersedes=draw(st.none() | st.integers(1, len(out)))))
    if draw(st.booleans()):
        out.append(leaves.close_leaf(motion="m-1", closed_at=T0 + timedelta(days=1),
                                     ballots=len(out) - 1))
    return out


@settings(max_examples=examples(200), deadline=None)
@given(motion_logs(), st.integers(1, 5), st.booleans())
def test_bulk_reading_equals_leaf_by_leaf(texts: list[str], chunk: int, audit: bool) -> None:
    b = parse_bundle(build_bundle(origin="o", verifier_key="k", leaves=texts, checkpoint="c",
                                  result={}))
    if audit:
        b = parse_bundle({"format": "lipvote-audit/1", "origin": "o", "verifier_key": "k",
                          "leaves": texts, "checkpoint": "c"})
    bulk = read_in_bulk(b, None, chunk)
    slow = read_leaves(b)
    assert bulk == slow


def test_bulk_reading_is_taken() -> None:
    texts = [_open()] + [leaves.ballot_leaf(motion="m-1", weight=WEIGHTS[m], selection="yes",
                                            cast_at=T0 + timedelta(seconds=i + 1), member=m)
                         for i, m in enumerate(MEMBERS)]
    texts.append(leaves.close_leaf(motion="m-1", closed_at=T0 + timedelta(days=1),
                                   ballots=len(MEMBERS)))
    b = parse_bundle(build_bundle(origin="o", verifier_key="k", leaves=texts, checkpoint="c",
                                  result={}))
    seen = []
    log = read_in_bulk(b, lambda done, total: seen.append(done), 2)
    assert log == read_leaves(b)
    assert log.ballots.member == MEMBERS and not log.bad and not log.structure
    assert seen[0] == 0 and seen[-1] == len(texts) and len(seen) > 2


# --------------------------------------------------------------------------
# plain_ballots == ballot_rules when it answers


@st.composite
def ballot_columns(draw: st.DrawFn) -> tuple[Any, Ballots, bool]:
    secret = draw(st.booleans())
    regions = draw(st.booleans())
    o = leaves.parse_leaf(_open(secrecy="secret" if secret else "recorded",
                                revote=draw(st.booleans()), regions=regions))
    bs = Ballots()
    last: dict[str | None, int] = {}
    earlier: list[int] = [0]
    i = 0
    for _ in range(draw(st.integers(0, 12))):
        i += draw(st.integers(1, 2))
        m = draw(st.sampled_from(MEMBERS))
        chained = last.get(m) if draw(st.integers(0, 4)) else draw(st.none() | st.sampled_from(
            earlier) | st.integers(0, i))
        member = None if secret and draw(st.integers(0, 5)) else m
        region = REGIONS[m] if regions and draw(st.integers(0, 5)) else \
            draw(st.none() | st.sampled_from(["east", "west"]))
        bs.append(i, member, WEIGHTS[m] if draw(st.integers(0, 5)) else 1, chained, region,
                  None if draw(st.integers(0, 8)) else draw(st.sampled_from(MEMBERS)), "yes")
        last[m] = i
        earlier.append(i)
    return o, bs, draw(st.booleans())


@settings(max_examples=examples(500), deadline=None)
@given(ballot_columns())
def testplain_ballots_agree_with_the_rules(case: tuple[Any, Ballots, bool]) -> None:
    o, bs, with_regions = case
    weights = dict(WEIGHTS)
    regions = dict(REGIONS) if with_regions else None
    keep = plain_ballots(o, bs, weights, regions)
    if keep is not None:
        assert ballot_rules(o, bs, weights, regions) == (keep, [])
    elif o.secrecy == "recorded" and bs.proxy.count(None) == len(bs) and regions is not None:
        # the bulk path declines only logs that break a rule (or unusual ones, excluded here)
        assert ballot_rules(o, bs, weights, regions)[1] != [] or len(bs) == 0


def testplain_ballots_take_an_ordinary_revote_log() -> None:
    o = leaves.parse_leaf(_open())
    bs = Ballots()
    last: dict[str, int] = {}
    for i in range(1, 40):
        m = MEMBERS[i * 7 % len(MEMBERS)]
        bs.append(i, m, WEIGHTS[m], last.get(m), None, None, "yes")
        last[m] = i
    keep = plain_ballots(o, bs, WEIGHTS, REGIONS)
    assert keep is not None
    assert [bs.index[p] for p in keep] == sorted(last.values())
    assert ballot_rules(o, bs, WEIGHTS, REGIONS) == (keep, [])


def testplain_ballots_refuse_a_ballot_replaced_twice() -> None:
    # counts, order and owners all look right; only the repeated target is wrong
    o = leaves.parse_leaf(_open())
    bs = Ballots()
    for i, sup in ((1, None), (2, 1), (3, 1)):
        bs.append(i, "lip-a", WEIGHTS["lip-a"], sup, None, None, "yes")
    assert plain_ballots(o, bs, WEIGHTS, REGIONS) is None
    assert ballot_rules(o, bs, WEIGHTS, REGIONS)[1] == [
        "leaf 3: replaces leaf 1, which was already replaced",
        "member 'lip-a' has two counted ballots (leaves 2 and 3)"]


# --------------------------------------------------------------------------
# verifying with the tree child == verifying without it (the child itself:
# test_tree_job.py)


FORKED = FastPath(fork=True, fork_min_leaves=1, fork_min_bytes=1, block=2, chunk=3)


def test_verify_with_and_without_the_child_agree() -> None:
    from ballots_testlog import standard_log
    log = standard_log()
    alone = verify.verify_bundle(log.bundle(), receipts=log.receipts, fast=False)
    # several blocks even in a short log
    forked = verify.verify_bundle(log.bundle(), receipts=log.receipts, fast=FORKED)
    assert forked.as_dict() == alone.as_dict() and forked.ok


def test_verify_from_bytes_with_and_without_the_child_agree(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ballots_testlog import standard_log
    log = standard_log()
    data = json.dumps(log.bundle()).encode()
    alone = verify.verify_bundle(log.bundle(), receipts=log.receipts, fast=False)
    started: list[tuple[int, int | None, _tree_job.TreeJob]] = []
    real = _tree_job.TreeJob.__init__

    def spy(self: _tree_job.TreeJob, leaves_of: Any, max_leaves: int, **kw: Any) -> None:
        real(self, leaves_of, max_leaves, **kw)
        started.append((max_leaves, self.pid, self))

    monkeypatch.setattr(_tree_job.TreeJob, "__init__", spy)  # observes, changes nothing
    forked = verify.verify_bundle_bytes(data, receipts=log.receipts, fast=FORKED)
    # one child, forked before decoding (sized by the bytes), that read every leaf itself
    assert len(started) == 1 and started[0][0] == len(data) // 3 + 1 and started[0][1]
    assert started[0][2].child_read == len(log.leaves)
    assert forked.as_dict() == alone.as_dict() and forked.ok
    # the file as the app writes it (indented, UTF-8): the same report, the child as able
    pretty = json.dumps(log.bundle(), ensure_ascii=False, indent=2).encode()
    assert verify.verify_bundle_bytes(pretty, receipts=log.receipts, fast=FORKED).as_dict() \
        == alone.as_dict()
    assert started[1][2].child_read == len(log.leaves)
    # without receipts only the root is taken from the blocks: the same report again
    assert verify.verify_bundle_bytes(data, fast=FORKED).as_dict() == \
        verify.verify_bundle(log.bundle(), fast=False).as_dict()
    assert started[2][2].child_read == len(log.leaves)
    # a tampered leaf: the child's tree is of the tampered bytes, as the parent's would be
    leaves = list(log.leaves)
    leaves[3] = leaves[3].replace('"weight":', '"weight":1')
    bad = json.dumps(log.bundle(leaves=leaves)).encode()
    assert not verify.verify_bundle_bytes(bad, fast=FORKED).check("merkle root").ok
    with pytest.raises(FormatError, match="bundle x: not valid JSON"):
        verify.verify_bundle_bytes(b"{", what="bundle x", fast=FORKED)
