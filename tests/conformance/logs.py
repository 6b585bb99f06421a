"""Deterministic motion logs for the conformance vectors, built as the web app builds them.

Everything that is random in the app is fixed here: signing keys, tie-break secrets, nonces
and times all derive from labels, so generating twice gives the same bytes
(docs/bulletin-board.md §9).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import voting
from ballots import bundle as bundle_format
from ballots import checkpoint, keys, leaves, merkle, receipt, seed
from ballots.note import Signer
from voting import weights as weight_policies

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=timezone.utc)
HOST = "vote.example.org"
MEMBERS: list[dict[str, Any]] = [
    {"id": id_, "region": region, "province": province, "setting": setting, "size_class": size,
     "population": population, "holder_type": holder, "clusters": []}
    for id_, region, province, setting, size, population, holder in (
        ("lip-halifax", "atlantic", "NS", "urban", "medium", 240000, "municipal"),
        ("lip-moncton", "atlantic", "NB", "urban", "small", 80000, "spo"),
        ("lip-montreal", "quebec", "QC", "urban", "large", 900000, "spo"),
        ("lip-ottawa", "ontario", "ON", "urban", "large", 600000, "municipal"),
        ("lip-sudbury", "ontario", "ON", "rural", "small", 40000, "municipal"),
        ("lip-calgary", "west", "AB", "urban", "large", 500000, "spo"),
        ("lip-kamloops", "west", "BC", "rural", "small", 30000, "spo"),
        ("lip-quebec", "quebec", "QC", "urban", "medium", 200000, "municipal"),
        ("lip-regina", "prairies", "SK", "urban", "medium", 150000, "spo"),
        ("lip-winnipeg", "prairies", "MB", "urban", "large", 450000, "municipal"),
    )
]


def signer(label: str, name: str = HOST) -> Signer:
    """A signing key derived from a public label: for test vectors only, never for a vote."""
    private = hashlib.sha256(f"lipvote conformance key: {label}".encode()).digest()
    return Signer(name, Ed25519PrivateKey.from_private_bytes(private))


SERVER = signer("server")
ROTATED = signer("server, rotated")
MALLORY = signer("mallory")  # the same name as the server, another key


def canonical(d: dict[str, Any]) -> str:
    return leaves.canonical_json(d)


def edit_leaf(text: str, **changes: Any) -> str:
    d = json.loads(text)
    d.update(changes)
    return canonical(d)


def final_checkpoint(texts: list[str], origin: str, by: Signer = SERVER) -> str:
    """A checkpoint over exactly these leaves (what a server that rewrote its log signs)."""
    tree = merkle.Tree(merkle.leaf_hash(t.encode("utf-8", "surrogatepass")) for t in texts)
    return checkpoint.sign_checkpoint(by, origin, tree.size, tree.root())


class Log:
    """One motion's log: open, ballots, key rotations, close; its receipts and checkpoints."""

    def __init__(self, name: str, *, method: str = "yes_no", options: tuple[str, ...] = (),
                 seats: int = 1, rules: dict[str, Any] | None = None, secret_ballot: bool = False,
                 revote: bool = True, policy: str = "equal", policy_format: int = 2,
                 leaf_format: int = 2, closes_at: datetime | None = None) -> None:
        self.name = name
        self.origin = f"{HOST}/motion/{sum(map(ord, name))}"
        self.motion = f"m-{name}"
        self.method, self.seats, self.revote = method, seats, revote
        self.options = list(options) or ["yes", "no", "abstain"]
        presets = weight_policies.PRESETS if policy_format == 2 else weight_policies.FORMAT_1_PRESETS
        self.snapshot = weight_policies.compute_weights(presets[policy], MEMBERS).as_dict()
        self.weights: dict[str, int] = dict(self.snapshot["weights"])
        self.regions = {m["id"]: m["region"] for m in MEMBERS}
        self.rules = dict(rules or {})
        self.rules["eligible"] = self._eligible()
        self.secret_ballot = secret_ballot
        self.leaf_format = leaf_format
        self.secret = hashlib.sha256(f"lipvote conformance secret: {name}".encode()).digest()
        self.signer = SERVER
        self.first_vkey = SERVER.vkey
        self.clock = T0
        self.leaves: list[str] = []
        self.frontier: list[bytes] = []
        self.checkpoints: list[str] = []
        self.receipts: list[dict[str, Any]] = []
        self.append(leaves.open_leaf(
            motion=self.motion, title={"en": f"Conformance vector {name}", "fr": f"Vecteur {name}"},
            method=method, options=self.options, seats=seats, rules=self.rules,
            secrecy="secret" if secret_ballot else "recorded", revote=revote,
            weights=self.snapshot, opened_at=self.tick(), closes_at=closes_at,
            seed_commitment=seed.commitment(self.secret) if leaf_format == 2 else None))

    def _eligible(self) -> dict[str, Any]:
        by_region: dict[str, dict[str, int]] = {}
        for member, units in self.weights.items():
            bucket = by_region.setdefault(self.regions[member], {"members": 0, "weight": 0})
            bucket["members"] += 1
            bucket["weight"] += units
        return {"members": len(self.weights), "weight": sum(self.weights.values()),
                "regions": dict(sorted(by_region.items()))}

    @property
    def uses_regions(self) -> bool:
        return (self.rules.get("double_majority") or {}).get("regions") is not None

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=37)
        return self.clock

    def nonce(self) -> str:
        digest = hashlib.sha256(f"{self.name} nonce {len(self.leaves)}".encode()).digest()
        return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")

    def append(self, text: str) -> dict[str, Any]:
        size = len(self.leaves)
        proof = merkle.frontier_inclusion_proof(self.frontier, size)
        self.frontier = merkle.frontier_append(self.frontier, size, merkle.leaf_hash(text.encode()))
        self.leaves.append(text)
        note = checkpoint.sign_checkpoint(self.signer, self.origin, size + 1,
                                          merkle.frontier_root(self.frontier, size + 1))
        self.checkpoints.append(note)
        return receipt.build_receipt(origin=self.origin, index=size, leaf=text, checkpoint=note,
                                     proof=proof, verifier_key=self.signer.vkey)

    def cast(self, member: str, selection: Any, *, supersedes: int | None = None,
             proxy: str | None = None) -> int:
        """Append ``member``'s ballot; return its leaf index."""
        r = self.append(leaves.ballot_leaf(
            motion=self.motion, weight=self.weights[member], selection=selection,
            cast_at=self.tick(), member=None if self.secret_ballot else member,
            region=self.regions[member] if self.uses_regions else None,
            supersedes=supersedes, proxy=proxy, nonce=self.nonce()))
        self.receipts.append(r)
        return len(self.leaves) - 1

    def rotate(self, new: Signer) -> None:
        """A key leaf signed by the key in force; the checkpoint including it by the new key."""
        self.append(keys.key_rotation_leaf(motion=self.motion, origin=self.origin, old=self.signer,
                                           new_vkey=new.vkey, announced_at=self.tick()))
        self.signer = new
        self.checkpoints[-1] = checkpoint.sign_checkpoint(
            new, self.origin, len(self.leaves), merkle.frontier_root(self.frontier, len(self.leaves)))

    def close(self) -> Log:
        ballots = sum(isinstance(leaves.parse_leaf(t), leaves.BallotLeaf) for t in self.leaves)
        self.append(leaves.close_leaf(motion=self.motion, closed_at=self.tick(), ballots=ballots,
                                      seed_secret=self.secret.hex() if self.leaf_format == 2 else None))
        return self

    def result(self, texts: list[str] | None = None, result_format: str = "lipvote-tally/2",
               tie_break_seed: bytes | None = None) -> dict[str, Any]:
        """The count of these leaves (the log's own by default), with the seed they give."""
        texts = self.leaves if texts is None else texts
        parsed = [leaves.parse_leaf(t) for t in texts]
        ballots = [(i, p) for i, p in enumerate(parsed) if isinstance(p, leaves.BallotLeaf)]
        replaced = {p.supersedes for _, p in ballots}
        counted = [(p.weight, p.selection, p.region) if self.uses_regions else (p.weight, p.selection)
                   for i, p in ballots if i not in replaced]
        if tie_break_seed is None:
            tie_break_seed = self.seed_of(texts)
        out: dict[str, Any] = voting.tally(
            self.method, counted, options=self.options, seats=self.seats, rules=self.rules,
            tie_break_seed=tie_break_seed, result_format=result_format).as_dict()
        return out

    def seed_of(self, texts: list[str]) -> bytes:
        tree = merkle.Tree(merkle.leaf_hash(t.encode("utf-8", "surrogatepass")) for t in texts)
        if self.leaf_format == 2:
            return seed.derive_seed(self.secret, tree.root(len(texts) - 1))
        return tree.root()

    def bundle(self, **over: Any) -> dict[str, Any]:
        """The bundle the app publishes: every earlier checkpoint, the final one, the result."""
        d = bundle_format.build_bundle(origin=self.origin, verifier_key=self.first_vkey,
                                       leaves=self.leaves, checkpoint=self.checkpoints[-1],
                                       checkpoints=self.checkpoints[:-1], result=self.result())
        d.update(over)
        return d

    def rewritten(self, texts: list[str], **over: Any) -> dict[str, Any]:
        """A dishonest server's bundle of these leaves: re-signed, counted consistently, and
        without the earlier checkpoints that would contradict it."""
        try:
            result = self.result(texts)
        except (voting.VotingError, leaves.LeafError):  # no honest count exists: keep the old one
            result = self.result()
        d = self.bundle(leaves=texts, checkpoint=final_checkpoint(texts, self.origin, self.signer),
                        checkpoints=[], result=result)
        d.update(over)
        return d
