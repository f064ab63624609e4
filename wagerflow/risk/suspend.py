"""Auto-suspend: market suspend / resume commands from exposure, provider health and odds.

``SuspendRules`` is plain picklable state (the flow snapshots it); it never reads a clock. The
caller passes ``now_ms``, the flow's time: the input's ``received_time_ms`` (an exposure's
``as_of_ms``) or, for ``on_time``, the wall clock of a live run (or the end of a replay).

Holds. Each rule holds a scope for one or more *causes* (a book and currency, a producer
state). A scope is a market line, a whole event (``line_id`` None), or, for ``PROVIDER_DOWN``,
every market of one producer of one provider (``event_id`` ``*`` with ``provider_id`` and
``producer`` set). A ``MarketSuspend`` is emitted when the first cause arrives and a
``MarketResume`` when the last one clears, so commands are emitted only on transitions and a
repeated input emits nothing. A market held by several scopes or rules gets a suspend and a
resume from each: consumers keep it suspended while any of them holds it.

Commands. ``command_id = f"{rule}:{tenant}:{scope}:{line_id or '*'}:{action}:{trigger_ms}"``
where ``scope`` is the event id (``{provider}/{producer}`` for a provider-wide command),
``action`` is ``suspend`` or ``resume`` and ``trigger_ms`` is ``now_ms`` for an input and the
deadline for a timer; ``as_of_ms`` is that same time, so a timer's command does not depend on
how late the notification came. ``version`` counts the commands of that scope and rule.

Determinism. Every rule reads one ordered stream: the feed of one event (odds, market and bet
stop messages, keyed by event on the raw topics), the exposures of one line or event, or the
health messages of one producer. Timers are per stream too: a stream's own next input fires its
due timers (at their deadlines) before it is applied, and ``on_time`` fires them on the wall
clock or at the end of the input. So the commands do not depend on how streams of different
partitions interleave, nor on when ``on_time`` is called (as long as it is not called with a
time past a stream's next input).

Rules:

- ``LIABILITY_SELECTION`` / ``LIABILITY_MARKET`` (line) from ``LineExposure`` (its largest
  selection liability; ``worst_case``) and ``LIABILITY_EVENT`` (event) from
  ``EventExposure.worst_case``: hold when the figure is >= the currency's threshold, release when
  it is < ``threshold * (1 - hysteresis)``. One cause per book and currency. A currency without a
  threshold is not checked; an exposure older (lower ``version``) than one applied is ignored.
- ``PROVIDER_DOWN`` (provider-wide, per producer): a ``ProviderHealth`` DOWN, LAGGING, or an
  ALIVE with ``subscribed`` False holds every market of the producer. A fresh ALIVE
  (``event_time_ms + alive_timeout_ms > now_ms``) with ``subscribed`` not False releases DOWN,
  UNSUBSCRIBED and SILENT. A producer that has sent an ALIVE and sends none for
  ``alive_timeout_ms`` of event time (deadline: its newest ALIVE's ``event_time_ms +
  alive_timeout_ms``) is SILENT, so a stale ALIVE (delivered later than the timeout) keeps it
  down. A LAGGING (Betfair ``status: 503``; no ALIVE follows on that stream) is self-clearing:
  released ``lagging_hold_ms`` of flow time after the last LAGGING. SNAPSHOT_COMPLETE and ERROR
  change nothing. The feeds do not name the producer of each market, so a producer's command
  covers all of the provider's markets.
- ``PROVIDER_BET_STOP`` (event): ``BettingStopped`` (whatever its ``groups``) and ``EventChanged``
  SUSPENDED hold; a later ``LineOddsChanged`` with status OPEN for the event releases the bet
  stop; ``EventChanged`` RESUMED releases both. (market, as ``event_id`` and ``line_id``): a
  ``MarketStatusChanged`` SUSPENDED (Betfair) holds its market; OPEN or CLOSED releases it.
- ``ODDS_VELOCITY`` (line): per selection (``LineOddsChanged`` outcome odds, ``OddsChanged`` best
  back, whose event and line are both its ``market_id``), the odds of the last
  ``velocity_window_ms`` of event time are kept; a price that moved ``velocity_max_move_bp`` or
  more relative to any of them holds the line. It is released ``velocity_window_ms`` of flow
  time (``now_ms``) after the last breach (a timer). Event time measures moves (a backlog
  delivered at once is no move); flow time the suspension. Samples older than the selection's
  newest are ignored.
- ``DATA_LAG`` (event; an exchange market for ``OddsChanged``): an odds or bet stop message
  whose ``received_time_ms - event_time_ms`` exceeds ``data_lag_ms`` holds its event (market
  status messages are not measured: they may come from another stream of the event); the
  event's first such message with a lag below ``data_lag_ms / 2`` releases it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from wagerflow.risk.control import Action, command_id, scope_of
from wagerflow.schemas.events import (
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    ProviderHealth,
)
from wagerflow.schemas.risk import (
    EventExposure,
    LineExposure,
    MarketResume,
    MarketSuspend,
    SuspendRule,
)

BP = 10_000  # basis points in 1
Command = MarketSuspend | MarketResume
Out = list[Command]  # where a handler appends the commands it emits
Figures = dict[str, int]  # a command's ``values``
Producer = tuple[str, str, str]  # tenant, provider, producer


class Hold(NamedTuple):
    """What a rule holds: a line, an event (line None) or a producer's markets (event ``*``)."""

    rule: SuspendRule
    tenant: str
    event: str
    line: str | None = None
    provider: str | None = None
    producer: str | None = None


def _per_currency(amount: int) -> dict[str, int]:
    return {"EUR": amount, "GBP": amount, "USD": amount}


@dataclass(frozen=True)
class SuspendConfig:
    """Thresholds. Money is minor units per ISO-4217 currency code; rates are basis points."""

    selection_liability: dict[str, int] = field(default_factory=lambda: _per_currency(500_000))
    """Largest liability of one selection of a line (EUR 500_000 = EUR 5,000.00)."""
    market_liability: dict[str, int] = field(default_factory=lambda: _per_currency(1_500_000))
    """A line's worst case."""
    event_liability: dict[str, int] = field(default_factory=lambda: _per_currency(5_000_000))
    """An event's worst case."""
    hysteresis_bp: int = 2_000
    """Liability resumes only below ``threshold * (1 - hysteresis_bp / 10_000)`` (0.2)."""
    alive_timeout_ms: int = 20_000
    """A producer without an ALIVE for this long (event time) is down."""
    velocity_max_move_bp: int = 3_000
    """A price move of this much (3_000 = 30 %) within the window suspends the line."""
    velocity_window_ms: int = 10_000
    """The odds velocity window, and how long a line stays suspended after the last breach."""
    data_lag_ms: int = 30_000
    """Event time more than this behind received time suspends; clears below half of it."""
    lagging_hold_ms: int = 20_000
    """A lagging stream (Betfair 503) stays suspended this long after its last LAGGING."""

    def __post_init__(self) -> None:
        positive = (
            "alive_timeout_ms",
            "velocity_max_move_bp",
            "velocity_window_ms",
            "data_lag_ms",
            "lagging_hold_ms",
        )
        bad = [f"{name}={getattr(self, name)}" for name in positive if getattr(self, name) <= 0]
        if not 0 <= self.hysteresis_bp < BP:
            bad.append(f"hysteresis_bp={self.hysteresis_bp} (must be in [0, {BP}))")
        if bad:
            msg = f"invalid SuspendConfig: {', '.join(bad)}"
            raise ValueError(msg)

    def resume_below(self, threshold: int) -> int:
        """The smallest figure that still holds: resume when ``figure < resume_below``."""
        return -(-threshold * (BP - self.hysteresis_bp) // BP)


class SuspendRules:
    """The auto-suspend rules over one shard's inputs (see the module docstring)."""

    def __init__(self, config: SuspendConfig) -> None:
        self.config = config
        self._holds: dict[Hold, set[str]] = {}  # hold -> causes holding it
        self._versions: dict[Hold, int] = {}
        self._exposure_versions: dict[tuple[str, ...], int] = {}
        self._last_alive: dict[Producer, int] = {}
        self._alive_deadlines: dict[Producer, int] = {}
        self._lagging_deadlines: dict[Producer, int] = {}
        self._lagging_events: dict[tuple[str, str], int] = {}  # (tenant, event) -> lag that fired
        self._odds: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
        self._velocity_deadlines: dict[tuple[str, str], dict[str, int]] = {}  # event -> line ->

    # --- entry points -------------------------------------------------------------------------

    def apply(
        self, item: NormalizedEvent | LineExposure | EventExposure, now_ms: int
    ) -> list[Command]:
        """The commands one input causes, after the timers of its own stream due at ``now_ms``."""
        out: Out = []
        match item:
            case LineExposure():
                self._line_exposure(out, item, now_ms)
            case EventExposure():
                self._event_exposure(out, item, now_ms)
            case ProviderHealth():
                self._health(out, item, now_ms)
            case LineOddsChanged() | OddsChanged() | MarketStatusChanged() | BettingStopped():
                self._feed(out, item, now_ms)
            case EventChanged():
                self._fire_event_timers(out, item.tenant_id, item.event_id, now_ms)
                self._lifecycle(out, item, now_ms)
            case _:
                pass
        return out

    def on_time(self, now_ms: int) -> list[Command]:
        """Fire every timer due at ``now_ms``, in deadline order (the wall clock of a live run;
        the end of a replay's input)."""
        due: list[tuple[int, int, tuple[str, ...]]] = [
            (at, 0, who) for who, at in self._alive_deadlines.items() if at <= now_ms
        ]
        due += [(at, 1, who) for who, at in self._lagging_deadlines.items() if at <= now_ms]
        due += [
            (at, 2, (*event, line))
            for event, lines in self._velocity_deadlines.items()
            for line, at in lines.items()
            if at <= now_ms
        ]
        out: Out = []
        for _, kind, key in sorted(due):
            if kind == 2:
                self._fire_event_timers(out, key[0], key[1], now_ms, only=key[2])
            else:
                self._fire_producer_timers(out, (key[0], key[1], key[2]), now_ms)
        return out

    def next_deadline(self) -> int | None:
        """The earliest time ``on_time`` must be called; None if no timer is pending."""
        pending = [*self._alive_deadlines.values(), *self._lagging_deadlines.values()]
        pending += [at for lines in self._velocity_deadlines.values() for at in lines.values()]
        return min(pending, default=None)

    def held(self) -> dict[Hold, frozenset[str]]:
        """The markets held now, with the causes holding each (for inspection and tests)."""
        return {key: frozenset(causes) for key, causes in self._holds.items()}

    # --- timers -------------------------------------------------------------------------------

    def _fire_event_timers(
        self, out: Out, tenant: str, event: str, now: int, only: str | None = None
    ) -> None:
        lines = self._velocity_deadlines.get((tenant, event))
        if not lines:
            return
        for at, line in sorted((at, line) for line, at in lines.items() if at <= now):
            if only is not None and line != only:
                continue
            del lines[line]
            reason = f"no odds move over the limit for {self.config.velocity_window_ms} ms"
            values = {"window_ms": self.config.velocity_window_ms}
            self._release(
                out, Hold("ODDS_VELOCITY", tenant, event, line), "velocity", at, reason, values
            )
        if not lines:
            del self._velocity_deadlines[(tenant, event)]

    def _fire_producer_timers(self, out: Out, who: Producer, now: int) -> None:
        silent = self._alive_deadlines.get(who)
        lagging = self._lagging_deadlines.get(who)
        for at, kind in sorted((at, k) for at, k in ((silent, 0), (lagging, 1)) if at is not None):
            if at > now:
                continue
            if kind == 0:
                del self._alive_deadlines[who]
                values = {"last_alive_ms": self._last_alive[who]}
                values["timeout_ms"] = self.config.alive_timeout_ms
                self._producer_down(out, who, "SILENT", at, values)
            else:
                del self._lagging_deadlines[who]
                reason = f"no LAGGING for {self.config.lagging_hold_ms} ms"
                self._producer_up(out, who, "LAGGING", at, reason)

    # --- holds and commands -------------------------------------------------------------------

    def _command(
        self, kind: type[Command], key: Hold, at: int, why: str, values: Figures
    ) -> Command:
        action: Action = "suspend" if kind is MarketSuspend else "resume"
        version = self._versions.get(key, 0) + 1
        self._versions[key] = version
        scope = scope_of(key.event, key.provider, key.producer)
        return kind(
            tenant_id=key.tenant,
            version=version,
            as_of_ms=at,
            command_id=command_id(key.rule, key.tenant, scope, key.line, action, at),
            event_id=key.event,
            line_id=key.line,
            rule=key.rule,
            reason=why,
            values=dict(values),
            provider_id=key.provider,
            producer=key.producer,
        )

    def _hold(self, out: Out, key: Hold, cause: str, at: int, why: str, values: Figures) -> None:
        causes = self._holds.setdefault(key, set())
        if cause in causes:
            return
        causes.add(cause)
        if len(causes) == 1:
            out.append(self._command(MarketSuspend, key, at, why, values))

    def _release(self, out: Out, key: Hold, cause: str, at: int, why: str, values: Figures) -> None:
        causes = self._holds.get(key)
        if causes is None or cause not in causes:
            return
        causes.discard(cause)
        if not causes:
            del self._holds[key]
            out.append(self._command(MarketResume, key, at, why, values))

    # --- liability ----------------------------------------------------------------------------

    def _stale(self, key: tuple[str, ...], version: int) -> bool:
        if version < self._exposure_versions.get(key, version):
            return True
        self._exposure_versions[key] = version
        return False

    def _line_exposure(self, out: Out, x: LineExposure, now: int) -> None:
        if self._stale(("line", x.tenant_id, x.event_id, x.line_id, x.book, x.currency), x.version):
            return
        top = max((s.liability for s in x.selections), default=0)
        cfg, tenant, event, line = self.config, x.tenant_id, x.event_id, x.line_id
        key = Hold("LIABILITY_SELECTION", tenant, event, line)
        self._threshold(out, key, now, top, cfg.selection_liability, x)
        key = Hold("LIABILITY_MARKET", tenant, event, line)
        self._threshold(out, key, now, x.worst_case, cfg.market_liability, x)

    def _event_exposure(self, out: Out, x: EventExposure, now: int) -> None:
        if self._stale(("event", x.tenant_id, x.event_id, x.book, x.currency), x.version):
            return
        key = Hold("LIABILITY_EVENT", x.tenant_id, x.event_id)
        self._threshold(out, key, now, x.worst_case, self.config.event_liability, x)

    def _threshold(
        self,
        out: Out,
        key: Hold,
        now: int,
        figure: int,
        thresholds: dict[str, int],
        x: LineExposure | EventExposure,
    ) -> None:
        """Hold ``key`` for the exposure's book and currency at ``threshold``, with hysteresis."""
        threshold = thresholds.get(x.currency)
        if threshold is None:
            return
        cause = f"{x.book}:{x.currency}"
        below = self.config.resume_below(threshold)
        values = {"liability": figure, "threshold": threshold, "resume_below": below}
        if cause not in self._holds.get(key, ()):
            if figure >= threshold:
                reason = f"{figure} {x.currency} >= {threshold} ({x.book})"
                self._hold(out, key, cause, now, reason, values)
        elif figure < below:
            reason = f"{figure} {x.currency} < {below} ({x.book})"
            self._release(out, key, cause, now, reason, values)

    # --- provider health ----------------------------------------------------------------------

    def _health(self, out: Out, h: ProviderHealth, now: int) -> None:
        who = (h.tenant_id, h.provider_id, h.producer)
        self._fire_producer_timers(out, who, now)
        values = {"event_time_ms": h.event_time_ms}
        if h.state == "DOWN":
            self._producer_down(out, who, "DOWN", now, values)
        elif h.state == "LAGGING":
            self._lagging_deadlines[who] = now + self.config.lagging_hold_ms
            self._producer_down(out, who, "LAGGING", now, values)
        elif h.state == "ALIVE":
            last = max(self._last_alive.get(who, h.event_time_ms), h.event_time_ms)
            self._last_alive[who] = last
            deadline = last + self.config.alive_timeout_ms
            self._alive_deadlines[who] = deadline
            if h.subscribed is False:
                self._producer_down(out, who, "UNSUBSCRIBED", now, values)
            elif deadline > now:
                for cause in ("DOWN", "UNSUBSCRIBED", "SILENT"):
                    self._producer_up(out, who, cause, now, f"ALIVE at {h.event_time_ms}")

    def _producer_down(self, out: Out, who: Producer, state: str, at: int, values: Figures) -> None:
        tenant, provider, producer = who
        reason = f"{provider} producer {producer} {state}"
        self._hold(
            out,
            Hold("PROVIDER_DOWN", tenant, "*", None, provider, producer),
            state,
            at,
            reason,
            values,
        )

    def _producer_up(self, out: Out, who: Producer, state: str, at: int, reason: str) -> None:
        tenant, provider, producer = who
        values = {"last_alive_ms": self._last_alive.get(who, 0)}
        key = Hold("PROVIDER_DOWN", tenant, "*", None, provider, producer)
        self._release(out, key, state, at, f"{provider} producer {producer}: {reason}", values)

    # --- feed messages ------------------------------------------------------------------------

    def _feed(
        self,
        out: Out,
        e: LineOddsChanged | OddsChanged | MarketStatusChanged | BettingStopped,
        now: int,
    ) -> None:
        tenant = e.tenant_id
        event = e.event_id
        if isinstance(e, OddsChanged) or event is None:
            # An exchange market is its own stream (the raw topic is keyed by market): it
            # stands for its event, so its rules never depend on the event's other markets.
            assert isinstance(e, OddsChanged | MarketStatusChanged)
            event = e.market_id
        self._fire_event_timers(out, tenant, event, now)
        if not isinstance(e, MarketStatusChanged):
            self._data_lag(out, e, event, now)
        match e:
            case BettingStopped():
                reason = f"bet_stop groups={e.groups} status={e.status}"
                key = Hold("PROVIDER_BET_STOP", tenant, event)
                self._hold(out, key, "bet_stop", now, reason, {"event_time_ms": e.event_time_ms})
            case LineOddsChanged():
                if e.status == "OPEN":
                    key = Hold("PROVIDER_BET_STOP", tenant, event)
                    reason = f"line {e.line_id} OPEN"
                    values = {"event_time_ms": e.event_time_ms}
                    self._release(out, key, "bet_stop", now, reason, values)
                for o in e.outcomes:
                    if o.active:
                        self._sample(out, tenant, event, e.line_id, o.outcome_id, o.odds, e, now)
            case OddsChanged():
                odds = e.best_back_odds
                self._sample(out, tenant, event, e.market_id, e.selection_id, odds, e, now)
            case MarketStatusChanged():
                self._market_status(out, e, now)

    def _data_lag(self, out: Out, e: NormalizedEvent, event: str, now: int) -> None:
        lag = e.received_time_ms - e.event_time_ms
        limit = self.config.data_lag_ms
        values = {"lag_ms": lag, "threshold_ms": limit}
        key = Hold("DATA_LAG", e.tenant_id, event)
        if (e.tenant_id, event) not in self._lagging_events:
            if lag > limit:
                self._lagging_events[(e.tenant_id, event)] = lag
                reason = f"{e.provider_id} data {lag} ms behind (> {limit})"
                self._hold(out, key, "lag", now, reason, values)
        elif lag * 2 < limit:
            del self._lagging_events[(e.tenant_id, event)]
            reason = f"{e.provider_id} data {lag} ms behind (< {limit} / 2)"
            self._release(out, key, "lag", now, reason, values)

    def _market_status(self, out: Out, e: MarketStatusChanged, now: int) -> None:
        """A market the provider suspended is held on its own (its messages are one stream);
        OPEN or CLOSED releases it."""
        key = Hold("PROVIDER_BET_STOP", e.tenant_id, e.market_id, e.market_id)
        values = {"event_time_ms": e.event_time_ms}
        reason = f"market {e.market_id} {e.status}"
        if e.status == "SUSPENDED":
            self._hold(out, key, "market_suspended", now, reason, values)
        elif e.status in ("OPEN", "CLOSED"):
            self._release(out, key, "market_suspended", now, reason, values)

    def _lifecycle(self, out: Out, e: EventChanged, now: int) -> None:
        key = Hold("PROVIDER_BET_STOP", e.tenant_id, e.event_id)
        values = {"event_time_ms": e.event_time_ms}
        if e.change == "SUSPENDED":
            self._hold(out, key, "event_suspended", now, "event SUSPENDED", values)
        elif e.change == "RESUMED":
            for cause in ("bet_stop", "event_suspended"):
                self._release(out, key, cause, now, "event RESUMED", values)

    def _sample(
        self,
        out: Out,
        tenant: str,
        event: str,
        line: str,
        selection: str,
        odds: int | None,
        e: LineOddsChanged | OddsChanged,
        now: int,
    ) -> None:
        if odds is None or odds <= 0:
            return
        at, window = e.event_time_ms, self.config.velocity_window_ms
        history = self._odds.setdefault((tenant, event, line, selection), [])
        if history and at < history[-1][0]:
            return
        history[:] = [(t, o) for t, o in history if t >= at - window]
        move, previous = 0, odds
        for _, before in history:
            change = abs(odds - before) * BP // before
            if change > move:
                move, previous = change, before
        if not history or history[-1] != (at, odds):
            history.append((at, odds))
        if move < self.config.velocity_max_move_bp:
            return
        lines = self._velocity_deadlines.setdefault((tenant, event), {})
        lines[line] = max(lines.get(line, 0), now + window)
        values = {
            "move_bp": move,
            "max_move_bp": self.config.velocity_max_move_bp,
            "odds": odds,
            "previous_odds": previous,
            "window_ms": window,
        }
        reason = f"selection {selection} odds {previous} -> {odds} ({move} bp) within {window} ms"
        self._hold(out, Hold("ODDS_VELOCITY", tenant, event, line), "velocity", now, reason, values)
