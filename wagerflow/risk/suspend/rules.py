"""``SuspendRules``: the auto-suspend rules of one shard, composed (see the package docstring)."""

from __future__ import annotations

from wagerflow.risk.suspend.bet_stop import BetStopRule
from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.data_lag import DataLagRule
from wagerflow.risk.suspend.holds import Command, Hold, Holds, Out
from wagerflow.risk.suspend.liability import LiabilityRule
from wagerflow.risk.suspend.odds_velocity import OddsVelocityRule
from wagerflow.risk.suspend.provider_health import ProviderHealthRule
from wagerflow.risk.suspend.thresholds import Thresholds
from wagerflow.schemas.events import (
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    ProviderHealth,
)
from wagerflow.schemas.risk import EventExposure, LineExposure

_VELOCITY = 2  # the kind of a velocity timer, after a producer's SILENT (0) and LAGGING (1)


class SuspendRules:
    """The auto-suspend rules over one shard's inputs (see the package docstring). Plain
    picklable state: the rules share one ``Holds``."""

    def __init__(self, config: SuspendConfig) -> None:
        self.config = config
        self._holds = Holds()
        self._liability = LiabilityRule(config, self._holds)
        self._health = ProviderHealthRule(config, self._holds)
        self._bet_stop = BetStopRule(self._holds)
        self._velocity = OddsVelocityRule(config, self._holds)
        self._data_lag = DataLagRule(config, self._holds)

    def apply(
        self,
        item: NormalizedEvent | LineExposure | EventExposure,
        now_ms: int,
        thresholds: Thresholds | None = None,
    ) -> list[Command]:
        """The commands one input causes, after the timers of its own stream due at ``now_ms``;
        ``thresholds`` the shard's (default: the config's built-in figures)."""
        out: Out = []
        match item:
            case LineExposure():
                limits = thresholds or Thresholds(self.config)
                self._liability.line_exposure(out, item, now_ms, limits)
            case EventExposure():
                limits = thresholds or Thresholds(self.config)
                self._liability.event_exposure(out, item, now_ms, limits)
            case ProviderHealth():
                self._health.apply(out, item, now_ms)
            case LineOddsChanged() | OddsChanged() | MarketStatusChanged() | BettingStopped():
                self._feed(out, item, now_ms)
            case EventChanged():
                self._velocity.fire_timers(out, item.tenant_id, item.event_id, now_ms)
                self._bet_stop.lifecycle(out, item, now_ms)
            case _:
                pass
        return out

    def on_time(self, now_ms: int) -> list[Command]:
        """Fire every timer due at ``now_ms``, in deadline order (the wall clock of a live run;
        the end of a replay's input)."""
        due: list[tuple[int, int, tuple[str, ...]]] = [*self._health.due(now_ms)]
        due += [(at, _VELOCITY, key) for at, key in self._velocity.due(now_ms)]
        out: Out = []
        for _, kind, key in sorted(due):
            if kind == _VELOCITY:
                self._velocity.fire_timers(out, key[0], key[1], now_ms, only=key[2])
            else:
                self._health.fire_timers(out, (key[0], key[1], key[2]), now_ms)
        return out

    def next_deadline(self) -> int | None:
        """The earliest time ``on_time`` must be called; None if no timer is pending."""
        return min([*self._health.deadlines(), *self._velocity.deadlines()], default=None)

    def held(self) -> dict[Hold, frozenset[str]]:
        """The markets held now, with the causes holding each (for inspection and tests)."""
        return self._holds.held()

    def _feed(
        self,
        out: Out,
        e: LineOddsChanged | OddsChanged | MarketStatusChanged | BettingStopped,
        now: int,
    ) -> None:
        """One message of an event's feed: its due velocity releases, then data lag, bet stop
        and odds velocity, in that order."""
        event = e.event_id
        if isinstance(e, OddsChanged) or event is None:
            # An exchange market is its own stream (the raw topic is keyed by market): it
            # stands for its event, so its rules never depend on the event's other markets.
            assert isinstance(e, OddsChanged | MarketStatusChanged)
            event = e.market_id
        self._velocity.fire_timers(out, e.tenant_id, event, now)
        if not isinstance(e, MarketStatusChanged):
            self._data_lag.apply(out, e, event, now)
        self._bet_stop.feed(out, e, event, now)
        if isinstance(e, LineOddsChanged | OddsChanged):
            self._velocity.feed(out, e, event, now)
