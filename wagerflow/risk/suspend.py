"""Auto-suspend: market suspend / resume commands from exposure, provider health and odds.

``SuspendRules`` is plain picklable state (the flow snapshots it); it never reads a clock. The
caller passes ``now_ms``, the flow's time: the input's ``received_time_ms`` (an exposure's
``as_of_ms``) or, for ``on_time``, the notification time.

Holds. Each rule holds a market, keyed ``(rule, tenant, event_id, line_id)`` (``line_id`` None:
the whole event), for one or more *causes* (a book and currency, a producer, a provider). A
``MarketSuspend`` is emitted when the first cause arrives and a ``MarketResume`` when the last
one clears, so commands are emitted only on transitions and a repeated input emits nothing.
A market held by two rules gets a suspend and a resume from each: consumers keep it suspended
while any rule holds it.

Commands. ``command_id = f"{rule}:{tenant}:{event_id}:{line_id or '*'}:{action}:{trigger_ms}"``
where ``action`` is ``suspend`` or ``resume`` and ``trigger_ms`` is ``now_ms`` for an input and
the deadline for a timer; ``as_of_ms`` is that same time, so a timer's command does not depend
on how late the notification came. ``version`` counts the commands of that key. (Two commands
of one key, action and millisecond, e.g. suspend/resume/suspend within 1 ms, share an id.)

Timers. ``apply`` fires the timers due at ``now_ms`` before and after handling its input, so
the commands depend only on the inputs and their times, not on when ``on_time`` was called
(as long as it is not called with a time past the next input's ``now_ms``).

Rules:

- ``LIABILITY_SELECTION`` / ``LIABILITY_MARKET`` (line) from ``LineExposure`` (its largest
  selection liability; ``worst_case``) and ``LIABILITY_EVENT`` (event) from
  ``EventExposure.worst_case``: hold when the figure is >= the currency's threshold, release when
  it is < ``threshold * (1 - hysteresis)``. One cause per book and currency. A currency without a
  threshold is not checked; an exposure older (lower ``version``) than one applied is ignored.
- ``PROVIDER_DOWN`` (event): a ``ProviderHealth`` DOWN or LAGGING, or an ALIVE with
  ``subscribed`` False, holds every event seen from that provider (in odds and market messages;
  a Betfair ``OddsChanged`` / ``MarketStatusChanged`` without ``event_id`` is keyed by its
  ``market_id``), events first seen while it is down included. An ALIVE with ``subscribed`` not
  False releases it if fresh: ``event_time_ms + alive_timeout_ms > now_ms``. A producer that
  has sent an ALIVE and sends none for ``alive_timeout_ms`` of event time (deadline: its newest
  ALIVE's ``event_time_ms + alive_timeout_ms``, compared to ``now_ms``) is down too, so a stale
  ALIVE (delivered later than the timeout) keeps it down. An ALIVE releases it; a LAGGING
  (Betfair ``status: 503``, after which no ALIVE comes) is also released by the provider's first
  odds or market message published after it: the stream has caught up. Each
  producer is a cause: the feed's messages do not name their producer, so one producer down
  suspends all of the provider's events. SNAPSHOT_COMPLETE and ERROR change nothing.
- ``PROVIDER_BET_STOP`` (event): ``BettingStopped`` (whatever its ``groups``) and ``EventChanged``
  SUSPENDED hold; a later ``LineOddsChanged`` with status OPEN for the event releases the bet
  stop; ``EventChanged`` RESUMED releases both.
- ``ODDS_VELOCITY`` (line): per selection (``LineOddsChanged`` outcome odds, ``OddsChanged`` best
  back, whose line is its ``market_id``), the odds of the last ``velocity_window_ms`` of event
  time are kept; a price that moved ``velocity_max_move_bp`` or more relative to any of them holds
  the line. It is released ``velocity_window_ms`` of flow time (``now_ms``) after the last
  breach (a timer). Event time measures moves (a backlog delivered at once is no move); flow time
  the suspension. Samples older than the selection's newest are ignored.
- ``DATA_LAG`` (event): a provider's odds, market or health message whose
  ``received_time_ms - event_time_ms`` exceeds ``data_lag_ms`` holds the provider's events (as
  ``PROVIDER_DOWN``); it is released when the lag drops below ``data_lag_ms / 2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import (
    BettingStopped,
    EventChanged,
    LineOddsChanged,
    MarketStatusChanged,
    NormalizedEvent,
    OddsChanged,
    ProviderHealth,
)
from schemas.risk import EventExposure, LineExposure, MarketResume, MarketSuspend, SuspendRule

BP = 10_000  # basis points in 1
Command = MarketSuspend | MarketResume
Out = list[Command]  # where a handler appends the commands it emits
Figures = dict[str, int]  # a command's ``values``
HoldKey = tuple[SuspendRule, str, str, str | None]  # rule, tenant, event, line (None: event)


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

    def __post_init__(self) -> None:
        positive = ("alive_timeout_ms", "velocity_max_move_bp", "velocity_window_ms", "data_lag_ms")
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
        self._holds: dict[HoldKey, set[str]] = {}  # key -> causes holding it
        self._versions: dict[HoldKey, int] = {}
        self._exposure_versions: dict[tuple[str, ...], int] = {}
        self._seen: dict[tuple[str, str], dict[str, None]] = {}  # (tenant, provider) -> events
        self._down: dict[tuple[str, str], dict[str, str]] = {}  # -> producer -> state
        self._lagging: dict[tuple[str, str], int] = {}  # (tenant, provider) -> lag that fired
        self._last_alive: dict[tuple[str, str, str], int] = {}  # (tenant, provider, producer)
        self._lagging_since: dict[tuple[str, str, str], int] = {}  # a LAGGING's event time
        self._alive_deadlines: dict[tuple[str, str, str], int] = {}
        self._odds: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
        self._velocity_deadlines: dict[tuple[str, str, str], int] = {}  # (tenant, event, line)

    # --- entry points -------------------------------------------------------------------------

    def apply(
        self, item: NormalizedEvent | LineExposure | EventExposure, now_ms: int
    ) -> list[Command]:
        """The commands one input causes (after the timers due at ``now_ms``)."""
        out = self.on_time(now_ms)
        match item:
            case LineExposure():
                self._line_exposure(out, item, now_ms)
            case EventExposure():
                self._event_exposure(out, item, now_ms)
            case ProviderHealth():
                self._data_lag(out, item, now_ms)
                self._health(out, item, now_ms)
            case LineOddsChanged() | OddsChanged() | MarketStatusChanged() | BettingStopped():
                self._feed(out, item, now_ms)
            case EventChanged():
                self._lifecycle(out, item, now_ms)
            case _:
                pass
        out.extend(self.on_time(now_ms))
        return out

    def on_time(self, now_ms: int) -> list[Command]:
        """Fire the timers due at ``now_ms``, in deadline order."""
        due: list[tuple[int, int, tuple[str, ...]]] = [
            (at, 0, key) for key, at in self._alive_deadlines.items() if at <= now_ms
        ]
        due += [(at, 1, key) for key, at in self._velocity_deadlines.items() if at <= now_ms]
        out: Out = []
        for at, kind, key in sorted(due):
            if kind == 0:
                who = (key[0], key[1], key[2])
                del self._alive_deadlines[who]
                values = {"last_alive_ms": self._last_alive[who]}
                values["timeout_ms"] = self.config.alive_timeout_ms
                self._producer_down(out, who, "SILENT", at, values)
            else:
                tenant, event, line = key
                del self._velocity_deadlines[(tenant, event, line)]
                reason = f"no odds move over the limit for {self.config.velocity_window_ms} ms"
                values = {"window_ms": self.config.velocity_window_ms}
                hold: HoldKey = ("ODDS_VELOCITY", tenant, event, line)
                self._release(out, hold, "velocity", at, reason, values)
        return out

    def next_deadline(self) -> int | None:
        """The earliest time ``on_time`` must be called; None if no timer is pending."""
        pending = [*self._alive_deadlines.values(), *self._velocity_deadlines.values()]
        return min(pending, default=None)

    def held(self) -> dict[HoldKey, frozenset[str]]:
        """The markets held now, with the causes holding each (for inspection and tests)."""
        return {key: frozenset(causes) for key, causes in self._holds.items()}

    # --- holds and commands -------------------------------------------------------------------

    def _command(
        self, kind: type[Command], key: HoldKey, at: int, why: str, values: Figures
    ) -> Command:
        rule, tenant, event, line = key
        action = "suspend" if kind is MarketSuspend else "resume"
        version = self._versions.get(key, 0) + 1
        self._versions[key] = version
        return kind(
            tenant_id=tenant,
            version=version,
            as_of_ms=at,
            command_id=f"{rule}:{tenant}:{event}:{line or '*'}:{action}:{at}",
            event_id=event,
            line_id=line,
            rule=rule,
            reason=why,
            values=dict(values),
        )

    def _hold(self, out: Out, key: HoldKey, cause: str, at: int, why: str, values: Figures) -> None:
        causes = self._holds.setdefault(key, set())
        if cause in causes:
            return
        causes.add(cause)
        if len(causes) == 1:
            out.append(self._command(MarketSuspend, key, at, why, values))

    def _release(
        self, out: Out, key: HoldKey, cause: str, at: int, why: str, values: Figures
    ) -> None:
        causes = self._holds.get(key)
        if causes is None or cause not in causes:
            return
        causes.discard(cause)
        if not causes:
            del self._holds[key]
            out.append(self._command(MarketResume, key, at, why, values))

    def _release_all(
        self,
        out: Out,
        rule: SuspendRule,
        tenant: str,
        cause: str,
        at: int,
        why: str,
        values: Figures,
    ) -> None:
        keys = [k for k, c in self._holds.items() if k[0] == rule and k[1] == tenant and cause in c]
        for key in keys:
            self._release(out, key, cause, at, why, values)

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
        key: HoldKey = ("LIABILITY_SELECTION", tenant, event, line)
        self._threshold(out, key, now, top, cfg.selection_liability, x)
        key = ("LIABILITY_MARKET", tenant, event, line)
        self._threshold(out, key, now, x.worst_case, cfg.market_liability, x)

    def _event_exposure(self, out: Out, x: EventExposure, now: int) -> None:
        if self._stale(("event", x.tenant_id, x.event_id, x.book, x.currency), x.version):
            return
        key: HoldKey = ("LIABILITY_EVENT", x.tenant_id, x.event_id, None)
        self._threshold(out, key, now, x.worst_case, self.config.event_liability, x)

    def _threshold(
        self,
        out: Out,
        key: HoldKey,
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

    # --- provider health and data lag ---------------------------------------------------------

    def _health(self, out: Out, h: ProviderHealth, now: int) -> None:
        producer = (h.tenant_id, h.provider_id, h.producer)
        if h.state in ("DOWN", "LAGGING"):
            values = {"event_time_ms": h.event_time_ms}
            if h.state == "LAGGING":
                self._lagging_since[producer] = h.event_time_ms
            self._producer_down(out, producer, h.state, now, values)
        elif h.state == "ALIVE":
            last = max(self._last_alive.get(producer, h.event_time_ms), h.event_time_ms)
            self._last_alive[producer] = last
            deadline = last + self.config.alive_timeout_ms
            self._alive_deadlines[producer] = deadline
            if h.subscribed is False:
                values = {"event_time_ms": h.event_time_ms}
                self._producer_down(out, producer, "UNSUBSCRIBED", now, values)
            elif deadline > now:
                self._producer_up(out, *producer, now)

    def _producer_down(
        self, out: Out, who: tuple[str, str, str], state: str, at: int, values: Figures
    ) -> None:
        tenant, provider, producer = who
        self._down.setdefault((tenant, provider), {})[producer] = state
        reason = f"{provider} producer {producer} {state}"
        for event in self._seen.get((tenant, provider), {}):
            key: HoldKey = ("PROVIDER_DOWN", tenant, event, None)
            self._hold(out, key, f"{provider}/{producer}", at, reason, values)

    def _producer_up(self, out: Out, tenant: str, provider: str, producer: str, at: int) -> None:
        down = self._down.get((tenant, provider), {})
        if down.pop(producer, None) is None:
            return
        if not down:
            del self._down[(tenant, provider)]
        reason = f"{provider} producer {producer} ALIVE"
        values = {"last_alive_ms": self._last_alive.get((tenant, provider, producer), 0)}
        cause = f"{provider}/{producer}"
        self._release_all(out, "PROVIDER_DOWN", tenant, cause, at, reason, values)

    def _data_lag(self, out: Out, e: NormalizedEvent, now: int) -> None:
        tenant, provider = e.tenant_id, e.provider_id
        lag = e.received_time_ms - e.event_time_ms
        limit = self.config.data_lag_ms
        values = {"lag_ms": lag, "threshold_ms": limit}
        if (tenant, provider) not in self._lagging:
            if lag > limit:
                self._lagging[(tenant, provider)] = lag
                reason = f"{provider} data {lag} ms behind (> {limit})"
                for event in self._seen.get((tenant, provider), {}):
                    key: HoldKey = ("DATA_LAG", tenant, event, None)
                    self._hold(out, key, provider, now, reason, values)
        elif lag * 2 < limit:
            del self._lagging[(tenant, provider)]
            reason = f"{provider} data {lag} ms behind (< {limit} / 2)"
            self._release_all(out, "DATA_LAG", tenant, provider, now, reason, values)

    def _caught_up(self, out: Out, e: NormalizedEvent, now: int) -> None:
        """A lagging stream (Betfair ``status: 503``) has caught up once a message published
        after the LAGGING arrives: its producers are up again."""
        for who, since in list(self._lagging_since.items()):
            if who[:2] == (e.tenant_id, e.provider_id) and e.event_time_ms > since:
                del self._lagging_since[who]
                if self._down.get(who[:2], {}).get(who[2]) == "LAGGING":
                    self._producer_up(out, *who, now)

    def _see(self, out: Out, tenant: str, provider: str, event: str, now: int) -> None:
        """Track ``event`` as the provider's; hold it at once if the provider is down or late."""
        seen = self._seen.setdefault((tenant, provider), {})
        if event in seen:
            return
        seen[event] = None
        for producer, state in self._down.get((tenant, provider), {}).items():
            reason = f"{provider} producer {producer} {state}"
            key: HoldKey = ("PROVIDER_DOWN", tenant, event, None)
            self._hold(out, key, f"{provider}/{producer}", now, reason, {})
        lag = self._lagging.get((tenant, provider))
        if lag is not None:
            values = {"lag_ms": lag, "threshold_ms": self.config.data_lag_ms}
            reason = f"{provider} data {lag} ms behind (> {self.config.data_lag_ms})"
            self._hold(out, ("DATA_LAG", tenant, event, None), provider, now, reason, values)

    # --- feed messages ------------------------------------------------------------------------

    def _feed(
        self,
        out: Out,
        e: LineOddsChanged | OddsChanged | MarketStatusChanged | BettingStopped,
        now: int,
    ) -> None:
        tenant, provider = e.tenant_id, e.provider_id
        event = e.event_id
        if event is None:  # Betfair: no event id, the market stands for it
            assert isinstance(e, OddsChanged | MarketStatusChanged)
            event = e.market_id
        self._data_lag(out, e, now)  # before _see: a clearing lag never flaps
        self._caught_up(out, e, now)
        self._see(out, tenant, provider, event, now)
        match e:
            case BettingStopped():
                reason = f"bet_stop groups={e.groups} status={e.status}"
                key: HoldKey = ("PROVIDER_BET_STOP", tenant, event, None)
                self._hold(out, key, "bet_stop", now, reason, {"event_time_ms": e.event_time_ms})
            case LineOddsChanged():
                if e.status == "OPEN":
                    key = ("PROVIDER_BET_STOP", tenant, event, None)
                    reason = f"line {e.line_id} OPEN"
                    values = {"event_time_ms": e.event_time_ms}
                    self._release(out, key, "bet_stop", now, reason, values)
                for o in e.outcomes:
                    if o.active:
                        self._sample(out, tenant, event, e.line_id, o.outcome_id, o.odds, e, now)
            case OddsChanged():
                odds = e.best_back_odds
                self._sample(out, tenant, event, e.market_id, e.selection_id, odds, e, now)
            case _:
                pass

    def _lifecycle(self, out: Out, e: EventChanged, now: int) -> None:
        key: HoldKey = ("PROVIDER_BET_STOP", e.tenant_id, e.event_id, None)
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
        key = (tenant, event, line)
        self._velocity_deadlines[key] = max(self._velocity_deadlines.get(key, 0), now + window)
        values = {
            "move_bp": move,
            "max_move_bp": self.config.velocity_max_move_bp,
            "odds": odds,
            "previous_odds": previous,
            "window_ms": window,
        }
        reason = f"selection {selection} odds {previous} -> {odds} ({move} bp) within {window} ms"
        self._hold(out, ("ODDS_VELOCITY", tenant, event, line), "velocity", now, reason, values)
