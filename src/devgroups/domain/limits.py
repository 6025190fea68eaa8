"""A token bucket: at most `burst` at once, `rate` a second sustained."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    at: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic()
        # Refilled up to burst; tokens credited past burst are kept until spent.
        self.tokens = max(self.tokens, min(self.burst, self.tokens + (now - self.at) * self.rate))
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def credit(self, tokens: float) -> None:
        """Grant tokens beyond the burst, for work that is owed rather than asked for."""
        self.tokens += tokens
