"""CPU per request of the delegate's path, in one process (Flask's test client), tree against tree.

The load bench (`bench/load.py`) measures a served meeting, whose wall-clock figures mean little
while other work shares the machine. This measures what a request costs the server: the CPU time
(`time.process_time`) of each kind of request of the delegate's path, and the SQL statements it
runs, on a fresh SQLite federation (`bench.loadkit.federation`: 50 members, 4 open yes/no motions
that allow a change of vote).

    .venv/bin/python bench/request_cpu.py                         # this tree
    .venv/bin/python bench/request_cpu.py --trees OLD . --rounds 4  # alternated, side by side
    .venv/bin/python bench/request_cpu.py --worker . --profile cast.prof   # cProfile of the cast POSTs

Each tree runs in its own process (its own `app`, `ballots` and `bench.loadkit`), rounds
alternate between the trees, and the table shows each tree's median over the rounds.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("ballot page", "review", "cast", "receipt page", "receipt.json", "delegate home")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def worker(flows: int, warm: int, profile: str | None, casts_only: bool = False) -> dict[str, Any]:
    """Run in the tree on sys.path[0]: `warm` untimed flows, then `flows` timed ones (with
    `casts_only`, the timed part posts casts alone, the session cookie kept as it was)."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from bench.loadkit import federation
    from bench.loadkit.server import app_config

    folder = Path(tempfile.mkdtemp(prefix="lipvote-request-cpu-"))
    app = create_app(app_config(f"sqlite:///{folder / 'lipvote.sqlite3'}", folder))
    federation.migrate(app)
    fed = federation.build(app, members=50, open_motions=4)
    with app.app_context():
        engine = db.engine
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1))

    clients = []
    for person in fed.delegates:
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        reply = client.post("/login", data={"csrf_token": token, "email": person.email, "password": fed.password})
        assert reply.status_code in (302, 303), reply.status_code
        clients.append((client, person.member))

    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    counts: dict[str, list[int]] = {kind: [] for kind in KINDS}

    def timed(kind: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        statements[0] = 0
        start = time.process_time()
        reply = call(*args, **kwargs)
        spent = time.process_time() - start
        if record:
            cpu[kind].append(spent)
            counts[kind].append(statements[0])
        return reply

    profiler = None
    record = False
    tokens: dict[Any, str] = {}
    for n in range(warm + flows):
        if n == warm:
            record = True
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
        client, member = clients[n % len(clients)]
        motion = fed.open_motions[n % len(fed.open_motions)]
        choice = federation.CHOICES[n % 3]
        if casts_only and record:
            if client not in tokens:
                page = client.get(f"/motions/{motion}/ballot", query_string={"member": member})
                tokens[client] = CSRF.search(page.get_data(as_text=True)).group(1)
            kept = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            form = {"csrf_token": tokens[client], "member": member, "choice": choice}
            cast = timed("cast", client.post, f"/motions/{motion}/ballot/cast", data=form)
            assert cast.status_code == 303, cast.status_code
            client.set_cookie(kept.key, kept.value, domain=kept.domain, path=kept.path)  # drop the flash
            continue
        page = timed("ballot page", client.get, f"/motions/{motion}/ballot", query_string={"member": member})
        assert page.status_code == 200, page.status_code
        token = tokens[client] = CSRF.search(page.get_data(as_text=True)).group(1)
        form = {"csrf_token": token, "member": member, "choice": choice}
        review = timed("review", client.post, f"/motions/{motion}/ballot/review", data=form)
        assert review.status_code == 200, review.status_code
        cast = timed("cast", client.post, f"/motions/{motion}/ballot/cast", data=form)
        assert cast.status_code == 303, (cast.status_code, cast.get_data(as_text=True)[:500])
        location = cast.headers["Location"]
        receipt = timed("receipt page", client.get, location)
        assert receipt.status_code == 200, receipt.status_code
        data = timed("receipt.json", client.get, location + "/receipt.json")
        assert data.status_code == 200, data.status_code
        home = timed("delegate home", client.get, "/home")
        assert home.status_code == 200, home.status_code
    if profiler is not None and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return {kind: {"ms": 1000 * statistics.median(cpu[kind]), "mean_ms": 1000 * statistics.fmean(cpu[kind]),
                   "statements": statistics.median(counts[kind])} for kind in KINDS if cpu[kind]}


def run_tree(tree: Path, flows: int, warm: int, casts_only: bool) -> dict[str, Any]:
    code = (f"import sys, json; sys.path.insert(0, {str(tree)!r}); sys.argv = ['request_cpu'];"
            f"import runpy; m = runpy.run_path({str(Path(__file__).resolve())!r});"
            f"print(json.dumps(m['worker']({flows}, {warm}, None, {casts_only})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", nargs="+", default=["."], help="checkouts to compare (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flows", type=int, default=200, help="timed flows per round")
    parser.add_argument("--warm", type=int, default=30, help="untimed flows first")
    parser.add_argument("--worker", help="run one tree in this process (with --profile)")
    parser.add_argument("--profile", help="cProfile output of the timed flows (with --worker)")
    parser.add_argument("--casts-only", action="store_true", help="time cast POSTs alone")
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(Path(args.worker).resolve()))
        print(json.dumps(worker(args.flows, args.warm, args.profile, args.casts_only), indent=1))
        return
    trees = [Path(t).resolve() for t in args.trees]
    results: dict[Path, list[dict[str, Any]]] = {tree: [] for tree in trees}
    loads = []
    for round_ in range(args.rounds):
        for tree in trees:
            loads.append(load_average())
            results[tree].append(run_tree(tree, args.flows, args.warm, args.casts_only))
            print(f"round {round_ + 1}: {tree.name} done (load {loads[-1]})", file=sys.stderr)
    print(f"CPU ms per request (median of {args.flows} per round; median over {args.rounds} rounds), "
          f"SQL statements; load average {min(loads, key=float)}-{max(loads, key=float)}")
    header = "| request | " + " | ".join(f"{t.name} ms | {t.name} stmts" for t in trees) + " |"
    print(header)
    print("|---" * (1 + 2 * len(trees)) + "|")
    for kind in KINDS:
        if kind not in results[trees[0]][0]:
            continue
        cells = []
        for tree in trees:
            per_round = [r[kind]["ms"] for r in results[tree]]
            cells.append(f"{statistics.median(per_round):.2f} ({', '.join(f'{v:.1f}' for v in per_round)})")
            cells.append(f"{results[tree][-1][kind]['statements']:.0f}")
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
