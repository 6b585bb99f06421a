"""Counts of the member registry by region and attribute, shown on every role's home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import Member, Role, User
from app.registry import REGIONS


@dataclass(frozen=True)
class RegionRow:
    region: str
    members: int
    urban: int
    rural: int
    municipal: int


@dataclass(frozen=True)
class FederationSummary:
    active_members: int
    inactive_members: int
    accounts_by_role: dict[str, int]
    regions: list[RegionRow] = field(default_factory=list)


def federation_summary() -> FederationSummary:
    rows = db.session.execute(
        select(Member.region, Member.setting, Member.holder_type, func.count())
        .where(Member.active)
        .group_by(Member.region, Member.setting, Member.holder_type)
    ).all()
    per_region: dict[str, dict[str, int]] = {code: {"members": 0, "urban": 0, "rural": 0, "municipal": 0} for code in REGIONS}
    for region, setting, holder_type, count in rows:
        bucket = per_region.setdefault(region, {"members": 0, "urban": 0, "rural": 0, "municipal": 0})
        bucket["members"] += count
        bucket[setting] += count
        if holder_type == "municipal":
            bucket["municipal"] += count
    inactive = db.session.scalar(select(func.count()).select_from(Member).where(~Member.active)) or 0
    roles = dict(db.session.execute(select(User.role, func.count()).where(User.active).group_by(User.role)).all())
    return FederationSummary(
        active_members=sum(b["members"] for b in per_region.values()),
        inactive_members=inactive,
        accounts_by_role={role.value: roles.get(role, 0) for role in Role},
        regions=[RegionRow(region=code, **counts) for code, counts in per_region.items() if counts["members"] or code != "quebec"],
    )
