"""The worked example of docs/bulletin-board.md, built with the real code.

Run ``python tests/ballots/docs_example.py`` to print every value; the test
``test_docs_example.py`` checks that the document still shows them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import voting
from voting import weights as voting_weights
from ballots import bundle, checkpoint, leaves, merkle, receipt
from ballots.note import Signer

SEED = hashlib.sha256(b"lipvote docs example key").digest()
ORIGIN = "vote.example.org/motion/m-2025-007"
SNAPSHOT = {
    "format": "lipvote-weights/2",
    "policy": {"kind": "equal", "rule": "exact", "total": None, "cap": None, "floor": None},
    "members": [],
}


def build() -> dict[str, Any]:
    signer = Signer("vote.example.org", Ed25519PrivateKey.from_private_bytes(SEED))
    members = [{"id": m, "region": "on", "province": "ON", "setting": "urban",
                "size_class": "small", "population": None, "holder_type": "spo",
                "clusters": []} for m in ("lip-hamilton", "lip-ottawa", "lip-sudbury")]
    snapshot = voting_weights.compute_weights(SNAPSHOT["policy"], members).as_dict()
    texts = [
        leaves.open_leaf(motion="m-2025-007", title={"en": "Adopt the 2025 budget",
                                                     "fr": "Adopter le budget 2025"},
                         method="yes_no", options=["yes", "no", "abstain"], seats=1,
                         rules={"threshold": "majority_cast"}, secrecy="recorded", revote=True,
                         weights=snapshot, opened_at="2025-03-01T14:00:00Z"),
        leaves.ballot_leaf(motion="m-2025-007", weight=1, selection="yes",
                           cast_at="2025-03-01T14:03:12Z", member="lip-ottawa",
                           nonce="q83vEjRWeJCrze8SNFZ4kA"),
        leaves.ballot_leaf(motion="m-2025-007", weight=1, selection="no",
                           cast_at="2025-03-01T14:04:40Z", member="lip-hamilton",
                           nonce="3q2-7wAAAAAAAAAAAAAAAA"),
        leaves.close_leaf(motion="m-2025-007", closed_at="2025-03-01T15:00:00Z", ballots=2),
    ]
    hashes = [merkle.leaf_hash(t.encode()) for t in texts]
    tree = merkle.Tree(hashes)
    cps = [checkpoint.sign_checkpoint(signer, ORIGIN, k, tree.root(k)) for k in range(1, 5)]
    rcpt = receipt.build_receipt(origin=ORIGIN, index=1, leaf=texts[1], checkpoint=cps[1],
                                 proof=tree.inclusion_proof(1, 2))
    result = voting.tally("yes_no", [(1, "yes"), (1, "no")], options=["yes", "no", "abstain"],
                          rules={"threshold": "majority_cast"},
                          tie_break_seed=tree.root()).as_dict()
    b = bundle.build_bundle(origin=ORIGIN, verifier_key=signer.vkey, leaves=texts,
                            checkpoint=cps[-1], result=result, checkpoints=cps[:-1])
    return {
        "skey": signer.to_skey(),
        "vkey": signer.vkey,
        "key_id": f"{signer.key_id:08x}",
        "leaves": texts,
        "leaf_hashes": [h.hex() for h in hashes],
        "node_01": merkle.node_hash(hashes[0], hashes[1]).hex(),
        "node_23": merkle.node_hash(hashes[2], hashes[3]).hex(),
        "roots": [tree.root(k).hex() for k in range(1, 5)],
        "frontier_3": merkle.frontier_to_json(tree.frontier(3)),
        "checkpoints": cps,
        "receipt": rcpt,
        "tlog_proof": receipt.receipt_to_tlog_proof(rcpt),
        "consistency_2_4": [p.hex() for p in tree.consistency_proof(2, 4)],
        "result": result,
        "bundle": b,
    }


if __name__ == "__main__":
    ex = build()
    for k, v in ex.items():
        if k == "bundle":
            continue
        print(f"== {k}")
        print(v if isinstance(v, str) else json.dumps(v, indent=1, ensure_ascii=False))
