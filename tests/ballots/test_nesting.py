"""Deeply nested JSON from outside (receipts, leaves, bundles) is a plain refusal, never a RecursionError.

`"[" * 100_000` made `json.loads` raise RecursionError, which nothing caught on the receipt and
leaf paths (a 500 on the public receipt check). Every decoder of outside JSON now refuses nesting
deeper than MAX_JSON_DEPTH with the package's own error, and accepts anything up to it.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots import cli
from ballots._canonical import MAX_JSON_DEPTH, deeper_than, loads, loads_untrusted
from ballots.bundle import decode_json_bytes, parse_bundle
from ballots.errors import FormatError, LeafError
from ballots.leaves import parse_leaf
from ballots.receipt import parse_receipt, receipt_to_tlog_proof, verify_receipt
from ballots.verify import verify_bundle, verify_bundle_bytes
from ballots_testlog import MotionLog, standard_log

FAR_TOO_DEEP = sys.getrecursionlimit() * 50


def arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def objects(depth: int) -> str:
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def reference_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(reference_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(reference_depth, value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=30)


@given(json_values, st.integers(0, 8))
def test_deeper_than_measures_nesting_like_the_recursive_definition(value: Any, limit: int) -> None:
    assert deeper_than(value, limit) == (reference_depth(value) > limit)


@pytest.mark.parametrize("shape", [arrays, objects])
def test_the_limit_itself_is_accepted_and_one_more_is_not(shape: Callable[[int], str]) -> None:
    assert reference_depth(loads_untrusted(shape(MAX_JSON_DEPTH))) == MAX_JSON_DEPTH
    for too_deep in (MAX_JSON_DEPTH + 1, FAR_TOO_DEEP):
        for decode in (loads, loads_untrusted):
            with pytest.raises(ValueError, match=f"nested more than {MAX_JSON_DEPTH} levels deep"):
                decode(shape(too_deep))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, FAR_TOO_DEEP])
def test_receipt_text_or_bytes_nested_too_deep_is_a_format_error(depth: int) -> None:
    for text in (arrays(depth), '{"format": "lipvote-receipt/1", "proof": ' + arrays(depth) + "}"):
        for data in (text, text.encode()):
            with pytest.raises(FormatError, match="nested more than"):
                parse_receipt(data)
            with pytest.raises(FormatError, match="nested more than"):
                verify_receipt(data, [])


def test_a_receipt_carrying_a_deeply_nested_leaf_is_refused(log: MotionLog) -> None:
    receipt = dict(log.receipts[0], leaf=arrays(FAR_TOO_DEEP))
    with pytest.raises(LeafError, match="nested more than"):
        verify_receipt(receipt, log.first_vkey)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, FAR_TOO_DEEP])
def test_leaf_nested_too_deep_is_a_leaf_error(depth: int) -> None:
    for text in (arrays(depth), objects(depth)):
        with pytest.raises(LeafError, match="nested more than"):
            parse_leaf(text)
        with pytest.raises(LeafError, match="nested more than"):
            parse_leaf(text.encode())


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, FAR_TOO_DEEP])
def test_bundle_nested_too_deep_is_a_format_error(log: MotionLog, depth: int) -> None:
    bundle = json.dumps(dict(log.bundle(), result={"deep": json.loads(arrays(min(depth, 500)))}))
    if depth == FAR_TOO_DEEP:
        bundle = arrays(depth)
    for data in (bundle, bundle.encode()):
        with pytest.raises(FormatError, match="nested more than"):
            decode_json_bytes(data, "bundle")
        with pytest.raises(FormatError, match="nested more than"):
            parse_bundle(data)
    report = verify_bundle(bundle)
    assert not report.ok and "nested more than" in report.check("bundle format").message
    with pytest.raises(FormatError, match="nested more than"):
        verify_bundle_bytes(bundle.encode())


def test_a_bundle_whose_leaf_is_nested_too_deep_fails_a_check(log: MotionLog) -> None:
    bundle = log.bundle()
    bundle["leaves"] = [bundle["leaves"][0], arrays(FAR_TOO_DEEP), *bundle["leaves"][2:]]
    report = verify_bundle(bundle)
    assert not report.ok
    assert any("nested more than" in check.message for check in report.failures())


def test_the_command_line_says_so_in_one_line(tmp_path: Path, log: MotionLog) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(log.bundle()))
    for name, text in (("r.json", arrays(FAR_TOO_DEEP)),
                       ("r.tlog-proof", receipt_to_tlog_proof(dict(log.receipts[0], leaf=arrays(FAR_TOO_DEEP))))):
        receipt = tmp_path / name
        receipt.write_text(text)
        out, err = _Capture(), _Capture()
        code = cli.main([str(bundle), "--receipt", str(receipt), "--no-tally"], stdout=out, stderr=err)
        assert code in (1, 2) and "Traceback" not in out.text + err.text and "internal error" not in err.text, err.text
        assert "nested more than" in out.text + err.text
    deep = tmp_path / "deep.json"
    deep.write_text(arrays(FAR_TOO_DEEP))
    out, err = _Capture(), _Capture()
    assert cli.main([str(deep)], stdout=out, stderr=err) == 2
    assert err.text.count("\n") == 1 and "nested more than" in err.text


class _Capture(io.StringIO):
    @property
    def text(self) -> str:
        return self.getvalue()


@pytest.fixture
def log() -> MotionLog:
    return standard_log()
