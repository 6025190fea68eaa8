"""The HTTP API: create_app(settings) wires routes, errors and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from devgroups import __version__
from devgroups.config import Settings
from devgroups.domain.errors import HekrError
from devgroups.http import errors
from devgroups.http.fastlane import ListingFastLane
from devgroups.http.limits import BodyLimit
from devgroups.http.routes import accounts, app_channel, control, devices, groups
from devgroups.runtime import Runtime, open_runtime


def create_app(settings: Settings, runtime: Runtime | None = None) -> ASGIApp:
    """Build the app; the runtime opens in the lifespan unless one is handed in."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        opened = open_runtime(settings) if runtime is None else runtime
        await opened.gateway.start(settings.device_host, settings.device_port)
        app.state.runtime = fast_lane.runtime = opened
        try:
            yield
        finally:
            fast_lane.runtime = None
            await opened.control.close()
            await opened.gateway.close()
            if owned:
                opened.close()

    app = FastAPI(
        title="devgroups",
        version=__version__,
        description="Hekr-compatible device groups and group control.",
        lifespan=lifespan,
        exception_handlers={
            HekrError: errors.on_hekr_error,
            RequestValidationError: errors.on_validation_error,
            StarletteHTTPException: errors.on_http_error,
            Exception: errors.on_unexpected,
        },
    )
    app.include_router(accounts.router)
    app.include_router(groups.router)
    app.include_router(control.router)
    app.include_router(devices.router)
    app.include_router(app_channel.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    fast_lane = ListingFastLane(app)
    return fast_lane
