"""Benchmark of the bulletin board: leaf hashing, proof generation, full verify.

    .venv/bin/python bench/bench_ballots.py                 # 10k, 100k, 1M ballots
    .venv/bin/python bench/bench_ballots.py --sizes 10000   # quicker

For each size it builds a closed recorded motion (80 members, every ballot a
revote of the member's previous one, so the log is as long as asked), writes
the bundle to a temporary file and measures, in this one run:

* raw SHA-256 over the same leaf bytes, one call per leaf (the floor);
* leaf hashing (SHA-256 of 0x00 || leaf) and building the cached Merkle tree;
* proof generation: inclusion proofs for 1000 random leaves and consistency
  proofs for 1000 random sizes, from the cached tree; and appending every leaf
  to a frontier, as the web app does when casting;
* full verification without re-tally (``lipvote verify --no-tally``: read the
  bundle file, parse and check every leaf, hash, root, signature, weights,
  ballots), in a fresh process: its peak RSS, that of the child it forks to
  share the tree (pages the two share count in both), and, in one more run
  that is not timed, the peak of their proportional set sizes added up (the
  physical memory the two hold together).

Raw hashing and verify alternate for three rounds; the table gives the best of
each, their ratio, and the ratio of each round, so that a burst of other load
on a shared machine spoils one round rather than the result.

Goal (issue 5): verify 1M ballots within 4x the raw hashing time, peak < 1 GiB.
Timings are wall-clock on whatever machine runs this; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ballots import checkpoint, leaves, merkle  # noqa: E402
from ballots.bundle import build_bundle  # noqa: E402
from ballots.note import Signer  # noqa: E402
from voting import weights as voting_weights  # noqa: E402

MEMBERS = 80
ORIGIN = "bench.example.org/motion/bench"


def _members() -> list[dict[str, object]]:
    sizes = ("small", "medium", "large")
    return [{"id": f"lip-{i:03d}", "region": ("east", "west", "north")[i % 3], "province": "ON",
             "setting": "urban", "size_class": sizes[i % 3], "population": 10000 + i,
             "holder_type": "spo", "clusters": []} for i in range(MEMBERS)]


def make_leaves(n: int, rng: random.Random) -> list[str]:
    """A closed motion log with ``n`` ballot leaves (built fast, canonical by construction)."""
    snap = voting_weights.compute_weights(
        {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3},
         "cap": None, "floor": None}, _members()).as_dict()
    w = snap["weights"]
    out = [leaves.open_leaf(motion="bench", title={"en": "Bench", "fr": "Banc"},
                            method="plurality", options=["a", "b", "c"], seats=1, rules={},
                            secrecy="recorded", revote=True, weights=snap,
                            opened_at="2025-03-01T00:00:00Z")]
    last: dict[str, int] = {}
    ids = sorted(w)
    for k in range(n):
        m = ids[k % MEMBERS]
        sup = last.get(m)
        nonce = base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()
        t = 1 + k * (3600 * 24 - 2) // max(n, 1)  # strictly inside the voting day
        cast = f"2025-03-01T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z"
        sel = "abc"[rng.randrange(3)]
        out.append(f'{{"cast_at":"{cast}","member":"{m}","motion":"bench","nonce":"{nonce}",'
                   f'"selection":"{sel}","supersedes":{"null" if sup is None else sup},'
                   f'"type":"ballot","weight":{w[m]}}}')
        last[m] = len(out) - 1
    out.append(leaves.close_leaf(motion="bench", closed_at="2025-03-02T00:00:00Z", ballots=n))
    return out


def _best(fn: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best


def bench_size(n: int, tmp: Path, rng: random.Random) -> dict[str, float]:
    texts = make_leaves(n, rng)
    data = [t.encode() for t in texts]
    sha = hashlib.sha256
    repeat = 3 if n <= 100_000 else 1
    hashing = _best(lambda: [merkle.leaf_hash(d) for d in data], repeat)
    hashes = [merkle.leaf_hash(d) for d in data]
    tree_t = _best(lambda: merkle.Tree(hashes), repeat)
    tree = merkle.Tree(hashes)
    size = tree.size
    idx = [rng.randrange(size) for _ in range(1000)]
    incl = _best(lambda: [tree.inclusion_proof(i) for i in idx], repeat) / 1000
    olds = [rng.randrange(1, size) for _ in range(1000)]
    cons = _best(lambda: [tree.consistency_proof(o) for o in olds], repeat) / 1000

    def frontier_all() -> None:
        f: list[bytes] = []
        for i, h in enumerate(hashes):
            f = merkle.frontier_append(f, i, h)

    front = _best(frontier_all, 1) / size

    signer = Signer.generate("bench.example.org")
    b = build_bundle(origin=ORIGIN, verifier_key=signer.vkey, leaves=texts,
                     checkpoint=checkpoint.sign_checkpoint(signer, ORIGIN, size, tree.root()),
                     result={})
    path = tmp / f"bundle-{n}.json"
    path.write_text(json.dumps(b))
    del b, texts, hashes, tree
    # raw hashing and verify alternate, best of each: on a shared machine a burst of
    # other load then spoils one round, not the ratio
    raws, runs = [], []
    for _ in range(ROUNDS):
        raws.append(_best(lambda: [sha(d).digest() for d in data], 1))
        runs.append(_verify_run(path))
    pss_mib = _peak_pss_mib(path)
    path.unlink()
    best = min(runs, key=lambda r: r["verify"])
    return {"n": n, "raw": min(raws), "hashing": hashing, "tree": tree_t,
            "incl_us": incl * 1e6, "cons_us": cons * 1e6, "frontier_us": front * 1e6,
            "verify": best["verify"], "ratios": [v["verify"] / r for v, r in zip(runs, raws)],
            "peak_mib": max(r["peak_mib"] for r in runs),
            "child_mib": max(r["child_mib"] for r in runs), "pss_mib": pss_mib}


ROUNDS = 3


def _verify_run(path: Path) -> dict[str, float]:
    """``lipvote verify --no-tally`` in a fresh process: its time, its own peak RSS, and
    the peak RSS of the child it forks to share the tree (which counts the bundle bytes
    the two share, read-only, in both)."""
    child = [sys.executable, "-c",
             "import resource,sys,time;from ballots import cli;t=time.perf_counter();"
             "c=cli.main(sys.argv[1:]);d=time.perf_counter()-t;"
             # VmHWM: peak RSS of this process image (ru_maxrss would include the
             # benchmark parent's pages inherited through fork)
             "hwm=open('/proc/self/status').read().split('VmHWM:')[1].split()[0];"
             "kid=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
             "print('BENCH',d,hwm,kid,c)",
             str(path), "--no-tally"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.run(child, capture_output=True, text=True, env=env)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH")), None)
    if line is None or "FAIL" in proc.stdout:
        raise SystemExit(f"verify failed:\n{proc.stdout}\n{proc.stderr}")
    _, verify_s, rss_kb, child_kb, code = line.split()
    if int(code) != 0:
        raise SystemExit(f"verify exited {code}:\n{proc.stdout}")
    return {"verify": float(verify_s), "peak_mib": int(rss_kb) / 1024,
            "child_mib": int(child_kb) / 1024}


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(x.split()[1]) for x in f if x.startswith("Pss:")), 0)
    except OSError:  # the process has just ended
        return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _peak_pss_mib(path: Path) -> float:
    """The most physical memory the verifier and its tree child hold together: the sum
    of their proportional set sizes (shared pages counted once), sampled every 5 ms in
    a run of its own (sampling walks their page tables, so no timing is taken here)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-m", "ballots.cli", str(path), "--no-tally"],
                            stdout=subprocess.DEVNULL, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(map(_pss_kib, [proc.pid, *_children(proc.pid)])))
        time.sleep(0.005)
    return peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    print("| ballots | raw SHA-256 | leaf hashing | tree build | inclusion proof | "
          "consistency proof | frontier append | verify (no re-tally) | verify / raw | "
          "each round | peak RSS | tree child's peak RSS | both, peak PSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for n in args.sizes:
            r = bench_size(n, Path(d), rng)
            rounds = ", ".join(f"{x:.1f}x" for x in r["ratios"])
            print(f"| {n:,} | {r['raw']:.3f} s | {r['hashing']:.3f} s ({r['hashing'] / r['raw']:.1f}x)"
                  f" | {r['tree']:.3f} s | {r['incl_us']:.0f} µs | {r['cons_us']:.0f} µs | "
                  f"{r['frontier_us']:.1f} µs | {r['verify']:.2f} s | "
                  f"{r['verify'] / r['raw']:.1f}x | {rounds} | {r['peak_mib']:.0f} MiB | "
                  + (f"{r['child_mib']:.0f} MiB" if r["child_mib"] else "none forked")
                  + f" | {r['pss_mib']:.0f} MiB |", flush=True)

if __name__ == "__main__":
    main()
