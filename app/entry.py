"""The `lipvote` console script.

`lipvote verify` (the offline verifier) and `lipvote witness` (a member's witness) come from
`ballots` and need neither the web app nor Flask's command line: they are started before
either is imported, so an auditor's or a witness's command starts in a fraction of a second.
Every other command is Flask's (`app.cli`).
"""

from __future__ import annotations

import sys


def main() -> None:
    command = sys.argv[1:2]
    if command == ["verify"]:
        from ballots.cli import main as verify

        sys.exit(verify(sys.argv[2:]))
    if command == ["witness"]:
        from ballots.witness_cli import main as witness

        sys.exit(witness(sys.argv[2:]))
    from app.cli import main as flask_commands

    flask_commands()
