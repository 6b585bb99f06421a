"""The load bench in small (`bench/load.py` runs the same code with bigger numbers).

30 delegates sign in at once, then walk the whole browser path (ballot page, review, cast,
receipt page, receipt.json) on three open motions for 10 seconds while viewers load the home,
console and results pages; one worker is SIGKILLed and, later, the whole service (master and
workers), which is restarted on the same database. Only correctness is asserted, never a
timing: no 5xx and no traceback, every acknowledged cast in the log, one counted ballot per
member and motion, every receipt verifies, every log's root equals its last checkpoint's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.loadkit.meeting import Plan
from bench.loadkit.run import run

pytestmark = pytest.mark.slow


def test_a_small_meeting_with_kills_loses_nothing(engine_url: str, tmp_path: Path) -> None:
    engine = "sqlite" if engine_url.startswith("sqlite") else "postgresql"
    plan = Plan(engine=engine, mode="flow", delegates=30, motions=3, seconds=10, workers=4, viewers=3,
                worker_kills=1, master_kills=1)
    outcome = run(plan, engine_url, tmp_path / "run")
    figures = outcome.figures()
    summary = json.dumps({k: figures[k] for k in ("statuses", "checks", "problems", "tracebacks", "kills")}, indent=1)

    assert [kill.kind for kill in sorted(outcome.kills, key=lambda k: k.at)] in (["worker", "service"], ["service", "worker"]), summary
    assert outcome.sign_ins.failures == 0, summary
    assert outcome.five_xx == 0 and outcome.tracebacks == [], summary
    assert outcome.tally.problems == [], summary
    checks = outcome.findings
    assert checks.acknowledged > 0 and checks.receipts_verified == len(outcome.tally.receipts) > 0, summary
    assert (checks.lost, checks.double_counted, checks.unexplained, checks.problems) == ([], [], [], []), summary
    assert checks.bundles_verified == checks.bundles == plan.motions + 1, summary
    assert checks.logs_checked == plan.motions + 2, summary  # the motions' logs and the audit trail's
    assert outcome.ok, summary
