"""What the suspend rules hold, and the commands a hold's transitions emit.

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
"""

from __future__ import annotations

from typing import NamedTuple

from wagerflow.schemas.control import Action, command_id, scope_of
from wagerflow.schemas.risk import MarketResume, MarketSuspend, RecoveryRequested, SuspendRule

MarketCommand = MarketSuspend | MarketResume
Command = MarketCommand | RecoveryRequested  # a recovery request: ``provider_health``
Out = list[Command]  # where a handler appends the commands it emits
Figures = dict[str, int]  # a command's ``values``


class Hold(NamedTuple):
    """What a rule holds: a line, an event (line None) or a producer's markets (event ``*``)."""

    rule: SuspendRule
    tenant: str
    event: str
    line: str | None = None
    provider: str | None = None
    producer: str | None = None


class Holds:
    """The holds of every rule of one shard, with their causes and command versions: shared by
    the rules (one object, so a pickle of the rules keeps one copy)."""

    def __init__(self) -> None:
        self._causes: dict[Hold, set[str]] = {}  # hold -> causes holding it
        self._versions: dict[Hold, int] = {}

    def holds(self, key: Hold, cause: str) -> bool:
        """Whether ``cause`` holds ``key`` now."""
        return cause in self._causes.get(key, ())

    def held(self) -> dict[Hold, frozenset[str]]:
        """The markets held now, with the causes holding each."""
        return {key: frozenset(causes) for key, causes in self._causes.items()}

    def hold(self, out: Out, key: Hold, cause: str, at: int, why: str, values: Figures) -> None:
        """Add ``cause`` to ``key``; the first cause emits a ``MarketSuspend``."""
        causes = self._causes.setdefault(key, set())
        if cause in causes:
            return
        causes.add(cause)
        if len(causes) == 1:
            out.append(self._command(MarketSuspend, key, at, why, values))

    def release(self, out: Out, key: Hold, cause: str, at: int, why: str, values: Figures) -> None:
        """Remove ``cause`` from ``key``; the last cause emits a ``MarketResume``."""
        causes = self._causes.get(key)
        if causes is None or cause not in causes:
            return
        causes.discard(cause)
        if not causes:
            del self._causes[key]
            out.append(self._command(MarketResume, key, at, why, values))

    def _command(
        self, kind: type[MarketCommand], key: Hold, at: int, why: str, values: Figures
    ) -> MarketCommand:
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
