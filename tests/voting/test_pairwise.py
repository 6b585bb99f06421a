"""The numpy pairwise matrix of the fast path (64+ distinct rankings) equals the reference."""

from __future__ import annotations

import random

from voting._ingest import Group
from voting._pairwise import pairwise_matrix
from voting.fast import pairwise_from_groups


def test_numpy_path_matches_integer_path() -> None:
    rnd = random.Random(11)
    options = [f"o{i}" for i in range(7)]
    groups = []
    for _ in range(400):
        r = options[:]
        rnd.shuffle(r)
        groups.append(Group(tuple(r[: rnd.randint(1, 7)]), None, 1, rnd.randint(1, 10**6)))
    full = [Group(tuple(rnd.sample(options, 7)), None, 1, rnd.randint(1, 9)) for _ in range(100)]
    for sample in (groups, full):
        assert pairwise_from_groups(sample, options) == pairwise_matrix(sample, options)
