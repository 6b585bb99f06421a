"""The architecture's hard line: voting/ and ballots/ stay pure (docs/architecture.md)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "voting": {"flask", "flask_sqlalchemy", "flask_login", "flask_babel", "flask_wtf", "flask_migrate", "sqlalchemy", "click", "app", "ballots"},
    "ballots": {"flask", "flask_sqlalchemy", "flask_login", "flask_babel", "flask_wtf", "flask_migrate", "sqlalchemy", "click", "app"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_pure_packages_do_not_import_the_web_layer(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_pure_packages_loads_no_web_framework() -> None:
    code = (
        "import sys, json, voting, ballots\n"
        "import pkgutil, importlib\n"
        "for pkg in (voting, ballots):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if not info.name.endswith('__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', 'app'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_test_modules_have_unique_names() -> None:
    """Test folders are not packages, so pytest imports each module by its file name: two
    modules with one name (say tests/app/test_x.py and tests/browser/test_x.py) stop the whole
    collection, and `make check`, which leaves the browser tests out, would not notice."""
    names = Counter(path.name for path in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
