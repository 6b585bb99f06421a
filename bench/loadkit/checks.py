"""After the meeting: close the motions, export the bundles, and check that nothing went wrong.

* every bundle passes the offline verifier, with every receipt the delegates kept;
* every acknowledged cast is in its motion's log, at the index its receipt named, with the
  member and choice that were posted (else it is *lost*);
* each member has exactly one counted ballot per motion, in the log (following `supersedes`)
  and in the database; a member's ballots in the log are no more than its acknowledged casts
  plus its casts whose answer was cut off by a kill (*unknown*: in the log or not, never twice);
* for every transparency log, the Merkle root recomputed from the stored leaves equals the root
  of its last stored signed checkpoint, at the log's size.

Everything is read through the public pages (as a delegate, the chair and an auditor would)
except the last two points, which read the database the server wrote.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select

from ballots import merkle
from ballots.checkpoint import open_checkpoint
from ballots.errors import BallotsError
from ballots.leaves import BallotLeaf, parse_leaf
from ballots.note import parse_vkey
from ballots.verify import verify_bundle_bytes

from app.extensions import db
from app.models import Member
from app.motions.models import Ballot, LogCheckpoint, LogLeaf, TransparencyLog

from bench.loadkit.client import Session
from bench.loadkit.meeting import Cast, Meeting

AFTER = "after the window: "  # latency kinds recorded by the checks, kept out of the meeting's figures


@dataclass
class Findings:
    bundles: int = 0
    bundles_verified: int = 0
    receipts_verified: int = 0
    receipts_before_last_kill: int = 0
    acknowledged: int = 0
    unknown: int = 0
    unknown_in_log: int = 0
    lost: list[str] = field(default_factory=list)
    double_counted: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # ballots in the log that nobody cast
    logs_checked: int = 0
    log_problems: list[str] = field(default_factory=list)  # a log whose root or checkpoint is wrong
    problems: list[str] = field(default_factory=list)  # everything else that is wrong

    @property
    def ok(self) -> bool:
        return (not self.lost and not self.double_counted and not self.unexplained and not self.problems
                and not self.log_problems and self.bundles_verified == self.bundles)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "bundles": self.bundles, "bundles_verified": self.bundles_verified,
                "receipts_verified": self.receipts_verified, "receipts_before_last_kill": self.receipts_before_last_kill,
                "acknowledged": self.acknowledged, "unknown": self.unknown, "unknown_in_log": self.unknown_in_log,
                "lost": self.lost[:20], "double_counted": self.double_counted[:20],
                "unexplained": self.unexplained[:20], "logs_checked": self.logs_checked,
                "log_problems": self.log_problems[:20],
                "problems": self.problems[:20]}


def check_meeting(meeting: Meeting, app: Flask) -> Findings:
    found = Findings()
    if meeting.plan.mode == "cast":
        _fetch_receipt_sample(meeting)
    chair = Session(meeting.server.port)
    try:
        _close_motions(meeting, chair, found)
        bundles = _verify_bundles(meeting, chair, found)
    finally:
        chair.close()
    casts = meeting.tally.casts
    found.acknowledged = sum(1 for c in casts if c.index is not None)
    found.unknown = sum(1 for c in casts if c.index is None)
    for motion in meeting.federation.open_motions[:meeting.plan.motions]:
        if motion in bundles:
            count_ballots(motion, bundles[motion], [c for c in casts if c.motion == motion], found)
    with app.app_context():
        check_database(meeting.federation.open_motions[:meeting.plan.motions], bundles, found)
        check_log_roots(found)
    return found


def _fetch_receipt_sample(meeting: Meeting) -> None:
    """In "cast" mode nobody opened a receipt during the run: fetch a random sample now."""
    acknowledged = [c for c in meeting.tally.casts if c.index is not None]
    sample = random.Random(meeting.plan.seed).sample(acknowledged, min(meeting.plan.receipt_sample, len(acknowledged)))
    for cast in sample:
        assert cast.index is not None
        meeting.fetch_receipt(meeting.sessions[cast.member], cast.member, cast.motion, cast.index,
                              until=time.monotonic() + 60, kind=AFTER + "receipt.json")


def _close_motions(meeting: Meeting, chair: Session, found: Findings) -> None:
    reply = chair.sign_in(meeting.federation.chair, meeting.federation.password)
    if reply.status != 302:
        found.problems.append(f"the chair cannot sign in: {reply.status}")
        return
    for motion in meeting.federation.open_motions[:meeting.plan.motions]:
        page = chair.get(f"/motions/{motion}/close")
        meeting.tally.answer(AFTER + "close page", page, 200)
        done = chair.post(f"/motions/{motion}/close", [("csrf_token", page.csrf_token())])
        if not meeting.tally.answer(AFTER + "close", done, 302):
            found.problems.append(f"closing motion {motion}: {done.status}")


def _verify_bundles(meeting: Meeting, auditor: Session, found: Findings) -> dict[int, dict[str, Any]]:
    last_kill = max((k.at for k in meeting.kills), default=None)
    receipts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for receipt in meeting.tally.receipts:
        receipts[receipt.motion].append(receipt.data)
        if receipt.data.get("index") != receipt.index:
            found.problems.append(f"receipt of leaf {receipt.index} of motion {receipt.motion} names leaf "
                                  f"{receipt.data.get('index')}")
    bundles = {}
    for motion in [*meeting.federation.open_motions[:meeting.plan.motions], *meeting.federation.closed_motions]:
        found.bundles += 1
        reply = auditor.get(f"/audit/motions/{motion}/bundle.json")
        if not meeting.tally.answer(AFTER + "bundle.json", reply, 200):
            found.problems.append(f"bundle of motion {motion}: {reply.status}")
            continue
        data = reply.body.encode("utf-8")
        report = verify_bundle_bytes(data, receipts=receipts[motion])
        if report.ok:
            found.bundles_verified += 1
            found.receipts_verified += len(receipts[motion])
        else:
            found.problems += [f"motion {motion}, verifier check {c.name}: {c.message}" for c in report.failures()]
        bundles[motion] = json.loads(data)
    if last_kill is not None:
        found.receipts_before_last_kill = sum(1 for r in meeting.tally.receipts if r.at < last_kill)
    return bundles


def count_ballots(motion: int, bundle: dict[str, Any], casts: list[Cast], found: Findings) -> None:
    """Acknowledged casts are in the log as posted; one counted ballot per member; no ballot from nowhere."""
    leaves = bundle["leaves"]
    by_member: dict[str, list[tuple[int, BallotLeaf]]] = defaultdict(list)
    for index, text in enumerate(leaves):
        leaf = parse_leaf(text)
        if isinstance(leaf, BallotLeaf):
            if leaf.member is None:
                found.problems.append(f"motion {motion} leaf {index}: a recorded ballot without its member")
                continue
            by_member[leaf.member].append((index, leaf))
    for cast in casts:
        if cast.index is None:
            continue
        found_leaf = parse_leaf(leaves[cast.index]) if cast.index < len(leaves) else None
        if not (isinstance(found_leaf, BallotLeaf) and found_leaf.member == cast.member
                and found_leaf.selection == cast.choice):
            found.lost.append(f"motion {motion}: {cast.member}'s acknowledged {cast.choice!r} at leaf {cast.index}")
    acknowledged = Counter(c.member for c in casts if c.index is not None)
    unknown = Counter(c.member for c in casts if c.index is None)
    for member, ballots in by_member.items():
        superseded = {leaf.supersedes for _, leaf in ballots if leaf.supersedes is not None}
        counted = [index for index, _ in ballots if index not in superseded]
        if len(counted) != 1:
            found.double_counted.append(f"motion {motion}: {member} has {len(counted)} counted ballots {counted}")
        chain = [leaf.supersedes for _, leaf in ballots]
        if chain != [None, *(index for index, _ in ballots[:-1])]:
            found.double_counted.append(f"motion {motion}: {member}'s ballots do not each replace the one before")
        extra = len(ballots) - acknowledged[member]
        if extra > unknown[member]:
            found.unexplained.append(f"motion {motion}: {member} has {len(ballots)} ballots in the log, "
                                     f"{acknowledged[member]} acknowledged and {unknown[member]} unanswered")
        found.unknown_in_log += max(0, extra)


def check_database(motions: list[int], bundles: dict[int, dict[str, Any]], found: Findings) -> None:
    """One counted ballot row per member who voted, and exactly one ballot row per ballot leaf."""
    for motion in motions:
        rows = db.session.execute(select(Member.slug, Ballot.leaf_index, Ballot.counted)
                                  .join(Member, Member.id == Ballot.member_id)
                                  .where(Ballot.motion_id == motion)).all()
        counted = Counter(slug for slug, _, is_counted in rows if is_counted)
        voters = {slug for slug, _, _ in rows}
        for slug in sorted(voters):
            if counted[slug] != 1:
                found.double_counted.append(f"motion {motion}: {slug} has {counted[slug]} counted ballot rows")
        if motion in bundles:
            in_log = {i for i, text in enumerate(bundles[motion]["leaves"]) if isinstance(parse_leaf(text), BallotLeaf)}
            stored = {index for _, index, _ in rows}
            if in_log != stored:
                found.problems.append(f"motion {motion}: ballot rows and ballot leaves differ "
                                      f"({len(stored - in_log)} rows without a leaf, {len(in_log - stored)} leaves without a row)")
    db.session.remove()


def check_log_roots(found: Findings) -> None:
    """Recompute each log's root from its stored leaves; compare with its last signed checkpoint."""
    for log in db.session.scalars(select(TransparencyLog).order_by(TransparencyLog.id)):
        found.logs_checked += 1
        stored = db.session.execute(select(LogLeaf.index, LogLeaf.leaf, LogLeaf.leaf_hash)
                                    .where(LogLeaf.log_id == log.id).order_by(LogLeaf.index)).all()
        hashes = [merkle.leaf_hash(leaf.encode("utf-8")) for _, leaf, _ in stored]
        if [index for index, _, _ in stored] != list(range(len(stored))):
            found.log_problems.append(f"log {log.origin}: leaf indexes are not 0..{len(stored) - 1}")
        if any(bytes(kept) != recomputed for (_, _, kept), recomputed in zip(stored, hashes)):
            found.log_problems.append(f"log {log.origin}: a stored leaf hash differs from the hash of its leaf")
        note = db.session.scalar(select(LogCheckpoint.note).where(LogCheckpoint.log_id == log.id)
                                 .order_by(LogCheckpoint.size.desc()).limit(1))
        if note is None:
            found.log_problems.append(f"log {log.origin}: no checkpoint")
            continue
        try:
            checkpoint = open_checkpoint(note, [parse_vkey(log.verifier_key)], origin=log.origin).checkpoint
        except BallotsError as e:
            found.log_problems.append(f"log {log.origin}: last checkpoint does not open: {e}")
            continue
        if checkpoint.size != len(stored) or log.size != len(stored):
            found.log_problems.append(f"log {log.origin}: {len(stored)} leaves, log size {log.size}, "
                                  f"last checkpoint size {checkpoint.size}")
        elif merkle.root_hash(hashes) != checkpoint.root:
            found.log_problems.append(f"log {log.origin}: recomputed root differs from the last checkpoint's")
    db.session.remove()
