"""``devgroups control``: a group command from the command line, with live progress."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click
import httpx
import orjson
import websockets
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from devgroups.cli.common import data_dir_option, db_option, opened
from devgroups.services import accounts

ALL_SUCCEEDED, NOT_ALL = 0, 3
_STYLE = {"succeeded": "green", "failed": "red", "offline": "yellow", "timedOut": "magenta"}


@click.command()
@click.argument("group_id")
@click.argument("data")
@click.option("--user", "username", required=True, help="The account that owns the group.")
@click.option(
    "--timeout",
    default=3000,
    show_default=True,
    type=click.IntRange(100, 30_000),
    help="Milliseconds to wait for the members.",
)
@click.option("--key", default=None, help="Idempotency key: a retry answers the first result.")
@click.option("--server", default="http://127.0.0.1:8080", show_default=True)
@data_dir_option
@db_option
def control(
    group_id: str,
    data: str,
    username: str,
    timeout: int,
    key: str | None,
    server: str,
    data_dir: Path,
    db_url: str | None,
) -> None:
    """Send DATA (a JSON object, as appSend data) to every member of GROUP_ID.

    Shows each member's result as it arrives, then a table. Exit status 0 when every
    member succeeded, 3 when some did not.
    """
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"not JSON: {err}", param_hint="DATA") from err
    if not isinstance(payload, dict):
        raise click.BadParameter("a JSON object", param_hint="DATA")
    with opened(data_dir, db_url) as runtime:
        # The signing key is in the data folder: whoever can read it may act as any user.
        token = accounts.token_for(runtime.store, runtime.issuer, username, ttl=300)
    result = asyncio.run(_send(server.rstrip("/"), token, group_id, payload, timeout, key))
    _show(result)
    raise SystemExit(ALL_SUCCEEDED if result["summary"]["status"] == "all" else NOT_ALL)


async def _send(
    server: str, token: str, group_id: str, data: dict[str, Any], timeout_ms: int, key: str | None
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        found = await client.get(
            "/group", params={"groupId": group_id}, headers={"Authorization": f"Bearer {token}"}
        )
    if found.status_code != 200:
        raise click.ClickException(f"{found.json().get('desc')} ({found.json().get('code')})")
    total = len(found.json()[0]["deviceList"])
    params: dict[str, Any] = {
        "groupId": group_id,
        "data": data,
        "timeout": timeout_ms,
        "progress": True,
    }
    if key is not None:
        params["idempotencyKey"] = key
    url = server.replace("http://", "ws://").replace("https://", "wss://") + "/ws"
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # The server answers by the command's deadline; the margin covers storing the result.
    async with (
        asyncio.timeout(timeout_ms / 1000 + 30),
        websockets.connect(url, max_size=None) as ws,
    ):
        await ws.send(
            orjson.dumps(
                {
                    "msgId": 1,
                    "action": "appLogin",
                    "params": {"appTid": "devgroups-cli", "token": token},
                }
            ).decode()
        )
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task(f"group {group_id}", total=total)
            await ws.send(
                orjson.dumps({"msgId": 2, "action": "appGroupSend", "params": params}).decode()
            )
            while True:
                message = orjson.loads(await ws.recv())
                action = message.get("action")
                if action == "appLoginResp" and message.get("code") != 200:
                    raise click.ClickException(f"login refused: {message.get('desc')}")
                if action == "appGroupSendProgress":
                    progress.advance(task)
                elif action == "appGroupSendResp":
                    if message.get("code") != 200:
                        raise click.ClickException(f"{message.get('desc')} ({message.get('code')})")
                    answer: dict[str, Any] = message["params"]
                    progress.update(task, completed=total)
                    return answer


def _show(result: dict[str, Any]) -> None:
    table = Table(title=f"command {result['commandId']} to group {result['groupId']}")
    for column in ("devTid", "outcome", "code", "desc", "latency ms", "data"):
        table.add_column(column)
    for row in result["results"]:
        style = _STYLE.get(row["outcome"], "")
        latency = "" if row["latencyMs"] is None else f"{row['latencyMs']:.1f}"
        data = "" if row["data"] is None else orjson.dumps(row["data"]).decode()
        table.add_row(
            row["devTid"],
            f"[{style}]{row['outcome']}[/]",
            str(row["code"]),
            row["desc"],
            latency,
            data,
        )
    console = Console()
    console.print(table)
    summary = result["summary"]
    console.print(
        f"{summary['status']}: {summary['succeeded']}/{summary['total']} succeeded, "
        f"{summary['failed']} failed, {summary['offline']} offline, "
        f"{summary['timedOut']} timed out"
    )
