"""Named dependencies of the routes: the runtime, the store and the authenticated user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from devgroups.auth.tokens import Principal
from devgroups.domain.errors import MissingToken
from devgroups.runtime import Runtime
from devgroups.store.ports import Store

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /login")


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_store(runtime: RuntimeDep) -> Store:
    return runtime.store


Db = Annotated[Store, Depends(get_store)]


async def current_user(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise MissingToken()
    return runtime.issuer.verify(credentials.credentials)


CurrentUser = Annotated[Principal, Depends(current_user)]
