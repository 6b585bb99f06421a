"""Who may do what: the one server-side policy every view asks (no scattered role checks).

A permission is granted to roles in `GRANTS`; views declare the permission they need with
`@requires(Permission.X)`; templates ask `can(Permission.X)`. Object-level questions (is this
delegate bound to that member?) are functions here too, so the whole policy reads in one file.
"""

from __future__ import annotations

import enum
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import login_manager
from app.models import Member, Role, User


class Permission(str, enum.Enum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_MOTIONS = "view_motions"
    VIEW_MEMBERS = "view_members"
    EXPORT_MEMBERS = "export_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_MOTIONS = "manage_motions"
    CAST_BALLOT = "cast_ballot"
    VIEW_AUDIT_TRAIL = "view_audit_trail"
    RECORD_VERIFICATION = "record_verification"  # "I verified this motion's bundle": auditors only
    VIEW_PROPOSALS = "view_proposals"  # read proposals, their history and diffs
    MANAGE_PROPOSALS = "manage_proposals"  # write proposals and versions, move their state: chairs
    # Comments and amendments (app/deliberation/comments.py, amendments.py)
    COMMENT_ON_PROPOSALS = "comment_on_proposals"  # chairs, and delegates on behalf of their member
    MODERATE_COMMENTS = "moderate_comments"  # hide a comment with a reason: chairs
    READ_HIDDEN_COMMENTS = "read_hidden_comments"  # the text of a hidden comment: auditors only
    PROPOSE_AMENDMENTS = "propose_amendments"  # propose and second, on behalf of a member: delegates
    MANAGE_AMENDMENTS = "manage_amendments"  # translate, put to a vote, rule out of order: chairs
    EDIT_FRAMEWORKS = "edit_frameworks"  # custom frameworks on the explorer (issue 16): admins and chairs


_EVERYONE = {Permission.VIEW_DASHBOARD, Permission.VIEW_MEMBERS, Permission.VIEW_MOTIONS, Permission.VIEW_PROPOSALS}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _EVERYONE
        | {
            Permission.EXPORT_MEMBERS,
            Permission.MANAGE_MEMBERS,
            Permission.MANAGE_ACCOUNTS,
            Permission.VIEW_AUDIT_TRAIL,
            Permission.EDIT_FRAMEWORKS,
        }
    ),
    Role.CHAIR: frozenset(_EVERYONE | {Permission.EXPORT_MEMBERS, Permission.MANAGE_MOTIONS, Permission.VIEW_AUDIT_TRAIL,
                                       Permission.MANAGE_PROPOSALS,
                                       Permission.COMMENT_ON_PROPOSALS, Permission.MODERATE_COMMENTS,
                                       Permission.MANAGE_AMENDMENTS, Permission.EDIT_FRAMEWORKS}),
    Role.DELEGATE: frozenset(_EVERYONE | {Permission.CAST_BALLOT,
                                          Permission.COMMENT_ON_PROPOSALS, Permission.PROPOSE_AMENDMENTS}),
    Role.AUDITOR: frozenset(_EVERYONE | {Permission.EXPORT_MEMBERS, Permission.VIEW_AUDIT_TRAIL,
                                         Permission.RECORD_VERIFICATION,
                                         Permission.READ_HIDDEN_COMMENTS}),
    Role.OBSERVER: frozenset(_EVERYONE),
    # Only on the proposals they are invited to, until the invitation ends: the deliberation
    # blueprint checks the grant (app/deliberation/expert_views.py). No motions, no members.
    Role.EXPERT: frozenset({Permission.VIEW_DASHBOARD, Permission.VIEW_PROPOSALS, Permission.COMMENT_ON_PROPOSALS}),
}


def allows(user: Any, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in GRANTS.get(user.role, frozenset())


def can(permission: Permission) -> bool:
    return allows(current_user, permission)


def acts_for_member(user: Any, member: Member) -> bool:
    """True when `user` is an active delegate (primary or alternate) of `member`."""
    return (
        allows(user, Permission.CAST_BALLOT)
        and isinstance(user, User)
        and user.member_id == member.id
        and member.active
    )


def may_cast_for(user: Any, member: Member, proxy_holder: Member | None) -> bool:
    """May `user` open `member`'s ballot? Its own delegates may (the casting service then refuses
    if the member gave its vote away); so may the delegates of the holder of its live proxy."""
    return acts_for_member(user, member) or (
        proxy_holder is not None and member.active and acts_for_member(user, proxy_holder)
    )


def may_view_receipt(user: Any, member: Member, proxy_holder: Member | None) -> bool:
    """A ballot's receipt is for the delegates of the member it was cast for, and for the
    delegates of the proxy holder who cast it; nobody else (it shows the choice)."""
    return acts_for_member(user, member) or (proxy_holder is not None and acts_for_member(user, proxy_holder))


def may_comment(user: Any) -> bool:
    """Chairs comment as chairs; a delegate comments on behalf of its member while it is active."""
    if not allows(user, Permission.COMMENT_ON_PROPOSALS):
        return False
    return user.role is not Role.DELEGATE or (user.member is not None and user.member.active)


def may_propose_amendment(user: Any) -> bool:
    """A delegate proposes (and seconds) amendments on behalf of its active member."""
    return (allows(user, Permission.PROPOSE_AMENDMENTS) and isinstance(user, User)
            and user.member is not None and user.member.active)


def may_assign_proxy(user: Any, grantor: Member) -> bool:
    """Only a delegate of a member may give (or revoke) that member's proxy."""
    return acts_for_member(user, grantor)


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[F], F]:
    """Anonymous visitors are sent to the login page; signed-in users without it get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allows(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
