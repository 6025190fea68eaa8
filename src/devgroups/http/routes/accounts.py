"""Hekr's uaa calls: log in, refresh a session."""

from __future__ import annotations

from fastapi import APIRouter

from devgroups.http.deps import RuntimeDep
from devgroups.http.schemas import LoginIn, RefreshIn, TokenOut
from devgroups.http.specs import errors_of
from devgroups.services import accounts
from devgroups.services.accounts import Session

router = APIRouter(tags=["accounts"])


@router.post("/login", responses=errors_of(400, 401, 413))
def login(body: LoginIn, runtime: RuntimeDep) -> TokenOut:
    """Log in with username and password; answer an access and a refresh token."""
    session = accounts.login(
        runtime.store, runtime.issuer, body.username, body.password, body.clientType, body.pid
    )
    return _token_out(session)


@router.post("/token/refresh", responses=errors_of(400, 403, 413))
def refresh(body: RefreshIn, runtime: RuntimeDep) -> TokenOut:
    """Trade a refresh token (once) for a new access and refresh token."""
    session = accounts.refresh(runtime.store, runtime.issuer, body.refresh_token, body.expires_in)
    return _token_out(session)


def _token_out(session: Session) -> TokenOut:
    return TokenOut(
        access_token=session.access.token,
        refresh_token=session.refresh_token,
        token_type="bearer",  # noqa: S106
        expires_in=session.access.expires_in,
        jti=session.access.jti,
        user=session.uid,
    )
