"""One risk shard: the exposure books, the limits and the suspend rules, applied in order.

For each normalized event, in this order:

1. the sports book and the round book update the exposures it changes;
2. a sports bet is checked against its limits with the exposures it produced;
3. the suspend rules see the event and the new exposures, and may emit commands.

Events every shard must see (limit, threshold and player directory updates; bet decisions and
per-bet settlements, which name only the bet; line results, which a multiple with a leg on that
line needs wherever it is held) are broadcast by the flow; each shard applies them to its own
copy of the limits and thresholds, or to the entities it holds that they concern. An event that
names a sport or competition (``EventChanged``, ``MarketStatusChanged``) teaches its shard's
limits the event's sport and competition scopes. A live bet is checked against its limits (max
stake and payout) at its round's entity, and a copy of a live provider's round traffic goes to
the provider's entity, which holds its tables while it is in error or silent.
A multiple goes to the entity of every event it touches (MONEY.md §1.5): each shows the legs on
its own event, and only its *home* entity (its first leg's event) settles it and checks its
limits. Provider health goes to one shard per provider (its commands are provider-wide).
``now_ms`` is the event's received time (or, on a timer, the wall clock or the end of the
input): no rule reads a clock.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from typing import Any

from wagerflow.bet_rules import sport_legs
from wagerflow.risk.limits import LimitBook, LimitsError, LimitUpdate, validate_update
from wagerflow.risk.rounds import RoundBook
from wagerflow.risk.sports import SportsBook
from wagerflow.risk.suspend import (
    SuspendConfig,
    SuspendRules,
    TableRules,
    Thresholds,
    ThresholdsError,
)
from wagerflow.risk.suspend.thresholds import ThresholdUpdate, validate_thresholds
from wagerflow.schemas.dlq import DlqEntry, Reason
from wagerflow.schemas.events import (
    EVENT_ENCODER,
    BetDecided,
    BetPlaced,
    BetSettled,
    CancelRolledBack,
    EventChanged,
    EventResult,
    LimitsUpdated,
    LineCancelled,
    LineSettled,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    PlayerUpdated,
    ProviderHealth,
    RoundChanged,
    RoundResult,
    RoundSettled,
    RunnerRemoved,
    SettlementRolledBack,
    ThresholdsUpdated,
    WalletTransaction,
)
from wagerflow.schemas.risk import EventExposure, LineExposure, RiskRecord
from wagerflow.schemas.settlement import BetSettlement, RoundSummary, Settlement
from wagerflow.settle.casino.settlement import CasinoSettlement
from wagerflow.settle.publish import RoundTotals, settlement_messages
from wagerflow.settle.sports.settlement import SportsSettlement
from wagerflow.shard_key import shard_of

LINE_RESULTS = (
    RunnerRemoved,
    LineSettled,
    EventResult,
    MarketSettled,
    SettlementRolledBack,
    LineCancelled,
    CancelRolledBack,
)
SHARD_WIDE = (LimitsUpdated, PlayerUpdated, ThresholdsUpdated)
"""Applied to the shard's own limits and thresholds, not to an entity."""
BROADCAST = (*SHARD_WIDE, BetDecided, BetSettled, *LINE_RESULTS)
"""Sent to every shard: limits, thresholds and players concern all markets; a bet decision or
a per-bet settlement names only the bet, and the shards holding it are the ones that act; a line
result concerns its event's entity and every entity holding a multiple with a leg on that
line."""
LineResult = (
    RunnerRemoved
    | LineSettled
    | EventResult
    | MarketSettled
    | SettlementRolledBack
    | LineCancelled
    | CancelRolledBack
)


def risk_entity(event: NormalizedEvent) -> str | None:
    """What a risk shard is keyed by: the sport event (all its lines and bets), the live round,
    a Betfair market, or the provider (its health); None for events the risk layer does not
    use."""
    if isinstance(event, ProviderHealth):
        return f"provider:{event.provider_id}"
    if isinstance(event, WalletTransaction) and event.round_id is None:
        return f"wallet:{event.provider_id}:{event.reference_id or event.transaction_id}"
    if isinstance(event, BetPlaced):
        if event.round_id is not None:
            return f"round:{event.round_id}"
        leg = event.selections[0] if event.selections else None
        if leg is None or leg.event_id is None:
            return None
        return f"event:{leg.event_id}"
    round_id = getattr(event, "round_id", None)
    if isinstance(round_id, str):
        return f"round:{round_id}"
    event_id = getattr(event, "event_id", None)
    if isinstance(event_id, str):
        return f"event:{event_id}"
    market_id = getattr(event, "market_id", None)
    if isinstance(market_id, str):
        return f"event:{market_id}"
    bet_id = getattr(event, "bet_id", None)
    if isinstance(bet_id, str):
        return f"bet:{bet_id}"
    return None


LIVE_TRAFFIC = (BetPlaced, RoundChanged, RoundResult, RoundSettled)
"""A live provider's round traffic: its bets (with a round), round lifecycle and results."""
PROVIDER_ENTITY = "provider:"


def risk_entities(event: NormalizedEvent) -> list[str]:
    """Every entity an event goes to, its home (``risk_entity``) first: a sports multiple goes
    to the entity of each event it has a leg on; a live provider's round traffic also to the
    provider's entity (its tables' health)."""
    home = risk_entity(event)
    if home is None:
        return []
    if isinstance(event, BetPlaced) and event.round_id is None:
        events = {f"event:{s.event_id}": None for s in event.selections if s.event_id is not None}
        return [home, *(e for e in events if e != home)]
    if isinstance(event, LIVE_TRAFFIC) and home.startswith("round:"):
        return [home, f"{PROVIDER_ENTITY}{event.provider_id}"]
    return [home]


def _line_of(event: LineResult) -> tuple[str, str | None, str]:
    if isinstance(event, EventResult | MarketSettled | RunnerRemoved):
        return event.tenant_id, event.event_id, event.market_id
    return event.tenant_id, event.event_id, event.line_id


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


def invalid_limits_update(event: NormalizedEvent) -> DlqEntry | None:
    """A limit or threshold update the shard would refuse, as a DLQ entry (checked once, before
    it is broadcast to every shard); None for anything else."""
    try:
        if isinstance(event, LimitsUpdated):
            validate_update(LimitUpdate.from_event(event))
        elif isinstance(event, ThresholdsUpdated):
            validate_thresholds(ThresholdUpdate.from_event(event))
    except (LimitsError, ThresholdsError) as exc:
        tag = event.__struct_config__.tag
        return DlqEntry(
            reason=Reason.INVALID_VALUE,
            detail=f"{tag} refused: {exc}",
            provider_id=event.provider_id,
            tenant_id=event.tenant_id,
            source=event.source,
            raw=EVENT_ENCODER.encode(event),
        )
    return None


def risk_keys(event: NormalizedEvent, shards: int) -> list[str]:
    """The shard keys an event goes to: every shard for broadcast events, else its entity's."""
    if isinstance(event, BROADCAST):
        return [str(n) for n in range(shards)]
    keys = {shard_of(entity, shards): None for entity in risk_entities(event)}
    return list(keys)


RETENTION_MS = 72 * 3600 * 1000
"""A risk entity (sport event, round) silent this long, in its provider's time, is forgotten."""
SWEEP_EVERY_MS = 3600 * 1000


RiskOutput = RiskRecord | BetSettlement | RoundSummary | Settlement
"""What a risk entity emits: exposures, commands and breaches; bet settlements, round summaries
and the ``round.settle`` messages."""


class EntityRisk:
    """The books and rules of one risk entity (``risk_entity``): a sport event with its lines
    and bets, a live round, an exchange market, or a provider's health. A settlement releases
    exposure in the exposure books and pays in the settlement books, from the same input."""

    def __init__(self, suspend: SuspendConfig, key: str = "") -> None:
        self.key = key
        self.sports = SportsBook(key.removeprefix("event:") if key.startswith("event:") else None)
        self.rounds = RoundBook()
        self.suspend = SuspendRules(suspend)
        self.tables = TableRules(suspend)
        self.sports_settlement = SportsSettlement()
        self.casino_settlement = CasinoSettlement()
        self.round_totals = RoundTotals()
        self.bets: dict[tuple[str, str], int] = {}  # (tenant, bet_id) at home -> event time
        self.foreign_bets: dict[tuple[str, str], None] = {}  # multiples at home elsewhere
        self.provider = ""
        self.last_seen_ms = 0

    def holds_open_bets(self) -> bool:
        """Whether a bet still counts here: such an entity is never forgotten (MONEY.md §5)."""
        return self.sports.has_open_bets() or len(self.rounds) > 0

    def apply(
        self,
        event: NormalizedEvent,
        now_ms: int,
        limits: LimitBook,
        home: bool = True,
        thresholds: Thresholds | None = None,
    ) -> list[RiskOutput]:
        """Apply one event. ``home`` False: the event concerns this entity only through a
        multiple it holds (a leg's line result on another event, the multiple's placement or
        decision when its home is elsewhere): the exposure book sees it, and the settlement sees
        line results (it settles the multiples at home here); limits and the suspend rules see
        only the exposures it changes. At a provider's entity, ``home`` False is a copy of the
        provider's live traffic (its tables' health)."""
        if not home and self.key.startswith(PROVIDER_ENTITY):
            self.provider, self.last_seen_ms = event.provider_id, event.received_time_ms
            return list(self.tables.live_traffic(event, now_ms))
        if not home:
            if isinstance(event, BetPlaced):
                self.foreign_bets[event.tenant_id, event.bet_id] = None
            foreign: list[RiskOutput] = []
            if isinstance(event, LINE_RESULTS):
                settled = self.sports_settlement.apply(event)
                foreign.extend(settled)
                foreign.extend(self.round_totals.apply(settled))
                foreign.extend(settlement_messages(settled))
            exposures = self.sports.apply(event)
            foreign.extend(exposures)
            for record in exposures:
                if isinstance(record, LineExposure | EventExposure):
                    foreign.extend(self.suspend.apply(record, now_ms, thresholds))
            return foreign
        self.provider, self.last_seen_ms = event.provider_id, event.received_time_ms
        if isinstance(event, BetPlaced):
            self.bets.setdefault((event.tenant_id, event.bet_id), event.event_time_ms)
        out: list[RiskOutput] = []
        settled = self.sports_settlement.apply(event) + self.casino_settlement.apply(event)
        if settled:
            out.extend(settled)
            out.extend(self.round_totals.apply(settled))
            out.extend(settlement_messages(settled))
        exposures = self.sports.apply(event)
        out.extend(exposures)
        rounds = self.rounds.apply(event)
        out.extend(rounds)
        if isinstance(event, BetPlaced) and event.round_id is not None and rounds:
            table = event.table_id or self.tables.round_table(event.tenant_id, event.round_id)
            out.extend(limits.check(event, [], table))
        elif isinstance(event, BetPlaced) and exposures:
            relevant: Sequence[LineExposure | EventExposure] = [
                e for e in exposures if isinstance(e, LineExposure | EventExposure)
            ]
            out.extend(limits.check(event, relevant))
        limits_of_shard = thresholds or Thresholds(self.suspend.config)
        out.extend(self.suspend.apply(event, now_ms, limits_of_shard))
        out.extend(self.tables.apply(event, now_ms, limits_of_shard))
        for record in exposures:
            if isinstance(record, LineExposure | EventExposure):
                out.extend(self.suspend.apply(record, now_ms, limits_of_shard))
        for x in rounds:
            out.extend(self.tables.apply(x, now_ms, limits_of_shard))
        return out

    def on_time(self, now_ms: int) -> list[RiskOutput]:
        return [*self.suspend.on_time(now_ms), *self.tables.on_time(now_ms)]

    def next_deadline(self) -> int | None:
        deadlines = (self.suspend.next_deadline(), self.tables.next_deadline())
        return min((d for d in deadlines if d is not None), default=None)


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
        held = self._results.setdefault(_line_of(event), [])
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
        one batch, so a shard-wide update (limits, thresholds, a player) and what an event
        teaches the limits (its sport and competition) take effect before every event of the
        batch received at or after them, whichever came out of normalize first; a provider's
        entity (its health, and the copy of its live traffic from many entities) takes the
        batch's events in arrival order (``_arrival``), after the others; every other entity
        takes them in batch order."""
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
            tenant, event_id, line = _line_of(event)
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
