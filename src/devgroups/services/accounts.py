"""Accounts and sessions: create a user, log in, refresh a session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from devgroups.auth.passwords import hash_password, verify_password
from devgroups.auth.tokens import IssuedToken, TokenIssuer, new_refresh_token, refresh_hash
from devgroups.domain.errors import BadCredentials, InvalidToken, UnknownUser
from devgroups.services.clock import now_ms
from devgroups.store.ports import RefreshRecord, Store

REFRESH_TTL_MS = 30 * 24 * 3600 * 1000
DEFAULT_ISOLATION = "00000000000"


@dataclass(frozen=True, slots=True)
class Session:
    uid: str
    access: IssuedToken
    refresh_token: str


def create_user(store: Store, username: str, password: str) -> str:
    """Create an account and return its uid, an 11-digit string as Hekr's are."""
    uid = str(10_000_000_000 + secrets.randbelow(90_000_000_000))
    password_hash = hash_password(password)
    with store.write() as tx:
        tx.insert_user(uid, username, password_hash, now_ms())
    return uid


def login(
    store: Store,
    issuer: TokenIssuer,
    username: str,
    password: str,
    client_type: str,
    isolation: str,
) -> Session:
    with store.read() as tx:
        user = tx.user_by_name(username)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise BadCredentials()
    return _open_session(store, issuer, user.uid, client_type, isolation, ttl=None)


def refresh(store: Store, issuer: TokenIssuer, refresh_token: str, ttl: int | None) -> Session:
    """Trade a refresh token for a new session; each refresh token works once."""
    with store.write() as tx:
        record = tx.take_refresh(refresh_hash(refresh_token))
    if record is None or record.expires_at <= now_ms():
        raise InvalidToken("Invalid token: unknown, used or expired refresh token")
    return _open_session(store, issuer, record.uid, record.client_type, record.isolation, ttl)


def _open_session(
    store: Store,
    issuer: TokenIssuer,
    uid: str,
    client_type: str,
    isolation: str,
    ttl: int | None,
) -> Session:
    access = issuer.issue_access(uid, client_type, isolation, ttl)
    token, token_hash = new_refresh_token()
    record = RefreshRecord(uid, client_type, isolation, now_ms() + REFRESH_TTL_MS, revoked=False)
    with store.write() as tx:
        tx.insert_refresh(token_hash, record)
    return Session(uid=uid, access=access, refresh_token=token)


def token_for(store: Store, issuer: TokenIssuer, username: str, ttl: int) -> str:
    """An access token for the named account, minted by whoever holds the signing key."""
    with store.read() as tx:
        user = tx.user_by_name(username)
    if user is None:
        raise UnknownUser(f"User does not exist: {username}")
    return issuer.issue_access(user.uid, "WEB", DEFAULT_ISOLATION, ttl).token
