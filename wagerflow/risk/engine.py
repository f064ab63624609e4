"""One risk shard: the entities it holds, the limits, thresholds and player directory it owns,
and the indexes that route a bet decision or a line result to every entity holding the bet.

Each event the flow routes here (``wagerflow.risk.routing``) goes to the entities of this shard
it concerns (``wagerflow.risk.entity``). Shard-wide updates change this shard's own copy of the
limits and thresholds. An event that names a sport or competition (``EventChanged``,
``MarketStatusChanged``) teaches its shard's limits the event's sport and competition scopes. A
copy of a live provider's round traffic goes to the provider's entity, which holds its tables
while it is in error or silent. Line results are remembered, so a multiple placed later starts
from its legs' line states.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from typing import Any

from wagerflow.bet_rules import sport_legs
from wagerflow.risk.entity import EntityRisk, RiskOutput
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.routing import (
    LINE_RESULTS,
    LIVE_TRAFFIC,
    PROVIDER_ENTITY,
    SHARD_WIDE,
    LineResult,
    line_of,
    risk_entities,
)
from wagerflow.risk.suspend import (
    SuspendConfig,
    Thresholds,
)
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSettled,
    EventChanged,
    LimitsUpdated,
    MarketStatusChanged,
    NormalizedEvent,
    PlayerUpdated,
    ProviderHealth,
    ThresholdsUpdated,
)
from wagerflow.shard_key import shard_of


def _arrival(event: NormalizedEvent) -> tuple[int, str, int, int]:
    """When and where an event was read: its received time, then its raw coordinate (the order
    of one partition or file), so ties between entities break the same way in every batch."""
    src = event.source
    return event.received_time_ms, src.topic, src.partition, src.offset


def _teaches(event: NormalizedEvent) -> bool:
    """Whether an event names its event's sport or competition (for the limits' scopes)."""
    return isinstance(event, EventChanged | MarketStatusChanged) and (
        event.sport_id is not None or event.competition_id is not None
    )


RETENTION_MS = 72 * 3600 * 1000
"""A risk entity (sport event, round) silent this long, in its provider's time, is forgotten."""
SWEEP_EVERY_MS = 3600 * 1000


class RiskShardState:
    """The risk entities of one shard key, and the limits they share.

    Snapshots are incremental: each entity is pickled on its own and its bytes are kept until
    the entity changes, so an epoch's snapshot re-pickles only the entities its inputs touched
    (the rest are copied as bytes). Entities silent for ``RETENTION_MS`` (by their provider's
    newest received time, since feeds of different providers may run on different clocks, e.g.
    a replayed recording beside live bets) and holding no open bet are forgotten by a sweep every
    ``SWEEP_EVERY_MS``. The shard owns its copy of the limits and of the thresholds (a hot update
    changes only its own; every shard gets the update)."""

    def __init__(
        self,
        limits: LimitBook,
        suspend: SuspendConfig,
        shards: int = 16,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.limits = copy.deepcopy(limits)
        self.thresholds = copy.deepcopy(thresholds) if thresholds else Thresholds(suspend)
        self.shards = shards
        self.config = suspend
        self.entities: dict[str, EntityRisk] = {}
        self._clocks: dict[str, int] = {}  # provider -> newest received time
        self._next_sweep: dict[str, int] = {}
        self._pickled: dict[str, bytes] = {}
        self._dirty: set[str] = set()
        # derived, rebuilt on restore: the entities holding each bet (home first), and those
        # holding a multiple with a leg on each (tenant, event, line)
        self._bet_index: dict[tuple[str, str], list[str]] = {}
        self._leg_index: dict[tuple[str, str | None, str], dict[str, None]] = {}
        # every line result seen, per line (for multiples placed after it), pickled on change
        self._results: dict[tuple[str, str | None, str], list[LineResult]] = {}
        self._results_dirty = False
        self._results_pickled = pickle.dumps({})
        self._deadlines: dict[str, int] = {}  # derived: each entity's next timer

    def __getstate__(self) -> dict[str, object]:
        for key in self._dirty:
            entity = self.entities.get(key)
            if entity is None:
                self._pickled.pop(key, None)
            else:
                self._pickled[key] = pickle.dumps(entity, protocol=pickle.HIGHEST_PROTOCOL)
        self._dirty.clear()
        if self._results_dirty:
            self._results_pickled = pickle.dumps(self._results, protocol=pickle.HIGHEST_PROTOCOL)
            self._results_dirty = False
        return {
            "results": self._results_pickled,
            "limits": self.limits,
            "thresholds": self.thresholds,
            "config": self.config,
            "shards": self.shards,
            "clocks": self._clocks,
            "next_sweep": self._next_sweep,
            "entities": self._pickled,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.limits = state["limits"]
        self.thresholds = state["thresholds"]
        self.config = state["config"]
        self.shards = state["shards"]
        self._results_pickled = state["results"]
        self._results = pickle.loads(self._results_pickled)  # noqa: S301 own snapshot
        self._results_dirty = False
        self._clocks = state["clocks"]
        self._next_sweep = state["next_sweep"]
        self._pickled = dict(state["entities"])
        self.entities = {
            k: pickle.loads(v)  # noqa: S301 own snapshot
            for k, v in self._pickled.items()
        }
        self._dirty = set()
        self._bet_index = {}
        self._leg_index = {}
        for key, entity in sorted(self.entities.items()):
            for bet in entity.bets:
                self._index(bet, key, entity, home=True)
        for key, entity in sorted(self.entities.items()):
            for bet in entity.foreign_bets:
                self._index(bet, key, entity, home=False)
        self._deadlines = {}
        for key, entity in self.entities.items():
            self._track_deadline(key, entity)

    def _track_deadline(self, key: str, entity: EntityRisk) -> None:
        deadline = entity.next_deadline()
        if deadline is None:
            self._deadlines.pop(key, None)
        else:
            self._deadlines[key] = deadline

    def apply(
        self,
        event: NormalizedEvent,
        now_ms: int,
        shard_key: str,
        providers: bool | None = None,
    ) -> list[RiskOutput]:
        """Apply one event that the flow routed to this shard (``shard_key``, as ``risk_keys``
        gave it): to every entity it goes to, or (``providers`` True / False) only to the
        providers' entities / to the others."""
        if isinstance(event, SHARD_WIDE):
            self._apply_shard_wide(event)
            return []
        if providers is not True:
            self._learn(event)
            self._sweep(event)
            if isinstance(event, LINE_RESULTS):
                self._remember_result(event)
        out: list[RiskOutput] = []
        for key, home in self._targets(event, shard_key):
            if providers is not None and key.startswith(PROVIDER_ENTITY) != providers:
                continue
            entity = self.entities.get(key)
            if entity is None:
                entity = self.entities[key] = EntityRisk(self.config, key)
            self._dirty.add(key)
            if isinstance(event, BetPlaced):
                out.extend(self._results_for(event, key, entity, now_ms))
            out.extend(entity.apply(event, now_ms, self.limits, home, self.thresholds))
            if isinstance(event, BetPlaced) and not key.startswith(PROVIDER_ENTITY):
                self._index((event.tenant_id, event.bet_id), key, entity, home)
            self._track_deadline(key, entity)
        return out

    def _remember_result(self, event: LineResult) -> None:
        """Keep every line result this shard sees (all are broadcast), for a multiple that
        arrives later with a leg on that line: its books must start from the line's state."""
        held = self._results.setdefault(line_of(event), [])
        held.append(event)
        self._results_dirty = True

    def _results_for(
        self, bet: BetPlaced, key: str, entity: EntityRisk, now_ms: int
    ) -> list[RiskOutput]:
        """Before a multiple's placement reaches an entity, the results already seen of its
        legs' lines on other events, applied as held results (line results are states)."""
        if len({s.event_id for s in bet.selections if s.event_id is not None}) < 2:
            return []
        own = key.removeprefix("event:")
        out: list[RiskOutput] = []
        for leg in sport_legs(bet):
            if leg.event_id == own:
                continue
            for where in ((bet.tenant_id, leg.event_id, leg.line), (bet.tenant_id, None, leg.line)):
                for result in self._results.get(where, ()):
                    out.extend(entity.apply(result, now_ms, self.limits, False, self.thresholds))
        return out

    def apply_batch(self, batch: Sequence[tuple[str, NormalizedEvent]]) -> list[RiskOutput]:
        """Apply a batch of routed events (``(shard_key, event)``), each at its received time.

        The normalize step keeps each entity's order but not the order between entities within
        one batch, so the batch is applied in arrival order (``_arrival``: received time, then
        raw coordinate; a stable sort, so one message's events keep their order): what reaches
        a risk entity from several raw entities (a bet and its line's result) then meets it in
        the same order whatever the batching. A shard-wide update (limits, thresholds, a player)
        and what an event teaches the limits (its sport and competition) take effect before
        every event of the batch received at or after them; a provider's entity (its health,
        and the copy of its live traffic from many entities) takes the batch's events after the
        others."""
        batch = sorted(batch, key=lambda kv: _arrival(kv[1]))
        learnt = sorted(
            (_arrival(event), i)
            for i, (_, event) in enumerate(batch)
            if isinstance(event, SHARD_WIDE) or _teaches(event)
        )
        out: list[RiskOutput] = []
        for key, event in batch:
            while learnt and learnt[0][0][0] <= event.received_time_ms:
                self._learn(batch[learnt.pop(0)[1]][1])
            if not isinstance(event, SHARD_WIDE):
                out.extend(self.apply(event, event.received_time_ms, key, providers=False))
        for _, i in learnt:
            self._learn(batch[i][1])
        to_providers = sorted(
            (_arrival(event), i)
            for i, (_, event) in enumerate(batch)
            if isinstance(event, (ProviderHealth, *LIVE_TRAFFIC))
        )
        for (at, *_), i in to_providers:
            out.extend(self.apply(batch[i][1], at, batch[i][0], providers=True))
        return out

    def _learn(self, event: NormalizedEvent) -> None:
        if isinstance(event, SHARD_WIDE):
            self._apply_shard_wide(event)
        elif isinstance(event, EventChanged | MarketStatusChanged):
            where = event.event_id or getattr(event, "market_id", None)
            if where is not None:
                self.limits.learn_event(where, event.sport_id, event.competition_id)

    def _apply_shard_wide(self, event: LimitsUpdated | PlayerUpdated | ThresholdsUpdated) -> None:
        if isinstance(event, LimitsUpdated):
            self.limits.apply_update(event)
        elif isinstance(event, PlayerUpdated):
            self.limits.update_player(event)
        else:
            self.thresholds.apply_update(event)

    def _targets(self, event: NormalizedEvent, shard_key: str) -> list[tuple[str, bool]]:
        """The entities of this shard an event goes to, each with whether it is the event's
        home there (see ``EntityRisk.apply``)."""
        if isinstance(event, BetDecided | BetSettled):
            bet = (event.tenant_id, event.bet_id)
            return [(key, bet in self.entities[key].bets) for key in self._bet_index.get(bet, [])]
        entities = risk_entities(event)
        if isinstance(event, LINE_RESULTS):
            targets = [(e, True) for e in entities if shard_of(e, self.shards) == shard_key]
            own = {e for e, _ in targets}
            tenant, event_id, line = line_of(event)
            if event_id is None:
                holders = {
                    k
                    for (t, _, ln), ks in self._leg_index.items()
                    if (t, ln) == (tenant, line)
                    for k in ks
                }
            else:
                holders = set(self._leg_index.get((tenant, event_id, line), {}))
            return targets + [(k, False) for k in sorted(holders) if k not in own]
        return [
            (e, i == 0) for i, e in enumerate(entities) if shard_of(e, self.shards) == shard_key
        ]

    def _index(self, bet: tuple[str, str], key: str, entity: EntityRisk, home: bool) -> None:
        held = self._bet_index.setdefault(bet, [])
        if key not in held:
            held.insert(0 if home else len(held), key)
        lines = entity.sports.lines_of(bet)
        if len(lines) > 1:
            for where in lines:
                self._leg_index.setdefault(where, {})[key] = None

    def _forget(self, key: str, entity: EntityRisk) -> None:
        for bet in [*entity.bets, *entity.foreign_bets]:
            held = self._bet_index.get(bet, [])
            if key in held:
                held.remove(key)
            if not held:
                self._bet_index.pop(bet, None)
            for where in entity.sports.lines_of(bet):
                holders = self._leg_index.get(where, {})
                holders.pop(key, None)
                if not holders:
                    self._leg_index.pop(where, None)

    def _sweep(self, event: NormalizedEvent) -> None:
        provider, at = event.provider_id, event.received_time_ms
        clock = self._clocks[provider] = max(self._clocks.get(provider, at), at)
        if clock < self._next_sweep.setdefault(provider, clock + SWEEP_EVERY_MS):
            return
        self._next_sweep[provider] = clock + SWEEP_EVERY_MS
        cutoff = clock - RETENTION_MS
        for where, results in list(self._results.items()):
            if results[-1].provider_id == provider and results[-1].received_time_ms < cutoff:
                del self._results[where]
                self._results_dirty = True
        for key, entity in list(self.entities.items()):
            if (
                entity.provider == provider
                and entity.last_seen_ms < cutoff
                and not entity.holds_open_bets()
            ):
                del self.entities[key]
                if key.startswith("event:"):
                    self.limits.directory.forget_event(key.removeprefix("event:"))
                self._dirty.add(key)
                self._deadlines.pop(key, None)
                self._forget(key, entity)

    def placed_at(self, tenant: str, bet_id: str) -> int | None:
        """When a bet held by this shard was placed (event time), for time-to-settle."""
        held = self._bet_index.get((tenant, bet_id))
        return None if not held else self.entities[held[0]].bets.get((tenant, bet_id))

    def on_time(self, now_ms: int) -> list[RiskOutput]:
        """Fire the timers due at ``now_ms`` (the wall clock, or the end of the input)."""
        out: list[RiskOutput] = []
        for key in sorted(k for k, at in self._deadlines.items() if at <= now_ms):
            entity = self.entities[key]
            out.extend(entity.on_time(now_ms))
            self._dirty.add(key)
            self._track_deadline(key, entity)
        return out

    def next_deadline(self) -> int | None:
        return min(self._deadlines.values(), default=None)
