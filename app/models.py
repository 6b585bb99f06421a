"""Database models (SQLAlchemy 2 typed mappings). Schema changes go through Flask-Migrate."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.registry import PROVINCE_REGION


def value_enum(cls: type[enum.Enum], length: int) -> Enum:
    """A portable enum column stored as its members' values (a VARCHAR with a CHECK, not a native type)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite drops the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Role(str, enum.Enum):
    ADMIN = "admin"
    CHAIR = "chair"
    DELEGATE = "delegate"
    AUDITOR = "auditor"
    OBSERVER = "observer"
    EXPERT = "expert"  # a temporary subject-matter expert, invited onto single proposals


class DelegateRank(str, enum.Enum):
    PRIMARY = "primary"
    ALTERNATE = "alternate"


class Member(db.Model):
    """A Local Immigration Partnership: the unit that holds a weight and casts one ballot."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(20))
    setting: Mapped[str] = mapped_column(String(5))
    size_class: Mapped[str] = mapped_column(String(6))
    population: Mapped[int | None] = mapped_column(Integer)
    holder_type: Mapped[str] = mapped_column(String(9))
    clusters: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    delegates: Mapped[list[User]] = relationship(back_populates="member")

    __table_args__ = (
        CheckConstraint("setting IN ('urban', 'rural')", name="member_setting"),
        CheckConstraint("size_class IN ('small', 'medium', 'large')", name="member_size_class"),
        CheckConstraint("holder_type IN ('spo', 'municipal')", name="member_holder_type"),
        CheckConstraint("population IS NULL OR population >= 0", name="member_population"),
    )

    def name(self, locale: str) -> str:
        return self.name_fr if locale == "fr" else self.name_en

    @property
    def cluster_list(self) -> list[str]:
        return [c for c in (part.strip() for part in self.clusters.split(";")) if c]

    def region_matches_province(self) -> bool:
        return PROVINCE_REGION.get(self.province) == self.region

    def as_weight_input(self) -> dict[str, object]:
        """The attributes a weight policy may use (the `voting.weights` member mapping)."""
        return {
            "id": self.slug,
            "region": self.region,
            "province": self.province,
            "setting": self.setting,
            "size_class": self.size_class,
            "population": self.population,
            "holder_type": self.holder_type,
            "clusters": self.cluster_list,
        }

    @classmethod
    def active_ordered(cls) -> list[Member]:
        return list(db.session.scalars(select(cls).where(cls.active).order_by(cls.slug)))


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(value_enum(Role, 10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    delegate_rank: Mapped[DelegateRank | None] = mapped_column(
        value_enum(DelegateRank, 9)
    )
    locale: Mapped[str] = mapped_column(String(2), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship(back_populates="delegates")

    __table_args__ = (
        CheckConstraint(
            "(role = 'delegate' AND member_id IS NOT NULL AND delegate_rank IS NOT NULL)"
            " OR (role != 'delegate' AND member_id IS NULL AND delegate_rank IS NULL)",
            name="user_delegate_binding",
        ),
        CheckConstraint("locale IN ('en', 'fr')", name="user_locale"),
        Index(
            "uq_one_primary_delegate",
            "member_id",
            unique=True,
            sqlite_where=text("delegate_rank = 'primary'"),
            postgresql_where=text("delegate_rank = 'primary'"),
        ),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    # Set by app.sessions when a sign-in starts or a request loads its session: Flask-Login
    # stores get_id() in the session cookie and the remember-me cookie, so both carry only the
    # server-side session's random token, never the account id.
    session_token = None  # str | None; an attribute of the loaded object, not a column
    unread_notifications = None  # int | None; counted when the session loaded the account (app.sessions)

    def get_id(self) -> str:
        if self.session_token is None:
            raise RuntimeError("get_id() before a server-side session was started (use app.sessions.sign_in)")
        return self.session_token

    def session_fingerprint(self) -> str:
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]


class SessionEnd(str, enum.Enum):
    """Why a session was ended before its timeouts (which need no record: they follow from
    `created_at` and `last_seen_at`)."""

    LOGOUT = "logout"
    PASSWORD = "password"
    ACCOUNT = "account"


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database cannot be replayed as a cookie. A session ends on sign-out, after the
    idle or absolute timeout, and when the account's password, role, member or state changes
    (app/sessions.py)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[SessionEnd | None] = mapped_column(value_enum(SessionEnd, 10))

    user: Mapped[User] = relationship()


class TokenPurpose(str, enum.Enum):
    INVITATION = "invitation"
    RESET = "reset"


class AccountToken(db.Model):
    """A single-use, expiring link that lets a user set a password. Only its hash is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(
        value_enum(TokenPurpose, 10)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SiteSetting(db.Model):
    """Small key/value facts about this installation (e.g. that it holds demo data)."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

    @classmethod
    def get(cls, key: str) -> str | None:
        row = db.session.get(cls, key)
        return row.value if row else None

    @classmethod
    def put(cls, key: str, value: str) -> None:
        row = db.session.get(cls, key)
        if row is None:
            db.session.add(cls(key=key, value=value))
        else:
            row.value = value


class AuditEvent(db.Model):
    """One admin or chair action: who, what, when, and the record before and after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
