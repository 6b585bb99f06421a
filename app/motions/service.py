"""Motion lifecycle and the casting path. Views call these; these call `voting` and `ballots`.

Every state change runs in one write transaction (`write_transaction`): the log append, the
rows that point at it and the audit record are committed together or not at all.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Iterable, Sequence

from flask import current_app, has_request_context
from flask_babel import get_locale, gettext
from sqlalchemy import Insert, Select, Update, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

import voting
from ballots import merkle
from ballots import seed as tie_break
from ballots.bundle import build_bundle
from ballots.decides import Decides
from ballots.leaves import BallotLeaf, ballot_leaf, close_leaf, open_leaf, parse_leaf
from ballots.ballot_rules import counted_ballots as counted_leaves
from voting import weights as weight_policies

from app import board
from app.action_log import record_action
from app.database import write_transaction
from app.extensions import db
from app.models import Member, User, utcnow
from app.motions.models import Ballot, LogKind, Motion, MotionState, Proxy, TransparencyLog
from app.policy import may_cast_for
from app.refusal import Refusal


def refusal_words(message: str, **values: Any) -> str:
    """A refusal in the reader's language during a request (a French delegate refused inside the
    lock reads French); as written outside one (`lipvote tick`, the demo loader, the load bench),
    where there is no reader and the locale selector cannot run."""
    if has_request_context():
        return str(gettext(message, **values))
    return message % values if values else message


_ = refusal_words


class MotionError(Refusal):
    """A refused motion action."""


# --- weights and rules -----------------------------------------------------------------------


def eligible_members() -> list[Member]:
    return Member.active_ordered()


def weight_snapshot(motion: Motion, members: Sequence[Member] | None = None) -> weight_policies.WeightSnapshot:
    members = eligible_members() if members is None else members
    if not members:
        raise MotionError(_("There are no active members to vote."))
    return weight_policies.compute_weights(motion.weight_policy, [m.as_weight_input() for m in members])


def eligible_block(snapshot_weights: dict[str, int], members: Sequence[Member]) -> dict[str, Any]:
    regions: dict[str, dict[str, int]] = {}
    for member in members:
        if member.slug not in snapshot_weights:
            continue
        bucket = regions.setdefault(member.region, {"members": 0, "weight": 0})
        bucket["members"] += 1
        bucket["weight"] += snapshot_weights[member.slug]
    return {
        "members": sum(b["members"] for b in regions.values()),
        "weight": sum(b["weight"] for b in regions.values()),
        "regions": dict(sorted(regions.items())),
    }


def uses_regions(rules: dict[str, Any]) -> bool:
    return bool((rules.get("double_majority") or {}).get("regions"))


def committed_rules(motion: Motion) -> dict[str, Any]:
    """The rules exactly as leaf 0 committed them (eligible block included)."""
    if motion.opening is None:
        raise MotionError(_("This motion has not been opened."))
    return copy.deepcopy(motion.opening.rules)  # the parsed leaf is shared: callers get their own


def committed_weights(motion: Motion) -> dict[str, int]:
    if motion.opening is None:
        raise MotionError(_("This motion has not been opened."))
    return dict(motion.opening.weights)


# --- lifecycle -------------------------------------------------------------------------------


# The statements every cast runs are built once (`@cache`) with their values as parameters:
# building and keying a statement cost about as much as running it on SQLite.


@cache
def _motion_to_change() -> Select[Motion]:
    return (select(Motion).where(Motion.id == bindparam("motion_id")).options(joinedload(Motion.log))
            .with_for_update(of=Motion).execution_options(populate_existing=True))


@cache
def _member_named() -> Select[Member]:
    return select(Member).where(Member.slug == bindparam("slug"))


@cache
def _live_proxy_of() -> Select[Proxy]:
    return select(Proxy).where(Proxy.motion_id == bindparam("motion_id"), Proxy.grantor_id == bindparam("member_id"),
                               Proxy.revoked_at.is_(None))


@cache
def _counted_ballot_of() -> Select[Ballot]:
    return select(Ballot).where(Ballot.motion_id == bindparam("motion_id"), Ballot.member_id == bindparam("member_id"),
                                Ballot.counted)


@cache
def _latest_cast_at() -> Select[tuple[datetime]]:
    return (select(Ballot.cast_at).where(Ballot.motion_id == bindparam("motion_id"))
            .order_by(Ballot.leaf_index.desc()).limit(1))


@cache
def _uncount() -> Update:
    return update(Ballot.__table__).where(Ballot.__table__.c.id == bindparam("ballot_id")).values(counted=False)


@cache
def _store_ballot() -> Insert:
    return insert(Ballot.__table__)


def lock_motion(motion_id: int) -> Motion:
    """Load a motion to change it, inside `write_transaction()`.

    On PostgreSQL the row stays locked until commit and is read afresh, so every check made in
    the transaction (state, closing time, earlier ballots, proxies) sees the latest committed
    state and no other action on the same motion can slip in between check and write. On
    SQLite the write transaction already excludes every other writer. The motion's log is read
    afresh in the same statement (not locked: `board.lock_for_append` does that before an
    append on PostgreSQL).
    """
    motion = db.session.scalar(_motion_to_change(), {"motion_id": motion_id})
    if motion is None:
        raise MotionError(_("This motion no longer exists."), 404)
    return motion


def proposal_decided_by(motion: Motion) -> Decides | None:
    """The proposal version this motion decides (named in its leaf 0), or None; a refusal when
    the text voted on would not be the one announced."""
    from app.deliberation.decisions import decides_for_opening  # deliberation builds on motions: import on use

    try:
        return decides_for_opening(motion)
    except Refusal as refused:
        raise MotionError(str(refused.message), refused.status) from refused


def open_motion(motion: Motion, now: datetime | None = None) -> None:
    """Commit leaf 0 (rules and weights) and start accepting ballots. Caller holds the write lock."""
    if motion.state is not MotionState.DRAFT:
        raise MotionError(_("Only a draft motion can be opened."))
    now = now or utcnow()
    voting.check_feasible(motion.method, len(motion.option_ids), motion.seats)
    members = eligible_members()
    snapshot = weight_snapshot(motion, members)
    rules = dict(motion.rules)
    rules["eligible"] = eligible_block(snapshot.weights, members)
    voting.validate_rules(rules)
    decides = proposal_decided_by(motion)
    secret = tie_break.new_secret()
    log = board.create_log(board.motion_origin(motion.id), LogKind.MOTION)
    leaf = open_leaf(
        motion=motion.public_id,
        title={"en": motion.title_en, "fr": motion.title_fr},
        description={k: v for k, v in (("en", motion.text_en), ("fr", motion.text_fr)) if v} or None,
        method=motion.method,
        options=motion.option_ids,
        seats=motion.seats,
        rules=rules,
        secrecy="secret" if motion.secret else "recorded",
        revote=motion.revote,
        weights=snapshot.as_dict(),
        opened_at=now,
        closes_at=motion.closes_at,
        decides=decides,
        seed_commitment=tie_break.commitment(secret),
    )
    board.append(log, leaf)
    motion.seed_secret = secret.hex()  # revealed by the close leaf, never before
    before = {"state": motion.state.value}
    motion.log = log
    motion.open_leaf_json = leaf
    motion.state = MotionState.OPEN
    motion.opened_at = now
    motion.schedule_failure = None
    record_action("motion.open", target=f"motion:{motion.id}", before=before,
                  after={"state": "open", "origin": log.origin, "leaf0_hash": merkle.leaf_hash(leaf.encode()).hex()})


def counted_ballots(leaves: Iterable[str], with_regions: bool) -> list[tuple[Any, ...]]:
    """The tally's input from the log: the ballots `ballots.ballot_rules.counted_ballots` says count."""
    parsed = ((index, parse_leaf(text)) for index, text in enumerate(leaves))
    counted = counted_leaves((index, leaf) for index, leaf in parsed if isinstance(leaf, BallotLeaf))
    return [(leaf.weight, leaf.selection, leaf.region) if with_regions else (leaf.weight, leaf.selection)
            for _index, leaf in counted]


def close_motion(motion: Motion, now: datetime | None = None) -> None:
    """Append the close leaf revealing the committed secret, then count with the seed derived from
    it and the log as it stood before the close (docs/bulletin-board.md §2.7)."""
    if motion.state is not MotionState.OPEN or motion.log is None:
        raise MotionError(_("Only an open motion can be closed."))
    now = now or utcnow()
    log = board.lock_for_append(motion.log.id)
    ballot_leaves = sum(1 for row in board.leaves(log) if row.kind == "ballot")
    ballots_root = log_root(log)
    secret = motion.seed_secret if motion.opening and motion.opening.leaf.seed_commitment else None
    board.append(log, close_leaf(motion=motion.public_id, closed_at=now, ballots=ballot_leaves, seed_secret=secret))
    rules = committed_rules(motion)
    texts = [row.leaf for row in board.leaves(log)]
    # a motion opened before seeds were committed (lipvote-leaf/1) keeps the final root
    seed = tie_break.derive_seed(bytes.fromhex(secret), ballots_root) if secret else log_root(log)
    motion.seed_secret = None  # public in the close leaf from now on
    result = voting.tally(motion.method, counted_ballots(texts, uses_regions(rules)), options=motion.option_ids,
                          seats=motion.seats, rules=rules, tie_break_seed=seed)
    motion.result_json = json.dumps(result.as_dict(), ensure_ascii=False, sort_keys=True)
    motion.state = MotionState.CLOSED
    motion.closed_at = now
    record_action("motion.close", target=f"motion:{motion.id}", before={"state": "open"},
                  after={"state": "closed", "status": result.status, "winners": list(result.winners), "log_size": log.size})


def log_root(log: TransparencyLog) -> bytes:
    """The Merkle root of the log as it stands, from its stored frontier."""
    return merkle.frontier_root(merkle.frontier_from_json(json.loads(log.frontier_json), log.size), log.size)


def certify_motion(motion: Motion, now: datetime | None = None) -> None:
    if motion.state is not MotionState.CLOSED:
        raise MotionError(_("Only a closed motion can be certified."))
    motion.state = MotionState.CERTIFIED
    motion.certified_at = now or utcnow()
    record_action("motion.certify", target=f"motion:{motion.id}", before={"state": "closed"}, after={"state": "certified"})
    from app.deliberation.decisions import motion_certified  # deliberation builds on motions: import on use

    motion_certified(motion)  # an amendment carried or lost; a proposal adopted or rejected


def extend_motion(motion: Motion, closes_at: datetime) -> None:
    if motion.state is not MotionState.OPEN:
        raise MotionError(_("Only an open motion can be extended."))
    if closes_at <= utcnow():
        raise MotionError(_("The new closing time must be in the future."), 422)
    before = {"closes_at": motion.closes_at.isoformat() if motion.closes_at else None}
    motion.closes_at = closes_at
    record_action("motion.extend", target=f"motion:{motion.id}", before=before, after={"closes_at": closes_at.isoformat()})


def apply_schedule(now: datetime | None = None) -> list[int]:
    """Open and close motions whose scheduled time has passed. Returns the ids changed.

    Runs from `lipvote tick` (cron) and before requests that read motions, so a schedule is
    honoured without any background thread and also after a restart.
    """
    now = now or utcnow()
    due = db.session.scalars(select(Motion.id).where(
        ((Motion.state == MotionState.DRAFT) & (Motion.opens_at.is_not(None)) & (Motion.opens_at <= now))
        | ((Motion.state == MotionState.OPEN) & (Motion.closes_at.is_not(None)) & (Motion.closes_at <= now))
    )).all()
    changed = []
    for motion_id in due:
        opening = False
        try:
            with write_transaction():
                motion = lock_motion(motion_id)
                if motion.state is MotionState.DRAFT and motion.opens_at and motion.opens_at <= now:
                    opening = True
                    open_motion(motion, now)
                    changed.append(motion_id)
                elif motion.state is MotionState.OPEN and motion.closes_at and motion.closes_at <= now:
                    close_motion(motion, now)
                    changed.append(motion_id)
        except (MotionError, voting.VotingError) as e:  # one motion that cannot open must not block the others
            current_app.logger.warning("Scheduled change of motion %s refused: %s", motion_id, e)
            if opening:
                _record_schedule_failure(motion_id, str(e))
    return changed


def _record_schedule_failure(motion_id: int, reason: str) -> None:
    """A scheduled opening that was refused: keep the reason for the chair, stop retrying.

    Retrying every minute could never succeed without an edit (the reasons are the motion's
    own settings or the registry), and a draft must not open later than announced without
    the chair deciding it.  A closing is different: it is retried until it succeeds.
    """
    with write_transaction():
        motion = db.session.scalar(select(Motion).where(Motion.id == motion_id).with_for_update()
                                   .execution_options(populate_existing=True))
        if motion is None or motion.state is not MotionState.DRAFT or motion.opens_at is None:
            return
        before = {"opens_at": motion.opens_at.isoformat()}
        motion.opens_at = None
        motion.schedule_failure = reason
        record_action("motion.schedule_failed", target=f"motion:{motion.id}", before=before,
                      after={"opens_at": None, "reason": reason})


# --- casting ---------------------------------------------------------------------------------
#
# The one casting path: `cast` takes the write lock, then `check_caster` and `check_selection`
# run every rule once, in this order, and `_record_ballot` appends the leaf and stores the row.
# The ballot and review pages call `check_caster` and `check_selection` too (read-only), so a
# delegate is refused before filling a ballot with the same words as at the cast itself.


@dataclass(frozen=True)
class CastReceipt:
    """What the cast stored: the ballot row, its receipt (leaf, proof, checkpoint) and tracking code."""

    ballot_id: int
    receipt: dict[str, Any]
    tracking_code: str
    superseded: int | None  # the leaf index of the ballot this one replaces

    @property
    def index(self) -> int:
        return int(self.receipt["index"])


@dataclass(frozen=True)
class Caster:
    """Who may cast `member`'s ballot now: the proxy when its holder casts it, and the counted
    ballot a revote replaces."""

    member: Member
    proxy: Proxy | None
    previous: Ballot | None

    @property
    def holder(self) -> Member | None:
        return self.proxy.holder if self.proxy else None


def member_name(member: Member) -> str:
    """The member's name in the reader's language (English outside a request)."""
    return member.name(str(get_locale() or "en") if has_request_context() else "en")


def member_by_slug(slug: str | None) -> Member:
    member = db.session.scalar(_member_named(), {"slug": slug or ""})
    if member is None:
        raise MotionError(_("There is no member %(slug)s.", slug=repr(slug or "")), 404)
    return member


def ballot_member(user: User, slug: str | None) -> Member:
    """The member named by `slug`, or the user's own member when none is named."""
    if not slug and user.member is not None:
        return user.member
    return member_by_slug(slug)


@dataclass(frozen=True)
class Represented:
    """On one motion: the members a user casts for (its own, then each live proxy's grantor)
    and, when its own member gave its vote away, the holder."""

    members: list[Member]
    own_proxy_holder: Member | None


def members_user_may_cast_for(user: User, motions: Sequence[Motion]) -> dict[int, Represented]:
    """For each motion (by id): the user's own member, then every active member that gave it a
    live proxy there; and whom its own member gave its vote to. Two queries for any number of
    motions, since the delegate's home page and every receipt page list all open motions."""
    if user.member is None or not motions:
        return {m.id: Represented([], None) for m in motions}
    own = [user.member] if user.member.active else []
    proxies = db.session.scalars(_live_proxies_touching(), {"motion_ids": [m.id for m in motions],
                                                            "member_id": user.member_id})
    grantors: dict[int, list[Member]] = {}
    holders: dict[int, Member] = {}
    for proxy in proxies:
        if proxy.grantor_id == user.member_id:
            holders[proxy.motion_id] = proxy.holder
        elif proxy.grantor.active:
            grantors.setdefault(proxy.motion_id, []).append(proxy.grantor)
    return {m.id: Represented(own + grantors.get(m.id, []), holders.get(m.id)) for m in motions}


@cache
def _live_proxies_touching() -> Select[Proxy]:
    """The live proxies a member gave or holds on some motions (every receipt page reads them)."""
    member_id = bindparam("member_id")
    return (select(Proxy).where(Proxy.motion_id.in_(bindparam("motion_ids", expanding=True)), Proxy.revoked_at.is_(None),
                                (Proxy.holder_id == member_id) | (Proxy.grantor_id == member_id))
            .order_by(Proxy.id))


def live_proxy(motion: Motion, grantor: Member) -> Proxy | None:
    return db.session.scalar(_live_proxy_of(), {"motion_id": motion.id, "member_id": grantor.id})


def counted_ballot(motion: Motion, member: Member) -> Ballot | None:
    return db.session.scalar(_counted_ballot_of(), {"motion_id": motion.id, "member_id": member.id})


def not_eligible_message(member: Member) -> str:
    return _("%(member)s was not on the list of eligible members when this motion opened, so it has no vote on it.",
             member=member_name(member))


def check_caster(motion: Motion, user: User, member: Member, now: datetime | None = None) -> Caster:
    """May `user` cast `member`'s ballot on `motion` now? Every rule but the selection's; reads only.

    In order: the motion is open and its closing time has not passed; the policy lets the user
    cast for the member (its own delegate, or a delegate of the holder of its live proxy); the
    member was eligible when the motion opened; it has not given its vote away (when its own
    delegate casts); it has no counted ballot yet, unless the motion allows a change of vote.
    """
    now = now or utcnow()
    opening = motion.opening
    if motion.state is not MotionState.OPEN or motion.log is None or opening is None:
        raise MotionError(_("This motion is not open for voting."))
    if motion.closes_at is not None and motion.closes_at <= now:
        raise MotionError(_("Voting on this motion has closed."))
    proxy = live_proxy(motion, member)
    holder = proxy.holder if proxy else None
    if not may_cast_for(user, member, holder):
        raise MotionError(_("You may not vote for %(member)s.", member=member_name(member)), 403)
    if member.slug not in opening.weights:
        raise MotionError(not_eligible_message(member), 403)
    own = user.member_id == member.id
    if own and holder is not None:
        raise MotionError(_("Your member has given its vote on this motion to %(holder)s; revoke the proxy to vote yourself.",
                            holder=member_name(holder)))
    previous = counted_ballot(motion, member)
    if previous is not None and not motion.revote:
        raise MotionError(_("%(member)s has already voted on this motion, and this motion does not allow a change of vote.",
                            member=member_name(member)))
    return Caster(member, None if own else proxy, previous)


def check_selection(motion: Motion, selection: Any) -> None:
    """Validate one selection with the tally engine's own ballot checks (InvalidBallot -> 422)."""
    try:
        voting.validate_selection(motion.method, selection, options=motion.option_ids)
    except voting.InvalidBallot as e:
        raise MotionError(e.message, 422) from e


def cast(motion_id: int, user_id: int, member_slug: str | None, selection: Any,
         now: datetime | None = None) -> CastReceipt:
    """Cast `member_slug`'s ballot (the user's own member when None) in one write transaction.

    Every check runs under the motion's lock, so nothing that changed since the ballot page was
    shown (the motion closed, the proxy was revoked, another delegate voted) can slip in.
    Refusals raise MotionError before anything is written.
    """
    with write_transaction():
        motion = lock_motion(motion_id)
        user = db.session.get(User, user_id)
        if user is None:
            raise MotionError(_("You may not vote for this member."), 403)
        return cast_locked(motion, user, ballot_member(user, member_slug), selection, now)


def cast_locked(motion: Motion, user: User, member: Member, selection: Any, now: datetime | None = None) -> CastReceipt:
    """`cast` for a caller that already holds the write lock (the demo history, the load bench)."""
    now = now or utcnow()
    caster = check_caster(motion, user, member, now)
    check_selection(motion, selection)
    return _record_ballot(motion, user, caster, selection, now)


def _record_ballot(motion: Motion, user: User, caster: Caster, selection: Any, now: datetime) -> CastReceipt:
    """Append the ballot leaf, mark the replaced ballot, store the row. Every check has passed."""
    assert motion.log is not None and motion.opening is not None
    member, proxy, previous = caster.member, caster.proxy, caster.previous
    weight = motion.opening.weights[member.slug]
    # Ballot times never go back in the log (the verifier's check 4), even if the server's clock
    # is stepped back during the vote: a ballot is then stamped with its predecessor's time.
    latest = db.session.scalar(_latest_cast_at(), {"motion_id": motion.id})
    now = max(now, latest) if latest is not None else now
    log = board.lock_for_append(motion.log.id)
    leaf = ballot_leaf(
        motion=motion.public_id,
        weight=weight,
        selection=selection,
        cast_at=now,
        member=None if motion.secret else member.slug,
        region=member.region if uses_regions(motion.opening.rules) else None,
        supersedes=previous.leaf_index if previous else None,
        # A secret leaf names no member, so it names no proxy holder either: the holder plus the
        # weight would point at the grantor (docs/threat-model.md).
        proxy=proxy.holder.slug if proxy and not motion.secret else None,
    )
    appended = board.append(log, leaf)
    if previous is not None:  # before the new row: one counted ballot per member, checked by the database
        db.session.execute(_uncount(), {"ballot_id": previous.id})
        set_committed_value(previous, "counted", False)
    if proxy is not None:
        proxy.used_at = now
    try:
        stored = db.session.execute(_store_ballot(), {
            "motion_id": motion.id, "member_id": member.id, "leaf_index": appended.index, "weight": weight,
            "cast_by_id": user.id, "proxy_id": proxy.id if proxy else None, "counted": True, "cast_at": now})
    except IntegrityError as e:  # the database's own one-counted-ballot rule
        raise MotionError(_("%(member)s has already voted on this motion, and this motion does not allow a change of vote.",
                            member=member_name(member))) from e
    return CastReceipt(int(stored.inserted_primary_key[0]), appended.receipt(log.origin), appended.tracking_code,
                       previous.leaf_index if previous else None)


# --- evidence --------------------------------------------------------------------------------


def bundle_for(motion: Motion) -> dict[str, Any]:
    """The `lipvote-bundle/1` of a closed motion: what `lipvote verify` checks offline."""
    if motion.state not in (MotionState.CLOSED, MotionState.CERTIFIED) or motion.log is None or motion.result is None:
        raise MotionError(_("A bundle exists once the motion is closed."))
    log = motion.log
    size, checkpoint = board.latest_signed(log) or (0, "")
    return build_bundle(
        origin=log.origin,
        verifier_key=log.verifier_key,
        leaves=[row.leaf for row in board.leaves(log, stop=size)],
        checkpoint=checkpoint,
        checkpoints=board.earlier_checkpoints(log, size),
        result=motion.result,
    )
