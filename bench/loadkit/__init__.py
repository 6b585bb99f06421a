"""Machinery shared by the live-meeting load bench (`bench/load.py`) and the concurrency tests.

The tests run the same code as the bench with smaller numbers:

* `postgres`  — a throw-away PostgreSQL cluster (fsync on or off), one database per run;
* `server`    — gunicorn with K workers on a database, killed and restarted on demand;
* `client`    — one signed-in browser session over `http.client` (127.0.0.1 only);
* `federation`— a demo-like federation: N members with delegates, M open yes/no motions;
* `meeting`   — the load itself: sign-in storm, casting and page loads for T seconds, kills;
* `checks`    — after the run: close, export, verify, count, recompute every log's root.

Nothing here asserts a timing; figures are reported, correctness is checked.
"""
