"""The schema comes from Alembic migrations and matches the tables the code uses."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from devgroups.store.engine import make_engine, migrate, sqlite_url
from devgroups.store.tables import metadata


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_build_the_schema_of_the_code(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("fresh_postgres") if kind == "postgresql" else sqlite_url(tmp_path)
    )
    engine = make_engine(url)
    try:
        migrate(engine)
        migrate(engine)  # a second start finds nothing to do
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert "alembic_version" in inspect(conn).get_table_names()
            if kind == "sqlite":
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
