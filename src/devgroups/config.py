"""One Settings object, built once (by the command line or a test) and passed in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devgroups.store.engine import sqlite_url


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("devgroups-data")
    db_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    device_host: str = "127.0.0.1"
    device_port: int = 8083
    device_idle_timeout: float = 30.0
    control_rate: float = 5.0  # group commands a second, per user
    control_burst: float = 10.0
    access_token_ttl: int = 86400
    max_body_bytes: int = 1024 * 1024
    listing_cache_users: int = 1024
    log_level: str = "info"

    @property
    def database_url(self) -> str:
        return self.db_url or sqlite_url(self.data_dir)
