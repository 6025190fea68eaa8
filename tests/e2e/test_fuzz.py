"""Schemathesis fuzzes every documented call of the served OpenAPI document, as two users."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.conftest import Fleet
from tests.factories import device_json

EXAMPLES = 25


def fuzz_settings(examples: int = EXAMPLES) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_call_conforms_and_never_fails_inside(fleet: Fleet, mode: GenerationMode) -> None:
    alice, bob = fleet.account("alice"), fleet.account("bob")
    for _ in range(2):
        alice.client.post(
            "/group",
            json={
                "groupName": "a",
                "deviceList": device_json(alice.devices(fleet.admin, 2)),
                "desc": "d",
            },
        )
    bob.client.post(
        "/group",
        json={
            "groupName": "b",
            "deviceList": device_json(bob.devices(fleet.admin, 2)),
            "desc": "d",
        },
    )
    bobs_view = bob.client.get("/group").json()
    bobs_id = bobs_view[0]["groupId"]
    schema = schemathesis.openapi.from_url(f"{fleet.server.url}/openapi.json")
    token = alice.client.headers["Authorization"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        # A device list may name one devTid twice, which JSON Schema cannot forbid and the
        # server refuses with 400: schema-valid but rejected, so that check is left out there.
        excluded = [positive_data_acceptance] if _takes_device_list(operation) else []

        fuzz = conformance(operation, mode, token, fleet.server.url, excluded)
        fuzz()

        if "groupId" not in str(operation.path) + str(operation.definition.raw):
            continue

        # The same call aimed at the other user's group never reaches it.
        targets: dict[str, Any] = {"headers": {"Authorization": token}}
        if "{groupId}" in operation.path:
            targets["path_parameters"] = {"groupId": bobs_id}
        else:
            targets["query"] = {"groupId": bobs_id}

        @fuzz_settings(10)
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **targets))
        def trespass(case: Any) -> None:
            answer = case.call(base_url=fleet.server.url)
            # 429: group control's rate limit, spent by the fuzzing; it leaks nothing either
            assert answer.status_code in (400, 404, 429), answer.text
            if answer.status_code == 404:
                assert answer.json()["code"] == 6400026

        trespass()

    assert bob.client.get("/group").json() == bobs_view


def conformance(
    operation: Any, mode: GenerationMode, token: str, url: str, excluded: list[Any]
) -> Any:
    @fuzz_settings()
    @given(case=operation.as_strategy(generation_mode=mode, headers={"Authorization": token}))
    def fuzz(case: Any) -> None:
        case.call_and_validate(base_url=url, excluded_checks=excluded)

    return fuzz


def _takes_device_list(operation: Any) -> bool:
    return operation.method.upper() in ("POST", "DELETE") and "group" in operation.path
