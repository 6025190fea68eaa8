"""What the benchmarks share: the machine line, percentiles, a user in a data folder."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path

from devgroups.config import Settings
from devgroups.runtime import open_runtime
from devgroups.services import accounts


def print_machine() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    """p50 and p99."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def add_user(data_dir: Path, name: str, password: str = "pw") -> None:
    runtime = open_runtime(Settings(data_dir=data_dir))
    try:
        accounts.create_user(runtime.store, name, password)
    finally:
        runtime.close()
