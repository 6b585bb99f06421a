"""The Merkle tree of a large log, built by the verifier and a forked helper together.

Hashing a million leaves and building the tree over them needs nothing from
the leaf checks, so on a machine with a spare CPU a child process starts on it
while the parent checks the leaves.  The leaves are cut into blocks of
:data:`BLOCK` leaves; a block's subtree is a node of the whole tree, so each
block can be hashed on its own and the levels put together afterwards.  The
child reads the leaves in order, a piece at a time (so it need never hold them
all), and hashes blocks from the first one on; the parent, once its own checks
are done, hashes blocks from the last one back; each stops where it meets a
block the other has marked in a small shared status array, and the child then
only counts the leaves that remain.  Whichever is slower (the child shares the
machine with the parent, and the host with other machines) thus leaves its
remaining blocks to the other.

The outcome never depends on the child: its blocks are used only when it
exited cleanly after reading the same number of leaves as the parent, and
any block it did not mark done is hashed by the parent.  Two processes may
hash the same block at the meeting point; they compute the same bytes.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import signal
import struct
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..merkle import HASH_SIZE, Tree, root_hash

__all__ = ["BLOCK", "TreeJob", "leaf_hashes", "can_fork", "fork_helps"]

BLOCK = 1 << 12  # leaves per block: a block's subtree fills the tree's levels 0..12
_TODO, _BY_CHILD, _BY_PARENT = 0, 1, 2
_HEADER = struct.Struct("<q")  # the leaf count the child read (-1: not yet)
_CHUNK = 2048  # leaves hashed together: their digests never pile up
_Out = TypeVar("_Out")


def leaf_hashes(leaves: Sequence[str], chunk: int = _CHUNK) -> bytearray:
    """SHA-256(0x00 || leaf) of every leaf, packed (32 bytes each).

    The leaf bytes are the UTF-8 encoding of the text; a lone surrogate (which
    the leaves check refuses) is hashed as its surrogatepass encoding.
    """
    sha = hashlib.sha256
    out = bytearray()
    for lo in range(0, len(leaves), chunk):
        texts = leaves[lo:lo + chunk]
        try:
            # str.encode() without arguments takes CPython's quickest path (a third
            # faster here than naming the codec and the error handler)
            out += b"".join([sha(b"\x00" + t.encode()).digest() for t in texts])
        except UnicodeEncodeError:
            out += b"".join([sha(b"\x00" + t.encode("utf-8", "surrogatepass")).digest()
                             for t in texts])
    return out


def can_fork() -> bool:
    """Can this process fork a child that shares a memory file with it?"""
    return hasattr(os, "fork") and hasattr(os, "memfd_create")


def fork_helps() -> bool:
    """Can a child process work beside this one: fork exists, a second CPU is ours,
    and no other thread runs (a thread holding a lock at the fork would leave the
    child stuck)?"""
    if not can_fork() or threading.active_count() != 1:
        return False
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return (len(cpus) if cpus is not None else os.cpu_count() or 1) > 1


class _Blocks:
    """Where each block's levels go in the child's memory file: a slot per block, big
    enough for a full block's subtree, level 0 first."""

    def __init__(self, block: int) -> None:
        if block < 1 or block & (block - 1):
            raise ValueError(f"block size {block}: want a power of two")
        self.block = block
        self.levels = block.bit_length()  # levels in a full block's subtree
        self.level_at = [sum(block >> j for j in range(h)) * HASH_SIZE
                         for h in range(self.levels)]
        self.slot = (2 * block - 1) * HASH_SIZE

    def count(self, n: int) -> int:
        return -(-n // self.block)

    def levels_of(self, leaves: Sequence[str], b: int) -> list[bytearray]:
        """The complete nodes of block ``b``'s subtree, level by level (level 0 = leaves)."""
        lo = b * self.block
        levels = Tree.from_hash_bytes(leaf_hashes(leaves[lo:lo + self.block])).packed_levels()
        return levels + [bytearray() for _ in range(self.levels - len(levels))]

    def write(self, fd: int, b: int, levels: list[bytearray]) -> None:
        base = b * self.slot
        for h, level in enumerate(levels):
            if level:
                os.pwrite(fd, level, base + self.level_at[h])

    def view(self, slots: memoryview, b: int, leaves_in_block: int) -> list[memoryview]:
        """Block ``b``'s levels as written by :meth:`write` (views, not copies)."""
        base = b * self.slot
        return [slots[base + self.level_at[h]:
                      base + self.level_at[h] + (leaves_in_block >> h) * HASH_SIZE]
                for h in range(self.levels)]

    def assemble(self, blocks: Sequence[Sequence[bytearray | memoryview]]) -> Tree:
        """The whole tree from every block's levels, in block order (copied once)."""
        return Tree.from_complete_levels(
            [bytearray().join(b[h] for b in blocks) for h in range(self.levels)])

    def root(self, blocks: Sequence[Sequence[bytearray | memoryview]]) -> bytes:
        """The root of the whole tree from every block's levels, in block order.

        Blocks start at multiples of a power of two, so RFC 9162's split of the
        whole tree always falls between blocks: the root is the tree over the
        blocks' roots as if they were leaf hashes (only the last block may be
        short, and its root is that of its own leaves).
        """
        tops = [bytes(b[-1]) if len(b[-1]) == HASH_SIZE
                else Tree.from_complete_levels([bytearray(level) for level in b]).root()
                for b in blocks]
        return root_hash(tops)


@dataclass(frozen=True, slots=True)
class _ChildWork:
    """The child's memory file of block levels (mapped, and a view of it) and the status
    array that says which blocks it finished."""

    file: mmap.mmap
    status: mmap.mmap
    view: memoryview

    def close(self) -> None:
        self.view.release()
        self.file.close()
        self.status.close()


class TreeJob:
    """The tree of the leaves, shared out between this process and a forked child.

    ``leaves_of()`` runs in the child and must give the very leaves the parent
    will pass to :meth:`tree`, in order, in pieces of any length (the verifier
    reads them from the same bundle bytes the parent decodes, or hands the
    parent's own list over as one piece); at most ``max_leaves`` of them.
    Without a second CPU, or for ``leaves_of=None``, :meth:`tree` simply builds
    the tree here.  ``fork``: None forks when :func:`fork_helps`, True whenever
    this system can fork (tests), False never.
    """

    def __init__(self, leaves_of: Callable[[], Iterable[Sequence[str]]] | None,
                 max_leaves: int, block: int = BLOCK, fork: bool | None = None) -> None:
        self.layout = _Blocks(block)
        self.pid: int | None = None
        self.fd: int | None = None
        self.status: mmap.mmap | None = None
        # once :meth:`tree` has run: how many leaves the child read, when it exited
        # cleanly (None: no child, or it failed)
        self.child_read: int | None = None
        if leaves_of is None or not (fork_helps() if fork is None else fork and can_fork()):
            return
        status = mmap.mmap(-1, _HEADER.size + self.layout.count(max_leaves))
        status[:_HEADER.size] = _HEADER.pack(-1)
        fd = os.memfd_create("lipvote-tree", os.MFD_CLOEXEC)
        try:
            pid = os.fork()
        except OSError:
            os.close(fd)
            status.close()
            return
        if pid == 0:  # the child: hash blocks from the first one on, then leave
            code = 1
            try:
                _child(self.layout, leaves_of(), status, fd)
                code = 0
            finally:
                os._exit(code)
        self.pid, self.fd, self.status = pid, fd, status

    def tree(self, leaves: Sequence[str]) -> Tree:
        """The tree of ``leaves``: the parent hashes blocks from the last one back until it
        meets the child's, then takes the child's (or hashes any the child did not)."""
        return self._finish(leaves, self.layout.assemble, lambda whole: whole)

    def root(self, leaves: Sequence[str]) -> bytes:
        """``tree(leaves).root()``, from each block's root, without putting every level
        together: all a verifier needs when no earlier checkpoint is to be checked."""
        return self._finish(leaves, self.layout.root, Tree.root)

    def _finish(self, leaves: Sequence[str],
                join: Callable[[list[Sequence[bytearray | memoryview]]], _Out],
                from_whole: Callable[[Tree], _Out]) -> _Out:
        n = len(leaves)
        layout, status, pid = self.layout, self.status, self.pid
        count = layout.count(n)
        if status is None or pid is None or count > len(status) - _HEADER.size:
            self.close()
            return from_whole(Tree.from_hash_bytes(leaf_hashes(leaves)))
        mine: dict[int, list[bytearray]] = {}
        at = _HEADER.size
        for b in range(count - 1, -1, -1):
            if status[at + b] == _BY_CHILD:
                break
            status[at + b] = _BY_PARENT
            mine[b] = layout.levels_of(leaves, b)
        child = self._collect(n, count)
        views: list[memoryview] = []
        try:
            blocks: list[Sequence[bytearray | memoryview]] = []
            for b in range(count):
                if b in mine:
                    blocks.append(mine[b])
                elif child is not None and child.status[at + b] == _BY_CHILD:
                    got = layout.view(child.view, b, min(layout.block, n - b * layout.block))
                    views += got
                    blocks.append(got)
                else:
                    blocks.append(layout.levels_of(leaves, b))
            return join(blocks)
        finally:
            for v in views:
                v.release()
            if child is not None:
                child.close()

    def _collect(self, n: int, count: int) -> _ChildWork | None:
        """What the child left, once it has exited cleanly having read ``n`` leaves."""
        pid, fd, status = self.pid, self.fd, self.status
        self.pid = self.fd = self.status = None
        assert pid is not None and fd is not None and status is not None
        try:
            _, code = os.waitpid(pid, 0)
            (child_n,) = _HEADER.unpack(status[:_HEADER.size])
            if code == 0 and child_n >= 0:
                self.child_read = child_n
            size = count * self.layout.slot
            if code != 0 or child_n != n or os.fstat(fd).st_size != size:
                status.close()
                return None
            slots = mmap.mmap(fd, size, prot=mmap.PROT_READ)
            return _ChildWork(slots, status, memoryview(slots))
        finally:
            os.close(fd)

    def close(self) -> None:
        """Stop and reap the child if its work was never collected (an error on the way)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.status is not None:
            self.status.close()
            self.status = None


def _child(layout: _Blocks, pieces: Iterable[Sequence[str]], status: mmap.mmap,
           fd: int) -> None:
    max_blocks = len(status) - _HEADER.size
    at = _HEADER.size
    size = layout.block
    n = 0  # leaves read
    b = 0  # the next block to hash, while hashing
    hashing = True
    rest: Sequence[str] = []  # leaves read but not hashed yet: fewer than a block
    for piece in pieces:
        n += len(piece)
        if layout.count(n) > max_blocks:
            return
        if not hashing:
            # the parent has the blocks from here on; read on all the same, since the
            # parent takes this child's blocks only if it read as many leaves as there are
            continue
        ready = [*rest, *piece] if rest else piece
        k = 0  # ready's blocks hashed
        while (k + 1) * size <= len(ready):
            if status[at + b] == _BY_PARENT:
                hashing = False
                break
            layout.write(fd, b, layout.levels_of(ready, k))
            status[at + b] = _BY_CHILD  # only once the block's levels are written
            b, k = b + 1, k + 1
        rest = ready[k * size:] if hashing else []
    if hashing and rest and status[at + b] != _BY_PARENT:  # the last block, not full
        layout.write(fd, b, layout.levels_of(rest, 0))
        status[at + b] = _BY_CHILD
    os.ftruncate(fd, layout.count(n) * layout.slot)
    status[:_HEADER.size] = _HEADER.pack(n)
