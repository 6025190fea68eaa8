from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devgroups.config import Settings
from devgroups.runtime import Runtime, open_runtime


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A fresh embedded database (real SQLite, migrated) in this test's own folder."""
    opened = open_runtime(Settings(data_dir=tmp_path / "data"))
    try:
        yield opened
    finally:
        opened.close()
