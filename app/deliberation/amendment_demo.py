"""The demo's debate on the Vision, Mission and Values: comments on its clauses (one reply, one
hidden by the chair), and two amendments voted on through ordinary motions: one carried (it
made version 3) and one lost; the Statement of Intention adopted by a certified motion; and a
subject-matter expert invited onto the Representative Framework, with one comment on it.
Everything goes through the real services, so the audit trail and each motion's log are the
same as in a live meeting.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.database import write_transaction
from app.deliberation import amendments, comments, decisions, experts
from app.deliberation.models import Proposal
from app.deliberation.text import ClauseText, parse_documents, to_document
from app.extensions import db
from app.models import Member, Role, User, utcnow
from app.motions import service as motions
from app.motions.models import Motion

VISION = "Vision, Mission and Values (demo)"
SHARE_YES = {"carried": 0.8, "lost": 0.3}  # of the members who vote
ABSENT_EVERY = 8  # one member in eight does not vote


def _delegate(slug: str) -> User:
    user = db.session.scalar(select(User).join(Member, User.member_id == Member.id).where(Member.slug == slug))
    assert user is not None, slug
    return user


def _changed(proposal: Proposal, key: str, en: tuple[str, str], fr: tuple[str, str]) -> list[ClauseText]:
    """The latest text with the words `en[0]` -> `en[1]` and `fr[0]` -> `fr[1]` changed in clause `key`."""
    clauses = []
    for c in proposal.latest.clauses:
        if c.key == key:
            clauses.append(ClauseText(c.key, c.heading_en, c.heading_fr, c.text_en.replace(*en),
                                      c.text_fr.replace(*fr)))
        else:
            clauses.append(ClauseText(c.key, c.heading_en, c.heading_fr, c.text_en, c.text_fr))
    return parse_documents(to_document(clauses, "en"), to_document(clauses, "fr"))


def _vote(amendment: amendments.Amendment, chair: User, outcome: str, at: datetime, rng: random.Random) -> None:
    run_vote(amendments.put_to_vote(amendment, chair), outcome, at, rng)


def run_vote(motion: Motion, outcome: str, at: datetime, rng: random.Random) -> None:
    """Open the draft `motion` at `at`, let most members vote (a share `outcome` yes), close, certify."""
    motion.created_at = at
    db.session.flush()
    motions.open_motion(motion, at)
    voters = [m for n, m in enumerate(Member.active_ordered()) if n % ABSENT_EVERY != ABSENT_EVERY - 1]
    for n, member in enumerate(voters):
        user = _delegate(member.slug)
        choice = "yes" if rng.random() < SHARE_YES[outcome] else "no"
        motions.cast_locked(motion, user, member, choice, now=at + timedelta(seconds=60 + 15 * n))  # in time order, as appended
    motions.close_motion(motion, at + timedelta(minutes=30))
    motions.certify_motion(motion, at + timedelta(hours=2))


def load_debate(now: datetime | None = None) -> None:
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(15)
    with write_transaction():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title_en == VISION))
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
        if proposal is None or chair is None:
            return
        at = now - timedelta(days=30)
        # The demo's comments are in French, as francophone members often write: a comment is
        # stored as written, in one language, and shown as is to readers of both.
        first = comments.add_comment(proposal, _delegate("ottawa"), "Les *valeurs* devraient nommer les deux "
                                     "langues officielles en premier : pour les collectivités francophones, c’est "
                                     "le cœur de notre travail.", clause_key="values", lang="fr", at=at)
        comments.add_comment(proposal, _delegate("toronto-south"), "D’accord. Nos partenaires ruraux demandent "
                             "aussi plus de place dans la vision.", parent=first, lang="fr", at=at + timedelta(hours=5))
        off_topic = comments.add_comment(proposal, _delegate("peel"), "Peut-on parler du budget des réunions ici?",
                                         lang="fr", at=at + timedelta(days=1))
        comments.hide_comment(off_topic, chair, "Hors sujet : le budget relève du plan de travail.", lang="fr")
        comments.add_comment(proposal, chair, "Merci. Les amendements à la mission sont les bienvenus jusqu’à la "
                             "fin de la consultation.", lang="fr", at=at + timedelta(days=2))

        carried = amendments.propose(
            proposal, _delegate("ottawa"), base_number=proposal.latest.number,
            clauses=_changed(proposal, "mission", ("act together.", "act together, in both official languages."),
                             ("agissent ensemble.", "agissent ensemble, dans les deux langues officielles.")),
            explanation_en="Our work is bilingual; the mission should say so.",
            explanation_fr="Notre travail est bilingue; la mission doit le dire.", at=at + timedelta(days=3))
        amendments.second(carried, _delegate("halifax"), at=at + timedelta(days=3, hours=2))
        _vote(carried, chair, "carried", at + timedelta(days=7), rng)

        lost = amendments.propose(
            proposal, _delegate("peel"), base_number=proposal.latest.number,
            clauses=_changed(proposal, "vision", ("urban and rural", "large and small"),
                             ("urbaines et rurales", "grandes et petites")),
            explanation_en="Size matters more than setting.", explanation_fr="La taille compte plus que le milieu.",
            at=at + timedelta(days=10))
        amendments.second(lost, _delegate("hamilton"), at=at + timedelta(days=10, hours=3))
        _vote(lost, chair, "lost", at + timedelta(days=14), rng)


STATEMENT = "Statement of Intention (demo)"


def load_decision(now: datetime | None = None) -> None:
    """The Statement of Intention, ready for decision, adopted by a certified motion whose
    leaf 0 names the version voted on and its content hash."""
    now = (now or utcnow()).replace(microsecond=0)
    with write_transaction():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title_en == STATEMENT))
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
        if proposal is None or chair is None:
            return
        run_vote(decisions.put_proposal_to_vote(proposal, chair), "carried", now - timedelta(days=3), random.Random(17))



FRAMEWORK = "Representative Framework (demo)"
EXPERT_INVITED_FOR = timedelta(days=30)


def load_expert(now: datetime | None = None) -> None:
    """The demo expert, invited by the chair onto the Representative Framework for 30 days, with
    a comment on its regional seats; the demo expert signs in to see what an expert may do."""
    now = (now or utcnow()).replace(microsecond=0)
    with write_transaction():
        proposal = db.session.scalar(select(Proposal).where(Proposal.title_en == FRAMEWORK))
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
        expert = db.session.scalar(select(User).where(User.role == Role.EXPERT).order_by(User.id))
        if proposal is None or chair is None or expert is None:
            return
        experts.invite(proposal, expert, now + EXPERT_INVITED_FOR, chair)
        comments.add_comment(proposal, expert, "Federations of local councils often give rural and small centres "
                             "a seat of their own beside the regional seats: a region's seat tends to go to its "
                             "largest centre. Worth weighing before the framework goes to consultation.",
                             clause_key="2", lang="en", at=now)
