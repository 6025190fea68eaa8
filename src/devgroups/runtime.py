"""What a running devgroups holds: the database, the token issuer, the channels.

The device gateway is made here but listens only once started, in the app's lifespan.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from devgroups.auth.keys import load_or_create_key
from devgroups.auth.tokens import TokenIssuer
from devgroups.channels.device_gateway import DeviceGateway, GatewayLimits
from devgroups.channels.events import EventHub
from devgroups.config import Settings
from devgroups.services.control import GroupControl
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
    hub: EventHub
    gateway: DeviceGateway
    control: GroupControl

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the signing key."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = SqlStore(engine)
    hub = EventHub()
    issuer = TokenIssuer(load_or_create_key(settings.data_dir), settings.access_token_ttl)
    groups = GroupReader(store, probe_for(engine), settings.listing_cache_users)
    gateway = DeviceGateway(store, hub, GatewayLimits(idle_timeout=settings.device_idle_timeout))
    return Runtime(
        settings=settings,
        engine=engine,
        store=store,
        issuer=issuer,
        groups=groups,
        hub=hub,
        gateway=gateway,
        control=GroupControl(store, groups, gateway, settings.control_rate, settings.control_burst),
    )
