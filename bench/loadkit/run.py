"""One load run from an empty database to checked figures: the bench and the tests call this."""

from __future__ import annotations

import math
import resource
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import text

from app import create_app
from app.extensions import db

from bench.loadkit import federation
from bench.loadkit.checks import Findings, check_meeting
from bench.loadkit.procs import machine_cpu_seconds
from bench.loadkit.meeting import Kill, Meeting, Plan, SignIns, Tally, Window
from bench.loadkit.server import Gunicorn, app_config, app_environment

# What a person waits for on screen; the casts are counted apart.
PAGE_KINDS = ("ballot page", "review", "receipt page", "receipt.json", "delegate home", "console", "console.json",
              "results page")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Outcome:
    plan: Plan
    durability: dict[str, str]
    sign_ins: SignIns
    window: Window
    tally: Tally
    kills: list[Kill]
    findings: Findings
    tracebacks: list[str]

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.tally.statuses.items() if status >= 500)

    @property
    def ok(self) -> bool:
        """Correctness only (never a timing): no 5xx, no traceback, no unexpected answer, checks pass,
        and, without kills, no request left unanswered (gunicorn kills a worker stuck past its timeout)."""
        cut_off = self.tally.unanswered if not self.plan.crash else 0
        return (self.five_xx == 0 and not self.tracebacks and not self.tally.problems and self.sign_ins.failures == 0
                and cut_off == 0 and self.findings.ok)

    def figures(self) -> dict[str, Any]:
        acknowledged = self.findings.acknowledged
        seconds = self.window.seconds
        server_cpu = sum(v for k, v in self.window.cpu.items() if k not in ("client", "machine"))
        others = self.window.cpu.get("machine", 0.0) - server_cpu - self.window.cpu.get("client", 0.0)
        pages = [x for kind in PAGE_KINDS for x in self.tally.latencies.get(kind, [])]
        return {
            "engine": self.plan.engine, "mode": self.plan.mode, "crash": self.plan.crash,
            "delegates": self.plan.delegates, "sign_ins_at_once": self.plan.signing_in, "motions": self.plan.motions, "workers": self.plan.workers,
            "viewers": self.plan.viewers, "seconds": round(seconds, 2), "durability": self.durability,
            "sign_ins": {"count": self.sign_ins.count, "failures": self.sign_ins.failures,
                         "seconds": round(self.sign_ins.seconds, 3),
                         "per_second": _rate(self.sign_ins.count, self.sign_ins.seconds),
                         **_percentiles(self.tally.latencies.get("sign_in", []))},
            "casts": {"acknowledged": acknowledged, "per_second": _rate(acknowledged, seconds),
                      "unknown": self.findings.unknown, "unknown_in_log": self.findings.unknown_in_log,
                      **_percentiles(self.tally.latencies.get("cast", []))},
            "flows": {"completed": self.tally.flows, "per_second": _rate(self.tally.flows, seconds)},
            "pages": {"count": len(pages), **_percentiles(pages),
                      "by_kind": {kind: {"count": len(self.tally.latencies[kind]), **_percentiles(self.tally.latencies[kind])}
                                  for kind in PAGE_KINDS if self.tally.latencies.get(kind)}},
            "statuses": {str(k): v for k, v in sorted(self.tally.statuses.items())},
            "five_xx": self.five_xx,
            "cpu": {"server_seconds": round(server_cpu, 2),
                    "by_process": {k: round(v, 2) for k, v in self.window.cpu.items() if k != "machine"},
                    "server_ms_per_cast": _per(server_cpu, acknowledged),
                    "client_share_of_one_core": round(self.window.cpu.get("client", 0.0) / seconds, 3) if seconds else None,
                    "client_ms_per_cast": _per(self.window.cpu.get("client", 0.0), acknowledged),
                    # other engineers' processes on the shared machine, in cores busy on average
                    "other_processes_cores": round(max(0.0, others) / seconds, 2) if seconds else None},
            "kills": [{"kind": k.kind, "at": round(k.at - self.window.started, 2), "pid": k.pid,
                       "down_seconds": round(k.down_seconds, 2)} for k in self.kills],
            "requests_refused_while_down": self.tally.not_sent, "requests_cut_off": self.tally.unanswered,
            "checks": self.findings.as_dict(),
            "problems": _tallied(self.tally.problems), "tracebacks": _tallied(self.tracebacks),
            "ok": self.ok,
        }


def _tallied(texts: list[str], keep: int = 10) -> list[str]:
    """The distinct texts, most frequent first, each with its count when repeated."""
    counted = Counter(texts).most_common(keep)
    return [text if n == 1 else f"{text} (x{n})" for text, n in counted]


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


def _per(cpu_seconds: float, count: int) -> float | None:
    return round(1000 * cpu_seconds / count, 2) if count else None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _percentiles(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    return {f"p{p}_ms": round(1000 * percentile(seconds, p), 1) for p in (50, 95, 99)}


def durability(engine_name: str) -> dict[str, str]:
    """The settings that make a commit durable, as the server reports them."""
    if engine_name == "sqlite":
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        return {"journal_mode": str(db.session.execute(text("PRAGMA journal_mode")).scalar()),
                "synchronous": synchronous.get(int(db.session.execute(text("PRAGMA synchronous")).scalar() or 0), "?")}
    return {name: str(db.session.execute(text(f"SHOW {name}")).scalar())
            for name in ("fsync", "synchronous_commit", "full_page_writes")}


def run(plan: Plan, database_url: str, folder: Path,
        server_cpu: dict[str, Callable[[], float]] | None = None) -> Outcome:
    """Build the federation in the empty database at `database_url`, serve it, meet, check.

    `folder` holds the signing key, the server log and (for SQLite) nothing else of the
    caller's; `server_cpu` adds CPU probes of other server processes (PostgreSQL's).
    """
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(app_config(database_url, folder))
    federation.migrate(app)
    members = federation.build(app, members=plan.members, open_motions=plan.motions, closed_motions=1,
                               alternates=max(1, -(-plan.viewers // 3)))
    with app.app_context():
        settings = durability(db.engine.dialect.name)
        db.session.remove()
    server = Gunicorn(app_environment(database_url, folder), plan.workers, folder / "gunicorn.log")
    server.start()
    meeting = Meeting(plan, members, server)
    try:
        sign_ins = meeting.sign_in_all()
        probes = {"gunicorn": server.cpu_seconds, **(server_cpu or {}), "client": client_cpu_seconds,
                  "machine": machine_cpu_seconds}
        window = meeting.run_window(probes)
        findings = check_meeting(meeting, app)
    finally:
        for session in meeting.sessions.values():
            session.close()
        server.stop()
        with app.app_context():
            db.engine.dispose()
    return Outcome(plan, settings, sign_ins, window, meeting.tally, meeting.kills, findings, server.tracebacks())


def keep_log(outcome_folder: Path, destination: Path) -> None:
    """Copy a run's server log next to its results (for a failed run)."""
    log = outcome_folder / "gunicorn.log"
    if log.exists():
        shutil.copyfile(log, destination)
