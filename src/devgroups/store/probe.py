"""A cheap check of whether a user's groups changed, fit to run inside a coroutine."""

from __future__ import annotations

import sqlite3
import threading
from typing import Protocol

from sqlalchemy import Engine


class ProbeUnavailable(Exception):
    """The probe cannot answer now; the caller reads through a normal transaction."""


class VersionProbe(Protocol):
    def groups_version(self, uid: str) -> int | None:
        """Return the user's groups version, None for no such user."""
        ...


class SqliteVersionProbe:
    """Reads the version on a read-only connection of the calling thread.

    In WAL mode a reader never waits for a writer, so the lookup is a B-tree probe in the
    page cache: microseconds, unlike a pooled SQLAlchemy transaction handed to a thread.
    busy_timeout is 0: should the file ever be locked, the probe gives up at once.
    """

    def __init__(self, path: str) -> None:
        self._uri = f"file:{path}?mode=ro"
        self._local = threading.local()

    def groups_version(self, uid: str) -> int | None:
        try:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = sqlite3.connect(self._uri, uri=True, isolation_level=None)
                conn.execute("PRAGMA busy_timeout=0")
                self._local.conn = conn
            row = conn.execute("SELECT groups_version FROM users WHERE uid = ?", (uid,)).fetchone()
        except sqlite3.Error as err:
            raise ProbeUnavailable() from err
        return None if row is None else int(row[0])


def probe_for(engine: Engine) -> VersionProbe | None:
    """The probe for this engine's database, or None where every read takes a transaction."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SqliteVersionProbe(str(engine.url.database))
    return None
