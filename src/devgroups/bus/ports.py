"""How a command reaches a device: the one port group control and the app channel use.

Today the node that holds a device's connection is the only node (DeviceGateway is the
adapter); in production mode an adapter on NATS will carry the same calls to whichever
node holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class DeviceOffline(Exception):
    """The device has no connection now."""


class DeviceTimeout(Exception):
    """The device did not answer within the deadline."""


class DeviceGone(Exception):
    """The device's connection closed while a command waited for its answer."""


@dataclass(frozen=True, slots=True)
class DeviceReply:
    """A device's appSendResp."""

    code: int
    desc: str
    data: Any
    params: dict[str, Any]


class DeviceLink(Protocol):
    def is_online(self, dev_tid: str) -> bool: ...

    def last_report(self, dev_tid: str) -> tuple[Any, int] | None:
        """The data of the device's last devSend and when it came (epoch ms)."""
        ...

    async def app_send(self, dev_tid: str, app_tid: str, data: Any, deadline: float) -> DeviceReply:
        """Send data to the device as an appSend; return its answer by deadline (loop time)."""
        ...
