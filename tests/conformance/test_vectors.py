"""The conformance vectors (docs/bulletin-board.md §9): up to date, and what `lipvote verify` says.

The verifier's command line runs as a subprocess over every vector: once in one process for
all of them (`ballots.cli.main`, which is what `lipvote verify` runs), and through the
`lipvote` console script itself for a few, since starting the whole app for each of seventy
vectors would take minutes on a shared machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VECTORS = HERE / "vectors"
LIPVOTE = str(Path(sys.executable).with_name("lipvote"))
ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}

# Runs the command line's own entry point on every vector, in the vectors' folder.
RUN_ALL = """
import contextlib, io, json, pathlib, sys
from ballots.cli import main
out = {}
for path in sorted(pathlib.Path(".").glob("*.expected.json")):
    want = json.loads(path.read_text(encoding="utf-8"))
    stdout = io.StringIO()
    status = main([want["bundle"], *want["arguments"], "--json"], stdout=stdout, stderr=io.StringIO())
    out[path.name] = {"exit_status": status, "report": json.loads(stdout.getvalue())}
json.dump(out, sys.stdout)
"""


def expectations() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(VECTORS.glob("*.expected.json"))}


def as_expected(exit_status: int, report: dict[str, Any]) -> dict[str, Any]:
    return {"exit_status": exit_status, "ok": report["ok"], "verified": report["verified"],
            "checks": [{"name": c["name"], "section": c["section"], "status": c["status"]}
                       for c in report["checks"]]}


def test_the_vectors_cover_every_method_policy_and_outcome() -> None:
    names = [name.removesuffix(".expected.json") for name in expectations()]
    for method in ("yes-no", "plurality", "approval", "irv", "stv", "schulze", "ranked-pairs",
                   "schulze-stv"):
        assert f"valid-method-{method}" in names
    for policy in ("equal", "tiered-1-2-3", "regional-parity", "blended-half-population",
                   "population-capped"):
        assert {f"valid-weights-{policy}-format-1", f"valid-weights-{policy}-format-2"} <= set(names)
    statuses = {want["exit_status"] for want in expectations().values()}
    assert statuses == {0, 1, 4}
    assert sum(1 for n in names if n.startswith("invalid-")) >= 30


def test_every_vector_gives_its_expected_result() -> None:
    proc = subprocess.run([sys.executable, "-c", RUN_ALL], cwd=VECTORS, capture_output=True,
                          text=True, env=ENV, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    wanted = expectations()
    assert got.keys() == wanted.keys()
    for name, want in wanted.items():
        mine = as_expected(got[name]["exit_status"], got[name]["report"])
        assert mine == {k: want[k] for k in mine}, name


@pytest.mark.parametrize("name", ["valid-key-rotation", "invalid-forked-checkpoint",
                                  "unanchored-nothing-pinned"])
def test_the_lipvote_command_gives_the_expected_result(name: str) -> None:
    want = expectations()[f"{name}.expected.json"]
    proc = subprocess.run([LIPVOTE, "verify", want["bundle"], *want["arguments"], "--json"],
                          cwd=VECTORS, capture_output=True, text=True, env=ENV, timeout=120)
    assert as_expected(proc.returncode, json.loads(proc.stdout)) == \
        {k: want[k] for k in ("exit_status", "ok", "verified", "checks")}


def test_the_folder_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = tmp_path / "vectors"
    proc = subprocess.run([sys.executable, str(HERE / "generate.py"), str(fresh)],
                          capture_output=True, text=True, env=ENV, timeout=300)
    assert proc.returncode == 0, proc.stderr
    committed = {p.name: p.read_bytes() for p in VECTORS.iterdir()}
    regenerated = {p.name: p.read_bytes() for p in fresh.iterdir()}
    assert sorted(committed) == sorted(regenerated), "run tests/conformance/generate.py"
    stale = [name for name in committed if committed[name] != regenerated[name]]
    assert not stale, f"out of date (run tests/conformance/generate.py): {stale[:5]}"


def test_the_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in VECTORS.iterdir()) < 4 << 20
