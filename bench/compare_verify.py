"""Side-by-side ``lipvote verify --no-tally`` of two checkouts on the same bundle.

    git worktree add OLD_CHECKOUT <commit>
    .venv/bin/python bench/compare_verify.py OLD_CHECKOUT . --ballots 1000000 --rounds 5

Builds one closed motion bundle (as ``bench_ballots.py`` does), then for each
round measures raw SHA-256 over the leaf bytes (one call per leaf) and runs the
verifier of each checkout on the bundle in a fresh process, alternating, so
that the slow and fast minutes of a shared machine fall on both.  Prints one
line per round: the raw time, each checkout's verify time and its ratio to the
raw time, and the CPU seconds of its verifier and of the tree child (which a busy
machine disturbs less than the wall clock).  Nothing is asserted; see
docs/benchmarks.md for how it was used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ballots import ORIGIN, make_leaves  # noqa: E402

from ballots import checkpoint, merkle  # noqa: E402
from ballots.bundle import build_bundle  # noqa: E402
from ballots.note import Signer  # noqa: E402

_RUN = ("import sys,time,resource as r;from ballots import cli;t=time.perf_counter();"
        "c=cli.main(sys.argv[1:],stdout=open('/dev/null','w'));w=time.perf_counter()-t;"
        "s=r.getrusage(r.RUSAGE_SELF);k=r.getrusage(r.RUSAGE_CHILDREN);"
        "print('BENCH',w,s.ru_utime+s.ru_stime,k.ru_utime+k.ru_stime,c)")


def _verify(checkout: Path, bundle: Path) -> tuple[float, float, float]:
    """Wall seconds, and the CPU seconds of the verifier and of its tree child."""
    proc = subprocess.run([sys.executable, "-c", _RUN, str(bundle), "--no-tally"],
                          capture_output=True, text=True, cwd=checkout)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH")), None)
    if line is None or not line.endswith(" 0"):
        raise SystemExit(f"verify in {checkout} failed:\n{proc.stdout}\n{proc.stderr}")
    wall, cpu, child_cpu = map(float, line.split()[1:4])
    return wall, cpu, child_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkouts", type=Path, nargs="+", help="repository checkouts to compare")
    ap.add_argument("--ballots", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    texts = make_leaves(args.ballots, random.Random(2025))
    data = [t.encode() for t in texts]
    tree = merkle.Tree([merkle.leaf_hash(d) for d in data])
    signer = Signer.generate("bench.example.org")
    bundle = build_bundle(origin=ORIGIN, verifier_key=signer.vkey, leaves=texts,
                          checkpoint=checkpoint.sign_checkpoint(signer, ORIGIN, tree.size,
                                                                tree.root()), result={})
    del texts, tree
    sha = hashlib.sha256
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bundle.json"
        path.write_text(json.dumps(bundle))
        del bundle
        for r in range(args.rounds):
            t = time.perf_counter()
            [sha(x).digest() for x in data]
            raw = time.perf_counter() - t
            cells = [f"{c}: {v:.2f} s ({v / raw:.1f}x), CPU {cpu:.2f} s + child {kid:.2f} s"
                     for c, (v, cpu, kid) in ((c, _verify(c.resolve(), path))
                                              for c in args.checkouts)]
            print(f"round {r + 1}: raw {raw:.3f} s | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
