"""Provider down: ``PROVIDER_DOWN`` from producer health, per producer (MONEY.md §3.3).

A command holds every market of one producer of one provider (``event_id`` ``*``, ``producer``
set); the normalized messages name their producer, so one producer's outage leaves the others'
markets open.

Outage (go-uof-sdk ``pipe/recovery.go``; Sportradar UOF recovery). A producer goes down on a
``ProviderHealth`` DOWN (UOF ``product_down``), on an ALIVE with ``subscribed`` False, or when it
has sent an ALIVE and sends none for ``alive_timeout_ms`` of event time (SILENT; deadline: its
newest ALIVE's ``event_time_ms + alive_timeout_ms``). The first of these holds its markets and
emits one ``RecoveryRequested`` with the timestamp of its last ALIVE with ``subscribed`` True
(None if none). It *returns* on a fresh ALIVE (``event_time_ms + alive_timeout_ms > now_ms``, a
stale one keeps it down) with ``subscribed`` not False; its markets resume only on the first
SNAPSHOT_COMPLETE after that return (the recovery answered), not on the ALIVE. A down signal
before the snapshot (even after a return) stays in the same outage: no second request, and the
producer must return again. A SNAPSHOT_COMPLETE before the return, or outside an outage, changes
nothing.

LAGGING (Betfair ``status: 503``; no ALIVE follows on that stream) is not an outage: it holds the
producer and is released ``lagging_hold_ms`` of flow time after the last LAGGING. ERROR changes
nothing.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.holds import Figures, Hold, Holds, Out
from wagerflow.schemas.events import ProviderHealth
from wagerflow.schemas.risk import RecoveryRequested

Producer = tuple[str, str, str]  # tenant, provider, producer
SILENT, LAGGING = 0, 1  # the kinds of a producer's timers, in the order they fire at one time
_DOWN_SIGNALS = ("DOWN", "UNSUBSCRIBED", "SILENT")
_RECOVERING = "RECOVERING"  # the cause that holds an outage from its start to its snapshot


class ProviderHealthRule:
    """Holds a producer's markets while it is down or recovering, or lagging."""

    def __init__(self, config: SuspendConfig, holds: Holds) -> None:
        self.config = config
        self.holds = holds
        self._newest_alive: dict[Producer, int] = {}  # of any ALIVE: the silence deadline
        self._last_subscribed: dict[Producer, int] = {}  # of an ALIVE subscribed: recover after
        self._alive_deadlines: dict[Producer, int] = {}
        self._lagging_deadlines: dict[Producer, int] = {}
        self._requests: dict[Producer, int] = {}  # recovery requests emitted, per producer

    def apply(self, out: Out, h: ProviderHealth, now: int) -> None:
        who = (h.tenant_id, h.provider_id, h.producer)
        self.fire_timers(out, who, now)
        values = {"event_time_ms": h.event_time_ms}
        if h.state == "DOWN":
            self._down(out, who, "DOWN", now, values)
        elif h.state == "LAGGING":
            self._lagging_deadlines[who] = now + self.config.lagging_hold_ms
            self._hold(out, who, "LAGGING", now, values)
        elif h.state == "ALIVE":
            self._alive(out, who, h, now, values)
        elif h.state == "SNAPSHOT_COMPLETE" and self._returned(who):
            reason = f"snapshot_complete {h.request_id} after the return"
            self._release(out, who, _RECOVERING, now, reason)

    def _alive(self, out: Out, who: Producer, h: ProviderHealth, now: int, values: Figures) -> None:
        at = h.event_time_ms
        newest = max(self._newest_alive.get(who, at), at)
        self._newest_alive[who] = newest
        self._alive_deadlines[who] = newest + self.config.alive_timeout_ms
        if h.subscribed is False:
            self._down(out, who, "UNSUBSCRIBED", now, values)
            return
        self._last_subscribed[who] = max(self._last_subscribed.get(who, at), at)
        if at + self.config.alive_timeout_ms > now:
            for cause in _DOWN_SIGNALS:
                self._release(out, who, cause, now, f"ALIVE at {at}")

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
                values = {"last_alive_ms": self._newest_alive[who]}
                values["timeout_ms"] = self.config.alive_timeout_ms
                self._down(out, who, "SILENT", at, values)
            else:
                del self._lagging_deadlines[who]
                reason = f"no LAGGING for {self.config.lagging_hold_ms} ms"
                self._release(out, who, "LAGGING", at, reason)

    def _returned(self, who: Producer) -> bool:
        """In an outage and back: recovering, with no down signal holding it."""
        key = _key(who)
        recovering = self.holds.holds(key, _RECOVERING)
        return recovering and not any(self.holds.holds(key, c) for c in _DOWN_SIGNALS)

    def _down(self, out: Out, who: Producer, signal: str, at: int, values: Figures) -> None:
        """A down signal: hold; the first of an outage also asks for a recovery."""
        self._hold(out, who, signal, at, values)
        if self.holds.holds(_key(who), _RECOVERING):
            return
        self._hold(out, who, _RECOVERING, at, values)
        tenant, provider, producer = who
        version = self._requests.get(who, 0) + 1
        self._requests[who] = version
        out.append(
            RecoveryRequested(
                tenant_id=tenant,
                version=version,
                as_of_ms=at,
                command_id=f"RECOVERY:{tenant}:{provider}/{producer}:request:{at}",
                provider_id=provider,
                producer=producer,
                last_alive_ms=self._last_subscribed.get(who),
                reason=f"{provider} producer {producer} {signal}",
            )
        )

    def _hold(self, out: Out, who: Producer, cause: str, at: int, values: Figures) -> None:
        _, provider, producer = who
        reason = f"{provider} producer {producer} {cause}"
        self.holds.hold(out, _key(who), cause, at, reason, values)

    def _release(self, out: Out, who: Producer, cause: str, at: int, reason: str) -> None:
        _, provider, producer = who
        values = {"last_alive_ms": self._newest_alive.get(who, 0)}
        why = f"{provider} producer {producer}: {reason}"
        self.holds.release(out, _key(who), cause, at, why, values)


def _key(who: Producer) -> Hold:
    tenant, provider, producer = who
    return Hold("PROVIDER_DOWN", tenant, "*", None, provider, producer)
