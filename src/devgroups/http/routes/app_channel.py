"""The app channel's WebSocket endpoint; the protocol lives in channels.app_channel."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from devgroups.channels.app_channel import AppSession
from devgroups.runtime import Runtime

router = APIRouter()


@router.websocket("/ws")
async def app_channel(websocket: WebSocket) -> None:
    """Hekr's app protocol: appLogin, heartbeat, appSend; devSend and events pushed."""
    runtime: Runtime = websocket.app.state.runtime
    await websocket.accept()
    session = AppSession(
        websocket.send_text,
        issuer=runtime.issuer,
        store=runtime.store,
        link=runtime.gateway,
        hub=runtime.hub,
        known_device=runtime.gateway.known_device,
        control=runtime.control,
    )
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            await session.received(text)
    finally:
        await session.close()
