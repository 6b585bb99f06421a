"""lipvote's bulletin board: leaves, Merkle log, checkpoints, receipts, bundles.

Pure Python (``cryptography``, ``rfc8785``); no web framework, no database.
Formats are specified byte for byte in ``docs/bulletin-board.md``.

Casting a ballot, as the web app does it (inside one database transaction)::

    from ballots import keys, leaves, merkle, checkpoint, receipt

    signer = keys.load_or_create("instance/signing.key", "lipvote.example.org")
    text = leaves.ballot_leaf(motion="m-42", weight=3, selection=["yes"],
                              cast_at=now, member="lip-ottawa")
    lh = merkle.leaf_hash(text.encode())
    proof = merkle.frontier_inclusion_proof(frontier, size)    # before appending
    frontier = merkle.frontier_append(frontier, size, lh)
    size += 1
    note = checkpoint.sign_checkpoint(signer, origin, size,
                                      merkle.frontier_root(frontier, size))
    # ... store text, frontier, note; commit; only then:
    r = receipt.build_receipt(origin=origin, index=size - 1, leaf=text,
                              checkpoint=note, proof=proof)

Auditing::

    from ballots import verify_bundle
    report = verify_bundle(bundle_dict, receipts=[r])
    report.ok, [(c.name, c.status, c.message) for c in report.checks]

The verifier is :mod:`ballots.verify` (one function per check; the reference),
with :mod:`ballots.fast` doing its heavy steps for large bundles
(``docs/verifier-internals.md``).

Errors: everything raised is a :class:`BallotsError`; malformed input is a
:class:`FormatError`, a failed check a :class:`VerificationError` (Merkle
proofs: :class:`ProofError`; signatures: :class:`SignatureError`).
"""

from . import bundle, checkpoint, keys, leaves, merkle, note, receipt
from .bundle import AUDIT_FORMAT, BUNDLE_FORMAT, build_audit_bundle, build_bundle, parse_bundle
from .checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint
from .errors import (
    BallotsError,
    FormatError,
    KeyFormatError,
    LeafError,
    NoteError,
    ProofError,
    RootMismatchError,
    SignatureError,
    VerificationError,
)
from .keys import follow_rotation, key_rotation_leaf, load_or_create, load_signing_key
from .leaves import (
    LEAF_FORMAT,
    AuditLeaf,
    BallotLeaf,
    CloseLeaf,
    KeyLeaf,
    OpenLeaf,
    audit_leaf,
    ballot_leaf,
    canonical_json,
    close_leaf,
    open_leaf,
    parse_leaf,
)
from .merkle import Tree
from .note import Signer, Verifier, parse_vkey
from .receipt import (
    RECEIPT_FORMAT,
    build_receipt,
    receipt_to_tlog_proof,
    tracking_code,
    verify_receipt,
)
from .verify import Check, Report, verify_bundle

__all__ = [
    # modules
    "bundle", "checkpoint", "keys", "leaves", "merkle", "note", "receipt",
    # formats
    "AUDIT_FORMAT", "BUNDLE_FORMAT", "LEAF_FORMAT", "RECEIPT_FORMAT",
    # errors
    "BallotsError", "FormatError", "KeyFormatError", "LeafError", "NoteError", "ProofError",
    "RootMismatchError", "SignatureError", "VerificationError",
    # leaves
    "AuditLeaf", "BallotLeaf", "CloseLeaf", "KeyLeaf", "OpenLeaf", "audit_leaf",
    "ballot_leaf", "canonical_json", "close_leaf", "open_leaf", "parse_leaf",
    # log, keys, checkpoints
    "Tree", "Signer", "Verifier", "parse_vkey", "load_or_create", "load_signing_key",
    "key_rotation_leaf", "follow_rotation", "Checkpoint", "SignedCheckpoint",
    "sign_checkpoint", "open_checkpoint",
    # receipts, bundles, verification
    "build_receipt", "verify_receipt", "receipt_to_tlog_proof", "tracking_code",
    "build_bundle", "build_audit_bundle", "parse_bundle", "verify_bundle", "Report", "Check",
]
