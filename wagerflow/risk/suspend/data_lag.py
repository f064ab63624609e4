"""Data lag: ``DATA_LAG`` (event; an exchange market for ``OddsChanged``).

An odds or bet stop message whose ``received_time_ms - event_time_ms`` exceeds ``data_lag_ms``
holds its event (market status messages are not measured: they may come from another stream of
the event); the event's first such message with a lag below ``data_lag_ms / 2`` releases it.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.holds import Hold, Holds, Out
from wagerflow.schemas.events import NormalizedEvent


class DataLagRule:
    """Holds an event whose feed runs too far behind."""

    def __init__(self, config: SuspendConfig, holds: Holds) -> None:
        self.config = config
        self.holds = holds
        self._lagging_events: dict[tuple[str, str], int] = {}  # (tenant, event) -> lag that fired

    def apply(self, out: Out, e: NormalizedEvent, event: str, now: int) -> None:
        """A measured message of ``event`` (an exchange market's own id)."""
        lag = e.received_time_ms - e.event_time_ms
        limit = self.config.data_lag_ms
        values = {"lag_ms": lag, "threshold_ms": limit}
        key = Hold("DATA_LAG", e.tenant_id, event)
        if (e.tenant_id, event) not in self._lagging_events:
            if lag > limit:
                self._lagging_events[(e.tenant_id, event)] = lag
                reason = f"{e.provider_id} data {lag} ms behind (> {limit})"
                self.holds.hold(out, key, "lag", now, reason, values)
        elif lag * 2 < limit:
            del self._lagging_events[(e.tenant_id, event)]
            reason = f"{e.provider_id} data {lag} ms behind (< {limit} / 2)"
            self.holds.release(out, key, "lag", now, reason, values)
