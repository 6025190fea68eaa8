"""The one table from errors to HTTP, and the handlers that answer in Hekr's error format."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from devgroups.domain import errors as e
from devgroups.services.clock import now_ms

log = logging.getLogger(__name__)

# Every error class a client can see, with its HTTP status. docs/errors.md mirrors it,
# and a test holds the two to each other.
STATUS: dict[type[e.HekrError], int] = {
    e.InvalidParam: 400,
    e.DevTidEmpty: 400,
    e.MalformedBody: 400,
    e.BodyTooLarge: 413,
    e.MissingToken: 401,
    e.BadCredentials: 401,
    e.InvalidToken: 403,
    e.DeviceNotOwned: 403,
    e.NoPrivilege: 403,
    e.DeviceNotFound: 404,
    e.GroupNotFound: 404,
    e.GroupLimitReached: 409,
    e.GroupFull: 409,
    e.MixedProducts: 409,
    e.GroupWouldBeEmpty: 409,
    e.BindKeyWrong: 403,
    e.AlreadyBound: 409,
    e.BoundToAnother: 409,
    e.ProductExists: 409,
    e.RateLimited: 429,
    e.IdempotencyKeyReused: 422,
    e.CommandInProgress: 409,
    e.CommandNotFound: 404,
    e.UserExists: 409,
    e.DeviceExists: 409,
    e.UnknownUser: 404,
    e.NotFound: 404,
    e.MethodNotAllowed: 405,
    e.InternalError: 500,
}


def error_body(error: e.HekrError) -> bytes:
    return orjson.dumps({"code": error.code, "desc": error.desc, "timestamp": now_ms()})


def error_response(error: e.HekrError) -> Response:
    status = STATUS.get(type(error), 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429:
        headers = {"Retry-After": "1"}
    return Response(error_body(error), status, headers, media_type="application/json")


async def on_hekr_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.HekrError)
    if isinstance(exc, e.InternalError):
        log.error("internal error: %r", exc.__cause__ or exc)
    return error_response(exc)


async def on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(translate_validation(exc.errors()))


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    mapped: dict[int, e.HekrError] = {
        400: e.MalformedBody(),
        404: e.NotFound(),
        405: e.MethodNotAllowed(),
        413: e.BodyTooLarge(),
    }
    error = mapped.get(exc.status_code, e.HekrError(str(exc.detail)))
    response = error_response(error)
    if exc.status_code not in mapped:
        response.status_code = exc.status_code
    return response


async def on_unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response(e.InternalError())


def translate_validation(errors: Any) -> e.HekrError:
    """Name the first bad parameter the way Hekr does: ``Invalid Param deviceList[3].ctrlKey``."""
    for error in errors:
        kind = error.get("type", "")
        if kind == "json_invalid" or isinstance(error.get("input"), bytes | bytearray):
            return e.MalformedBody(
                f"{e.MalformedBody.desc}: send UTF-8 JSON with Content-Type: application/json"
            )
    first = errors[0]
    sources = ("body", "query", "path", "header")
    loc = tuple(part for part in first.get("loc", ()) if part not in sources)
    param = _dotted(loc) or "body"
    if loc and loc[-1] == "devTid" and first.get("type") in ("missing", "string_too_short"):
        return e.DevTidEmpty(param)
    reason = _REASONS.get(first.get("type", ""), str(first.get("msg", "")))
    return e.InvalidParam(param, reason)


_REASONS = {"string_pattern_mismatch": "must not be blank nor hold control characters"}


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
