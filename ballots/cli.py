"""``lipvote verify``: check a motion bundle offline.

    lipvote verify BUNDLE [--receipt FILE ...] [--checkpoint FILE ...]
                          [--key VKEY ...] [--keys FILE ...] [--json] [--progress] [--no-tally]
                          [--witness VKEY ... [--witness-quorum K]] [--witness-evidence FILE ...]

Prints one ``OK: <check>`` or ``FAIL: <check>: <why>`` line per check (or a
JSON report with ``--json``).  Exit status: 0 verified (every check passed and
something the user holds pinned the signing key), 1 a check failed, 2 an input
could not be read at all, 3 an internal error, 4 self-consistent but the key
was not pinned (the bundle's origin was not checked).  Also runs as
``python -m ballots.cli``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ._canonical import loads_untrusted
from .bundle import read_json_bytes
from .errors import BallotsError
from .errors import KeyFormatError
from .note import MAX_NOTE_BYTES, parse_vkey
from .receipt import MAX_RECEIPT_BYTES, TLOG_PROOF_HEADER
from .report import section_of
from .verify import REPORT_FORMAT, Report, verify_bundle_bytes
from .verify_witness import WitnessPolicy, parse_policy
from .witness import read_evidence

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE, EXIT_INTERNAL, EXIT_UNANCHORED = 0, 1, 2, 3, 4
MAX_KEY_LIST_BYTES = 1 << 20


class _Unreadable(Exception):
    """An input file could not be read or parsed at all."""


def build_parser(prog: str = "lipvote verify") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Verify a lipvote motion bundle offline: leaves, Merkle root, signatures, "
                    "receipts, weights and the re-tallied result.")
    p.add_argument("bundle", metavar="BUNDLE", help="the motion's bundle (JSON)")
    p.add_argument("--receipt", metavar="FILE", action="append", default=[],
                   help="a ballot receipt (JSON or .tlog-proof) to check against the bundle; "
                        "repeatable")
    p.add_argument("--checkpoint", metavar="FILE", action="append", default=[],
                   help="a signed checkpoint seen earlier; it must agree with the log; "
                        "repeatable")
    p.add_argument("--key", metavar="VKEY", action="append", default=[],
                   help="the verifier key published by the server; the bundle's key must "
                        "match; repeatable")
    p.add_argument("--keys", metavar="FILE", action="append", default=[],
                   help="a list of verifier keys you trust, one per line (# starts a "
                        "comment); the bundle's key must be one of them; repeatable")
    p.add_argument("--witness", metavar="VKEY", action="append", default=[],
                   help="a witness key you trust (type 0x04); the final checkpoint must be "
                        "cosigned by enough of them; repeatable")
    p.add_argument("--witness-quorum", metavar="K", type=int, default=None,
                   help="how many of the --witness keys must have cosigned (default: all)")
    p.add_argument("--witness-evidence", metavar="FILE", action="append", default=[],
                   help="a witness's evidence file (two conflicting signed checkpoints); both "
                        "must agree with the log, so a fork fails check 8; repeatable")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar on stderr even when it is not a terminal")
    p.add_argument("--no-tally", action="store_true", help="skip the re-tally")
    return p


def _read_text(path: str, what: str, limit: int) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise _Unreadable(f"{what} {path}: cannot read ({e.strerror or e})") from e
    if len(data) > limit:
        raise _Unreadable(f"{what} {path}: larger than the {limit} bytes allowed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Unreadable(f"{what} {path}: not UTF-8 text") from e


def _load_key_list(path: str) -> list[str]:
    """The vkeys of a key list file: one per line; blank lines and ``#`` comments ignored."""
    keys = []
    text = _read_text(path, "key list", MAX_KEY_LIST_BYTES)
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            keys.append(parse_vkey(line).vkey)
        except KeyFormatError as e:
            raise _Unreadable(f"key list {path}, line {number}: {e}") from e
    if not keys:
        raise _Unreadable(f"key list {path}: no verifier key in it")
    return keys


def _load_receipt(path: str) -> object:
    text = _read_text(path, "receipt", MAX_RECEIPT_BYTES)
    if text.startswith(TLOG_PROOF_HEADER + "\n"):
        return text
    try:
        return loads_untrusted(text)
    except ValueError as e:
        raise _Unreadable(f"receipt {path}: not valid JSON ({str(e)[:120]})") from e


def _check_policy(policy: WitnessPolicy) -> None:
    if policy.quorum is not None and not policy.keys:
        raise _Unreadable("--witness-quorum: give the witness keys with --witness")
    try:
        parse_policy(policy)
    except BallotsError as e:
        raise _Unreadable(f"--witness: {e}") from e


def _load_evidence(path: str, number: int) -> list[tuple[str, str]]:
    """The two signed checkpoints of a witness's evidence file, labelled for the report."""
    try:
        _origin, held, offered = read_evidence(_read_text(path, "witness evidence", MAX_RECEIPT_BYTES))
    except BallotsError as e:
        raise _Unreadable(f"witness evidence {path}: {e}") from e
    return [(f"witness evidence {number} (the checkpoint the witness held)", held),
            (f"witness evidence {number} (the checkpoint it refused)", offered)]


class _Bar:
    """A plain-text progress bar on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if pct == self.last:
            return
        self.last = pct
        filled = pct * 30 // 100
        self.stream.write(f"\rreading leaves [{'#' * filled}{'.' * (30 - filled)}] "
                          f"{pct:3d}% {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _print_report(report: Report, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    for c in report.checks:
        word = {"ok": "OK", "failed": "FAIL"}.get(c.status, "SKIP")
        section = section_of(c.name)
        out.write(f"{word}: {c.name}: {c.message}{f' [{section}]' if section else ''}\n")
    out.write(_verdict(report))


def _verdict(report: Report) -> str:
    """The last line: verified only when the signing key was pinned (check 14)."""
    if not report.ok:
        return f"NOT verified: {len(report.failures())} check(s) failed\n"
    fingerprint = report.summary.get("key_fingerprint")
    if report.verified:
        return f"verified: every check passed, signing key fingerprint {fingerprint}\n"
    return ("NOT verified: self-consistent, but its origin was not checked: nothing you hold "
            f"pins the signing key (fingerprint {fingerprint}), so anyone could have made this "
            "bundle; give --key, --keys, --receipt or --checkpoint\n")


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    bar = _Bar(err) if (args.progress or err.isatty()) and not args.json else None
    try:
        bundle = read_json_bytes(args.bundle, "bundle")
        receipts = [_load_receipt(p) for p in args.receipt]
        checkpoints = [_read_text(p, "checkpoint", MAX_NOTE_BYTES) for p in args.checkpoint]
        key_list = [k for p in args.keys for k in _load_key_list(p)]
        policy = WitnessPolicy(tuple(args.witness), args.witness_quorum)
        _check_policy(policy)
        held: list[str | tuple[str, str]] = [*checkpoints]
        held += [pair for n, p in enumerate(args.witness_evidence, 1) for pair in _load_evidence(p, n)]
        report = verify_bundle_bytes(bundle, receipts, held, progress=bar,
                                     trusted_keys=args.key, key_list=key_list,
                                     retally=not args.no_tally, what=f"bundle {args.bundle}",
                                     witnesses=policy)
    except (_Unreadable, BallotsError) as e:
        return _unreadable(str(e), args.json, out, err)
    _print_report(report, args.json, out)
    if not report.ok:
        return EXIT_FAILED
    return EXIT_OK if report.verified else EXIT_UNANCHORED


def _unreadable(message: str, as_json: bool, out: TextIO, err: TextIO) -> int:
    if as_json:
        out.write(json.dumps({"format": REPORT_FORMAT, "ok": False, "verified": False,
                              "error": message, "checks": []}) + "\n")
    else:
        err.write(f"error: {message}\n")
    return EXIT_UNREADABLE


def main(argv: Sequence[str] | None = None, *, prog: str = "lipvote verify",
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the verifier; return the exit status (0 only if verified, see the module doc)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    args = build_parser(prog).parse_args(list(argv) if argv is not None else None)
    try:
        return _run(args, out, err)
    except MemoryError:
        return _unreadable("out of memory: the input is too large for this machine",
                           args.json, out, err)
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except Exception as e:  # a bug, not bad input: still one line, never a traceback
        name: Any = type(e).__name__
        err.write(f"error: internal error in the verifier ({name}: {e}); please report it\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main(prog="python -m ballots.cli"))
