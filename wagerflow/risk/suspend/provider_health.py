"""Provider down: ``PROVIDER_DOWN`` from producer health, per producer, provider-wide.

A ``ProviderHealth`` DOWN, LAGGING, or an ALIVE with ``subscribed`` False holds every market of
the producer. A fresh ALIVE (``event_time_ms + alive_timeout_ms > now_ms``) with ``subscribed``
not False releases DOWN, UNSUBSCRIBED and SILENT. A producer that has sent an ALIVE and sends
none for ``alive_timeout_ms`` of event time (deadline: its newest ALIVE's ``event_time_ms +
alive_timeout_ms``) is SILENT, so a stale ALIVE (delivered later than the timeout) keeps it
down. A LAGGING (Betfair ``status: 503``; no ALIVE follows on that stream) is self-clearing:
released ``lagging_hold_ms`` of flow time after the last LAGGING. SNAPSHOT_COMPLETE and ERROR
change nothing. The feeds do not name the producer of each market, so a producer's command
covers all of the provider's markets.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.holds import Figures, Hold, Holds, Out
from wagerflow.schemas.events import ProviderHealth

Producer = tuple[str, str, str]  # tenant, provider, producer
SILENT, LAGGING = 0, 1  # the kinds of a producer's timers, in the order they fire at one time


class ProviderHealthRule:
    """Holds a producer's markets while its health says it is down, silent or lagging."""

    def __init__(self, config: SuspendConfig, holds: Holds) -> None:
        self.config = config
        self.holds = holds
        self._last_alive: dict[Producer, int] = {}
        self._alive_deadlines: dict[Producer, int] = {}
        self._lagging_deadlines: dict[Producer, int] = {}

    def apply(self, out: Out, h: ProviderHealth, now: int) -> None:
        who = (h.tenant_id, h.provider_id, h.producer)
        self.fire_timers(out, who, now)
        values = {"event_time_ms": h.event_time_ms}
        if h.state == "DOWN":
            self._down(out, who, "DOWN", now, values)
        elif h.state == "LAGGING":
            self._lagging_deadlines[who] = now + self.config.lagging_hold_ms
            self._down(out, who, "LAGGING", now, values)
        elif h.state == "ALIVE":
            last = max(self._last_alive.get(who, h.event_time_ms), h.event_time_ms)
            self._last_alive[who] = last
            deadline = last + self.config.alive_timeout_ms
            self._alive_deadlines[who] = deadline
            if h.subscribed is False:
                self._down(out, who, "UNSUBSCRIBED", now, values)
            elif deadline > now:
                for cause in ("DOWN", "UNSUBSCRIBED", "SILENT"):
                    self._up(out, who, cause, now, f"ALIVE at {h.event_time_ms}")

    def due(self, now: int) -> list[tuple[int, int, Producer]]:
        """``(deadline, kind, producer)`` of every timer due at ``now``."""
        due = [(at, SILENT, who) for who, at in self._alive_deadlines.items() if at <= now]
        due += [(at, LAGGING, who) for who, at in self._lagging_deadlines.items() if at <= now]
        return due

    def deadlines(self) -> list[int]:
        return [*self._alive_deadlines.values(), *self._lagging_deadlines.values()]

    def fire_timers(self, out: Out, who: Producer, now: int) -> None:
        """Fire the producer's timers due at ``now``, in deadline order."""
        silent = self._alive_deadlines.get(who)
        lagging = self._lagging_deadlines.get(who)
        timers = ((silent, SILENT), (lagging, LAGGING))
        for at, kind in sorted((at, k) for at, k in timers if at is not None):
            if at > now:
                continue
            if kind == SILENT:
                del self._alive_deadlines[who]
                values = {"last_alive_ms": self._last_alive[who]}
                values["timeout_ms"] = self.config.alive_timeout_ms
                self._down(out, who, "SILENT", at, values)
            else:
                del self._lagging_deadlines[who]
                reason = f"no LAGGING for {self.config.lagging_hold_ms} ms"
                self._up(out, who, "LAGGING", at, reason)

    def _down(self, out: Out, who: Producer, state: str, at: int, values: Figures) -> None:
        tenant, provider, producer = who
        reason = f"{provider} producer {producer} {state}"
        key = Hold("PROVIDER_DOWN", tenant, "*", None, provider, producer)
        self.holds.hold(out, key, state, at, reason, values)

    def _up(self, out: Out, who: Producer, state: str, at: int, reason: str) -> None:
        tenant, provider, producer = who
        values = {"last_alive_ms": self._last_alive.get(who, 0)}
        key = Hold("PROVIDER_DOWN", tenant, "*", None, provider, producer)
        self.holds.release(out, key, state, at, f"{provider} producer {producer}: {reason}", values)
