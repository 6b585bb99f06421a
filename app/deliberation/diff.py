"""Word-level differences between two versions of a proposal, per clause and per language.

Texts are cut into words, punctuation and runs of white space, and compared with the standard
library's `difflib.SequenceMatcher`; each clause is matched by its stable identifier. A clause
only in the newer version is "added", only in the older one "removed"; a clause whose
identifier moved is shown removed where it was and added where it is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
Kind = Literal["same", "ins", "del"]
Status = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


@dataclass
class ClauseDiff:
    key: str
    status: Status
    heading: dict[str, list[Segment]] = field(default_factory=dict)  # per language
    text: dict[str, list[Segment]] = field(default_factory=dict)

    def changed_in(self, lang: str) -> bool:
        return any(s.kind != "same" for s in self.heading.get(lang, []) + self.text.get(lang, []))


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


# SequenceMatcher takes time in the product of the two lengths: past this many token pairs (a
# fraction of a second), a changed stretch is shown as removed and re-added as a whole.
MAX_TOKEN_PAIRS = 250_000


def word_diff(old: str, new: str) -> list[Segment]:
    """`old` turned into `new` as runs of kept, deleted and inserted text.

    The common beginning and end are set aside first (cheap, and most edits are local), so only
    the stretch in between is compared word by word."""
    a, b = tokens(old), tokens(new)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    segments: list[Segment] = []
    _add(segments, "same", "".join(a[:start]))
    middle_a, middle_b = a[start:len(a) - end], b[start:len(b) - end]
    if len(middle_a) * len(middle_b) > MAX_TOKEN_PAIRS:
        _add(segments, "del", "".join(middle_a))
        _add(segments, "ins", "".join(middle_b))
    else:
        matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                _add(segments, "same", "".join(middle_a[i1:i2]))
            else:
                _add(segments, "del", "".join(middle_a[i1:i2]))
                _add(segments, "ins", "".join(middle_b[j1:j2]))
    _add(segments, "same", "".join(a[len(a) - end:]))
    return segments


def _add(segments: list[Segment], kind: Kind, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, segments[-1].text + text)
    else:
        segments.append(Segment(kind, text))


LANGS = ("en", "fr")


def _whole(clause: Any, kind: Kind) -> ClauseDiff:
    status: Status = "added" if kind == "ins" else "removed"
    diff = ClauseDiff(clause.key, status)
    for lang in LANGS:
        diff.heading[lang] = [Segment(kind, clause.heading(lang))] if clause.heading(lang) else []
        diff.text[lang] = [Segment(kind, clause.text(lang))] if clause.text(lang) else []
    return diff


def _pair(old: Any, new: Any) -> ClauseDiff:
    diff = ClauseDiff(new.key, "unchanged")
    for lang in LANGS:
        diff.heading[lang] = word_diff(old.heading(lang), new.heading(lang))
        diff.text[lang] = word_diff(old.text(lang), new.text(lang))
    if any(diff.changed_in(lang) for lang in LANGS):
        diff.status = "changed"
    return diff


def version_diff(old: Sequence[Any], new: Sequence[Any]) -> list[ClauseDiff]:
    """Clause by clause, in reading order. `old` and `new` are clauses (anything with `key`,
    `heading(lang)` and `text(lang)`), each in its version's order."""
    old_keys, new_keys = [c.key for c in old], [c.key for c in new]
    result: list[ClauseDiff] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if op == "equal":
            result.extend(_pair(o, n) for o, n in zip(old[i1:i2], new[j1:j2]))
        else:
            result.extend(_whole(o, "del") for o in old[i1:i2])
            result.extend(_whole(n, "ins") for n in new[j1:j2])
    return result
