"""`lipvote verify` as an auditor runs it: the installed console script, no server, no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flask import Flask

from app.models import DelegateRank, Role
from app.motions import service
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now
from tests.conftest import add_member, add_user

LIPVOTE = str(Path(sys.executable).with_name("lipvote"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # An empty environment apart from PATH: no database URL, no instance folder is needed.
    return subprocess.run([LIPVOTE, "verify", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=120)


def test_verify_command_accepts_a_real_bundle_and_names_a_tampered_one(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        for slug in ("halifax", "ottawa", "calgary"):
            add_user(f"{slug}@example.org", Role.DELEGATE, add_member(slug), DelegateRank.PRIMARY, password=None)
        motion_id = draft_motion()
        open_now(motion_id)
        receipt = cast_as(motion_id, "halifax@example.org", "yes").receipt
        cast_as(motion_id, "ottawa@example.org", "no")
        cast_as(motion_id, "calgary@example.org", "yes")
        bundle = service.bundle_for(close_now(motion_id))
    assert bundle["result"]["status"] == "carried"
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))

    good = run("bundle.json", "--receipt", "receipt.json", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "FAIL" not in good.stdout and "OK" in good.stdout

    as_json = run("bundle.json", "--json", cwd=tmp_path)
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["ok"] is True

    tampered = dict(bundle, result={**bundle["result"], "status": "defeated"})
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    bad = run("tampered.json", cwd=tmp_path)
    assert bad.returncode != 0
    assert "FAIL" in bad.stdout and "Traceback" not in bad.stdout + bad.stderr

    missing = run("no-such-file.json", cwd=tmp_path)
    assert missing.returncode != 0 and "Traceback" not in missing.stdout + missing.stderr
