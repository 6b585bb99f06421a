"""Database engine settings: SQLite is the embedded default, PostgreSQL the multi-server one.

SQLite runs in WAL mode with foreign keys on, a busy timeout and synchronous=FULL (a receipt
promises that the ballot survives a power cut). pysqlite's own transaction handling is turned
off so that SQLAlchemy's "begin" event decides how a transaction starts: `write_transaction()`
asks for `BEGIN IMMEDIATE`, which takes the write lock up front, so two writers queue on the
busy timeout instead of failing later with "database is locked" when upgrading a read lock.
"""

from __future__ import annotations

import fcntl
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from app.extensions import db

BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "lipvote_sqlite_begin"
WRITING_KEY = "lipvote_writing"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def in_write_transaction() -> bool:
    session = db.session()
    return session.in_transaction() and bool(session.info.get(WRITING_KEY))


WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_deferred_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    """With LIPVOTE_CHECK_WRITE_TRANSACTIONS (on in the tests), a request that writes outside
    `write_transaction()` fails at once. On SQLite such a write upgrades a read lock, which
    fails with "database is locked" as soon as another writer is busy, whatever the busy
    timeout: every write path must begin as a write."""
    if conn.dialect.name != "sqlite" or not has_request_context() or not current_app.config.get("LIPVOTE_CHECK_WRITE_TRANSACTIONS"):
        return
    if statement.lstrip().upper().startswith(WRITE_STATEMENTS) and conn.get_execution_options().get(SQLITE_BEGIN_OPTION) != "IMMEDIATE":
        raise RuntimeError(f"a request wrote outside write_transaction(): {statement.split(maxsplit=3)[:3]}")


@contextmanager
def sqlite_writers_queue(engine: Engine) -> Iterator[None]:
    """On a SQLite file, wait for this process's turn to write in the kernel, not in SQLite.

    SQLite's busy handler polls a held lock with growing sleeps (up to 100 ms), so under many
    writers the lock often sits free while every waiter sleeps, and a waiter can lose its turn
    again and again. An exclusive `flock` on a file beside the database hands the turn to the
    next waiter the moment the holder is done. It is taken before `BEGIN IMMEDIATE` and given
    back after the commit or rollback; a process that dies loses it with its file descriptors.
    A fresh open per turn keeps threads of one process apart as well. Other engines and
    in-memory databases do not need it.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(f"{database}.writers", "ab") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(turn, fcntl.LOCK_UN)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the body in one transaction that holds the write lock from its first statement.

    On SQLite this is `BEGIN IMMEDIATE`, taken in turn with the other writers
    (`sqlite_writers_queue`); on PostgreSQL the ordinary transaction is used and callers take
    row locks (`with_for_update`) where they need them. Commits on success, rolls back on any
    error, so nothing is ever half-written.
    """
    session = db.session()
    if in_write_transaction():
        # A second BEGIN would end the first transaction's work or, on a SQLite file, wait
        # forever for the writers' turn this process already holds.
        raise RuntimeError("write_transaction() inside write_transaction(): call the *_locked variant")
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction() started with unsaved changes in the session")
        session.rollback()  # end the read transaction the request began, so the write lock comes first
    with sqlite_writers_queue(db.engine):
        session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        session.info[WRITING_KEY] = True
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(WRITING_KEY, None)


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_MS / 1000})
        # A connection to a local file cannot go stale, so the liveness ping (an extra
        # SELECT 1 on every checkout, two or three a request) is spent for nothing on SQLite.
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
