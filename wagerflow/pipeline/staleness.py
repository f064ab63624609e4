"""The latest event time applied per key, in bounded memory: what "stale" is judged against."""

from __future__ import annotations


class LatestByKey:
    """Remembers, per key, the newest event time applied; forgets keys not updated within
    ``horizon_ms`` of the newest time seen, and the least recently updated beyond ``max_keys``.

    A forgotten key accepts any time again: a market line quiet for longer than the horizon
    (72 h by default) has nothing left to be stale against.
    """

    def __init__(self, horizon_ms: int, max_keys: int) -> None:
        self.horizon_ms = horizon_ms
        self.max_keys = max_keys
        self._latest: dict[str, int] = {}  # least recently updated first
        self._watermark = 0

    def __len__(self) -> int:
        return len(self._latest)

    def is_stale(self, key: str, event_time_ms: int) -> bool:
        """True if ``key`` already applied a newer time; otherwise record this one."""
        latest = self._latest
        held = latest.get(key)
        if held is not None and event_time_ms < held:
            return True
        if held is not None:
            del latest[key]
        latest[key] = event_time_ms
        if event_time_ms > self._watermark:
            self._watermark = event_time_ms
        limit = self._watermark - self.horizon_ms
        while latest:
            oldest = next(iter(latest))
            if latest[oldest] >= limit and len(latest) <= self.max_keys:
                break
            del latest[oldest]
        return False
