"""The demo's two member witnesses: Halifax LIP and PLI d'Ottawa cosign every demo log once loaded.

They are the very witness of `lipvote witness serve` (ballots.witness), run in this process with
their state under instance/demo-witnesses/, so `make run` needs no other process. Their keys are
derived from published strings, like the demo's two-factor key: demo data, never a real witness.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ballots.cosignature import Cosigner, WitnessKey
from ballots.witness import Witness

from app import board
from app.extensions import db
from app.motions.models import TransparencyLog
from app.witnesses import Transport, cosign_logs

DEMO_WITNESSES = (("halifax", "lip-halifax.demo.example/witness"), ("ottawa", "lip-ottawa.demo.example/witness"))


def demo_cosigner(slug: str, name: str) -> Cosigner:
    return Cosigner.from_seed(name, hashlib.sha256(f"lipvote demo witness {slug}".encode()).digest())


def _in_process(witness: Witness) -> Transport:
    def send(body: bytes) -> tuple[int, str, bytes]:
        answer = witness.add_checkpoint(body)
        return answer.status, answer.content_type, answer.body

    return send


def demo_witnesses() -> list[tuple[WitnessKey, Transport]]:
    folder = Path(current_app.instance_path) / "demo-witnesses"
    log_keys = [board.signer().verifier]
    found = []
    for slug, name in DEMO_WITNESSES:
        cosigner = demo_cosigner(slug, name)
        found.append((cosigner.key, _in_process(Witness(cosigner, log_keys, folder / slug))))
    return found


def load_witnesses() -> int:
    """Ask both demo witnesses to cosign the latest checkpoint of every log; how many were stored."""
    return cosign_logs(db.session.scalars(select(TransparencyLog.id)), demo_witnesses())
