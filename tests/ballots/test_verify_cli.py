"""The ``lipvote verify`` command line (``ballots.cli.main``)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ballots import cli
from ballots.note import parse_vkey
from ballots.receipt import receipt_to_tlog_proof
from ballots_testlog import MotionLog, standard_log


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _write(path: Path, obj: Any) -> str:
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return str(path)


@pytest.fixture
def log() -> MotionLog:
    return standard_log()


def test_ok_lines_receipts_and_tlog_proofs(tmp_path: Path, log: MotionLog) -> None:
    bundle = _write(tmp_path / "b.json", log.bundle())
    r1 = _write(tmp_path / "r1.json", log.receipts[0])
    r2 = _write(tmp_path / "r2.tlog-proof", receipt_to_tlog_proof(log.receipts[1]))
    cp = _write(tmp_path / "cp.txt", log.checkpoints[2])
    code, out, err = _run([bundle, "--receipt", r1, "--receipt", r2, "--checkpoint", cp,
                           "--key", log.first_vkey])
    assert "OK: receipts: 2 receipts" in out
    assert "OK: checkpoints: 3 checkpoints agree" in out
    assert "OK: verifier key: " in out and "OK: trust anchor: " in out and "pinned by --key" in out
    assert "OK: tally: re-tally reproduces the published result" in out
    fingerprint = parse_vkey(log.first_vkey).fingerprint
    assert "FAIL" not in out
    assert out.rstrip().endswith(f"verified: every check passed, signing key fingerprint {fingerprint}")
    assert code == 0
    assert err == ""  # no progress bar: stderr is not a terminal


def test_failure_exits_1_with_fail_line(tmp_path: Path, log: MotionLog) -> None:
    result = log.result()
    result["winners"] = ["no"]
    code, out, _ = _run([_write(tmp_path / "b.json", log.bundle(result=result))])
    assert code == 1
    assert "FAIL: tally: the published result differs from the re-tally in winners" in out
    assert out.rstrip().endswith("check(s) failed")


def test_json_report(tmp_path: Path, log: MotionLog) -> None:
    code, out, _ = _run([_write(tmp_path / "b.json", log.bundle()), "--json"])
    report = json.loads(out)
    assert report["format"] == "lipvote-verify-report/2"
    assert [c["name"] for c in report["checks"]][:3] == ["bundle format", "verifier key", "leaves"]
    assert report["summary"]["root"] == log.root().hex()
    assert report["summary"]["key_fingerprint"] == parse_vkey(log.first_vkey).fingerprint
    # self-consistent, but nothing pinned the key: not verified, exit status 4
    assert report["ok"] is True and report["verified"] is False and code == 4


def test_progress_bar_when_asked(tmp_path: Path, log: MotionLog) -> None:
    code, out, err = _run([_write(tmp_path / "b.json", log.bundle()), "--progress"])
    assert "reading leaves [" in err and "100% 7/7" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("\xff\xfe", "not UTF-8 text"),
        ("[" * 100000 + "]" * 100000, "not valid JSON"),
    ],
)
def test_unreadable_bundle_is_one_sentence(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "b.json"
    p.write_text(content, encoding="latin-1" if content.startswith("\xff") else "utf-8")
    code, out, err = _run([str(p)])
    assert code == 2 and out == ""
    assert err.startswith("error: bundle ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_files(tmp_path: Path, log: MotionLog) -> None:
    code, _, err = _run([str(tmp_path / "nope.json")])
    assert code == 2 and "cannot read (No such file or directory)" in err
    bundle = _write(tmp_path / "b.json", log.bundle())
    code, _, err = _run([bundle, "--receipt", str(tmp_path / "r.json")])
    assert code == 2 and err.startswith("error: receipt ")
    code, out, _ = _run([bundle, "--receipt", str(tmp_path / "r.json"), "--json"])
    assert code == 2 and json.loads(out)["ok"] is False


@pytest.mark.parametrize(
    ("change", "check", "message"),
    [
        ({"format": "lipvote-bundle/2"}, "bundle format", "format: got 'lipvote-bundle/2'"),
        ({"leaves": "x"}, "bundle format", "leaves: got str, want a list of strings"),
        ({"leaves": [1]}, "bundle format", r"leaves\[0\]: got int"),
        ({"leaves": ["a", "b", None]}, "bundle format", r"leaves\[2\]: got NoneType"),
        ({"verifier_key": "nope"}, "verifier key", "got 1 '\\+'-separated parts"),
        ({"checkpoint": "a\n\n— k AAAA\n"}, "final checkpoint", "does not verify"),
        ({"result": []}, "bundle format", "result: got list"),
        ({"extra": 1}, "bundle format", r"unknown field\(s\) \['extra'\]"),
    ],
)
def test_malformed_bundle_fields_fail_a_named_check(tmp_path: Path, log: MotionLog,
                                                    change: dict[str, Any], check: str,
                                                    message: str) -> None:
    b = log.bundle()
    b.update(change)
    code, out, _ = _run([_write(tmp_path / "b.json", b)])
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith(f"FAIL: {check}: "))
    assert __import__("re").search(message, line), line


def test_malformed_receipt_fails_the_receipts_check(tmp_path: Path, log: MotionLog) -> None:
    bundle = _write(tmp_path / "b.json", log.bundle())
    bad = dict(log.receipts[0], proof=["%%%"])
    code, out, _ = _run([bundle, "--receipt", _write(tmp_path / "r.json", bad)])
    assert code == 1 and "FAIL: receipts: receipt 1: receipt proof[0]: not standard base64" in out


def test_python_dash_m_entry_point(tmp_path: Path, log: MotionLog) -> None:
    bundle = _write(tmp_path / "b.json", log.bundle())
    proc = subprocess.run([sys.executable, "-m", "ballots.cli", bundle, "--no-tally"],
                          capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert "SKIP: tally: not run: re-tally not requested" in proc.stdout
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "ballots.cli"], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])
    assert proc.returncode == 2 and "usage: python -m ballots.cli" in proc.stderr
