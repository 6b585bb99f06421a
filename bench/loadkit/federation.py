"""A demo-like federation for a load run, written through the app's own models and services.

N members spread over the provinces like the demo's LIPs, one primary delegate each, a few
alternates (they load the delegate home page while the primaries vote), one chair, M open
yes/no/abstain motions that allow a change of vote, and closed motions whose results pages
are read during the run. Motions are recorded (not secret), so every ballot leaf names its
member and the checks can count ballots per member from the public log alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask
from werkzeug.security import generate_password_hash

from voting import weights as weight_policies

from app import demo
from app.database import write_transaction
from app.extensions import db
from app.models import DelegateRank, Member, Role, User
from app.motions import service
from app.motions.models import Motion
from app.registry import PROVINCE_REGION

PASSWORD = "load-bench-password"
DOMAIN = "load.example"
CHOICES = ("yes", "no", "abstain")
OPTIONS = [{"id": "yes", "en": "Yes", "fr": "Oui"}, {"id": "no", "en": "No", "fr": "Non"},
           {"id": "abstain", "en": "Abstain", "fr": "Abstention"}]
POLICY = weight_policies.PRESETS["tiered_1_2_3"]


@dataclass(frozen=True)
class Delegate:
    email: str
    member: str  # the member's slug


@dataclass(frozen=True)
class Federation:
    delegates: list[Delegate]  # one primary delegate per member
    alternates: list[Delegate]
    chair: str
    open_motions: list[int]
    closed_motions: list[int]
    password: str = PASSWORD


def migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.session.remove()


def _member(i: int) -> Member:
    slug, name_en, name_fr, province, setting, size, population, holder, clusters = demo.LIPS[i % len(demo.LIPS)]
    return Member(slug=f"lip-{i:03d}", name_en=f"{name_en} ({i})", name_fr=f"{name_fr} ({i})", province=province,
                  region=PROVINCE_REGION[province], setting=setting, size_class=size, population=population,
                  holder_type=holder, clusters=clusters, active=True)


def _motion(title: str, agenda_order: int) -> Motion:
    return Motion(title_en=title, title_fr=f"{title} (FR)", text_en="", text_fr="", method="yes_no", seats=1,
                  options_json=json.dumps(OPTIONS), rules_json=json.dumps({"threshold": "majority_cast"}),
                  weight_policy_json=json.dumps(POLICY), secret=False, revote=True, agenda_order=agenda_order)


def build(app: Flask, members: int, open_motions: int, closed_motions: int = 1, alternates: int = 4) -> Federation:
    """Write the federation into the app's (migrated, empty) database and open its motions."""
    password_hash = generate_password_hash(PASSWORD)  # one hash for all: sign-in still checks it for real
    with app.app_context():
        rows = [_member(i) for i in range(members)]
        db.session.add_all(rows)
        delegates = [Delegate(f"delegate.{m.slug}@{DOMAIN}", m.slug) for m in rows]
        spares = [Delegate(f"alternate.{m.slug}@{DOMAIN}", m.slug) for m in rows[:alternates]]
        chair = f"chair@{DOMAIN}"
        db.session.add(User(email=chair, display_name="Load Chair", role=Role.CHAIR, locale="en", password_hash=password_hash))
        for people, rank in ((delegates, DelegateRank.PRIMARY), (spares, DelegateRank.ALTERNATE)):
            for person, member in zip(people, rows):
                db.session.add(User(email=person.email, display_name=person.email.split("@")[0], role=Role.DELEGATE,
                                    member=member, delegate_rank=rank, locale="en", password_hash=password_hash))
        db.session.commit()
        closed = [_open(_motion(f"Closed motion {i + 1}", i)) for i in range(closed_motions)]
        for motion_id in closed:
            for n, person in enumerate(delegates):
                with write_transaction():
                    user = db.session.scalar(db.select(User).where(User.email == person.email))
                    service.cast_locked(db.session.get(Motion, motion_id), user, user.member, CHOICES[n % len(CHOICES)])
            with write_transaction():
                service.close_motion(db.session.get(Motion, motion_id))
        opened = [_open(_motion(f"Open motion {i + 1}", closed_motions + i)) for i in range(open_motions)]
        db.session.remove()
    return Federation(delegates, spares, chair, opened, closed)


def _open(motion: Motion) -> int:
    db.session.add(motion)
    db.session.commit()
    motion_id = motion.id
    with write_transaction():
        service.open_motion(db.session.get(Motion, motion_id))
    return motion_id
