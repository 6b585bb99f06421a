"""A version's text as plain values: clauses, the two-document editing format, the content hash.

A chair writes a version as one Markdown document per language. Each clause starts with a
level-2 heading line `## <id> <heading>` ("## 2.a Who may join"); the id is the stable clause
identifier, the rest of the line its optional heading, and the lines up to the next such
heading its text. The English document gives the clause order; the French one must use the
same identifiers in the same order, and may leave a clause out (its French is then missing and
marked on the page). Either language may be empty, not both.

`content_hash` is what a motion will put in its opening leaf to prove which text was adopted:
SHA-256 over the RFC 8785 canonical JSON of `canonical_text` (docs/deliberation.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import rfc8785
from flask_babel import lazy_gettext as _l

from app.display import number
from app.text_input import clean_line, clean_multiline, text_problem

HASH_FORMAT = "lipvote-proposal-text/1"
LANGS = ("en", "fr")

MAX_VERSION_BYTES = 200_000  # both documents and both change notes, UTF-8
MAX_CLAUSE_CHARS = 20_000  # one clause's text in one language
MAX_HEADING_CHARS = 300
MAX_CLAUSES = 200
MAX_KEY_CHARS = 40

KEY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", re.ASCII)
HEADING_LINE_RE = re.compile(r"^##[ \t]+(?P<key>\S+)(?:[ \t]+(?P<heading>.*?))?[ \t]*$")


@dataclass(frozen=True)
class ClauseText:
    key: str
    heading_en: str = ""
    heading_fr: str = ""
    text_en: str = ""
    text_fr: str = ""

    def heading(self, lang: str) -> str:
        return self.heading_fr if lang == "fr" else self.heading_en

    def text(self, lang: str) -> str:
        return self.text_fr if lang == "fr" else self.text_en

    def language_part(self, lang: str) -> tuple[str, str]:
        return self.heading(lang), self.text(lang)


class DocumentError(ValueError):
    """A document that cannot be stored; `lang` says which one ("en", "fr" or None for both)."""

    def __init__(self, message: Any, lang: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.lang = lang


@dataclass(frozen=True)
class _Section:
    key: str
    heading: str
    text: str


def split_document(document: str, lang: str) -> list[_Section]:
    """The clauses of one language's document, in order; DocumentError when it is malformed."""
    document = clean_multiline(document)
    if not document:
        return []
    problem = text_problem(document, multiline=True)
    if problem:
        raise DocumentError(problem, lang)
    sections: list[_Section] = []
    key: str | None = None
    heading = ""
    lines: list[str] = []

    def close() -> None:
        if key is not None:
            sections.append(_Section(key, heading, clean_multiline("\n".join(lines))))

    for line in document.split("\n"):
        match = HEADING_LINE_RE.match(line)
        if match:
            close()
            key, heading, lines = _clause_key(match["key"], lang), clean_line(match["heading"] or ""), []
            continue
        if key is None:
            if line.strip():
                raise DocumentError(_l("Start the text with a clause heading such as “## 1 Purpose”: each clause "
                                       "begins with two # signs, its number and its heading."), lang)
            continue
        lines.append(line)
    close()
    _check_sections(sections, lang)
    return sections


def _clause_key(raw: str, lang: str) -> str:
    key = raw.rstrip(".")  # "## 1. Purpose" names clause "1"
    if not KEY_RE.fullmatch(key) or len(key) > MAX_KEY_CHARS:
        raise DocumentError(_l("“%(key)s” cannot be a clause number: use letters, digits, dots and hyphens "
                               "(for example 1, 2.a or 3-1), at most %(max)s characters.", key=raw, max=MAX_KEY_CHARS), lang)
    return key


def _check_sections(sections: Sequence[_Section], lang: str) -> None:
    if len(sections) > MAX_CLAUSES:
        raise DocumentError(_l("A version may have at most %(max)s clauses.", max=MAX_CLAUSES), lang)
    seen: set[str] = set()
    for section in sections:
        if section.key in seen:
            raise DocumentError(_l("Clause %(key)s appears twice: give each clause its own number.",
                                   key=section.key), lang)
        seen.add(section.key)
        if len(section.heading) > MAX_HEADING_CHARS:
            raise DocumentError(_l("The heading of clause %(key)s is longer than %(max)s characters.",
                                   key=section.key, max=MAX_HEADING_CHARS), lang)
        if len(section.text) > MAX_CLAUSE_CHARS:
            raise DocumentError(_l("Clause %(key)s is longer than %(max)s characters: split it into several clauses.",
                                   key=section.key, max=number(MAX_CLAUSE_CHARS)), lang)


def parse_documents(english: str, french: str) -> list[ClauseText]:
    """Both languages' documents as one list of bilingual clauses (see the module docstring)."""
    if len(english.encode()) + len(french.encode()) > MAX_VERSION_BYTES:
        raise DocumentError(_l("The text is too long: a version may hold at most %(max)s kB in both languages "
                               "together.", max=MAX_VERSION_BYTES // 1000))
    en = split_document(english, "en")
    fr = split_document(french, "fr")
    if not en and not fr:
        raise DocumentError(_l("Write the text of at least one clause, in English or in French."), "en")
    order_keys = merged_order([c.key for c in en], [c.key for c in fr])
    by_lang = {"en": {s.key: s for s in en}, "fr": {s.key: s for s in fr}}
    empty = _Section("", "", "")
    return [
        ClauseText(key=key,
                   heading_en=by_lang["en"].get(key, empty).heading, text_en=by_lang["en"].get(key, empty).text,
                   heading_fr=by_lang["fr"].get(key, empty).heading, text_fr=by_lang["fr"].get(key, empty).text)
        for key in order_keys
    ]


def merged_order(en_keys: list[str], fr_keys: list[str]) -> list[str]:
    """One clause order from both documents: the English order, with each clause that only the
    French has placed after the clause it follows in the French. Clauses in both must be in the
    same order in both."""
    common = set(en_keys) & set(fr_keys)
    if [k for k in en_keys if k in common] != [k for k in fr_keys if k in common]:
        raise DocumentError(_l("The clauses are not in the same order in both languages."), "fr")
    merged = list(en_keys)
    for index, key in enumerate(fr_keys):
        if key not in merged:
            merged.insert(merged.index(fr_keys[index - 1]) + 1 if index else 0, key)
    return merged


def to_document(clauses: Iterable[Any], lang: str) -> str:
    """One language's document for the edit form (clauses without that language keep their heading line)."""
    parts = []
    for clause in clauses:
        heading = clause.heading(lang)
        parts.append(f"## {clause.key} {heading}".rstrip())
        if clause.text(lang):
            parts.append(clause.text(lang))
    return "\n\n".join(parts) + ("\n" if parts else "")


def canonical_text(clauses: Iterable[Any]) -> dict[str, Any]:
    """The value whose canonical JSON is hashed: the clauses in order, both languages."""
    return {
        "format": HASH_FORMAT,
        "clauses": [
            {"id": c.key,
             "heading": {"en": c.heading("en"), "fr": c.heading("fr")},
             "text": {"en": c.text("en"), "fr": c.text("fr")}}
            for c in clauses
        ],
    }


def content_hash(clauses: Iterable[Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(canonical_text(clauses))).hexdigest()
