"""The DLQ brake (Arroyo's ``DlqLimit`` is the model): when more than ``max_share`` of a
provider's messages went to the DLQ over the last ``window_s`` (and at least ``min_messages``
were read), that provider's input pauses until an operator resumes it
(``wagerflow brake resume PROVIDER``). A feed that suddenly sends garbage then fills the DLQ
with a bounded amount, not a day's worth.

It reads the process's own counters (``wagerflow_messages_received`` and
``wagerflow_dlq_entries``), so it needs no hook in the dataflow; each process brakes the
partitions it reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import REGISTRY

from wagerflow import metrics

log = logging.getLogger("wagerflow.brake")


@dataclass(frozen=True, slots=True)
class BrakeConfig:
    max_share: float = 0.5
    window_s: float = 60.0
    min_messages: int = 100


def _totals(metric: str) -> dict[str, float]:
    """Per-provider sums of a counter's ``_total`` samples in this process."""
    out: dict[str, float] = {}
    for family in REGISTRY.collect():
        if family.name != metric:
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                provider = sample.labels["provider"]
                out[provider] = out.get(provider, 0.0) + sample.value
    return out


class DlqBrake:
    """Samples the counters on each ``tick`` and decides which providers are paused.
    ``paused`` is what the Kafka source asks before each read (thread-safe)."""

    def __init__(self, config: BrakeConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._history: deque[tuple[float, dict[str, float], dict[str, float]]] = deque()
        self._paused: dict[str, str] = {}
        self._tripped_at: dict[str, float] = {}

    def paused(self, provider: str) -> bool:
        return provider in self._paused

    def tripped_at(self, provider: str) -> float:
        """Unix time the provider was paused (0: it is not)."""
        return self._tripped_at.get(provider, 0.0)

    def reasons(self) -> dict[str, str]:
        with self._lock:
            return dict(self._paused)

    def tick(self) -> None:
        now = self._clock()
        received, dlq = _totals("wagerflow_messages_received"), _totals("wagerflow_dlq_entries")
        with self._lock:
            self._history.append((now, received, dlq))
            while len(self._history) > 1 and now - self._history[1][0] >= self.config.window_s:
                self._history.popleft()
            then, old_received, old_dlq = self._history[0]
            for provider, total in received.items():
                if provider in self._paused:
                    continue
                metrics.DLQ_BRAKE.labels(provider).set(0)  # a series per provider read: 0 or 1
                read = total - old_received.get(provider, 0.0)
                rejected = dlq.get(provider, 0.0) - old_dlq.get(provider, 0.0)
                if read >= self.config.min_messages and rejected > self.config.max_share * read:
                    self._trip(provider, rejected, read, now - then)

    def _trip(self, provider: str, rejected: float, read: float, span_s: float) -> None:
        reason = (
            f"DLQ brake: {rejected:.0f} of {read:.0f} {provider} messages went to the DLQ in "
            f"{span_s:.0f}s (limit {self.config.max_share:.0%}); its input is paused until "
            f"`wagerflow brake resume {provider}`"
        )
        self._paused[provider] = reason
        self._tripped_at[provider] = time.time()
        metrics.DLQ_BRAKE.labels(provider).set(1)
        metrics.DLQ_BRAKE_TRIPS.labels(provider).inc()
        log.error(reason, extra={"provider": provider, "event": "brake"})

    def resume(self, provider: str) -> bool:
        """Resume a paused provider (the operator's command); False when it was not paused."""
        with self._lock:
            if self._paused.pop(provider, None) is None:
                return False
            self._tripped_at.pop(provider, None)
            # forget the window, or the same rejects would trip it again at once
            self._history.clear()
        metrics.DLQ_BRAKE.labels(provider).set(0)
        log.warning(
            f"DLQ brake: {provider} resumed by the operator",
            extra={"provider": provider, "event": "brake_resumed"},
        )
        return True
