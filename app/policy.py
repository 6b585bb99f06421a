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


_EVERYONE = {Permission.VIEW_DASHBOARD, Permission.VIEW_MEMBERS, Permission.VIEW_MOTIONS}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _EVERYONE
        | {
            Permission.EXPORT_MEMBERS,
            Permission.MANAGE_MEMBERS,
            Permission.MANAGE_ACCOUNTS,
            Permission.VIEW_AUDIT_TRAIL,
        }
    ),
    Role.CHAIR: frozenset(_EVERYONE | {Permission.EXPORT_MEMBERS, Permission.MANAGE_MOTIONS, Permission.VIEW_AUDIT_TRAIL}),
    Role.DELEGATE: frozenset(_EVERYONE | {Permission.CAST_BALLOT}),
    Role.AUDITOR: frozenset(_EVERYONE | {Permission.EXPORT_MEMBERS, Permission.VIEW_AUDIT_TRAIL}),
    Role.OBSERVER: frozenset(_EVERYONE),
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
