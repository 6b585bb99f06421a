"""An illustrative federation for trying lipvote out. Every name, figure and account is demo data.

The LIPs named in the seed document are here, with others to make 80, about the size of the
federation, across the IRCC regions outside Quebec; names, populations and clusters are
illustrations, not official figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.auth import two_factor
from app.auth.models import TwoFactor
from app.deliberation.consultation_demo import load_consultations

from app.deliberation.amendment_demo import load_debate, load_decision, load_expert
from app.deliberation.demo import load_proposals
from app.demo_history import load_history
from app.extensions import db
from app.models import DelegateRank, Member, Role, SiteSetting, User
from app.registry import PROVINCE_REGION

DEMO_PASSWORD = "demo-password-lipvote"
DEMO_DOMAIN = "demo.example"
DEMO_FLAG = "demo_data"
# The published authenticator key of the demo accounts whose role requires two-factor sign-in
# (README.md, `make run`); `lipvote demo-code EMAIL` prints its current code.
DEMO_TWO_FACTOR_SECRET = "LIPVOTEDEMOLIPVOTEDEMOLIPVOTEDEM"

# slug, English name, French name, province, setting, size class, population served, holder, clusters
LIPS: tuple[tuple[str, str, str, str, str, str, int, str, str], ...] = (
    ("toronto-south", "Toronto South LIP", "PLI de Toronto-Sud", "ON", "urban", "large", 700_000, "municipal", "gta"),
    ("toronto-north", "Toronto North LIP", "PLI de Toronto-Nord", "ON", "urban", "large", 650_000, "spo", "gta"),
    ("toronto-east", "Toronto East LIP", "PLI de Toronto-Est", "ON", "urban", "large", 600_000, "spo", "gta"),
    ("halton", "Halton Region LIP", "PLI de la région de Halton", "ON", "urban", "large", 600_000, "municipal", "gta"),
    ("ottawa", "Ottawa LIP", "PLI d'Ottawa", "ON", "urban", "large", 1_000_000, "spo", "francophone"),
    ("peel", "Peel Newcomer Strategy Group", "Groupe de stratégie pour les nouveaux arrivants de Peel", "ON", "urban", "large", 1_500_000, "municipal", "gta"),
    ("york-region", "York Region LIP", "PLI de la région de York", "ON", "urban", "large", 1_200_000, "municipal", "gta"),
    ("durham", "Durham LIP", "PLI de Durham", "ON", "urban", "large", 700_000, "municipal", "gta"),
    ("hamilton", "Hamilton Immigration Partnership Council", "Conseil de partenariat en immigration de Hamilton", "ON", "urban", "large", 570_000, "municipal", ""),
    ("london-middlesex", "London & Middlesex LIP", "PLI de London et Middlesex", "ON", "urban", "large", 520_000, "municipal", ""),
    ("waterloo-region", "Waterloo Region Immigration Partnership", "Partenariat en immigration de la région de Waterloo", "ON", "urban", "large", 590_000, "municipal", ""),
    ("windsor-essex", "Windsor-Essex LIP", "PLI de Windsor-Essex", "ON", "urban", "medium", 420_000, "spo", "border"),
    ("guelph-wellington", "Guelph-Wellington LIP", "PLI de Guelph-Wellington", "ON", "urban", "medium", 240_000, "municipal", ""),
    ("sudbury", "Sudbury LIP", "PLI de Sudbury", "ON", "urban", "medium", 170_000, "spo", "northern;francophone"),
    ("thunder-bay", "Thunder Bay Multicultural Association LIP", "PLI de Thunder Bay", "ON", "urban", "medium", 120_000, "spo", "northern"),
    ("chatham-kent", "Chatham-Kent LIP", "PLI de Chatham-Kent", "ON", "rural", "medium", 105_000, "municipal", "agricultural"),
    ("peterborough", "Peterborough Partnership Council on Immigrant Integration", "Conseil de partenariat de Peterborough", "ON", "rural", "medium", 130_000, "spo", ""),
    ("sault-ste-marie", "Sault Ste. Marie LIP", "PLI de Sault-Sainte-Marie", "ON", "rural", "small", 75_000, "spo", "northern"),
    ("halifax", "Halifax LIP", "PLI d'Halifax", "NS", "urban", "large", 480_000, "municipal", ""),
    ("cape-breton", "Cape Breton LIP", "PLI du Cap-Breton", "NS", "rural", "small", 95_000, "spo", "rural-atlantic"),
    ("pei", "PEI LIP", "PLI de l'Î.-P.-É.", "PE", "rural", "medium", 175_000, "spo", "rural-atlantic"),
    ("st-johns", "St. John's LIP", "PLI de St. John's", "NL", "urban", "medium", 215_000, "municipal", ""),
    ("fredericton", "Fredericton LIP", "PLI de Fredericton", "NB", "urban", "small", 110_000, "municipal", ""),
    ("greater-moncton", "Greater Moncton LIP", "PLI du Grand Moncton", "NB", "urban", "medium", 160_000, "municipal", "francophone"),
    ("saint-john", "Saint John LIP", "PLI de Saint John", "NB", "urban", "small", 130_000, "spo", ""),
    ("calgary", "Calgary LIP", "PLI de Calgary", "AB", "urban", "large", 1_400_000, "municipal", ""),
    ("edmonton", "Edmonton LIP", "PLI d'Edmonton", "AB", "urban", "large", 1_100_000, "municipal", ""),
    ("bow-valley", "Bow Valley Immigration Partnership", "Partenariat en immigration de la vallée de la Bow", "AB", "rural", "small", 30_000, "spo", "mountain;tourism"),
    ("lethbridge", "Lethbridge LIP", "PLI de Lethbridge", "AB", "urban", "small", 105_000, "municipal", "agricultural"),
    ("wood-buffalo", "Wood Buffalo LIP", "PLI de Wood Buffalo", "AB", "rural", "small", 72_000, "municipal", "northern"),
    ("regina-region", "Regina Region LIP", "PLI de la région de Regina", "SK", "urban", "medium", 250_000, "spo", ""),
    ("saskatoon", "Saskatoon LIP", "PLI de Saskatoon", "SK", "urban", "medium", 320_000, "spo", ""),
    ("moose-jaw", "Moose Jaw LIP", "PLI de Moose Jaw", "SK", "rural", "small", 35_000, "spo", "agricultural"),
    ("brandon", "Brandon LIP", "PLI de Brandon", "MB", "rural", "small", 55_000, "municipal", "agricultural"),
    ("yellowknife", "Yellowknife LIP", "PLI de Yellowknife", "NT", "urban", "small", 21_000, "spo", "northern"),
    ("south-okanagan", "South Okanagan Similkameen LIP", "PLI du Sud de l'Okanagan-Similkameen", "BC", "rural", "small", 90_000, "spo", "agricultural;tourism"),
    ("kamloops", "Kamloops LIP", "PLI de Kamloops", "BC", "urban", "small", 115_000, "spo", ""),
    ("nanaimo", "Nanaimo LIP", "PLI de Nanaimo", "BC", "urban", "small", 110_000, "spo", "island"),
    ("prince-george", "Prince George LIP", "PLI de Prince George", "BC", "urban", "small", 90_000, "spo", "northern"),
    ("surrey", "Surrey LIP", "PLI de Surrey", "BC", "urban", "large", 600_000, "municipal", ""),
    ("whitehorse", "Whitehorse LIP", "PLI de Whitehorse", "YT", "urban", "small", 30_000, "spo", "northern"),
    ("kingston", "Kingston Immigration Partnership", "Partenariat en immigration de Kingston", "ON", "urban", "medium", 170_000, "municipal", ""),
    ("niagara", "Niagara Region LIP", "PLI de la région de Niagara", "ON", "urban", "large", 480_000, "municipal", "border"),
    ("sarnia-lambton", "Sarnia-Lambton LIP", "PLI de Sarnia-Lambton", "ON", "urban", "medium", 130_000, "spo", "border"),
    ("timmins", "Timmins LIP", "PLI de Timmins", "ON", "rural", "small", 42_000, "spo", "northern;francophone"),
    ("north-bay", "North Bay Newcomer Network", "Réseau des nouveaux arrivants de North Bay", "ON", "rural", "small", 72_000, "spo", "northern"),
    ("quinte", "Quinte Region LIP", "PLI de la région de Quinte", "ON", "rural", "medium", 115_000, "spo", ""),
    ("cornwall-sdg", "Cornwall and SDG LIP", "PLI de Cornwall et SDG", "ON", "rural", "small", 110_000, "municipal", "francophone;border"),
    ("oxford", "Oxford County LIP", "PLI du comté d'Oxford", "ON", "rural", "small", 120_000, "municipal", "agricultural"),
    ("simcoe", "Simcoe County LIP", "PLI du comté de Simcoe", "ON", "urban", "medium", 330_000, "municipal", ""),
    ("brantford-brant", "Brantford-Brant LIP", "PLI de Brantford-Brant", "ON", "urban", "medium", 145_000, "municipal", ""),
    ("northumberland", "Northumberland LIP", "PLI de Northumberland", "ON", "rural", "small", 90_000, "municipal", "agricultural"),
    ("renfrew-lanark", "Renfrew and Lanark LIP", "PLI de Renfrew et Lanark", "ON", "rural", "small", 170_000, "spo", ""),
    ("elgin-st-thomas", "Elgin St. Thomas LIP", "PLI d'Elgin et St. Thomas", "ON", "rural", "small", 95_000, "municipal", "agricultural"),
    ("grey-bruce", "Grey Bruce LIP", "PLI de Grey Bruce", "ON", "rural", "small", 170_000, "spo", "tourism"),
    ("truro-colchester", "Truro and Colchester LIP", "PLI de Truro et Colchester", "NS", "rural", "small", 52_000, "spo", "rural-atlantic"),
    ("annapolis-valley", "Annapolis Valley LIP", "PLI de la vallée d'Annapolis", "NS", "rural", "small", 90_000, "spo", "rural-atlantic;agricultural"),
    ("corner-brook", "Corner Brook LIP", "PLI de Corner Brook", "NL", "rural", "small", 30_000, "municipal", "rural-atlantic"),
    ("edmundston", "Edmundston LIP", "PLI d'Edmundston", "NB", "rural", "small", 25_000, "municipal", "francophone;border"),
    ("chaleur", "Chaleur Region LIP", "PLI de la région Chaleur", "NB", "rural", "small", 35_000, "spo", "francophone;rural-atlantic"),
    ("winnipeg", "Winnipeg LIP", "PLI de Winnipeg", "MB", "urban", "large", 750_000, "municipal", "francophone"),
    ("steinbach", "Steinbach LIP", "PLI de Steinbach", "MB", "rural", "small", 18_000, "spo", "agricultural"),
    ("pembina-valley", "Pembina Valley LIP", "PLI de la vallée de la Pembina", "MB", "rural", "small", 60_000, "spo", "agricultural"),
    ("red-deer", "Red Deer LIP", "PLI de Red Deer", "AB", "urban", "medium", 105_000, "municipal", ""),
    ("medicine-hat", "Medicine Hat LIP", "PLI de Medicine Hat", "AB", "urban", "small", 65_000, "municipal", "agricultural"),
    ("grande-prairie", "Grande Prairie LIP", "PLI de Grande Prairie", "AB", "rural", "small", 70_000, "spo", "northern"),
    ("brooks", "Brooks and County of Newell LIP", "PLI de Brooks et du comté de Newell", "AB", "rural", "small", 25_000, "spo", "agricultural"),
    ("strathcona", "Strathcona County LIP", "PLI du comté de Strathcona", "AB", "urban", "medium", 100_000, "municipal", ""),
    ("prince-albert", "Prince Albert LIP", "PLI de Prince Albert", "SK", "rural", "small", 40_000, "spo", "northern"),
    ("swift-current", "Swift Current LIP", "PLI de Swift Current", "SK", "rural", "small", 18_000, "spo", "agricultural"),
    ("vancouver", "Vancouver LIP", "PLI de Vancouver", "BC", "urban", "large", 680_000, "municipal", ""),
    ("burnaby", "Burnaby LIP", "PLI de Burnaby", "BC", "urban", "large", 250_000, "municipal", ""),
    ("richmond", "Richmond LIP", "PLI de Richmond", "BC", "urban", "medium", 210_000, "municipal", ""),
    ("tri-cities", "Tri-Cities LIP", "PLI des Trois-Villes", "BC", "urban", "medium", 250_000, "spo", ""),
    ("north-shore", "North Shore LIP", "PLI de la Rive-Nord (C.-B.)", "BC", "urban", "medium", 200_000, "spo", ""),
    ("langley", "Langley LIP", "PLI de Langley", "BC", "urban", "medium", 160_000, "spo", ""),
    ("abbotsford", "Abbotsford LIP", "PLI d'Abbotsford", "BC", "urban", "medium", 160_000, "municipal", "agricultural"),
    ("central-okanagan", "Central Okanagan LIP", "PLI du centre de l'Okanagan", "BC", "urban", "medium", 220_000, "spo", "tourism"),
    ("greater-victoria", "Greater Victoria LIP", "PLI du Grand Victoria", "BC", "urban", "medium", 400_000, "spo", "island"),
    ("cowichan-valley", "Cowichan Valley LIP", "PLI de la vallée de Cowichan", "BC", "rural", "small", 90_000, "spo", "island;agricultural"),
)

STAFF: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Demo Administrator", Role.ADMIN),
    ("chair", "Demo Chair (Paulina)", Role.CHAIR),
    ("chair2", "Demo Co-chair (Roberto)", Role.CHAIR),
    ("auditor", "Demo Auditor", Role.AUDITOR),
    ("observer", "Demo Observer", Role.OBSERVER),
    ("expert", "Demo Expert (settlement research)", Role.EXPERT),
)


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    who: str


def email_for(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def is_empty() -> bool:
    return db.session.scalar(db.select(db.func.count()).select_from(Member)) == 0 and (
        db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    )


# The banner asks `is_demo()` on every page. The flag is only ever set (the demo loads into an
# empty database and is never taken out again), so once seen it is kept for the life of the
# process; until then it is read again at most every DEMO_FLAG_RECHECK_SECONDS, so a demo
# loaded from the command line while the server runs shows its banner within that time.
DEMO_FLAG_RECHECK_SECONDS = 10.0
_DEMO_FLAG_CACHE = "lipvote_demo_flag"  # in app.extensions: (monotonic time read, value)


def is_demo() -> bool:
    cache = current_app.extensions
    seen = cache.get(_DEMO_FLAG_CACHE)
    if seen is not None and (seen[1] or time.monotonic() - seen[0] < DEMO_FLAG_RECHECK_SECONDS):
        return bool(seen[1])
    flag = SiteSetting.get(DEMO_FLAG) == "yes"
    cache[_DEMO_FLAG_CACHE] = (time.monotonic(), flag)
    return flag


def load() -> None:
    """Insert the demo federation, then its voting history (the caller checks the database is empty)."""
    # One hash for every demo account: they share the printed demo password, and hashing 86
    # passwords separately would make `make run` slow for no security gain on demo data.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    for local, name, role in STAFF:
        user = User(email=email_for(local), display_name=name, role=role, locale="en", password_hash=password_hash)
        db.session.add(user)
        if two_factor.is_required(user):
            db.session.flush()
            two_factor.enrol_with_secret(user, DEMO_TWO_FACTOR_SECRET)
    for slug, name_en, name_fr, province, setting, size, population, holder, clusters in LIPS:
        member = Member(
            slug=slug, name_en=name_en, name_fr=name_fr, province=province, region=PROVINCE_REGION[province],
            setting=setting, size_class=size, population=population, holder_type=holder, clusters=clusters, active=True,
        )
        db.session.add(member)
        db.session.add(User(
            email=email_for(f"delegate.{slug}"), display_name=f"Delegate, {name_en}", role=Role.DELEGATE,
            member=member, delegate_rank=DelegateRank.PRIMARY, locale="fr" if "francophone" in clusters else "en",
            password_hash=password_hash,
        ))
    SiteSetting.put(DEMO_FLAG, "yes")
    db.session.commit()
    current_app.extensions[_DEMO_FLAG_CACHE] = (time.monotonic(), True)
    load_history()  # closed, open and draft motions of every kind (app/demo_history.py)
    load_proposals()  # the four draft documents as bilingual proposals (app/deliberation/demo.py)
    load_consultations()  # the member survey on the Statement of Intention, an open one on the Workplan
    load_debate()  # comments and two amendments on the Vision (app/deliberation/amendment_demo.py)
    load_decision()  # the Statement of Intention adopted by a certified motion
    load_expert()  # a subject-matter expert invited to comment on the Representative Framework
    from app.demo_witnesses import load_witnesses

    load_witnesses()  # Halifax and Ottawa cosign every log's latest checkpoint (app/demo_witnesses.py)


def logins() -> list[Login]:
    rows = [Login(email_for(local), role.value, name) for local, name, role in STAFF]
    for slug, name_en, *_rest in LIPS[:3]:
        rows.append(Login(email_for(f"delegate.{slug}"), "delegate", name_en))
    return rows


def uses_demo_secret(user: User) -> bool:
    """Is this a demo account whose two-factor secret is still the published demo one?"""
    if not user.email.endswith("@" + DEMO_DOMAIN):
        return False
    try:
        return two_factor.current_secret(user) == DEMO_TWO_FACTOR_SECRET
    except two_factor.SecretUnreadable:
        return False


def two_factor_logins() -> list[str]:
    """E-mail addresses of the demo accounts that sign in with the published demo secret."""
    users = db.session.scalars(select(User).join(TwoFactor, TwoFactor.user_id == User.id).order_by(User.id))
    return [user.email for user in users if uses_demo_secret(user)]
