"""A motion log built the way the web app builds one: append a leaf, extend the
frontier, sign a checkpoint, issue the receipt from the frontier; then close,
tally with the real engine (:func:`voting.tally`) and bundle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
import json
from typing import Any

import voting
from voting import weights as voting_weights

from ballots import bundle as bundle_mod
from ballots import checkpoint, keys, leaves, merkle, receipt, seed
from ballots.decides import Decides
from ballots.note import Signer

T0 = datetime(2025, 3, 1, 14, 0, tzinfo=timezone.utc)
# Five members; a tiered policy (factors 1/2/3 by size, 18 units) gives 6, 4, 4, 2, 2.
POLICY = {"kind": "tiered", "total": 18, "tiers": {"small": 1, "medium": 2, "large": 3},
          "cap": None, "floor": None}
MEMBERS = [
    {"id": "lip-a", "region": "east", "province": "ON", "setting": "urban", "size_class": "large",
     "population": 500000, "holder_type": "municipal", "clusters": []},
    {"id": "lip-b", "region": "east", "province": "ON", "setting": "urban", "size_class": "medium",
     "population": 200000, "holder_type": "spo", "clusters": []},
    {"id": "lip-c", "region": "west", "province": "AB", "setting": "urban", "size_class": "medium",
     "population": 150000, "holder_type": "spo", "clusters": []},
    {"id": "lip-d", "region": "west", "province": "BC", "setting": "rural", "size_class": "small",
     "population": 40000, "holder_type": "municipal", "clusters": []},
    {"id": "lip-e", "region": "west", "province": "BC", "setting": "rural", "size_class": "small",
     "population": 30000, "holder_type": "spo", "clusters": []},
]
SNAPSHOT: dict[str, Any] = voting_weights.compute_weights(POLICY, MEMBERS).as_dict()
WEIGHTS: dict[str, int] = dict(SNAPSHOT["weights"])
REGIONS = {m["id"]: m["region"] for m in MEMBERS}


def weight_snapshot() -> dict[str, Any]:
    """The published snapshot (voting.weights format) placed in the open leaf."""
    return json.loads(json.dumps(SNAPSHOT))


@dataclass
class MotionLog:
    origin: str = "lipvote.test/m-1"
    motion: str = "m-1"
    method: str = "plurality"
    options: tuple[str, ...] = ("yes", "no", "abstain")
    seats: int = 1
    secrecy: str = "recorded"
    revote: bool = True
    rules: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=lambda: dict(WEIGHTS))
    signer: Signer = field(default_factory=lambda: Signer.generate("lipvote.test"))
    leaves: list[str] = field(default_factory=list)
    frontier: list[bytes] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    first_vkey: str = ""
    clock: datetime = T0
    decides: Decides | None = None
    leaf_format: int = 2  # 1: no seed commitment, the seed is the final root
    secret: bytes = field(default_factory=seed.new_secret)
    ballots_root: bytes | None = None  # the root just before the close leaf

    def __post_init__(self) -> None:
        self.first_vkey = self.signer.vkey
        self.append(leaves.open_leaf(
            motion=self.motion, title={"en": "Adopt the budget", "fr": "Adopter le budget"},
            method=self.method, options=list(self.options), seats=self.seats, rules=self.rules,
            secrecy=self.secrecy, revote=self.revote, weights=weight_snapshot(),
            opened_at=self.tick(), decides=self.decides,
            seed_commitment=seed.commitment(self.secret) if self.leaf_format == 2 else None))

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=7)
        return self.clock

    def append(self, text: str) -> dict[str, Any]:
        size = len(self.leaves)
        lh = merkle.leaf_hash(text.encode("utf-8"))
        proof = merkle.frontier_inclusion_proof(self.frontier, size)
        self.frontier = merkle.frontier_append(self.frontier, size, lh)
        self.leaves.append(text)
        note = checkpoint.sign_checkpoint(self.signer, self.origin, size + 1,
                                          merkle.frontier_root(self.frontier, size + 1))
        self.checkpoints.append(note)
        return receipt.build_receipt(origin=self.origin, index=size, leaf=text, checkpoint=note,
                                     proof=proof, verifier_key=self.signer.vkey)

    def cast(self, member: str, selection: Any, *, supersedes: int | None = None,
             weight: int | None = None, region: str | None = None,
             proxy: str | None = None) -> dict[str, Any]:
        text = leaves.ballot_leaf(
            motion=self.motion, weight=self.weights[member] if weight is None else weight,
            selection=selection, cast_at=self.tick(),
            member=member if self.secrecy == "recorded" else None, region=region,
            supersedes=supersedes, proxy=proxy)
        r = self.append(text)
        self.receipts.append(r)
        return r

    def rotate(self, new: Signer) -> None:
        self.append(keys.key_rotation_leaf(motion=self.motion, origin=self.origin, old=self.signer,
                                           new_vkey=new.vkey, announced_at=self.tick()))
        self.signer = new
        # re-sign the head with the new key: the checkpoint including the rotation leaf
        self.checkpoints[-1] = checkpoint.sign_checkpoint(
            new, self.origin, len(self.leaves), merkle.frontier_root(self.frontier, len(self.leaves)))

    def close(self) -> None:
        n = sum(1 for x in self.leaves if '"type":"ballot"' in x)
        self.ballots_root = self.root()
        revealed = self.secret.hex() if self.leaf_format == 2 else None
        self.append(leaves.close_leaf(motion=self.motion, closed_at=self.tick(), ballots=n,
                                      seed_secret=revealed))

    def counted(self) -> list[tuple[Any, ...]]:
        parsed = [leaves.parse_leaf(x) for x in self.leaves]
        superseded = {p.supersedes for p in parsed if isinstance(p, leaves.BallotLeaf)}
        out: list[tuple[Any, ...]] = []
        for i, p in enumerate(parsed):
            if isinstance(p, leaves.BallotLeaf) and i not in superseded:
                out.append((p.weight, p.selection) if p.region is None
                           else (p.weight, p.selection, p.region))
        return out

    def root(self) -> bytes:
        return merkle.frontier_root(self.frontier, len(self.leaves))

    def tie_break_seed(self) -> bytes:
        """The seed of docs/bulletin-board.md §2.7: derived (lipvote-leaf/2) or the final root."""
        if self.leaf_format == 2 and self.ballots_root is not None:
            return seed.derive_seed(self.secret, self.ballots_root)
        return self.root()

    def result(self) -> dict[str, Any]:
        r: dict[str, Any] = voting.tally(self.method, self.counted(), options=list(self.options),
                                         seats=self.seats, rules=self.rules,
                                         tie_break_seed=self.tie_break_seed()).as_dict()
        return r

    def bundle(self, **over: Any) -> dict[str, Any]:
        d = bundle_mod.build_bundle(origin=self.origin, verifier_key=self.first_vkey,
                                    leaves=self.leaves, checkpoint=self.checkpoints[-1],
                                    result=self.result(), checkpoints=self.checkpoints[1:-1:3])
        d.update(over)
        return d


def standard_log(**kw: Any) -> MotionLog:
    """Five members; lip-c changes its vote once; closed."""
    log = MotionLog(**kw)
    log.cast("lip-a", "yes")
    log.cast("lip-b", "no")
    first_c = log.cast("lip-c", "no")
    log.cast("lip-d", "yes")
    log.cast("lip-c", "yes", supersedes=first_c["index"])
    log.close()
    return log

