"""Events for the apps of a user (devSend reports, devLogin, devLogout), in one process."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

QUEUE_SIZE = 1024


class Subscription:
    """The events of one user for one app; when it falls too far behind it is closed."""

    def __init__(self, hub: EventHub, uid: str) -> None:
        self.hub = hub
        self.uid = uid
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: dict[str, Any]) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # An app that does not read is cut off rather than growing without bound.
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(None)

    def close(self) -> None:
        self.hub.unsubscribe(self)


class EventHub:
    def __init__(self) -> None:
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, uid: str) -> Subscription:
        subscription = Subscription(self, uid)
        self._subscriptions[uid].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.uid)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[subscription.uid]

    def publish(self, uid: str | None, event: dict[str, Any]) -> None:
        if uid is None:
            return
        for subscription in tuple(self._subscriptions.get(uid, ())):
            subscription.offer(event)
