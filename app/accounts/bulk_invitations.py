"""Delegates invited in bulk from a CSV file: checked as a whole (every bad row listed, nothing
written unless all rows are good), shown for confirmation, then created and invited in one
write transaction (the invitations queued in the outbox, or their links shown when mail is not
configured).

Columns (first line): member, name, email, language, rank. `member` is the member's identifier
(its slug), `language` is en or fr, `rank` is primary or alternate (principal and substitut
are read too).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.csv_cells import imported_cell
from app.extensions import db
from app.members.csv_io import RowProblem
from app.models import DelegateRank, Member, User
from app.text_input import clean_line, text_problem

COLUMNS = ("member", "name", "email", "language", "rank")
MAX_ROWS = 2000
MAX_NAME = 120
MAX_EMAIL = 254
RANKS = {"primary": DelegateRank.PRIMARY, "principal": DelegateRank.PRIMARY,
         "alternate": DelegateRank.ALTERNATE, "substitut": DelegateRank.ALTERNATE, "suppléant": DelegateRank.ALTERNATE}
LANGUAGES = {"en": "en", "fr": "fr", "english": "en", "anglais": "en", "french": "fr", "français": "fr", "francais": "fr"}


@dataclass(frozen=True)
class Invitee:
    line: int
    member_slug: str
    name: str
    email: str
    language: str
    rank: DelegateRank


@dataclass(frozen=True)
class Check:
    invitees: list[Invitee]
    problems: list[RowProblem]


@dataclass
class Registry:
    """What the rows are checked against: active members, addresses in use, members with a primary delegate."""

    members: dict[str, int]
    emails: set[str]
    primaries: set[int]

    @classmethod
    def current(cls) -> Registry:
        return cls(
            members={slug: member_id for slug, member_id in db.session.execute(select(Member.slug, Member.id).where(Member.active))},
            emails=set(db.session.scalars(select(func.lower(User.email)))),
            primaries=set(db.session.scalars(select(User.member_id).where(User.delegate_rank == DelegateRank.PRIMARY))),
        )


def _decode(data: bytes) -> tuple[str | None, list[RowProblem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, [RowProblem(0, "", str(_l("The file is not UTF-8 text (byte %(pos)d). Save it as CSV UTF-8 and try again.", pos=e.start)))]
    if not text.strip():
        return None, [RowProblem(0, "", str(_l("The file is empty.")))]
    return text, []


def _reader(text: str) -> csv.DictReader[str]:
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=delimiter)
    reader.fieldnames = [name.strip().lower() for name in (reader.fieldnames or [])]
    return reader


def _header_problems(header: list[str]) -> list[RowProblem]:
    problems = []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing:
        problems.append(RowProblem(1, "", str(_l("Missing columns: %(cols)s.", cols=", ".join(missing)))))
    if unknown:
        problems.append(RowProblem(1, "", str(_l("Unknown columns: %(cols)s. Allowed: %(allowed)s.",
                                                 cols=", ".join(unknown), allowed=", ".join(COLUMNS)))))
    return problems


def _check_email(raw: str) -> tuple[str, str | None]:
    email = raw.strip().lower()
    if not email:
        return "", str(_l("This field is required."))
    if len(email) > MAX_EMAIL:
        return email, str(_l("At most %(n)d characters (got %(got)d).", n=MAX_EMAIL, got=len(email)))
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, str(_l("This is not an e-mail address."))
    return email, None


def check_row(line: int, record: dict[str, str], registry: Registry, seen_emails: dict[str, int],
              seen_primaries: dict[int, int]) -> tuple[Invitee | None, list[RowProblem]]:
    values = {name: clean_line(imported_cell(record.get(name) or "")) for name in COLUMNS}
    problems: list[RowProblem] = []

    def refuse(field: str, message: object) -> None:
        problems.append(RowProblem(line, field, str(message)))

    slug = values["member"].lower()
    member_id = registry.members.get(slug)
    if not slug:
        refuse("member", _l("This field is required."))
    elif member_id is None:
        refuse("member", _l("No active member has the identifier %(slug)s.", slug=slug))

    name = values["name"]
    if not name:
        refuse("name", _l("This field is required."))
    elif text_problem(name):
        refuse("name", text_problem(name))
    elif len(name) > MAX_NAME:
        refuse("name", _l("At most %(n)d characters (got %(got)d).", n=MAX_NAME, got=len(name)))

    email, email_problem = _check_email(values["email"])
    if email_problem:
        refuse("email", email_problem)
    elif email in registry.emails:
        refuse("email", _l("An account already uses this address."))
    elif email in seen_emails:
        refuse("email", _l("Duplicate of line %(line)d.", line=seen_emails[email]))
    seen_emails.setdefault(email, line)

    language = LANGUAGES.get(values["language"].lower())
    if language is None:
        refuse("language", _l("Use en or fr."))

    rank = RANKS.get(values["rank"].lower())
    if rank is None:
        refuse("rank", _l("Use primary or alternate."))
    elif rank is DelegateRank.PRIMARY and member_id is not None:
        if member_id in registry.primaries:
            refuse("rank", _l("%(slug)s already has a primary delegate; invite this one as an alternate.", slug=slug))
        elif member_id in seen_primaries:
            refuse("rank", _l("Line %(line)d already names the primary delegate of %(slug)s.",
                              line=seen_primaries[member_id], slug=slug))
        seen_primaries.setdefault(member_id, line)

    if problems:
        return None, problems
    assert language is not None and rank is not None
    return Invitee(line, slug, name, email, language, rank), []


def check(data: bytes, registry: Registry) -> Check:
    text, problems = _decode(data)
    if text is None:
        return Check([], problems)
    reader = _reader(text)
    problems = _header_problems(list(reader.fieldnames or []))
    if problems:
        return Check([], problems)
    invitees: list[Invitee] = []
    seen_emails: dict[str, int] = {}
    seen_primaries: dict[int, int] = {}
    rows = 0
    try:
        for record in reader:
            line = reader.line_num
            rows += 1
            if rows > MAX_ROWS:
                problems.append(RowProblem(line, "", str(_l("More than %(n)d rows; split the file.", n=MAX_ROWS))))
                break
            if None in record:
                problems.append(RowProblem(line, "", str(_l("This row has more cells than the header."))))
                continue
            invitee, row_problems = check_row(line, record, registry, seen_emails, seen_primaries)
            problems.extend(row_problems)
            if invitee is not None:
                invitees.append(invitee)
    except csv.Error as e:
        problems.append(RowProblem(reader.line_num, "", str(_l("The CSV is malformed: %(err)s.", err=str(e)))))
    if rows == 0 and not problems:
        problems.append(RowProblem(0, "", str(_l("The file has a header but no delegates."))))
    return Check(invitees if not problems else [], problems)
