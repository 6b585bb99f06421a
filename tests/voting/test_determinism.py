"""The explanation must not depend on the process: py-vote-core iterates sets of strings,
whose order changes with PYTHONHASHSEED.  Two interpreters with different hash seeds must
produce byte-identical canonical JSON for every method, ties included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import random, rfc8785, hashlib, voting
rnd = random.Random(7)
opts = ["alpha", "beta", "gamma", "delta", "epsilon"]
ranked = []
for _ in range(40):
    r = opts[:]; rnd.shuffle(r)
    ranked.append((rnd.choice([1, 2, 3, 5]), r[: rnd.randint(0, 5)]))
ranked += [(4, ["alpha", "beta"]), (4, ["beta", "alpha"])]
out = []
for method, seats in [("plurality", 2), ("approval", 2), ("irv", 1), ("stv", 3), ("schulze", 1),
                      ("ranked_pairs", 1), ("schulze_stv", 2)]:
    ballots = [(w, r[0] if r else None) for w, r in ranked] if method == "plurality" else ranked
    for seed in (None, b"seed"):
        res = voting.tally(method, ballots, options=opts, seats=seats, tie_break_seed=seed)
        out.append(rfc8785.dumps(res.as_dict()))
print(hashlib.sha256(b"".join(out)).hexdigest())
"""


def run(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def test_explanations_identical_across_hash_seeds() -> None:
    digests = {run(seed) for seed in ("0", "1", "12345")}
    assert len(digests) == 1
