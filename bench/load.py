"""Live-meeting load and crash bench: gunicorn on SQLite and on PostgreSQL, side by side.

    .venv/bin/python bench/load.py                                  # both engines, both modes, 30 s each
    .venv/bin/python bench/load.py --sign-ins 80 --delegates 50 --seconds 30 --repeat 3
    .venv/bin/python bench/load.py --crash                          # 3 worker kills + 1 whole-service kill
    .venv/bin/python bench/load.py --engines sqlite --modes flow --json bench/results/load.json

For each engine and mode: a fresh database (SQLite in WAL with synchronous=FULL; PostgreSQL on a
throw-away local cluster with fsync, synchronous_commit and full_page_writes on), a demo-like
federation, gunicorn with K workers (gunicorn.conf.py), then

1. all `--sign-ins` delegates post the sign-in form at the same moment;
2. for `--seconds`, `--delegates` of them cast and change ballots on `--motions` open motions,
   either posting casts directly (mode "cast") or walking the browser path (mode "flow":
   ballot page, review, cast, receipt page and receipt.json), while `--viewers` load the
   delegate home page, the chair's console and a results page; with kills, a worker (or the
   whole service) is SIGKILLed at planned moments and restarted on the same database;
3. the chair closes the motions, the bundles are exported and verified with every receipt kept,
   ballots are counted per member, and each log's root is recomputed from its stored leaves.

Only 127.0.0.1 and Unix sockets are used; every run is bounded (at most 500 delegates, 900 s,
20 kills, one hour in all) and stops by itself. Timings are printed, never asserted; the exit
status is 1 when a correctness check failed (a 5xx, a lost or double-counted ballot, a receipt
that does not verify, a root that differs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadkit.meeting import MAX_KILLS, MODES, Plan  # noqa: E402
from bench.loadkit.postgres import PostgresCluster, cluster  # noqa: E402
from bench.loadkit.run import Outcome, run  # noqa: E402

ENGINES = ("sqlite", "postgresql")
WHOLE_BENCH_SECONDS = 3600


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite, postgresql")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: cast (casts only), flow (whole browser path)")
    parser.add_argument("--delegates", type=int, default=50, help="delegates casting at the same time (default 50)")
    parser.add_argument("--sign-ins", type=int, default=0, help="delegates signing in at the same moment first (default: --delegates)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the casting window (default 30)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4, as gunicorn.conf.py on 2 cores)")
    parser.add_argument("--motions", type=int, default=4, help="open motions (default 4)")
    parser.add_argument("--viewers", type=int, default=6, help="people loading home, console and results pages (default 6)")
    parser.add_argument("--viewer-pause", type=float, default=0.25, help="seconds each viewer waits between pages (default 0.25)")
    parser.add_argument("--worker-kills", type=int, default=None, help="SIGKILLs of one worker during the window")
    parser.add_argument("--master-kills", type=int, default=None, help="SIGKILLs of master and workers, then restart")
    parser.add_argument("--crash", action="store_true", help="crash run: 3 worker kills and 1 whole-service kill unless given")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each engine and mode (default 1)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", metavar="FILE", help="also write every run's figures as JSON ('-': standard output)")
    parser.add_argument("--table", metavar="FILE", help="print the table of runs saved with --json, run nothing")
    args = parser.parse_args(argv)
    args.engines = _choices(parser, "--engines", args.engines, ENGINES)
    args.modes = _choices(parser, "--modes", args.modes, MODES)
    default_kills = (3, 1) if args.crash else (0, 0)
    args.worker_kills = default_kills[0] if args.worker_kills is None else args.worker_kills
    args.master_kills = default_kills[1] if args.master_kills is None else args.master_kills
    if not 1 <= args.repeat <= 10:
        parser.error("--repeat: 1..10")
    if args.worker_kills + args.master_kills > MAX_KILLS:
        parser.error(f"at most {MAX_KILLS} kills in all")
    return args


def _choices(parser: argparse.ArgumentParser, flag: str, value: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown or not chosen:
        parser.error(f"{flag}: got {value!r}, want a comma-separated list of {', '.join(allowed)}")
    return chosen


def plans(args: argparse.Namespace) -> list[Plan]:
    return [Plan(engine=engine, mode=mode, delegates=args.delegates, sign_ins=args.sign_ins, motions=args.motions,
                 seconds=args.seconds, workers=args.workers, viewers=args.viewers, viewer_pause=args.viewer_pause,
                 worker_kills=args.worker_kills, master_kills=args.master_kills, seed=args.seed + n)
            for n in range(args.repeat) for mode in args.modes for engine in args.engines]


def _timeout(_signum: int, _frame: object) -> None:
    raise TimeoutError(f"the bench ran for more than {WHOLE_BENCH_SECONDS} s")


def _stopped(signum: int, _frame: object) -> None:
    # Also for SIGINT: a shell starting the bench in the background ignores it otherwise.
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def run_all(all_plans: list[Plan], say: Callable[[str], None]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with ExitStack() as stack:
        postgres: PostgresCluster | None = None
        if any(p.engine == "postgresql" for p in all_plans):
            postgres = stack.enter_context(cluster(durable=True))
        for number, plan in enumerate(all_plans, 1):
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lipvote-load-")))
            if plan.engine == "sqlite":
                url, probes = f"sqlite:///{folder / 'lipvote.sqlite3'}", {}
            else:
                assert postgres is not None
                url, probes = postgres.create_database(f"load{number}"), {"postgres": postgres.cpu_seconds}
            say(f"run {number}/{len(all_plans)}: {plan.engine}, {plan.mode}, {plan.delegates} delegates, "
                f"{plan.seconds:g} s{', kills' if plan.crash else ''} ...")
            outcome = run(plan, url, folder, probes)
            outcomes.append(outcome)
            f = outcome.figures()
            say(f"  {f['casts']['per_second']} casts/s, {f['flows']['per_second']} flows/s, 5xx {f['five_xx']}, "
                f"checks {'ok' if outcome.ok else 'FAILED'}")
    return outcomes


# --- the table ---------------------------------------------------------------------------------


def _ms(block: dict[str, Any]) -> str:
    return "/".join("-" if block[k] is None else f"{block[k]:.0f}" for k in ("p50_ms", "p95_ms", "p99_ms"))


ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("durability", lambda f: ", ".join(f"{k}={v}" for k, v in f["durability"].items())),
    ("sign-ins at once", lambda f: f"{f['sign_ins']['count']} in {f['sign_ins']['seconds']:.2f} s"),
    ("sign-ins/s", lambda f: f"{f['sign_ins']['per_second']}"),
    ("sign-in failures", lambda f: f"{f['sign_ins']['failures']}"),
    ("sign-in ms p50/p95/p99", lambda f: _ms(f["sign_ins"])),
    ("acknowledged casts/s", lambda f: f"{f['casts']['per_second']}"),
    ("whole flows/s", lambda f: f"{f['flows']['per_second']}" if f["mode"] == "flow" else "-"),
    ("cast ms p50/p95/p99", lambda f: _ms(f["casts"])),
    ("page ms p50/p95/p99", lambda f: _ms(f["pages"])),
    ("5xx", lambda f: f"{f['five_xx']}"),
    ("lost / double-counted", lambda f: f"{len(f['checks']['lost'])} / {len(f['checks']['double_counted'])}"),
    ("unknown casts (in log)", lambda f: f"{f['checks']['unknown']} ({f['checks']['unknown_in_log']})"),
    ("receipts verified", lambda f: f"{f['checks']['receipts_verified']}"
     + (f" ({f['checks']['receipts_before_last_kill']} before last kill)" if f["kills"] else "")),
    ("logs: root = last checkpoint", lambda f: f"{f['checks']['logs_checked']} logs"
     + (" FAILED" if f["checks"]["log_problems"] else "")),
    ("kills (service down s)", lambda f: ", ".join(k["kind"] + (f" {k['down_seconds']:.1f}" if k["kind"] == "service" else "")
                                                  for k in f["kills"]) or "-"),
    ("server CPU ms per cast", lambda f: f"{f['cpu']['server_ms_per_cast']}"),
    ("server CPU by process (s)", lambda f: ", ".join(f"{k} {v}" for k, v in f["cpu"]["by_process"].items() if k != "client")),
    ("client CPU, share of a core", lambda f: f"{100 * f['cpu']['client_share_of_one_core']:.0f}%"),
    ("other load on machine (cores)", lambda f: f"{f['cpu']['other_processes_cores']}"),
    ("correctness checks", lambda f: "ok" if f["ok"] else "FAILED"),
    ("goals (issue 12)", lambda f: goals(f)),
]

# Goals on a 2-core machine at 50 delegates casting (issue 12): the figure, the limit, above or below.
GOALS: dict[str, list[tuple[str, Callable[[dict[str, Any]], float | None], float, bool]]] = {
    "cast": [("casts/s", lambda f: f["casts"]["per_second"], 300, True),
             ("cast p99", lambda f: f["casts"]["p99_ms"], 250, False)],
    "flow": [("flows/s", lambda f: f["flows"]["per_second"], 100, True),
             ("page p95", lambda f: f["pages"]["p95_ms"], 200, False)],
}


def goals(f: dict[str, Any]) -> str:
    """Which goals this run meets ('met'/'missed' each), or why they do not apply."""
    verdicts = []
    if f["sign_ins_at_once"] >= 80:
        verdicts.append(f"80 sign-ins {'met' if f['sign_ins']['failures'] == 0 else 'missed'}")
    if f["delegates"] == 50:
        for name, figure, limit, at_least in GOALS[f["mode"]]:
            value = figure(f)
            met = value is not None and (value >= limit if at_least else value < limit)
            verdicts.append(f"{name} {'met' if met else 'missed'}")
    return ", ".join(verdicts) or "n/a (goals are for 80 sign-ins and 50 delegates)"


def _cell(values: list[str]) -> str:
    return values[0] if len(set(values)) == 1 else " | ".join(values)


def table(figures: list[dict[str, Any]]) -> str:
    """One block per mode (and crash setting), engines side by side; repeated runs with ' | '
    (once when every run gives the same)."""
    lines: list[str] = []
    groups: dict[tuple[str, bool], dict[str, list[dict[str, Any]]]] = {}
    for f in figures:
        groups.setdefault((f["mode"], f["crash"]), {}).setdefault(f["engine"], []).append(f)
    for (mode, crash), by_engine in groups.items():
        engines = [e for e in ENGINES if e in by_engine]
        first = by_engine[engines[0]][0]
        title = (f"mode {mode}{' with kills' if crash else ''}: {first['delegates']} delegates casting, "
                 f"{first['sign_ins_at_once']} signing in at once, {first['motions']} motions, {first['workers']} workers, "
                 f"{first['viewers']} viewers, {first['seconds']:.0f} s")
        cells = [[label, *(_cell([render(f) for f in by_engine[e]]) for e in engines)] for label, render in ROWS]
        widths = [max(len(row[i]) for row in [["", *engines], *cells]) for i in range(len(engines) + 1)]
        lines += ["", title, "  ".join(h.ljust(w) for h, w in zip(["", *engines], widths)),
                  "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
        for e in engines:
            for f in by_engine[e]:
                for problem in [*f["problems"][:3], *f["tracebacks"][:3], *f["checks"]["problems"][:3],
                                *f["checks"]["log_problems"][:3], *f["checks"]["lost"][:3],
                                *f["checks"]["double_counted"][:3]]:
                    lines.append(f"  {e}: {problem[:300]}")
    return "\n".join(lines)


def medians(figures: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median casts/s and flows/s per engine and mode (for repeated runs)."""
    found: dict[str, dict[str, list[float]]] = {}
    for f in figures:
        key = f"{f['engine']} {f['mode']}{' crash' if f['crash'] else ''}"
        found.setdefault(key, {}).setdefault("casts_per_second", []).append(f["casts"]["per_second"] or 0.0)
        found[key].setdefault("flows_per_second", []).append(f["flows"]["per_second"] or 0.0)
    return {k: {m: statistics.median(v) for m, v in d.items()} for k, d in found.items()}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.table:
        saved = json.loads(Path(args.table).read_text())
        print(f"{saved['command']}\n{saved['started']}, {saved['cores']} cores")
        print(table(saved["runs"]))
        return 0
    signal.signal(signal.SIGALRM, _timeout)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # servers and cluster are stopped on the way out
        signal.signal(stop_signal, _stopped)
    signal.alarm(WHOLE_BENCH_SECONDS)
    command = "bench/load.py " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    say(f"{command}  (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores)")
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    outcomes = run_all(plans(args), say)
    signal.alarm(0)
    figures = [o.figures() for o in outcomes]
    print(f"\n{command}\n{started}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(table(figures))
    if args.repeat > 1:
        print("\nmedians:", json.dumps(medians(figures)))
    if args.json:
        document = json.dumps({"command": command, "started": started, "cores": os.cpu_count(),
                               "runs": figures}, indent=2)
        if args.json == "-":
            print(document)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(document + "\n")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
