"""CPU time of a server and its worker processes, read from /proc (Linux)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    own: float  # user + system seconds of the process itself
    reaped: float  # user + system seconds of its children that exited and were waited for


def stat(pid: int) -> ProcStat | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may contain spaces
    if fields[0] == "Z":
        return None
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return ProcStat(pid, int(fields[1]), (utime + stime) / TICKS, (cutime + cstime) / TICKS)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            child = stat(int(entry.name))
            if child is not None and child.ppid == pid:
                found.append(child.pid)
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by `pid`, its live children and the children it reaped.

    Both gunicorn's master and PostgreSQL's postmaster wait for their workers, so the time of
    a worker that exited (recycled or killed) moves into the parent's `reaped` figure.
    """
    parent = stat(pid)
    if parent is None:
        return None
    total = parent.own + parent.reaped
    for child in children(pid):
        child_stat = stat(child)
        if child_stat is not None:
            total += child_stat.own
    return total


def wait_gone(pids: list[int], timeout: float) -> bool:
    """True once none of `pids` exists any more (zombies count as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(stat(pid) is None for pid in pids):
            return True
        time.sleep(0.02)
    return False


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine spent busy (all processes, all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS
