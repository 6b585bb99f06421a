"""The demo's consultations: the member survey on the Statement of Intention, and an open one on
the Workplan that demo delegates can answer.

As in the federation's survey, 77 of the demo's 80 members answer and 75 are in support (one
opposes, one abstains; docs/decisions.md, "Consultations"). Answers and comments are
illustrative.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from voting import weights as weight_policies

from app.database import write_transaction
from app.deliberation import consultations
from app.deliberation.models import Proposal
from app.extensions import db
from app.models import DelegateRank, Member, Role, User, utcnow

STATEMENT_SLUG = "statement-of-intention-demo"
WORKPLAN_SLUG = "workplan-demo"

# member slug -> (answer, comment); every other member answers "support" with no comment, except
# the members that do not answer the survey
STATEMENT_SILENT = frozenset({"timmins", "chaleur", "swift-current"})
STATEMENT_ANSWERS: dict[str, tuple[str, str]] = {
    "wood-buffalo": ("oppose", "We worry about the added burden on a small LIP with one staff person."),
    "cape-breton": ("abstain", "Our table has not met since the draft arrived."),
    "sudbury": ("support_changes", "Name the francophone minority communities outside Quebec."),
    "greater-moncton": ("support_changes", "Say that both official languages are used in all federation work."),
    "bow-valley": ("support_changes", "Rural and small-centre LIPs need a voice of their own, not only a share."),
    "yellowknife": ("support_changes", "Regional nuances: the North is not the Prairies."),
    "peel": ("support_changes", "Clarify the oversight role before we sign."),
    "thunder-bay": ("support_changes", ""),
}
WORKPLAN_ANSWERS: dict[str, tuple[str, str]] = {
    "toronto-north": ("support", ""),
    "ottawa": ("support_changes", "Add a bilingual webinar series."),
    "calgary": ("support", ""),
    "nanaimo": ("oppose", "Too many deliverables for the first year."),
}


def _delegate(member: Member) -> User:
    return db.session.scalar(select(User).where(User.member_id == member.id, User.role == Role.DELEGATE,
                                                User.delegate_rank == DelegateRank.PRIMARY))


def _answer_all(consultation_id: int, answers: dict[str, tuple[str, str]], everyone: bool, start: datetime,
                silent: frozenset[str] = frozenset()) -> None:
    consultation = consultations.lock(consultation_id)
    members = [m for m in Member.active_ordered()
               if (everyone or m.slug in answers) and m.slug not in silent]
    for offset, member in enumerate(members):
        choice, comment = answers.get(member.slug, ("support", ""))
        consultations.respond(consultation, user=_delegate(member), member=member, choice=choice, comment=comment,
                              revision=0, now=start + timedelta(hours=2 + offset))


def load_consultations(now: datetime | None = None) -> None:
    """After the demo proposals (app/deliberation/demo.py) exist; skipped if they do not."""
    now = (now or utcnow()).replace(microsecond=0)
    chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
    statement = db.session.scalar(select(Proposal).where(Proposal.slug == STATEMENT_SLUG))
    workplan = db.session.scalar(select(Proposal).where(Proposal.slug == WORKPLAN_SLUG))
    if statement is not None:
        opened = now - timedelta(days=50)
        with write_transaction():
            survey = consultations.create(statement, closes_at=opened + timedelta(days=21), confidential=True,
                                          weight_policy=dict(weight_policies.PRESETS["tiered_1_2_3"]),
                                          actor=chair, now=opened)
            _answer_all(survey.id, STATEMENT_ANSWERS, everyone=True, start=opened, silent=STATEMENT_SILENT)
            consultations.close_now(survey, actor=chair, now=opened + timedelta(days=14))
    if workplan is not None:
        opened = now - timedelta(days=2)
        with write_transaction():
            open_one = consultations.create(workplan, closes_at=now + timedelta(days=12), confidential=False,
                                            weight_policy=dict(weight_policies.PRESETS["equal"]), actor=chair,
                                            now=opened)
            _answer_all(open_one.id, WORKPLAN_ANSWERS, everyone=False, start=opened)
