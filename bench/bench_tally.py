"""Benchmark voting.tally against unaggregated py-vote-core.

    .venv/bin/python bench/bench_tally.py            # full run (a few minutes on 2 cores)
    .venv/bin/python bench/bench_tally.py --quick    # sizes 100 and 10k only

Every configuration (ballots x options x profile) runs in its own worker process; inside it
each method is warmed up on 20 ballots (one-off imports), then timed once, with the peak resident memory above the pre-tally level read from
/proc/self/status (VmHWM, reset by writing 5 to /proc/self/clear_refs).  Building the input
lists is not timed.  The baseline hands the same ballots, one dict per ballot with
count = weight (no aggregation), to py-vote-core's classes; it is capped (see BASELINE_CAP)
so the whole run stays within minutes.  Power indices are timed at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

METHODS = ["yes_no", "plurality", "approval", "irv", "stv", "schulze", "ranked_pairs", "schulze_stv"]
SEATS = {"stv": 3, "approval": 3, "schulze_stv": 2}
SIZES = [100, 10_000, 100_000, 1_000_000]
OPTION_COUNTS = [5, 10, 20]
PROFILES = ["few", "ic"]
# Largest ballot count given to unaggregated py-vote-core, per method (None: no baseline).
BASELINE_CAP: dict[str, int | None] = {
    "yes_no": None,  # ours, no py-vote-core class
    "approval": None,  # ours, no py-vote-core class
    "plurality": 100_000,
    "irv": 100_000,
    "stv": 100_000,
    "schulze": 10_000,  # deepcopies every ballot: 10 s and 650 MB at 100k x 20
    "ranked_pairs": 10_000,
    "schulze_stv": 100,
}


def skip_reason(method: str, size: int, n: int, profile: str) -> str | None:
    """Why a voting.tally configuration is not run (None: it runs)."""
    if method == "yes_no" and n != 5:
        return "yes_no has 3 fixed options; run once per size"
    if method == "schulze_stv":
        if n > 10:
            return "refused by check_feasible (Schulze STV bound)"
        if profile == "ic" and n == 10 and size > 100:
            return "refused: distinct rankings x comparisons over budget"
    return None


def hwm_kib() -> int:
    m = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(m.group(1)) if m else 0


def rss_kib() -> int:
    m = re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(m.group(1)) if m else 0


def measure(fn: Any) -> tuple[float, int]:
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = rss_kib()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    return elapsed, max(0, hwm_kib() - before)


def baseline(method: str, weights: list[int], sels: list[Any], opts: list[str]) -> Any:
    from py3votecore.irv import IRV
    from py3votecore.plurality import Plurality
    from py3votecore.ranked_pairs import RankedPairs
    from py3votecore.schulze_method import SchulzeMethod
    from py3votecore.schulze_stv import SchulzeSTV
    from py3votecore.stv import STV

    if method == "plurality":
        data = [{"count": w, "ballot": s} for w, s in zip(weights, sels)]
        return lambda: Plurality(data, tie_breaker=list(opts))
    if method in ("irv", "stv"):
        data = [{"count": w, "ballot": list(s)} for w, s in zip(weights, sels)]
        if method == "irv":
            return lambda: IRV(data, tie_breaker=list(opts))
        return lambda: STV(data, tie_breaker=list(opts), required_winners=SEATS["stv"])
    data = [{"count": w, "ballot": {o: i + 1 for i, o in enumerate(s)}} for w, s in zip(weights, sels)]
    notation = SchulzeMethod.BALLOT_NOTATION_RANKING
    if method == "schulze":
        return lambda: SchulzeMethod(data, tie_breaker=list(opts), ballot_notation=notation)
    if method == "ranked_pairs":
        return lambda: RankedPairs(data, tie_breaker=list(opts), ballot_notation=notation)
    return lambda: SchulzeSTV(data, tie_breaker=list(opts), required_winners=SEATS["schulze_stv"], ballot_notation=notation)


def worker(size: int, n: int, profile: str) -> None:
    import voting
    from _profiles import options, rankings, selections

    weights, ranked = rankings(size, n, profile)
    opts = options(n)
    for method in METHODS:
        reason = skip_reason(method, size, n, profile)
        if reason:
            print(json.dumps({"method": method, "skipped": reason}), flush=True)
            continue
        sels = selections(method, ranked, n)
        ballots = list(zip(weights, sels))
        motion_opts = ["yes", "no", "abstain"] if method == "yes_no" else opts
        holder: dict[str, Any] = {}
        # Warm up both sides on a few ballots: the first call in a process pays one-off
        # imports (numpy.ma, about 12 ms), which a long-running server pays once.
        voting.tally(method, ballots[:20], options=motion_opts, seats=SEATS.get(method, 1), tie_break_seed=b"bench")
        if BASELINE_CAP.get(method) is not None:
            baseline(method, weights[:20], sels[:20], opts)()

        def run() -> None:
            holder["r"] = voting.tally(method, ballots, options=motion_opts, seats=SEATS.get(method, 1),
                                       tie_break_seed=b"bench")

        seconds, peak = measure(run)
        row: dict[str, Any] = {"method": method, "seconds": seconds, "peak_mib": peak / 1024,
                               "status": holder["r"].status}
        del holder["r"]
        cap = BASELINE_CAP.get(method)
        if cap is None:
            row["baseline"] = "no py-vote-core class"
        elif size > cap:
            row["baseline"] = f"skipped above {cap:,} ballots"
        else:
            fn = baseline(method, weights, sels, opts)
            b_seconds, b_peak = measure(fn)
            row["baseline_seconds"] = b_seconds
            row["baseline_peak_mib"] = b_peak / 1024
        del ballots, sels
        print(json.dumps(row), flush=True)


def power_bench() -> list[str]:
    import numpy as np

    from voting.power import banzhaf, shapley_shubik

    lines = []
    for n in (80, 500):
        rng = np.random.default_rng(n)
        raw = rng.integers(1, 41, size=n)
        w = [max(1, int(x)) for x in (raw * 10000 // raw.sum())]
        w[0] += 10000 - sum(w)
        q = sum(w) // 2 + 1
        t0 = time.perf_counter()
        banzhaf(w, q)
        t1 = time.perf_counter()
        shapley_shubik(w, q)
        t2 = time.perf_counter()
        lines.append(f"| {n} | 10,000 | {q} | {len(set(w))} | {t1 - t0:.3f} s | {t2 - t1:.2f} s |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=3, metavar=("SIZE", "OPTIONS", "PROFILE"))
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), int(args.worker[1]), args.worker[2])
        return
    sizes = SIZES[:2] if args.quick else SIZES
    print(f"# voting.tally benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("| ballots | options | profile | method | tally s | tally peak MiB | py-vote-core s | py-vote-core peak MiB | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    skipped: list[str] = []
    for size in sizes:
        for n in OPTION_COUNTS:
            for profile in PROFILES:
                proc = subprocess.run(
                    [sys.executable, __file__, "--worker", str(size), str(n), profile],
                    capture_output=True, text=True, check=False,
                )
                if proc.returncode != 0:
                    print(f"| {size:,} | {n} | {profile} | worker failed | {proc.stderr.strip()[-200:]} |||||")
                    continue
                for line in proc.stdout.splitlines():
                    row = json.loads(line)
                    if "skipped" in row:
                        skipped.append(f"{size:,} x {n} {profile} {row['method']}: {row['skipped']}")
                        continue
                    if "baseline_seconds" in row:
                        base = f"{row['baseline_seconds']:.3f} | {row['baseline_peak_mib']:.0f}"
                        ratio = f"{row['baseline_seconds'] / max(row['seconds'], 1e-9):.1f}x"
                    else:
                        base, ratio = f"{row['baseline']} |", ""
                    print(f"| {size:,} | {n} | {profile} | {row['method']} | {row['seconds']:.3f} | "
                          f"{row['peak_mib']:.0f} | {base} | {ratio} |", flush=True)
    print()
    print("Skipped tally configurations:")
    for s in sorted(set(skipped)):
        print(f"- {s}")
    print()
    print("| members | total | quota | distinct weights | Banzhaf | Shapley-Shubik |")
    print("|---|---|---|---|---|---|")
    for line in power_bench():
        print(line)
    print(f"\nwall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
