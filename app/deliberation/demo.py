"""The demo federation's four draft documents as bilingual proposals, each with a few versions.

Illustrative texts written for the demo (not the federation's real drafts). Each version is
written the way a chair types it: one Markdown document per language (app/deliberation/text.py).
Some French is left older or missing on purpose, so the pages show their translation marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.models import ProposalState
from app.deliberation.text import parse_documents
from app.extensions import db
from app.models import Role, User, utcnow


@dataclass(frozen=True)
class DemoVersion:
    en: str
    fr: str
    note_en: str = ""
    note_fr: str = ""


@dataclass(frozen=True)
class DemoProposal:
    title_en: str
    title_fr: str
    state: ProposalState
    versions: tuple[DemoVersion, ...]
    days_ago: int


STATEMENT_V1 = DemoVersion(
    en="""## 1 Who we are
The Local Immigration Partnerships of Canada agree to work together as a national federation.

## 2 Why we come together
To share what works in our communities, to speak with one voice where we agree, and to support one another.

## 3 What we will not do
The federation does not replace the work of any LIP in its own community.""",
    fr="""## 1 Qui nous sommes
Les partenariats locaux en matière d'immigration du Canada conviennent de travailler ensemble au sein d'une fédération nationale.

## 2 Pourquoi nous nous réunissons
Pour mettre en commun ce qui fonctionne dans nos collectivités, parler d'une seule voix lorsque nous sommes d'accord et nous soutenir mutuellement.

## 3 Ce que nous ne ferons pas
La fédération ne remplace le travail d'aucun PLI dans sa propre collectivité.""",
)
STATEMENT_V2 = DemoVersion(
    en="""## 1 Who we are
The Local Immigration Partnerships of Canada agree to work together as a national federation, open to every LIP.

## 2 Why we come together
To share what works in our communities, to speak with one voice where we agree, and to support one another.

## 3 What we will not do
The federation does not replace the work of any LIP in its own community, and adds no reporting burden to its members.

## 4 Regional voices
Decisions take account of the differences between regions, between large and small LIPs, and between urban and rural ones.""",
    fr="""## 1 Qui nous sommes
Les partenariats locaux en matière d'immigration du Canada conviennent de travailler ensemble au sein d'une fédération nationale, ouverte à tous les PLI.

## 2 Pourquoi nous nous réunissons
Pour mettre en commun ce qui fonctionne dans nos collectivités, parler d'une seule voix lorsque nous sommes d'accord et nous soutenir mutuellement.

## 3 Ce que nous ne ferons pas
La fédération ne remplace le travail d'aucun PLI dans sa propre collectivité et n'impose aucune reddition de comptes supplémentaire à ses membres.

## 4 Voix régionales
Les décisions tiennent compte des différences entre les régions, entre les grands et les petits PLI, et entre les PLI urbains et ruraux.""",
    note_en="Open to every LIP; no added reporting burden; a clause on regional voices.",
    note_fr="Ouverte à tous les PLI; aucune reddition de comptes supplémentaire; un article sur les voix régionales.",
)

WORKPLAN_V1 = DemoVersion(
    en="""## 1 First year
- Hold four national meetings, online.
- Agree on the federation's terms of reference.

## 2 Working groups
Members may form working groups on shared priorities.""",
    fr="""## 1 Première année
- Tenir quatre réunions nationales, en ligne.
- Convenir du mandat de la fédération.

## 2 Groupes de travail
Les membres peuvent former des groupes de travail sur des priorités communes.""",
)
WORKPLAN_V2 = DemoVersion(
    en="""## 1 First year
- Hold four national meetings, online, with interpretation in both official languages.
- Agree on the federation's terms of reference.
- Survey the members on their priorities.

## 2 Working groups
Members may form working groups on shared priorities. Each group reports to the national meeting.

## 3 Resources
The federation seeks funding for a small secretariat; no member is asked for fees in the first year.""",
    fr="""## 1 Première année
- Tenir quatre réunions nationales, en ligne, avec interprétation dans les deux langues officielles.
- Convenir du mandat de la fédération.
- Sonder les membres sur leurs priorités.

## 2 Groupes de travail
Les membres peuvent former des groupes de travail sur des priorités communes.

## 3 Ressources""",
    note_en="Interpretation at meetings, a member survey, reports by working groups, and resources.",
    note_fr="Interprétation aux réunions, sondage des membres, rapports des groupes de travail et ressources.",
)

FRAMEWORK_V1 = DemoVersion(
    en="""## 1 Representatives
Each member names one delegate and may name one alternate.

## 2 Regional seats
The steering committee has one seat for each IRCC region.

## 3 Term
Representatives serve for two years.""",
    fr="""## 1 Représentants
Chaque membre désigne un délégué et peut désigner un suppléant.

## 2 Sièges régionaux
Le comité directeur compte un siège pour chaque région d'IRCC.

## 3 Mandat
Les représentants siègent pendant deux ans.""",
)
FRAMEWORK_V2 = DemoVersion(
    en="""## 1 Representatives
Each member names one delegate and may name one alternate. A delegate acts on behalf of the member, not in a personal capacity.

## 2 Regional seats
The steering committee has one seat for each IRCC region, and one seat shared by the francophone LIPs.

## 3 Term
Representatives serve for two years, renewable once.

## 4 Oversight
The steering committee reports to the members at each national meeting; members may ask for any of its decisions to be put to a vote.""",
    fr="""## 1 Représentants
Chaque membre désigne un délégué et peut désigner un suppléant. Le délégué agit au nom du membre, et non à titre personnel.

## 2 Sièges régionaux
Le comité directeur compte un siège pour chaque région d'IRCC et un siège partagé par les PLI francophones.

## 3 Mandat
Les représentants siègent pendant deux ans.

## 4 Surveillance
Le comité directeur rend compte aux membres à chaque réunion nationale; les membres peuvent demander que toute décision du comité soit mise aux voix.""",
    note_en="Delegates act for their member; a francophone seat; terms renewable once; oversight by the members.",
    note_fr="Les délégués agissent pour leur membre; un siège francophone; mandats renouvelables; surveillance par les membres.",
)

VISION_V1 = DemoVersion(
    en="""## vision Vision
Communities across Canada where newcomers belong and thrive.

## mission Mission
We connect Local Immigration Partnerships so that each can learn from the others and act together.

## values Values
- Respect for local knowledge
- Both official languages
- Openness and accountability""",
    fr="""## vision Vision
Des collectivités partout au Canada où les nouveaux arrivants trouvent leur place et s'épanouissent.

## mission Mission
Nous relions les partenariats locaux en matière d'immigration pour que chacun apprenne des autres et que tous agissent ensemble.

## values Valeurs
- Respect du savoir local
- Les deux langues officielles
- Ouverture et responsabilité""",
)
VISION_V2 = DemoVersion(
    en="""## vision Vision
Welcoming communities across Canada, urban and rural, where newcomers belong and thrive.

## mission Mission
We connect Local Immigration Partnerships so that each can learn from the others and act together.

## values Values
- Respect for local knowledge
- Both official languages
- Openness and accountability
- Equity between regions""",
    fr="""## vision Vision
Des collectivités accueillantes partout au Canada, urbaines et rurales, où les nouveaux arrivants trouvent leur place et s'épanouissent.

## mission Mission
Nous relions les partenariats locaux en matière d'immigration pour que chacun apprenne des autres et que tous agissent ensemble.

## values Valeurs
- Respect du savoir local
- Les deux langues officielles
- Ouverture et responsabilité
- Équité entre les régions""",
    note_en="Urban and rural communities named; equity between regions added to the values.",
    note_fr="Collectivités urbaines et rurales nommées; équité entre les régions ajoutée aux valeurs.",
)

PROPOSALS = (
    DemoProposal("Statement of Intention (demo)", "Déclaration d'intention (démo)", ProposalState.READY,
                 (STATEMENT_V1, STATEMENT_V2), 60),
    DemoProposal("Workplan (demo)", "Plan de travail (démo)", ProposalState.CONSULTATION,
                 (WORKPLAN_V1, WORKPLAN_V2), 45),
    DemoProposal("Representative Framework (demo)", "Cadre de représentation (démo)", ProposalState.DRAFT,
                 (FRAMEWORK_V1, FRAMEWORK_V2), 40),
    DemoProposal("Vision, Mission and Values (demo)", "Vision, mission et valeurs (démo)",
                 ProposalState.CONSULTATION, (VISION_V1, VISION_V2), 50),
)
# How a demo proposal travels from draft to its state, one step a few days after its last version.
PATHS = {
    ProposalState.DRAFT: (),
    ProposalState.CONSULTATION: (ProposalState.CONSULTATION,),
    ProposalState.READY: (ProposalState.CONSULTATION, ProposalState.READY),
}


def load_proposals(now: datetime | None = None) -> list[str]:
    """Create the demo proposals in one write transaction; return their slugs."""
    now = (now or utcnow()).replace(microsecond=0)
    slugs = []
    with write_transaction():
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).order_by(User.id))
        for spec in PROPOSALS:
            at = now - timedelta(days=spec.days_ago)
            first, *later = spec.versions
            proposal = service.create_proposal(title_en=spec.title_en, title_fr=spec.title_fr,
                                               clauses=parse_documents(first.en, first.fr),
                                               note_en=first.note_en, note_fr=first.note_fr, actor=chair, at=at)
            for number, version in enumerate(later, start=1):
                at += timedelta(days=7)
                service.add_version(proposal, base_number=number, clauses=parse_documents(version.en, version.fr),
                                    note_en=version.note_en, note_fr=version.note_fr, actor=chair, at=at)
            for step in PATHS[spec.state]:
                at += timedelta(days=3)
                service.change_state(proposal, step, actor=chair, at=at)
            slugs.append(proposal.slug)
    return slugs
