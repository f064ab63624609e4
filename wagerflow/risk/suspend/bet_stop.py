"""Provider bet stop: ``PROVIDER_BET_STOP``, for an event or an exchange market the provider
stopped.

(event) ``BettingStopped`` (whatever its ``groups``) and ``EventChanged`` SUSPENDED hold; a
later ``LineOddsChanged`` with status OPEN for the event releases the bet stop; ``EventChanged``
RESUMED releases both. (market, as ``event_id`` and ``line_id``): a ``MarketStatusChanged``
SUSPENDED (Betfair) holds its market; OPEN or CLOSED releases it.
"""

from __future__ import annotations

from wagerflow.risk.suspend.holds import Hold, Holds, Out
from wagerflow.schemas.events import (
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    OddsChanged,
)


class BetStopRule:
    """Holds what the provider itself stopped or suspended."""

    def __init__(self, holds: Holds) -> None:
        self.holds = holds

    def feed(
        self,
        out: Out,
        e: LineOddsChanged | OddsChanged | MarketStatusChanged | BettingStopped,
        event: str,
        now: int,
    ) -> None:
        """A feed message of ``event`` (an exchange market's own id)."""
        match e:
            case BettingStopped():
                reason = f"bet_stop groups={e.groups} status={e.status}"
                key = Hold("PROVIDER_BET_STOP", e.tenant_id, event)
                values = {"event_time_ms": e.event_time_ms}
                self.holds.hold(out, key, "bet_stop", now, reason, values)
            case LineOddsChanged():
                if e.status == "OPEN":
                    key = Hold("PROVIDER_BET_STOP", e.tenant_id, event)
                    reason = f"line {e.line_id} OPEN"
                    values = {"event_time_ms": e.event_time_ms}
                    self.holds.release(out, key, "bet_stop", now, reason, values)
            case MarketStatusChanged():
                self._market_status(out, e, now)
            case _:
                pass

    def lifecycle(self, out: Out, e: EventChanged, now: int) -> None:
        key = Hold("PROVIDER_BET_STOP", e.tenant_id, e.event_id)
        values = {"event_time_ms": e.event_time_ms}
        if e.change == "SUSPENDED":
            self.holds.hold(out, key, "event_suspended", now, "event SUSPENDED", values)
        elif e.change == "RESUMED":
            for cause in ("bet_stop", "event_suspended"):
                self.holds.release(out, key, cause, now, "event RESUMED", values)

    def _market_status(self, out: Out, e: MarketStatusChanged, now: int) -> None:
        """A market the provider suspended is held on its own (its messages are one stream);
        OPEN or CLOSED releases it."""
        key = Hold("PROVIDER_BET_STOP", e.tenant_id, e.market_id, e.market_id)
        values = {"event_time_ms": e.event_time_ms}
        reason = f"market {e.market_id} {e.status}"
        if e.status == "SUSPENDED":
            self.holds.hold(out, key, "market_suspended", now, reason, values)
        elif e.status in ("OPEN", "CLOSED"):
            self.holds.release(out, key, "market_suspended", now, reason, values)
