"""Access tokens: only RS256 tokens signed by this server's key, unexpired, are accepted."""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devgroups.auth.tokens import TokenIssuer
from devgroups.domain.errors import InvalidToken
from tests.factories import token_claims


def pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(pem())


def claims(**override: object) -> dict[str, object]:
    return token_claims("10000000001", **override)


def test_issued_token_carries_hekr_claims(issuer: TokenIssuer) -> None:
    issued = issuer.issue_access("10000000001", "ANDROID", "00000000000")
    header = jwt.get_unverified_header(issued.token)
    body = jwt.decode(issued.token, options={"verify_signature": False})
    assert header["alg"] == "RS256"
    assert body["uid"] == "10000000001"
    assert body["type"] == "ANDROID"
    assert body["authorities"] == ["ROLE_USER"]
    assert body["jti"] == issued.jti
    assert body["exp"] - body["iat"] == issued.expires_in == 86400
    principal = issuer.verify(issued.token)
    assert (principal.uid, principal.client_type) == ("10000000001", "ANDROID")


def test_expired_token_is_refused(issuer: TokenIssuer) -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 5), issuer._private_key, "RS256")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify(token)


def test_token_of_another_key_is_refused(issuer: TokenIssuer) -> None:
    other = TokenIssuer(pem()).issue_access("10000000001", "WEB", "0")
    with pytest.raises(InvalidToken):
        issuer.verify(other.token)


def test_alg_none_is_refused(issuer: TokenIssuer) -> None:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    unsigned = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims())}."
    with pytest.raises(InvalidToken):
        issuer.verify(unsigned)


def test_hs256_signed_with_the_public_key_is_refused(issuer: TokenIssuer) -> None:
    public_pem = issuer._public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=")
    signing_input = header + b"." + payload
    signature = base64.urlsafe_b64encode(
        hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    ).rstrip(b"=")
    with pytest.raises(InvalidToken):
        issuer.verify((signing_input + b"." + signature).decode())


@pytest.mark.parametrize("missing", ["uid", "exp", "jti", "type"])
def test_token_without_a_required_claim_is_refused(issuer: TokenIssuer, missing: str) -> None:
    body = claims()
    del body[missing]
    token = jwt.encode(body, issuer._private_key, "RS256")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        issuer.verify(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_refused(issuer: TokenIssuer, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify(garbage)


def test_a_remembered_token_is_forgotten_once_expired(issuer: TokenIssuer) -> None:
    issued = issuer.issue_access("10000000001", "WEB", "0")
    principal = issuer.verify(issued.token)
    assert issuer.known(issued.token) == principal
    # As if its exp had passed since it was verified: no longer served from memory.
    issuer._verified[issued.token] = replace(principal, exp=int(time.time()) - 1)
    assert issuer.known(issued.token) is None
    assert issuer.verify(issued.token) == principal  # its real exp is still ahead
