"""The retry schedule every connector uses while a service is away."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry schedule of failed inserts: ``initial_s``, then times ``factor`` up to ``max_s``.
    ``give_up_s``: after failing that long, raise ``ServiceUnavailable`` (the flow stops and a
    restart replays from the last snapshot: nothing is lost); None (default) retries for ever,
    holding the dataflow back until ClickHouse is back."""

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    give_up_s: float | None = None

    def delay(self, failures: int) -> float:
        return float(min(self.max_s, self.initial_s * self.factor ** max(0, failures - 1)))
