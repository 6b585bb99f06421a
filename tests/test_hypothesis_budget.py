"""`make check` caps every hypothesis property (tests/conftest.py: `examples`); a count written
as a bare number would win over the cap and slow the fast tier down unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BARE_COUNT = re.compile(r"max_examples\s*=\s*\d")


def test_every_example_count_goes_through_examples() -> None:
    bare = [f"{path.relative_to(TESTS)}:{number}"
            for path in sorted(TESTS.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if BARE_COUNT.search(line)]
    assert not bare, f"write max_examples=examples(n) (tests/conftest.py), not a bare count: {bare}"
