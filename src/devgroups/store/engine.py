"""Database engines: SQLite in WAL mode for the embedded default, any SQLAlchemy URL else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

# Set on a connection that will write: on SQLite its transaction then starts with
# BEGIN IMMEDIATE, taking the write lock up front, so check-then-write sequences
# (count groups, then insert) cannot interleave between processes or threads.
WRITE = "devgroups_write"
MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'devgroups.sqlite3'}"


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    """Create the engine for url; SQLite gets WAL, full fsync and explicit transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=pool_size, pool_pre_ping=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=32,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin event issue BEGIN itself instead of pysqlite's guesswork.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before the HTTP answer leaves, kill -9 or power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to run from several processes at once."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
