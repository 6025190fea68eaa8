"""How a command reaches a device: the one port group control and the app channel use.

Today the node that holds a device's connection is the only node (DeviceGateway is the
adapter); in production mode an adapter on NATS will carry the same calls to whichever
node holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    at: float = field(default=0.0, compare=False)  # time.perf_counter() when it arrived


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of a command sent to one device: its reply, or why there is none."""

    reply: DeviceReply | None
    error: DeviceOffline | DeviceTimeout | DeviceGone | None
    latency: float | None  # seconds from sending to the reply (or to the loss); None unsent


OnDelivery = Callable[[str, Delivery], None]


class DeviceLink(Protocol):
    def is_online(self, dev_tid: str) -> bool: ...

    def last_report(self, dev_tid: str) -> tuple[Any, int] | None:
        """The data of the device's last devSend and when it came (epoch ms)."""
        ...

    async def app_send(self, dev_tid: str, app_tid: str, data: Any, deadline: float) -> DeviceReply:
        """Send data to the device as an appSend; return its answer by deadline (loop time)."""
        ...

    async def send_to_many(
        self,
        dev_tids: Sequence[str],
        app_tid: str,
        data: Any,
        deadline: float,
        on_delivery: OnDelivery | None = None,
    ) -> dict[str, Delivery]:
        """Send data to every device at once; what became of each by deadline (loop time).

        on_delivery is called for each device as its outcome is known.
        """
        ...
