from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from devgroups.config import Settings
from devgroups.runtime import Runtime, open_runtime

# Set by .ci/run; where it is unset, the PostgreSQL runs of the storage tests are skipped.
POSTGRES_URL = os.environ.get("DEVGROUPS_TEST_POSTGRES_URL")


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("DEVGROUPS_TEST_POSTGRES_URL is not set")
    name = f"devgroups_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A fresh, migrated database of each kind, in this test's own folder or database."""
    db_url = request.getfixturevalue("fresh_postgres") if request.param == "postgresql" else None
    opened = open_runtime(Settings(data_dir=tmp_path / "data", db_url=db_url))
    try:
        yield opened
    finally:
        opened.close()
