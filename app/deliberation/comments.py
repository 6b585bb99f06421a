"""Comments on a proposal: threads, on the whole proposal or on one clause, with their edits and
their moderation.

A `Comment` belongs to a proposal and, when it is about one clause, names that clause's stable
identifier (`clause.key`), so it stays attached to the clause from version to version; it also
keeps the version number it was written on. A reply names its parent. A delegate writes on
behalf of its member (`member_id`); a chair writes as chair (no member).

An edit never overwrites silently: the text it replaces is kept as a `CommentRevision`. A chair
may hide a comment with a reason: the reason is shown to everyone, the hidden text only to
auditors (`may_read_hidden`); a chair may show it again, with a reason for the audit trail. Every moderation is in the signed audit trail, which records the
SHA-256 of the hidden text rather than the text itself, since chairs read that trail too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.action_log import record_action
from app.deliberation import experts
from app.deliberation.models import Proposal, ProposalState
from app.display import number
from app.extensions import db
from app.models import Member, Role, User, UTCDateTime, utcnow
from app.policy import Permission, allows, may_comment
from app.refusal import Refusal
from app.text_input import clean_multiline, text_problem

MAX_COMMENT_CHARS = 5_000
MAX_REASON_CHARS = 500
MAX_DEPTH = 4  # a reply to a reply to a reply ...: deeper threads are hard to follow on a phone
CLOSED_STATES = frozenset({ProposalState.ADOPTED, ProposalState.REJECTED, ProposalState.WITHDRAWN})


class Comment(db.Model):
    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    clause_key: Mapped[str | None] = mapped_column(String(40))
    version_number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # The language of the page it was written on, so that screen readers read it in its own voice.
    lang: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_reason_lang: Mapped[str | None] = mapped_column(String(2))

    proposal: Mapped[Proposal] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    member: Mapped[Member | None] = relationship()
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.id", cascade="all, delete-orphan")

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommentRevision(db.Model):
    """A comment's text as it was before one edit (`replaced_at`)."""

    __tablename__ = "proposal_comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("proposal_comment.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class CommentError(Refusal):
    """A refused comment action."""


# --- who may do what (the rules themselves are in app/policy.py) -------------------------------


def may_edit(user: Any, comment: Comment) -> bool:
    return may_comment(user) and comment.author_id == user.id and not comment.hidden


def may_read_hidden(user: Any) -> bool:
    """A hidden comment's text (and its earlier texts) is for auditors only."""
    return allows(user, Permission.READ_HIDDEN_COMMENTS)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    depth: int
    replies: list[Thread] = field(default_factory=list)


def threads(proposal: Proposal, clause_key: str | None = None) -> list[Thread]:
    """The proposal's comments as threads, oldest first; only those on `clause_key` if given."""
    query = select(Comment).where(Comment.proposal_id == proposal.id).order_by(Comment.created_at, Comment.id)
    comments = list(db.session.scalars(query))
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)

    def build(comment: Comment, depth: int) -> Thread:
        return Thread(comment, depth, [build(c, depth + 1) for c in children.get(comment.id, [])])

    roots = [c for c in children.get(None, []) if clause_key is None or c.clause_key == clause_key]
    return [build(c, 0) for c in roots]


def count_by_clause(proposal: Proposal) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for key in db.session.scalars(select(Comment.clause_key).where(Comment.proposal_id == proposal.id)):
        counts[key] = counts.get(key, 0) + 1
    return counts


def depth_of(comment: Comment) -> int:
    depth = 0
    parent_id = comment.parent_id
    while parent_id is not None:
        depth += 1
        parent_id = db.session.scalar(select(Comment.parent_id).where(Comment.id == parent_id))
    return depth


# --- writing (inside the caller's write_transaction) -------------------------------------------


def body_problem(body: str) -> Any:
    if not body:
        return _l("Write your comment.")
    if len(body) > MAX_COMMENT_CHARS:
        return _l("A comment may have at most %(max)s characters; this one has %(n)s.",
                  max=number(MAX_COMMENT_CHARS), n=number(len(body)))
    return text_problem(body, multiline=True)


def _check_open(proposal: Proposal) -> None:
    if proposal.state in CLOSED_STATES:
        raise CommentError(_l("This proposal is decided or withdrawn: it no longer takes comments."), 409)


def add_comment(proposal: Proposal, author: User, body: str, *, clause_key: str | None = None,
                parent: Comment | None = None, lang: str = "en", at: datetime | None = None) -> Comment:
    body = clean_multiline(body)
    problem = body_problem(body)
    if problem:
        raise CommentError(problem, 422)
    _check_open(proposal)
    if author.role is Role.EXPERT and experts.active_grant(author, proposal, at) is None:
        raise CommentError(_l("Your invitation to comment on this proposal has ended or does not exist."), 403)
    if parent is not None:
        if parent.proposal_id != proposal.id:
            raise CommentError(_l("That comment is not on this proposal."), 404)
        if depth_of(parent) + 1 > MAX_DEPTH:
            raise CommentError(_l("This thread is as deep as it may go: reply to an earlier comment instead."), 422)
        clause_key = parent.clause_key
    elif clause_key is not None and proposal.latest.clause(clause_key) is None:
        raise CommentError(_l("The latest version has no clause %(key)s.", key=clause_key), 404)
    comment = Comment(proposal_id=proposal.id, clause_key=clause_key, version_number=proposal.latest.number,
                      parent_id=parent.id if parent else None, author_id=author.id,
                      member_id=author.member_id if author.role is Role.DELEGATE else None,
                      body=body, lang=lang if lang in ("en", "fr") else "en", created_at=at or utcnow())
    db.session.add(comment)
    db.session.flush()
    return comment


def edit_comment(comment: Comment, author: User, body: str) -> None:
    body = clean_multiline(body)
    problem = body_problem(body)
    if problem:
        raise CommentError(problem, 422)
    if not may_edit(author, comment):
        raise CommentError(_l("Only its author may change a comment, and not once it is hidden."), 403)
    _check_open(comment.proposal)
    if body == comment.body:
        raise CommentError(_l("Nothing changed: the text is the same."), 422)
    now = utcnow()
    comment.revisions.append(CommentRevision(body=comment.body, written_at=comment.edited_at or comment.created_at,
                                             replaced_at=now))
    comment.body = body
    comment.edited_at = now
    db.session.flush()


def _moderation_reason(reason: str, missing: Any) -> str:
    reason = clean_multiline(reason)
    if not reason:
        raise CommentError(missing, 422)
    if len(reason) > MAX_REASON_CHARS:
        raise CommentError(_l("The reason may have at most %(max)s characters.", max=MAX_REASON_CHARS), 422)
    problem = text_problem(reason, multiline=True)
    if problem:
        raise CommentError(problem, 422)
    return reason


def hide_comment(comment: Comment, moderator: User, reason: str, lang: str = "en") -> None:
    reason = _moderation_reason(reason, _l("Give the reason for hiding the comment: everyone will read it."))
    if comment.hidden:
        raise CommentError(_l("This comment is already hidden."), 409)
    comment.hidden_at = utcnow()
    comment.hidden_by_id = moderator.id
    comment.hidden_reason = reason
    comment.hidden_reason_lang = lang if lang in ("en", "fr") else "en"
    record_action("comment.hide", target=f"proposal:{comment.proposal.slug}/comment:{comment.id}",
                  before={"hidden": False},
                  after={"hidden": True, "reason": reason, "text_sha256": _sha256(comment.body),
                         "author": comment.author_id, "member": comment.member_id}, actor=moderator)


def show_comment(comment: Comment, moderator: User, reason: str) -> None:
    """A chair shows a hidden comment again (an appeal upheld, a mistake undone). The reason is
    for the signed audit trail, which keeps the hiding's reason too; the comment itself then
    reads as if it had never been hidden."""
    reason = _moderation_reason(reason, _l("Give the reason for showing the comment again."))
    if not comment.hidden:
        raise CommentError(_l("This comment is not hidden."), 409)
    record_action("comment.show", target=f"proposal:{comment.proposal.slug}/comment:{comment.id}",
                  before={"hidden": True, "reason": comment.hidden_reason},
                  after={"hidden": False, "reason": reason, "text_sha256": _sha256(comment.body),
                         "author": comment.author_id, "member": comment.member_id}, actor=moderator)
    comment.hidden_at = None
    comment.hidden_by_id = None
    comment.hidden_reason = None
    comment.hidden_reason_lang = None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
