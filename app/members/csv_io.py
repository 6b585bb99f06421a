"""CSV import (all rows or none) and export of the member registry.

Import validates every row before anything is written; the caller stores the rows only when
the list of problems is empty. Export writes the same columns, so an export re-imports as is
into an empty registry; its text cells are made safe to open in a spreadsheet (app.csv_cells),
and the import undoes that.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

from flask_babel import lazy_gettext as _l

from app.csv_cells import imported_cell, spreadsheet_cell
from app.members.validation import FIELDS, REQUIRED, NameIndex, clean_member, duplicate_names, name_index
from app.models import Member

MAX_ROWS = 5000


@dataclass(frozen=True)
class RowProblem:
    line: int  # line number in the file as a spreadsheet shows it (header = 1); 0 = whole file
    field: str
    message: str


@dataclass(frozen=True)
class ImportCheck:
    rows: list[dict[str, object]]
    problems: list[RowProblem]


def check_import(data: bytes, existing_slugs: set[str], existing_names: NameIndex | None = None) -> ImportCheck:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return ImportCheck([], [RowProblem(0, "", str(_l("The file is not UTF-8 text (byte %(pos)d). Save it as CSV UTF-8 and try again.", pos=e.start)))])
    if not text.strip():
        return ImportCheck([], [RowProblem(0, "", str(_l("The file is empty.")))])
    try:
        delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # Only the separator is guessed: quoting stays RFC 4180 (a quote inside a quoted cell is
    # doubled), which the sniffer, seeing no quote in the header, would otherwise turn off.
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in FIELDS]
    problems: list[RowProblem] = []
    if missing:
        problems.append(RowProblem(1, "", str(_l("Missing columns: %(cols)s.", cols=", ".join(missing)))))
    if unknown:
        problems.append(RowProblem(1, "", str(_l("Unknown columns: %(cols)s. Allowed: %(allowed)s.", cols=", ".join(unknown), allowed=", ".join(FIELDS)))))
    if problems:
        return ImportCheck([], problems)

    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    names_seen: dict[tuple[str, str], int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                problems.append(RowProblem(line, "", str(_l("More than %(n)d rows; split the file.", n=MAX_ROWS))))
                break
            if None in record:
                problems.append(RowProblem(line, "", str(_l("This row has more cells than the header."))))
                continue
            clean, errors = clean_member({name: imported_cell(value or "") for name, value in record.items()})
            problems.extend(RowProblem(line, err.field, err.message) for err in errors)
            slug = str(clean["slug"])
            if slug and slug in existing_slugs:
                problems.append(RowProblem(line, "slug", str(_l("A member with identifier %(slug)s already exists.", slug=slug))))
            elif slug and slug in seen:
                problems.append(RowProblem(line, "slug", str(_l("Duplicate of line %(line)d.", line=seen[slug]))))
            seen.setdefault(slug, line)
            problems.extend(RowProblem(line, err.field, err.message) for err in duplicate_names(clean, existing_names or {}))
            for (field, key), _slug in name_index([clean]).items():
                if (field, key) in names_seen:
                    problems.append(RowProblem(line, field, str(_l("Same name as line %(line)d, or one that looks the same.",
                                                                   line=names_seen[(field, key)]))))
                names_seen.setdefault((field, key), line)
            rows.append(clean)
    except csv.Error as e:
        problems.append(RowProblem(reader.line_num, "", str(_l("The CSV is malformed: %(err)s.", err=str(e)))))
    if not rows and not problems:
        problems.append(RowProblem(0, "", str(_l("The file has a header but no members."))))
    return ImportCheck(rows if not problems else [], problems)


def export_rows(members: Iterable[Member]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for m in members:
        writer.writerow([spreadsheet_cell(cell) for cell in (
            m.slug, m.name_en, m.name_fr, m.province, m.region, m.setting, m.size_class,
            m.population, m.holder_type, m.clusters, "yes" if m.active else "no",
        )])
    return out.getvalue()
