"""Access tokens as Hekr's uaa issues them: RS256 JWTs with uid, type, authorities, jti."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from devgroups.domain.errors import InvalidToken

ALGORITHM = "RS256"
ISSUER = "devgroups"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid access token speaks for."""

    uid: str
    client_type: str
    isolation: str
    jti: str
    exp: int


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int


class TokenIssuer:
    def __init__(self, private_key_pem: bytes, access_ttl: int = 86400) -> None:
        key = load_pem_private_key(private_key_pem, password=None)
        self._private_key = key
        self._public_key = key.public_key()
        self.access_ttl = access_ttl
        # Signature checks cost ~60 us; a token verified once stays valid until its exp.
        self._verified: dict[str, Principal] = {}
        self._verified_max = 10_000

    def issue_access(
        self, uid: str, client_type: str, isolation: str, ttl: int | None = None
    ) -> IssuedToken:
        ttl = min(ttl or self.access_ttl, self.access_ttl)
        now = int(time.time())
        jti = uuid.uuid4().hex
        claims = {
            "uid": uid,
            "sub": uid,
            "isolation": isolation,
            "type": client_type,
            "authorities": ["ROLE_USER"],
            "iss": ISSUER,
            "iat": now,
            "exp": now + ttl,
            "jti": jti,
        }
        token = jwt.encode(claims, self._private_key, algorithm=ALGORITHM)  # type: ignore[arg-type]
        return IssuedToken(token=token, jti=jti, expires_in=ttl)

    def known(self, token: str) -> Principal | None:
        """Return the principal of a token verified before and not expired since, else None."""
        known = self._verified.get(token)
        return known if known is not None and known.exp > time.time() else None

    def verify(self, token: str) -> Principal:
        """Return the principal of a valid access token; raise InvalidToken for any other."""
        known = self.known(token)
        if known is not None:
            return known
        principal = self._verify_signed(token)
        if len(self._verified) >= self._verified_max:
            self._verified.clear()
        self._verified[token] = principal
        return principal

    def _verify_signed(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._public_key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "uid", "jti", "type", "iss"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise InvalidToken("Invalid token: expired") from err
        except jwt.PyJWTError as err:
            raise InvalidToken() from err
        uid = claims["uid"]
        if not isinstance(uid, str) or not uid:
            raise InvalidToken()
        return Principal(
            uid=uid,
            client_type=str(claims["type"]),
            isolation=str(claims.get("isolation", "")),
            jti=str(claims["jti"]),
            exp=int(claims["exp"]),
        )


def new_refresh_token() -> tuple[str, str]:
    """Return a fresh opaque refresh token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, refresh_hash(token)


def refresh_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
