"""Live tables (MONEY.md §4.3): ``round.liability`` alerts and ``table.suspend`` / ``table.resume``.

``RoundLiabilityRule`` (a round's entity): a ``RoundExposure`` whose ``worst_case`` (the round
book's worst outcome liability, read from the record, never recomputed) is >= its round
threshold emits one ``RoundLiability``; it re-arms once the figure falls below the threshold
less hysteresis (``SuspendConfig.resume_below``). The threshold is the round's table's
(``table:<id>``) else its currency's (``thresholds.Thresholds.round``); the table is the
record's ``table_id``, else the one the round's bets or lifecycle named. A record older (lower
``version``) than one applied is ignored. Command id
``ROUND_LIABILITY:{tenant}:{provider}/{round}:{currency}:{now_ms}``.

``TableHealthRule`` (a provider's entity, which sees the provider's health and a copy of its live
round traffic: bets, round lifecycle, results, settles): the tables of a provider are those its
traffic named (``BetPlaced.table_id``, ``RoundChanged`` / ``RoundResult.table_id``). The
provider goes *down* on a ``ProviderHealth`` ERROR or DOWN (``PROVIDER_ERROR``, at its event
time) or when its traffic stops for ``live_silence_ms`` of event time (``PROVIDER_SILENT``, at
the deadline ``newest traffic + live_silence_ms``): each of its tables gets a ``TableSuspend``;
a table first named while the provider is down is suspended when it is named. Hysteresis: the
provider recovers with traffic newer than its last error or silence; its tables resume
(``TableResume``) ``table_recovery_ms`` after the first such message, unless another error or a
silence comes first. The bridge does not say which studio (``producer``) runs a table, so an
error of any producer holds every table of the provider. Timers fire on the provider's next
input or on ``on_time``, at their deadlines (silence before resume at the same instant). Command
id ``TABLE:{tenant}:{provider}/{table}:{suspend|resume}:{trigger_ms}``; ``version`` counts the
table's commands. Tables are emitted in id order.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.thresholds import Thresholds
from wagerflow.schemas.events import (
    BetPlaced,
    NormalizedEvent,
    ProviderHealth,
    RoundChanged,
    RoundResult,
)
from wagerflow.schemas.risk import (
    RoundExposure,
    RoundLiability,
    TableResume,
    TableRule,
    TableSuspend,
)

TableRecord = RoundLiability | TableSuspend | TableResume
TableOut = list[TableRecord]
Who = tuple[str, str]  # tenant, provider
SILENT, RESUME = 0, 1  # timer kinds, in the order they fire at one instant


def table_of(event: NormalizedEvent) -> str | None:
    """The live table an event names, if any."""
    if isinstance(event, BetPlaced | RoundChanged | RoundResult):
        return event.table_id
    return None


class RoundLiabilityRule:
    """One ``round.liability`` per crossing of a round's threshold."""

    def __init__(self, config: SuspendConfig) -> None:
        self.config = config
        self._tables: dict[tuple[str, str], str] = {}  # tenant, round -> table (any provider)
        self._versions: dict[tuple[str, ...], int] = {}
        self._alerted: set[tuple[str, ...]] = set()
        self._commands: dict[tuple[str, ...], int] = {}

    def learn(self, event: NormalizedEvent) -> None:
        table, round_id = table_of(event), getattr(event, "round_id", None)
        if table is not None and isinstance(round_id, str):
            self._tables[event.tenant_id, round_id] = table

    def table(self, tenant: str, round_id: str) -> str | None:
        return self._tables.get((tenant, round_id))

    def round_exposure(self, out: TableOut, x: RoundExposure, now: int, limits: Thresholds) -> None:
        key = (x.tenant_id, x.provider_id, x.round_id, x.currency)
        if x.version < self._versions.get(key, x.version):
            return
        self._versions[key] = x.version
        table = x.table_id or self._tables.get((x.tenant_id, x.round_id))
        hit = limits.round(x.currency, table)
        if hit is None:
            return
        threshold, scope = hit
        if key in self._alerted:
            if x.worst_case < self.config.resume_below(threshold):
                self._alerted.discard(key)
            return
        if x.worst_case < threshold:
            return
        self._alerted.add(key)
        version = self._commands[key] = self._commands.get(key, 0) + 1
        worst = [o.outcome for o in x.outcomes if o.liability == x.worst_case]
        out.append(
            RoundLiability(
                tenant_id=x.tenant_id,
                version=version,
                as_of_ms=now,
                command_id=(
                    f"ROUND_LIABILITY:{x.tenant_id}:{x.provider_id}/{x.round_id}:{x.currency}:{now}"
                ),
                provider_id=x.provider_id,
                round_id=x.round_id,
                table_id=table,
                currency=x.currency,
                outcome=worst[0] if worst else "",
                liability=x.worst_case,
                threshold=threshold,
                scope=scope,
            )
        )


class _Provider:
    def __init__(self) -> None:
        self.tables: dict[str, None] = {}
        self.newest = 0  # event time of the newest traffic
        self.silent_at: int | None = None
        self.resume_at: int | None = None
        self.down: TableRule | None = None
        self.down_at = 0


class TableHealthRule:
    """Holds a live provider's tables while it is in error or silent."""

    def __init__(self, config: SuspendConfig) -> None:
        self.config = config
        self._providers: dict[Who, _Provider] = {}
        self._versions: dict[tuple[str, str, str], int] = {}

    def traffic(self, out: TableOut, event: NormalizedEvent, now: int) -> None:
        """One message of the provider's live traffic."""
        who = (event.tenant_id, event.provider_id)
        self.fire_timers(out, who, now)
        p = self._providers.setdefault(who, _Provider())
        table, at = table_of(event), event.event_time_ms
        if table is not None and table not in p.tables:
            p.tables[table] = None
            if p.down is not None:
                self._command(out, TableSuspend, who, [table], p.down, at, {"down_at_ms": at})
        if not p.tables:
            return
        p.newest = max(p.newest, at)
        p.silent_at = p.newest + self.config.live_silence_ms
        if p.down is not None and at > p.down_at and p.resume_at is None:
            p.resume_at = at + self.config.table_recovery_ms

    def health(self, out: TableOut, h: ProviderHealth, now: int) -> None:
        who = (h.tenant_id, h.provider_id)
        self.fire_timers(out, who, now)
        if h.state in ("ERROR", "DOWN"):
            self._providers.setdefault(who, _Provider())
            self._go_down(out, who, "PROVIDER_ERROR", h.event_time_ms)

    def due(self, now: int) -> list[tuple[int, int, Who]]:
        due = []
        for who, p in self._providers.items():
            due += [(at, kind, who) for at, kind in self._timers(p) if at <= now]
        return due

    def deadlines(self) -> list[int]:
        return [at for p in self._providers.values() for at, _ in self._timers(p)]

    def fire_timers(self, out: TableOut, who: Who, now: int) -> None:
        p = self._providers.get(who)
        if p is None:
            return
        for at, kind in sorted(self._timers(p)):
            if at > now:
                break
            if kind == SILENT:
                p.silent_at = None
                self._go_down(out, who, "PROVIDER_SILENT", at)
            elif p.resume_at == at and p.down is not None:
                p.resume_at = None
                rule, p.down = p.down, None
                self._command(out, TableResume, who, sorted(p.tables), rule, at, {"since_ms": at})

    @staticmethod
    def _timers(p: _Provider) -> list[tuple[int, int]]:
        timers = [(p.silent_at, SILENT), (p.resume_at, RESUME)]
        return [(at, kind) for at, kind in timers if at is not None]

    def _go_down(self, out: TableOut, who: Who, rule: TableRule, at: int) -> None:
        p = self._providers[who]
        p.resume_at = None
        p.down_at = max(p.down_at, at)
        if p.down is None:
            p.down = rule
            values = {"down_at_ms": at, "newest_traffic_ms": p.newest}
            self._command(out, TableSuspend, who, sorted(p.tables), rule, at, values)

    def _command(
        self,
        out: TableOut,
        kind: type[TableSuspend | TableResume],
        who: Who,
        tables: list[str],
        rule: TableRule,
        at: int,
        values: dict[str, int],
    ) -> None:
        tenant, provider = who
        action = "suspend" if kind is TableSuspend else "resume"
        for table in tables:
            version = self._versions.get((tenant, provider, table), 0) + 1
            self._versions[tenant, provider, table] = version
            out.append(
                kind(
                    tenant_id=tenant,
                    version=version,
                    as_of_ms=at,
                    command_id=f"TABLE:{tenant}:{provider}/{table}:{action}:{at}",
                    provider_id=provider,
                    table_id=table,
                    rule=rule,
                    reason=f"{provider} {rule.removeprefix('PROVIDER_').lower()}"
                    if kind is TableSuspend
                    else f"{provider} recovered",
                    values=dict(values),
                )
            )


class TableRules:
    """The live-table rules of one entity (a round's, or a provider's): plain picklable state."""

    def __init__(self, config: SuspendConfig) -> None:
        self._rounds = RoundLiabilityRule(config)
        self._health = TableHealthRule(config)

    def apply(
        self, item: NormalizedEvent | RoundExposure, now_ms: int, thresholds: Thresholds
    ) -> TableOut:
        """An input of the entity (home): a round's event or exposure, a provider's health."""
        out: TableOut = []
        if isinstance(item, RoundExposure):
            self._rounds.round_exposure(out, item, now_ms, thresholds)
        elif isinstance(item, ProviderHealth):
            self._health.health(out, item, now_ms)
        else:
            self._rounds.learn(item)
        return out

    def round_table(self, tenant: str, round_id: str) -> str | None:
        """The table a round's bets or lifecycle named (any provider), if any."""
        return self._rounds.table(tenant, round_id)

    def live_traffic(self, event: NormalizedEvent, now_ms: int) -> TableOut:
        """A copy of a live provider's round traffic, at the provider's entity."""
        out: TableOut = []
        self._health.traffic(out, event, now_ms)
        return out

    def on_time(self, now_ms: int) -> TableOut:
        """Fire every timer due at ``now_ms``, in deadline order."""
        out: TableOut = []
        for at, _, who in sorted(self._health.due(now_ms)):
            self._health.fire_timers(out, who, at)
        return out

    def next_deadline(self) -> int | None:
        return min(self._health.deadlines(), default=None)
