"""What a running devgroups holds open: the database and the token issuer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from devgroups.auth.keys import load_or_create_key
from devgroups.auth.tokens import TokenIssuer
from devgroups.config import Settings
from devgroups.services.groups import GroupReader
from devgroups.store.engine import make_engine, migrate
from devgroups.store.probe import probe_for
from devgroups.store.sql import SqlStore


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    store: SqlStore
    issuer: TokenIssuer
    groups: GroupReader

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the signing key."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = SqlStore(engine)
    issuer = TokenIssuer(load_or_create_key(settings.data_dir), settings.access_token_ttl)
    return Runtime(
        settings=settings,
        engine=engine,
        store=store,
        issuer=issuer,
        groups=GroupReader(store, probe_for(engine), settings.listing_cache_users),
    )
