"""Dropping repeated messages by dedup key, within a horizon, in bounded memory.

Providers resend: network retries, recovery resends after a reconnect, double clicks. A message
whose dedup key was seen within the horizon is a duplicate when its payload fingerprint matches,
and a conflict (the provider reused an id for different content) when it does not.

Corrections. A few message types are ones a provider may legitimately send again, changed, under
the same key: a round's result, once the studio or the provider fixes a mis-read outcome or a
miscomputed payout (the caller says which types: ``correctable``; see
``wagerflow.pipeline.normalize_state``). For those, new content under a seen key is a
**correction** (it passes, and the key now holds it); content equal to *any* version seen under
the key (the original, a correction, the correction's resend) is a duplicate, so a late resend of
an earlier version never reverts a correction. Every other type keeps the conflict rule.

Time is the provider's event time, never the wall clock, so the same input always gives the
same verdicts. Keys expire once the newest event time seen is more than ``horizon_ms`` past
them. The number of keys held is capped at ``max_keys``, and the oldest go first: a resend
older than what the cap holds passes as new, and is counted as an eviction.
"""

from __future__ import annotations

from enum import Enum

DEFAULT_HORIZON_MS = 72 * 3600 * 1000  # UOF's recovery window
DEFAULT_MAX_KEYS = 1_000_000


class Verdict(Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    CORRECTION = "correction"


class Deduplicator:
    """Plain picklable state: the flow snapshots it with the shard it belongs to."""

    def __init__(
        self, horizon_ms: int = DEFAULT_HORIZON_MS, max_keys: int = DEFAULT_MAX_KEYS
    ) -> None:
        if horizon_ms <= 0 or max_keys <= 0:
            msg = f"horizon_ms and max_keys must be positive; got {horizon_ms}, {max_keys}"
            raise ValueError(msg)
        self.horizon_ms = horizon_ms
        self.max_keys = max_keys
        self._seen: dict[
            str, tuple[int, int]
        ] = {}  # key -> (fingerprint, event time), in arrival order
        self._earlier: dict[str, frozenset[int]] = {}
        """Earlier fingerprints of a corrected key (still duplicates)."""
        self._watermark = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, key: str) -> bool:
        """Whether ``key`` is remembered (within the horizon)."""
        held = self._seen.get(key)
        return held is not None and held[1] >= self._watermark - self.horizon_ms

    def forget(self, key: str) -> None:
        """Release ``key`` (a rollback makes the next message with it new again)."""
        self._seen.pop(key, None)
        self._earlier.pop(key, None)

    def peek(self, key: str, fingerprint: int, correctable: bool = False) -> Verdict:
        """The verdict ``check`` would give, remembering nothing."""
        held = self._seen.get(key)
        if held is None or held[1] < self._watermark - self.horizon_ms:
            return Verdict.NEW
        if held[0] == fingerprint or fingerprint in self._earlier.get(key, ()):
            return Verdict.DUPLICATE
        return Verdict.CORRECTION if correctable else Verdict.CONFLICT

    def check(
        self, key: str, fingerprint: int, event_time_ms: int, correctable: bool = False
    ) -> Verdict:
        """The verdict on one message; a NEW key is remembered, a CORRECTION replaces what the
        key holds (the key's horizon then runs from the correction)."""
        verdict = self.peek(key, fingerprint, correctable)
        if verdict is Verdict.CORRECTION:
            held_fp, held_at = self._seen.pop(key)
            self._earlier[key] = self._earlier.get(key, frozenset()) | {held_fp}
            event_time_ms = max(event_time_ms, held_at)
        elif verdict is not Verdict.NEW:
            return verdict
        self._seen[key] = (fingerprint, event_time_ms)
        if event_time_ms > self._watermark:
            self._watermark = event_time_ms
        self._expire()
        return verdict

    def _expire(self) -> None:
        limit = self._watermark - self.horizon_ms
        seen = self._seen
        while seen:
            oldest = next(iter(seen))
            _, at = seen[oldest]
            if at >= limit and len(seen) <= self.max_keys:
                return
            if at >= limit:
                self.evicted += 1
            del seen[oldest]
            self._earlier.pop(oldest, None)
