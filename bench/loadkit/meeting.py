"""A live meeting under load: the sign-in storm, then casting and page loads for T seconds.

Every simulated delegate is one thread with its own `Session`. In "cast" mode it posts casts
directly (the form a browser would post), in "flow" mode it walks the whole browser path:
ballot page -> review -> cast (303) -> receipt page -> receipt.json. Viewers load the delegate
home page, the chair's console and a results page meanwhile. In crash runs a killer thread
SIGKILLs workers and the whole service at planned moments and restarts it.

What each request did is written to a `Tally` (thread-safe); nothing here judges it: the checks
after the run do (`checks.py`).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from bench.loadkit.client import NotSent, Reply, Session, Unanswered, UnexpectedPage
from bench.loadkit.federation import CHOICES, Delegate, Federation
from bench.loadkit.server import Gunicorn, ServerFailed

MODES = ("cast", "flow")
MAX_DELEGATES = 500
MAX_SECONDS = 900.0
MAX_KILLS = 20
RETRY_PAUSE = 0.1  # while the server is down
RECEIPT_INDEX = re.compile(r"/motions/(\d+)/receipts/(\d+)$")


@dataclass(frozen=True)
class Plan:
    engine: str  # "sqlite" or "postgresql"
    mode: str  # "cast" or "flow"
    delegates: int = 50  # casting at the same time
    sign_ins: int = 0  # signing in at the same moment first (0: as many as `delegates`)
    motions: int = 4
    seconds: float = 30.0
    workers: int = 4
    viewers: int = 6
    viewer_pause: float = 0.25
    worker_kills: int = 0
    master_kills: int = 0
    seed: int = 2024
    receipt_sample: int = 200  # "cast" mode: receipts fetched after the window, for a random sample

    def __post_init__(self) -> None:
        if self.engine not in ("sqlite", "postgresql"):
            raise ValueError(f"engine: got {self.engine!r}, want sqlite or postgresql")
        if self.mode not in MODES:
            raise ValueError(f"mode: got {self.mode!r}, want one of {MODES}")
        for name in ("delegates", "sign_ins"):
            value = getattr(self, name)
            if not (1 if name == "delegates" else 0) <= value <= MAX_DELEGATES:
                raise ValueError(f"{name}: got {value}, want at most {MAX_DELEGATES} (delegates: at least 1)")
        if not 0 < self.seconds <= MAX_SECONDS:
            raise ValueError(f"seconds: got {self.seconds}, want more than 0 and at most {MAX_SECONDS:g}")
        if not 0 <= self.worker_kills + self.master_kills <= MAX_KILLS or min(self.worker_kills, self.master_kills) < 0:
            raise ValueError(f"kills: want 0..{MAX_KILLS} in all")
        if self.motions < 1 or self.workers < 1 or self.viewers < 0:
            raise ValueError("motions and workers: at least 1; viewers: at least 0")

    @property
    def members(self) -> int:
        """Members in the federation: one primary delegate each, for the sign-in storm and the casting."""
        return max(self.delegates, self.sign_ins)

    @property
    def signing_in(self) -> int:
        return self.sign_ins or self.delegates

    @property
    def crash(self) -> bool:
        return self.worker_kills + self.master_kills > 0


@dataclass(frozen=True)
class Cast:
    """A cast the server acknowledged (303 to the receipt of leaf `index`), or one left unanswered."""

    member: str
    motion: int
    choice: str
    at: float  # monotonic time of the answer (or of giving up)
    index: int | None = None  # None: unanswered, its outcome is unknown


@dataclass(frozen=True)
class Receipt:
    member: str
    motion: int
    index: int
    data: dict[str, Any]
    at: float


@dataclass(frozen=True)
class Kill:
    kind: str  # "worker" or "service"
    at: float
    pid: int
    down_seconds: float  # service kills: until the restarted server answered


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    casts: list[Cast] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    flows: int = 0
    not_sent: int = 0  # requests refused at connect while the server was down (repeated)
    unanswered: int = 0  # requests cut off by a kill (any kind)
    problems: list[str] = field(default_factory=list)  # unexpected answers, first ones kept in full

    def answer(self, kind: str, reply: Reply, expected: int) -> bool:
        with self.lock:
            self.latencies.setdefault(kind, []).append(reply.seconds)
            self.statuses[reply.status] += 1
            if reply.status != expected:
                self.problems.append(f"{kind}: {reply.status} (want {expected}): {_gist(reply.body)}")
                return False
        return True

    def add(self, attribute: str, item: object) -> None:
        with self.lock:
            getattr(self, attribute).append(item)

    def count(self, attribute: str) -> None:
        with self.lock:
            setattr(self, attribute, getattr(self, attribute) + 1)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def _gist(body: str) -> str:
    main = re.search(r"<main[^>]*>(.*?)</main>", body, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(1) if main else body)
    return re.sub(r"\s+", " ", text).strip()[:300]


@dataclass
class SignIns:
    count: int
    seconds: float  # from the moment all posted at once until the last answer
    failures: int


class Meeting:
    def __init__(self, plan: Plan, federation: Federation, server: Gunicorn) -> None:
        self.plan = plan
        self.federation = federation
        self.server = server
        self.tally = Tally()
        self.kills: list[Kill] = []
        self.sessions: dict[str, Session] = {}  # member slug -> its primary delegate's session
        self.stop = threading.Event()

    def session(self) -> Session:
        return Session(self.server.port)

    # --- the sign-in storm ------------------------------------------------------------------

    def sign_in_all(self) -> SignIns:
        """Every delegate loads the sign-in page, then all post it at the same moment."""
        people = self.federation.delegates[:self.plan.signing_in]
        barrier = threading.Barrier(len(people))
        released: list[float] = []
        finished: list[float] = []
        failed: list[Delegate] = []

        def sign_in(person: Delegate) -> None:
            session = self.session()
            self.sessions[person.member] = session
            try:
                token = session.get("/login").csrf_token()
            except (NotSent, Unanswered, UnexpectedPage) as e:
                self.tally.problem(f"sign-in page for {person.email}: {e}")
                failed.append(person)
                barrier.abort()  # the others post at once anyway, without waiting for this one
                return
            try:
                barrier.wait(timeout=120)
            except threading.BrokenBarrierError:
                pass
            released.append(time.perf_counter())
            try:
                reply = session.post("/login", [("csrf_token", token), ("email", person.email),
                                                ("password", self.federation.password)])
            except (NotSent, Unanswered) as e:
                self.tally.problem(f"sign-in of {person.email}: {e}")
                failed.append(person)
                return
            finished.append(time.perf_counter())
            if not self.tally.answer("sign_in", reply, 302):
                failed.append(person)

        threads = [threading.Thread(target=sign_in, args=(p,), daemon=True) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        for person in failed:  # one by one, so the meeting can go on; the failure stays counted
            reply = self.sessions[person.member].sign_in(person.email, self.federation.password)
            if reply.status != 302:
                raise RuntimeError(f"{person.email} cannot sign in: {reply.status} {_gist(reply.body)}")
        span = (max(finished) - min(released)) if finished and released else 0.0
        return SignIns(len(people), span, len(failed))

    # --- casting ----------------------------------------------------------------------------

    def _ballot_path(self, motion: int, member: str) -> str:
        return f"/motions/{motion}/ballot?member={member}"

    def _post_cast(self, session: Session, member: str, motion: int, choice: str, token: str) -> int | None:
        """Post one cast; the acknowledged leaf index, or None when its outcome is unknown.

        A refused connection (server down) is repeated: nothing reached the server.
        """
        form = [("csrf_token", token), ("member", member), ("choice", choice)]
        # Casts posted alone ("cast" mode) keep the session as it was: the answer adds a flash
        # message that the receipt page would show and remove, and a browser always loads that
        # page. Kept, the messages would pile up into a cookie no browser would ever carry.
        keep_cookies = self.plan.mode == "flow"
        while True:
            try:
                reply = session.post(f"/motions/{motion}/ballot/cast", form, keep_cookies=keep_cookies)
                break
            except NotSent:
                self.tally.count("not_sent")
                if self.stop.is_set():
                    return None
                time.sleep(RETRY_PAUSE)
            except Unanswered:
                self.tally.count("unanswered")
                self.tally.add("casts", Cast(member, motion, choice, time.monotonic()))
                return None
        if not self.tally.answer("cast", reply, 303):
            return None
        match = RECEIPT_INDEX.search(reply.path_of_location())
        if match is None or int(match.group(1)) != motion:
            self.tally.problem(f"cast: 303 to an unexpected place {reply.location!r}")
            return None
        index = int(match.group(2))
        self.tally.add("casts", Cast(member, motion, choice, time.monotonic(), index))
        return index

    def _page(self, session: Session, kind: str, path: str, form: list[tuple[str, str]] | None = None) -> Reply | None:
        """Load one page (repeating while the server is down); None if it was cut off or not 200."""
        while not self.stop.is_set():
            try:
                reply = session.request("POST" if form is not None else "GET", path, form)
            except NotSent:
                self.tally.count("not_sent")
                time.sleep(RETRY_PAUSE)
                continue
            except Unanswered:
                self.tally.count("unanswered")
                return None
            return reply if self.tally.answer(kind, reply, 200) else None
        return None

    def fetch_receipt(self, session: Session, member: str, motion: int, index: int, until: float,
                      kind: str = "receipt.json") -> bool:
        """The receipt.json of an acknowledged cast, as the delegate downloads it (tries until `until`)."""
        while time.monotonic() < until:
            try:
                reply = session.get(f"/motions/{motion}/receipts/{index}/receipt.json")
            except (NotSent, Unanswered) as e:
                self.tally.count("not_sent" if isinstance(e, NotSent) else "unanswered")
                time.sleep(RETRY_PAUSE)
                continue
            if self.tally.answer(kind, reply, 200):
                self.tally.add("receipts", Receipt(member, motion, index, json.loads(reply.body), time.monotonic()))
                return True
            return False
        self.tally.problem(f"receipt of leaf {index} of motion {motion} for {member}: not fetched in time")
        return False

    def _delegate(self, number: int, person: Delegate) -> None:
        rng = random.Random(self.plan.seed * 100_003 + number)
        session = self.sessions[person.member]
        motions = self.federation.open_motions[:self.plan.motions]
        token = ""
        while not self.stop.is_set():
            motion, choice = rng.choice(motions), rng.choice(CHOICES)
            try:
                if self.plan.mode == "cast":
                    if not token:
                        page = self._page(session, "ballot page", self._ballot_path(motion, person.member))
                        token = page.csrf_token() if page else ""
                        continue
                    self._post_cast(session, person.member, motion, choice, token)
                else:
                    self._flow(session, person.member, motion, choice)
            except UnexpectedPage as e:
                self.tally.problem(f"{person.email}: {e}")
                time.sleep(RETRY_PAUSE)

    def _flow(self, session: Session, member: str, motion: int, choice: str) -> None:
        page = self._page(session, "ballot page", self._ballot_path(motion, member))
        if page is None:
            return
        review = self._page(session, "review", f"/motions/{motion}/ballot/review",
                            [("csrf_token", page.csrf_token()), ("member", member), ("choice", choice)])
        if review is None:
            return
        index = self._post_cast(session, member, motion, choice, review.csrf_token())
        if index is None:
            return
        receipt_page = self._page(session, "receipt page", f"/motions/{motion}/receipts/{index}")
        # The receipt of an acknowledged cast is always kept, even if the page was cut off by a kill.
        kept = self.fetch_receipt(session, member, motion, index, until=time.monotonic() + 120)
        if receipt_page is not None and kept:
            self.tally.count("flows")

    # --- viewers ----------------------------------------------------------------------------

    def _viewer(self, number: int, session: Session) -> None:
        rng = random.Random(self.plan.seed * 7919 + number)
        motions = self.federation.open_motions[:self.plan.motions]
        role = number % 3
        while not self.stop.is_set():
            if role == 0:
                self._page(session, "delegate home", "/home")
            elif role == 1:
                motion = rng.choice(motions)
                self._page(session, "console", f"/motions/{motion}/console")
                self._page(session, "console.json", f"/motions/{motion}/console.json")
            else:
                self._page(session, "results page", f"/results/motions/{rng.choice(self.federation.closed_motions)}")
            self.stop.wait(self.plan.viewer_pause)

    def _viewer_sessions(self) -> list[Session]:
        sessions = []
        for number in range(self.plan.viewers):
            session = self.session()
            role = number % 3
            if role == 0:
                person = self.federation.alternates[number // 3 % len(self.federation.alternates)]
                reply = session.sign_in(person.email, self.federation.password)
            elif role == 1:
                reply = session.sign_in(self.federation.chair, self.federation.password)
            else:
                reply = Reply(302, "", None, 0.0)  # results pages are public
            if reply.status != 302:
                raise RuntimeError(f"viewer {number} cannot sign in: {reply.status}")
            sessions.append(session)
        return sessions

    # --- kills ------------------------------------------------------------------------------

    def _killer(self, started: float) -> None:
        rng = random.Random(self.plan.seed * 31 + 1)
        kinds = ["worker"] * self.plan.worker_kills + ["service"] * self.plan.master_kills
        rng.shuffle(kinds)
        span = self.plan.seconds * 0.7
        for k, kind in enumerate(kinds):
            moment = started + self.plan.seconds * 0.15 + span * (k + rng.uniform(0.2, 0.8)) / len(kinds)
            if self.stop.wait(max(0.0, moment - time.monotonic())):
                return
            if kind == "worker":
                workers = self.server.worker_pids()
                if not workers:
                    continue
                pid = rng.choice(workers)
                self.server.kill_worker(pid)
                self.kills.append(Kill(kind, time.monotonic(), pid, 0.0))
            else:
                pid = self.server.process.pid if self.server.process else 0
                at = time.monotonic()
                self.server.crash()
                try:
                    self.server.start()
                except ServerFailed as e:
                    self.tally.problem(f"restart after the kill of the service failed: {e}")
                    return
                self.kills.append(Kill(kind, at, pid, time.monotonic() - at))

    # --- the window -------------------------------------------------------------------------

    def run_window(self, cpu_probes: dict[str, Callable[[], float]]) -> "Window":
        """Cast and load pages for `plan.seconds`; returns elapsed time and CPU used meanwhile."""
        viewers = self._viewer_sessions()
        people = self.federation.delegates[:self.plan.delegates]
        for person in people:  # delegates beyond the sign-in storm sign in now
            if person.member not in self.sessions:
                self.sessions[person.member] = self.session()
                reply = self.sessions[person.member].sign_in(person.email, self.federation.password)
                if reply.status != 302:
                    raise RuntimeError(f"{person.email} cannot sign in: {reply.status} {_gist(reply.body)}")
        before = {name: probe() for name, probe in cpu_probes.items()}
        started = time.monotonic()
        threads = [threading.Thread(target=self._delegate, args=(n, p), daemon=True) for n, p in enumerate(people)]
        threads += [threading.Thread(target=self._viewer, args=(n, s), daemon=True) for n, s in enumerate(viewers)]
        if self.plan.crash:
            threads.append(threading.Thread(target=self._killer, args=(started,), daemon=True))
        try:
            for thread in threads:
                thread.start()
            self.stop.wait(self.plan.seconds)
        finally:
            self.stop.set()  # also when interrupted: every thread ends after its current request
        for thread in threads:
            thread.join(timeout=180)
        elapsed = time.monotonic() - started
        after = {name: probe() for name, probe in cpu_probes.items()}
        for session in viewers:
            session.close()
        stuck = sum(thread.is_alive() for thread in threads)
        if stuck:
            self.tally.problem(f"{stuck} client threads did not finish within 180 s of the end")
        return Window(started, elapsed, {name: after[name] - before[name] for name in cpu_probes})


@dataclass(frozen=True)
class Window:
    started: float
    seconds: float
    cpu: dict[str, float]  # CPU seconds used during the window, by probe name

