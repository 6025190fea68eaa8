"""Answers the hottest read, GET /group, straight from the cached listing.

FastAPI's request handling (dependency solving, parameter validation, middleware) costs
several times what reading a cached, pre-rendered listing does. This lane answers only
the case it can prove right without it: a token this process has verified before and
that has not expired, no query or a lone groupId naming one of the caller's groups, and
a listing whose version the database confirms. Anything else — errors included — goes
on to the FastAPI route, which stays the one place that validates and answers errors.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from devgroups.http.render import listing_body
from devgroups.runtime import Runtime


class ListingFastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.runtime: Runtime | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/group":
            body = self._answer(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope) -> bytes | None:
        runtime = self.runtime
        if runtime is None:
            return None
        token = _bearer(scope)
        principal = runtime.issuer.known(token) if token else None
        if principal is None:
            return None
        query = scope.get("query_string", b"")
        group_id = None
        if query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if len(pairs) != 1 or pairs[0][0] != "groupId":
                return None
            group_id = pairs[0][1]
        try:
            listing = runtime.groups.fresh(principal.uid)
            if listing is None:
                return None
            return listing_body(listing, group_id)
        except Exception:  # the route answers whatever went wrong, in Hekr's format
            return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials.strip() if scheme.lower() == "bearer" else None
    return None
