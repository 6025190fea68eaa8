"""The schema comes from Alembic migrations and matches the tables the code uses."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from devgroups.store.engine import make_engine, migrate, sqlite_url
from devgroups.store.tables import metadata


def test_migrations_build_the_schema_of_the_code(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        migrate(engine)
        migrate(engine)  # a second start finds nothing to do
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            assert diff == []
            assert "alembic_version" in inspect(conn).get_table_names()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
