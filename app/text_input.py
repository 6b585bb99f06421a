"""Text that people type and lipvote stores: one normal form, no invisible characters, one way to compare.

Every stored name, title, label and free text goes through here, from the forms (as WTForms
filters and the `PlainText` validator), the member CSV import and the command line:

* it is stored in Unicode NFC, the form the ballot leaves use, so "é" typed as e + U+0301 is the
  same text as the precomposed "é";
* control characters (Cc), format characters (Cf: bidi overrides such as U+202E, zero-width
  spaces and joiners, soft hyphens), line and paragraph separators, unassigned, private-use and
  other default-ignorable (invisible) code points are refused with a message naming the
  character, because they make two different texts look the same or reorder what is shown;
  multi-line fields still take ordinary line breaks and tabs;
* in one-line fields every run of spaces (any Unicode space) becomes one ordinary space, since a
  page shows "A  B", "A B" and "A\u00a0B" alike;
* uniqueness (member names, option labels) and look-ups compare `comparison_key`: NFKC, case
  folded, spaces collapsed, so "Halton LIP", "HALTON LIP" and "Ｈａｌｔｏｎ LIP" are one name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form
from wtforms.validators import ValidationError

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default-ignorable code points (Unicode DerivedCoreProperties) that are not in the categories
# above: fillers and variation selectors that draw nothing.
INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810),
     *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)
MULTILINE_ALLOWED = frozenset("\n\t")
_SPACES = re.compile(r"[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")



def nfc(value: object) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def clean_line(value: object) -> str:
    """One-line text as stored: NFC, each run of spaces one ordinary space, no space at either end."""
    return _SPACES.sub(" ", nfc(value)).strip(" ")


def clean_multiline(value: object) -> str:
    """Multi-line text as stored: NFC, line breaks as LF, no blank space at either end."""
    return nfc(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def refused_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character `text` may not contain, described as "U+202E (RIGHT-TO-LEFT OVERRIDE)"."""
    for char in text:
        if char.isascii() and (char.isprintable() or (multiline and char in MULTILINE_ALLOWED)):
            continue
        if ord(char) in INVISIBLE or unicodedata.category(char) in REFUSED_CATEGORIES:
            if multiline and char in MULTILINE_ALLOWED:
                continue
            name = unicodedata.name(char, "")
            return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"
    return None


def text_problem(text: str, *, multiline: bool = False) -> Any:
    """The (lazily translated) message for a text that may not be stored as it is, or None when it may."""
    char = refused_character(text, multiline=multiline)
    if char is None:
        return None
    return _l("Remove the character %(char)s: invisible and control characters are not accepted, because they "
              "can make two different texts look the same.", char=char)


def comparison_key(text: str) -> str:
    """What two texts must differ in to count as different names (see the module docstring)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class PlainText:
    """WTForms validator: no invisible or control characters (see `refused_character`).

    Use with the matching filter, `clean_line` or `clean_multiline`, so the value checked is the
    value stored.
    """

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        problem = text_problem(str(field.data or ""), multiline=self.multiline)
        if problem:
            raise ValidationError(problem)
