"""Exact voting power, fast engines against their references, side by side.

    .venv/bin/python bench/bench_power.py            # the tables of docs/benchmarks.md
    .venv/bin/python bench/bench_power.py --quick    # smaller sizes, a few seconds

Single weighted quota: voting.power (generating functions) against the powerindex package
(floats; skipped when it is not installed) on random weights apportioned to 10,000 units.
Composite rules (weight majority, member majority, a majority of the members in 3 of 5
regions): voting.game_power against the enumeration of every coalition
(voting.games.reference_swings_by_size), which only finishes for small federations.
A motion's regional double majority (a majority of the weight, and more yes than no weight
in every region; voting.motion_power) on the same memberships, against the same enumeration.
Every reference runs in its own process with a time limit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voting import power  # noqa: E402
from voting.game_power import swings_by_size  # noqa: E402
from voting.games import REFERENCE_MAX_MEMBERS, Game, reference_swings_by_size  # noqa: E402
from voting.motion_power import motion_game  # noqa: E402

REFERENCE_SECONDS = 120


def apportioned(n: int, total: int, seed: int) -> list[int]:
    """n random weights (1..40 before scaling) apportioned to ``total`` units, as bench_tally does."""
    rng = random.Random(seed)
    raw = [rng.randint(1, 40) for _ in range(n)]
    ws = [max(1, x * total // sum(raw)) for x in raw]
    ws[0] += total - sum(ws)
    return ws


def composite(n: int, weights: str, seed: int = 16) -> Game:
    """n members in 5 regions; the weight majority, member majority and 3 of 5 regions rule."""
    rng = random.Random(seed)
    regions = tuple(i % 5 for i in range(n))
    ws = [rng.choice([1, 2, 3]) for _ in range(n)] if weights == "tiers 1/2/3" else apportioned(n, 1000, seed)
    sizes = [regions.count(r) for r in range(5)]
    return Game(weights=tuple(ws), regions=regions, quota=sum(ws) // 2 + 1, member_quota=n // 2 + 1,
                region_quotas=tuple(s // 2 + 1 for s in sizes), regions_needed=3)


def regional_motion(n: int, weights: str) -> Game:
    """The memberships of :func:`composite` under a motion's rule: a majority of the weight and
    more yes than no weight in every region."""
    base = composite(n, weights)
    regions = [f"region-{r}" for r in base.regions]
    rules = {"threshold": "majority_cast", "double_majority": {"members": False, "regions": "all"},
             "eligible": {"members": n, "weight": sum(base.weights), "regions": {
                 name: {"members": regions.count(name),
                        "weight": sum(w for w, r in zip(base.weights, regions) if r == name)}
                 for name in sorted(set(regions))}}}
    return motion_game(rules, list(base.weights), regions)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(CPU seconds of this process, result): the machine is shared, so wall time overstates."""
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


class Failed(str):
    """What a reference raised instead of answering."""


def _child(queue: Any, fn: Callable[[], Any]) -> None:
    try:
        queue.put(timed(fn))
    except Exception as e:  # a reference's own limits (powerindex converts n! to a float)
        queue.put(Failed(f"{type(e).__name__}: {e}"))


def bounded(fn: Callable[[], Any], seconds: float = REFERENCE_SECONDS) -> tuple[float, Any] | Failed | None:
    """``timed(fn)`` in a child process, what it raised, or None when it does not finish in ``seconds``."""
    queue: Any = multiprocessing.get_context("fork").Queue()
    proc = multiprocessing.get_context("fork").Process(target=_child, args=(queue, fn))
    proc.start()
    proc.join(seconds)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None


def powerindex_run(weights: list[int], quota: int) -> tuple[list[float], list[float]]:
    import powerindex  # type: ignore[import-not-found]

    game = powerindex.Game(quota, weights=weights)
    game.calc()
    return game.banzhaf, game.shapley_shubik


def single_quota_rows(sizes: list[int]) -> list[str]:
    try:
        import powerindex  # type: ignore[import-not-found]  # noqa: F401
        have_reference = True
    except ImportError:
        have_reference = False
    rows = []
    for n in sizes:
        ws = apportioned(n, 10000, n)
        q = sum(ws) // 2 + 1
        b_s, banzhaf = timed(lambda: power.banzhaf(ws, q))
        s_s, shapley = timed(lambda: power.shapley_shubik(ws, q))
        ref = "not installed"
        agree = ""
        if have_reference:
            got = bounded(lambda: powerindex_run(ws, q))
            if got is None:
                ref = f"over {REFERENCE_SECONDS} s"
            elif isinstance(got, Failed):
                ref = f"fails ({got})"
            else:
                ref = f"{got[0]:.2f} s"
                pb, ps = got[1]
                worst = max(max(abs(float(a) - b) for a, b in zip(banzhaf, pb)),
                            max(abs(float(a) - b) for a, b in zip(shapley, ps)))
                agree = f"{worst:.1e}"
        rows.append(f"| {n} | {sum(ws):,} | {q} | {len(set(ws))} | {b_s:.3f} s | {s_s:.2f} s | {ref} | {agree} |")
    return rows


def composite_rows(sizes: list[int], build: Callable[[int, str], Game] = composite) -> list[str]:
    rows = []
    for n in sizes:
        for weights in ("tiers 1/2/3", "population, 1,000 units"):
            game = build(n, weights)
            fast_s, fast = timed(lambda: swings_by_size(game))
            if n > REFERENCE_MAX_MEMBERS:
                ref, same = f"2^{n} coalitions: not run", ""
            else:
                got = bounded(lambda: reference_swings_by_size(game))
                if got is None or isinstance(got, Failed):
                    ref, same = got or f"over {REFERENCE_SECONDS} s", ""
                else:
                    ref, same = f"{got[0]:.2f} s", "yes" if got[1] == fast else "NO"
            rows.append(f"| {n} | {weights} | {sum(game.weights):,} | {game.quota} | {game.member_quota} | "
                        f"{fast_s:.2f} s | {ref} | {same} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"# exact voting power, {os.cpu_count()} CPUs, load average {load:.1f}, Python {sys.version.split()[0]}")
    print("# times are CPU seconds of the process doing the work")
    print("\nSingle weighted quota (majority of 10,000 units):\n")
    print("| members | total | quota | distinct weights | Banzhaf | Shapley-Shubik | powerindex (both) | largest difference |")
    print("|---|---|---|---|---|---|---|---|")
    for row in single_quota_rows([80, 200] if args.quick else [80, 200, 500]):
        print(row, flush=True)
    print("\nComposite rule: weight majority, member majority, majority of members in 3 of 5 regions:\n")
    print("| members | weights | total | quota | members needed | fast engine | enumeration | same swings |")
    print("|---|---|---|---|---|---|---|---|")
    for row in composite_rows([12, 18, 50] if args.quick else [12, 18, 50, 100]):
        print(row, flush=True)
    print("\nA motion's regional double majority: weight majority, more yes than no weight in every region:\n")
    print("| members | weights | total | quota | members needed | fast engine | enumeration | same swings |")
    print("|---|---|---|---|---|---|---|---|")
    for row in composite_rows([12, 18, 50] if args.quick else [12, 18, 50, 80, 100], regional_motion):
        print(row, flush=True)


if __name__ == "__main__":
    main()
