"""A voting history for the demo federation, so every page has content on first run.

Six closed and certified motions, one of each kind a newcomer should see (a yes/no motion with a
regional double majority, an approval vote, an IRV choice, a 3-seat STV election, a Schulze and
a Ranked Pairs ranking), one open motion with some ballots and one draft, all about the
governance of a national LIP secretariat. Everything goes through the real services
(`open_motion`, `cast`, `close_motion`, `certify_motion`), so every log is signed, every
bundle verifies and the audit trail records each step. Ballots come from most of the demo
members, chosen by a pseudo-random generator with a fixed seed: the same choices on every run
(the signing key, nonces and hence roots and tie-break orders differ per installation).

Every title, candidate and vote here is illustrative demo data, not a real decision.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from voting import weights as weight_policies

from app.database import write_transaction
from app.extensions import db
from app.models import DelegateRank, Member, Role, User, utcnow
from app.motions import service
from app.motions.models import Meeting, Motion

SEED = "lipvote demo history 1"
TURNOUT = 0.85  # each member votes with this probability

YES_NO = [{"id": "yes", "en": "Yes", "fr": "Oui"}, {"id": "no", "en": "No", "fr": "Non"},
          {"id": "abstain", "en": "Abstain", "fr": "Abstention"}]


@dataclass(frozen=True)
class Spec:
    title: tuple[str, str]
    text: tuple[str, str]
    method: str
    options: list[dict[str, str]]
    popularity: list[float] = field(default_factory=list)  # ranked/approval: mean appeal per option
    yes_share: float = 0.7  # yes_no: chance of yes among yes/no/abstain
    seats: int = 1
    rules: dict[str, Any] = field(default_factory=lambda: {"threshold": "majority_cast"})
    policy: str = "equal"
    secret: bool = False
    revote: bool = False


def _opt(option_id: str, en: str, fr: str) -> dict[str, str]:
    return {"id": option_id, "en": en, "fr": fr}


POLICIES: dict[str, dict[str, Any]] = {
    "equal": weight_policies.PRESETS["equal"],
    "tiered": weight_policies.PRESETS["tiered_1_2_3"],
    # population shares: exact weights would run to millions of units, so this one asks for 10,000
    "blended": {"kind": "blended", "rule": "fixed_total", "total": 10000, "equal_part": "1/2", "cap": "1/20",
                "floor": None},
    "regional_parity": weight_policies.PRESETS["regional_parity"],
}

CLOSED: tuple[Spec, ...] = (
    Spec(("Adopt the Representative Framework for a National LIP Secretariat",
          "Adopter le cadre de représentation d'un secrétariat national des PLI"),
         ("The framework gives each IRCC region a seat at the Secretariat's table and balances urban and rural, "
          "large and small centres, and SPO and municipal contribution-agreement holders.",
          "Le cadre donne à chaque région d'IRCC une place à la table du Secrétariat et équilibre l'urbain et le rural, "
          "les grands et les petits centres, ainsi que les titulaires d'accords OFS et municipaux."),
         "yes_no", YES_NO, yes_share=0.78,
         rules={"threshold": "majority_cast", "quorum": {"members": "1/2", "weight": None},
                "double_majority": {"members": False, "regions": "all"}},
         policy="tiered"),
    Spec(("Choose two priority working groups for the first year",
          "Choisir deux groupes de travail prioritaires pour la première année"),
         ("Approve every working group you support; the two with the most support are formed.",
          "Approuvez chaque groupe de travail que vous appuyez; les deux plus appuyés sont formés."),
         "approval",
         [_opt("health", "Newcomer health", "Santé des nouveaux arrivants"),
          _opt("employment", "Employment and credentials", "Emploi et reconnaissance des titres"),
          _opt("francophone", "Francophone immigration", "Immigration francophone"),
          _opt("rural", "Rural and small centres", "Milieux ruraux et petits centres"),
          _opt("evidence", "Data and evidence", "Données et données probantes")],
         popularity=[0.9, 0.7, 0.3, 0.5, 0.2], seats=2),
    Spec(("Choose the host of the Secretariat's office for its first two years",
          "Choisir l'hôte du bureau du Secrétariat pour ses deux premières années"),
         ("Rank the host candidates; the count eliminates the weakest until one has a majority.",
          "Classez les candidatures; le dépouillement élimine la plus faible jusqu'à ce qu'une obtienne la majorité."),
         "irv",
         [_opt("toronto-south", "Toronto South LIP", "PLI de Toronto-Sud"),
          _opt("ottawa", "Ottawa LIP", "PLI d'Ottawa"),
          _opt("halifax", "Halifax LIP", "PLI d'Halifax"),
          _opt("calgary", "Calgary LIP", "PLI de Calgary")],
         popularity=[0.6, 0.55, 0.35, 0.4], policy="blended", secret=True),
    Spec(("Elect three members of the Secretariat's Steering Committee",
          "Élire trois membres du comité directeur du Secrétariat"),
         ("Rank as many nominees as you wish. Three seats, single transferable vote.",
          "Classez autant de candidatures que vous le souhaitez. Trois sièges, vote unique transférable."),
         "stv",
         [_opt("nominee-halton", "Nominee of Halton Region LIP", "Candidature du PLI de la région de Halton"),
          _opt("nominee-pei", "Nominee of PEI LIP", "Candidature du PLI de l'Î.-P.-É."),
          _opt("nominee-halifax", "Nominee of Halifax LIP", "Candidature du PLI d'Halifax"),
          _opt("nominee-calgary", "Nominee of Calgary LIP", "Candidature du PLI de Calgary"),
          _opt("nominee-south-okanagan", "Nominee of South Okanagan Similkameen LIP",
               "Candidature du PLI du Sud de l'Okanagan-Similkameen"),
          _opt("nominee-ottawa", "Nominee of Ottawa LIP", "Candidature du PLI d'Ottawa")],
         popularity=[0.6, 0.45, 0.5, 0.55, 0.35, 0.5], seats=3, policy="regional_parity", secret=True),
    Spec(("Rank the governance models for the Secretariat",
          "Classer les modèles de gouvernance du Secrétariat"),
         ("Which structure would ensure the most transparency and equity among LIPs?",
          "Quelle structure assurerait le plus de transparence et d'équité entre les PLI?"),
         "schulze",
         [_opt("non-profit", "An independent non-profit", "Un organisme sans but lucratif indépendant"),
          _opt("hosted", "Hosted by an existing LIP", "Hébergé par un PLI existant"),
          _opt("rotating", "A host that rotates among LIPs", "Un hôte qui change entre les PLI"),
          _opt("umbrella", "Within a national umbrella organisation", "Au sein d'un organisme-cadre national")],
         popularity=[0.6, 0.35, 0.55, 0.3], policy="tiered"),
    Spec(("Rank the priorities of the first workplan",
          "Classer les priorités du premier plan de travail"),
         ("The ranking orders the Secretariat's work for its first year.",
          "Le classement ordonne le travail du Secrétariat pour sa première année."),
         "ranked_pairs",
         [_opt("narrative", "A coherent national narrative on newcomers", "Un discours national cohérent sur les nouveaux arrivants"),
          _opt("policy-tables", "LIP voices at policy tables", "La voix des PLI aux tables de politiques"),
          _opt("emerging", "Support for emerging LIPs", "Du soutien aux nouveaux PLI"),
          _opt("sharing", "Information sharing and evidence", "Le partage d'information et les données probantes"),
          _opt("burden", "Less administrative burden", "Moins de fardeau administratif")],
         popularity=[0.5, 0.6, 0.4, 0.55, 0.45]),
)

OPEN = Spec(("Approve the draft Statement of Intention", "Approuver l'ébauche de la déclaration d'intention"),
            ("The statement sets out why LIPs create a national secretariat and what it will not do: "
             "no oversight role over LIPs and no resources taken from them.",
             "La déclaration explique pourquoi les PLI créent un secrétariat national et ce qu'il ne fera pas : "
             "aucun rôle de surveillance des PLI et aucune ressource prise aux PLI."),
            "yes_no", YES_NO, yes_share=0.8, rules={"threshold": "two_thirds"}, revote=True)
DRAFT = Spec(("Adopt the Secretariat's Vision, Mission and Values", "Adopter la vision, la mission et les valeurs du Secrétariat"),
             ("Draft for discussion at the next meeting.", "Ébauche à discuter à la prochaine réunion."),
             "yes_no", YES_NO, rules={"threshold": "two_thirds"})


def _selection(spec: Spec, rng: random.Random) -> Any:
    if spec.method == "yes_no":
        roll = rng.random()
        return "yes" if roll < spec.yes_share else "abstain" if roll > 0.95 else "no"
    scores = {o["id"]: p + rng.gauss(0, 0.25) for o, p in zip(spec.options, spec.popularity)}
    ranked = sorted(scores, key=lambda o: -scores[o])
    if spec.method == "approval":
        return [o for o in ranked if scores[o] > 0.5] or ranked[:1]
    return ranked[: rng.randint(2, len(ranked))]


def _motion(spec: Spec, chair: User | None, meeting: Meeting | None, order: int) -> Motion:
    motion = Motion(
        title_en=spec.title[0], title_fr=spec.title[1], text_en=spec.text[0], text_fr=spec.text[1],
        method=spec.method, seats=spec.seats, options_json=json.dumps(spec.options, ensure_ascii=False),
        rules_json=json.dumps(spec.rules), weight_policy_json=json.dumps(POLICIES[spec.policy]),
        secret=spec.secret, revote=spec.revote, created_by_id=chair.id if chair else None,
        meeting=meeting, agenda_order=order,
    )
    db.session.add(motion)
    db.session.flush()
    return motion


def _cast_all(motion: Motion, spec: Spec, voters: list[tuple[User, Member]], rng: random.Random,
              start: datetime, hours: float) -> None:
    turnout = [(u, m) for u, m in voters if rng.random() < TURNOUT]
    times = [start + timedelta(hours=hours * n / (len(turnout) + 1), seconds=rng.randint(0, 59))
             for n in range(1, len(turnout) + 1)]
    # in time order, as the server stamps ballots it appends (the verifier checks it)
    for (user, member), at in zip(turnout, sorted(times), strict=True):
        service.cast_locked(motion, user, member, _selection(spec, rng), now=at)


def load_history(now: datetime | None = None) -> list[int]:
    """Create the demo history in one write transaction; return the new motion ids."""
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(SEED)
    with write_transaction():
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
        voters = [(u, u.member) for u in db.session.scalars(
            select(User).join(Member, User.member_id == Member.id)
            .where(User.delegate_rank == DelegateRank.PRIMARY, User.active, Member.active).order_by(Member.slug))]
        meeting = Meeting(title_en="Founding meeting of the National LIP Secretariat (demo)",
                          title_fr="Réunion de fondation du Secrétariat national des PLI (démo)",
                          held_on=now - timedelta(days=30))
        db.session.add(meeting)
        ids = []
        for order, spec in enumerate(CLOSED, start=1):
            opened = now - timedelta(days=30) + timedelta(hours=order)
            closes = opened + timedelta(days=2)
            motion = _motion(spec, chair, meeting, order)
            motion.closes_at = closes
            service.open_motion(motion, opened)
            _cast_all(motion, spec, voters, rng, opened, 36)
            service.close_motion(motion, closes)
            service.certify_motion(motion, closes + timedelta(days=1))
            ids.append(motion.id)
        motion = _motion(OPEN, chair, None, 0)
        motion.closes_at = now + timedelta(days=10)
        service.open_motion(motion, now - timedelta(days=1))
        _cast_all(motion, OPEN, voters[: len(voters) // 2], rng, now - timedelta(days=1), 20)
        ids.append(motion.id)
        ids.append(_motion(DRAFT, chair, None, 0).id)
    return ids
