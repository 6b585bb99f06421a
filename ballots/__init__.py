"""lipvote bulletin board: leaves, Merkle log, checkpoints, receipts, bundles."""

from .errors import BallotsError, FormatError, ProofError, VerificationError

__all__ = ["BallotsError", "FormatError", "ProofError", "VerificationError"]
