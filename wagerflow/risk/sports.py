"""Live exposure of sports bets per market line, event and player (``schemas.risk``).

``SportsBook.apply`` takes one normalized event and returns the new exposure record of every
key whose figures that event changed: none when nothing changed, and a record with zeros (and
no selections) when a key's last open bet went away, so a consumer can clear it. ``version``
counts the records emitted for a key (1, 2, ...); ``as_of_ms`` is the input's event time. The
state is plain picklable Python (the flow snapshots it), event time only, never the clock, and
every figure is an exact integer.

Rules:

- **Sports bet**: a ``BetPlaced`` of category ``sport``. Each selection with an ``event_id``
  is a *leg* on (event, line, selection), the line being ``line_id`` or else ``market_id``;
  selections without one are not sports legs, and a bet with no leg is ignored without a trace
  (its id is not remembered). A repeated ``bet_id`` (per tenant) of a sports bet is a duplicate
  and ignored, whatever its content.
- **Potential return**: ``potential_payout`` when given; else ``stake * accepted_odds //
  ODDS_SCALE`` (floored to the minor unit, the house's side); else, no odds known, the stake.
- **Multiples** (several legs): every leg counts the bet's full stake and full potential
  return. Per line that bounds the truth (the bet is certainly lost when its leg's line ends
  elsewhere, and pays at most the full return otherwise); summed over an event's lines the
  return is counted once per leg (conservative) and so is the kept stake, which can understate
  the event worst case only when several of the same multiple's legs lose at once. A leg is
  released by its own line's result or void; the rest of the multiple stays open.
- **Lifecycle**: a bet counts from its ``BetPlaced``. ``BetDecided`` REJECTED and
  ``BetSettled`` (any outcome) release it for good; ACCEPTED changes nothing. Decisions and
  settlements of a bet not (yet) placed are ignored.
- **Line results** mark a line settled and release its legs: ``LineSettled`` (event, line_id),
  ``EventResult`` (event, market_id as the line), ``MarketSettled`` (market_id as the line; its
  ``event_id`` may be None, as Betfair market ids are unique, and then it matches the line on
  every event). ``SettlementRolledBack`` (event, line_id) clears the mark, so legs released
  only by it count again; a ``BetSettled`` bet stays released. Settling twice (certainty 1,
  then 2) is one mark, cleared by one rollback; an event-less ``MarketSettled`` mark is never
  rolled back (no rollback names it).
- **Voids**: ``LineCancelled`` makes its window ``[start_time_ms, end_time_ms]`` (a missing
  bound is open) active on (event, line_id): a leg on that line whose bet was placed (the
  ``BetPlaced`` event time) inside an active window is void. ``CancelRolledBack`` with the same
  window deactivates it; any other window rolls nothing back.
- Results and voids are *states* of a line, not one-off releases: a bet that arrives after its
  line was settled or voided (bets and results are separate topics) is released on arrival.
- **Books**: a leg is IN_PLAY when, at placement, the latest ``MarketStatusChanged.in_play``
  of its market (tenant, market_id) says so; if that market never reported, the latest one of
  any market of its event (tenant, event_id); else PRE_MATCH. ``EventChanged`` says nothing
  about in-play. The books are separate keys.
- **Figures** (per line, book and currency): liability(s) = potential returns of the open legs
  on s - open stakes on the line's other selections; ``worst_case`` = max liability over the
  selections with open legs (0 without any). An event's ``worst_case`` and ``open_stake`` sum
  its lines'; ``lines`` counts its lines with open legs. Player records (player_id set) are per
  (player, event, line, selection, currency) across both books.

State grows with the bets and lines seen (a rollback can reopen any settled bet); the risk
shard keeps one book per sport event and forgets it when the event falls silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from wagerflow.money import returns_at_odds
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSettled,
    CancelRolledBack,
    EventResult,
    LineCancelled,
    LineSettled,
    MarketSettled,
    MarketStatusChanged,
    NormalizedEvent,
    SettlementRolledBack,
)
from wagerflow.schemas.risk import (
    Book,
    EventExposure,
    LineExposure,
    PlayerExposure,
    SelectionExposure,
)

Exposure = LineExposure | EventExposure | PlayerExposure
BetKey = tuple[str, str]  # tenant, bet_id
LegRef = tuple[BetKey, int]  # a bet and the index of one of its legs
Where = tuple[str, str, str]  # tenant, event_id, line
LineKey = tuple[str, str, str, Book, str]  # tenant, event_id, line, book, currency
EventKey = tuple[str, str, Book, str]  # tenant, event_id, book, currency
PlayerKey = tuple[str, str, str, str, str, str]  # tenant, player, event, line, selection, currency
Window = tuple[int | None, int | None]
LineFigures = tuple[tuple[tuple[str, int, int, int], ...], int, int]  # selections, stake, worst


class _Leg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    book: Book


class _Bet(NamedTuple):
    player_id: str | None
    currency: str
    stake: int
    potential_return: int
    placed_ms: int
    legs: tuple[_Leg, ...]


class SportLeg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    market_id: str


def sport_legs(bet: BetPlaced) -> list[SportLeg]:
    """The legs of a sports bet: its selections with an ``event_id``, on the line ``line_id``
    or else ``market_id``; a selection repeated on the same (event, line) counts once."""
    legs: dict[tuple[str, str, str], SportLeg] = {}
    for sel in bet.selections:
        if sel.event_id is not None:
            line = sel.line_id or sel.market_id
            leg = SportLeg(sel.event_id, line, sel.selection_id, sel.market_id)
            legs.setdefault((leg.event_id, line, leg.selection_id), leg)
    return list(legs.values())


def potential_payout(bet: BetPlaced) -> int | None:
    """``potential_payout``, else stake x accepted odds rounded down, else None."""
    if bet.potential_payout is not None:
        return bet.potential_payout
    if bet.accepted_odds is not None:
        return returns_at_odds(bet.stake, bet.accepted_odds)
    return None


def potential_return(bet: BetPlaced) -> int:
    """``potential_payout``, else stake x odds floored to the minor unit, else the stake."""
    payout = potential_payout(bet)
    return bet.stake if payout is None else payout


def inside(at_ms: int, window: Window) -> bool:
    """Whether ``at_ms`` is inside ``[start, end]``; a missing bound is open."""
    start, end = window
    return (start is None or start <= at_ms) and (end is None or at_ms <= end)


class SportsBook:
    """Open sports exposure; plain picklable state (snapshotted with its shard)."""

    def __init__(self) -> None:
        self._bets: dict[BetKey, _Bet] = {}
        self._released: set[BetKey] = set()  # rejected or settled bet by bet
        self._on_line: dict[Where, dict[LegRef, None]] = {}  # legs by (tenant, event, line)
        self._events_of_line: dict[tuple[str, str], dict[str, None]] = {}
        self._settled: set[tuple[str, str | None, str]] = set()  # event None: every event
        self._windows: dict[Where, set[Window]] = {}  # active void windows
        self._market_in_play: dict[tuple[str, str], bool] = {}
        self._event_in_play: dict[tuple[str, str], bool] = {}
        # open figures: line selection -> [legs, stake, return]; event -> [stake, worst, lines];
        # player -> [legs, stake, return]
        self._lines: dict[LineKey, dict[str, list[int]]] = {}
        self._events: dict[EventKey, list[int]] = {}
        self._players: dict[PlayerKey, list[int]] = {}
        # last emitted (version, figures) per key
        self._line_out: dict[LineKey, tuple[int, LineFigures]] = {}
        self._event_out: dict[EventKey, tuple[int, tuple[int, ...]]] = {}
        self._player_out: dict[PlayerKey, tuple[int, tuple[int, ...]]] = {}

    # --- events -------------------------------------------------------------------------------

    def apply(self, event: NormalizedEvent) -> list[Exposure]:
        """Apply one event; the new records of the keys it changed, in key order."""
        tenant = event.tenant_id
        if isinstance(event, MarketStatusChanged):
            self._market_in_play[tenant, event.market_id] = event.in_play
            if event.event_id is not None:
                self._event_in_play[tenant, event.event_id] = event.in_play
            return []
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, BetDecided | BetSettled):
            if isinstance(event, BetDecided) and event.decision != "REJECTED":
                return []
            key = (tenant, event.bet_id)
            bet = self._bets.get(key)
            if bet is None or key in self._released:
                return []
            legs = [(key, i) for i in range(len(bet.legs))]
            return self._change(legs, lambda: self._released.add(key), event.event_time_ms)
        if isinstance(event, LineSettled | EventResult | MarketSettled | SettlementRolledBack):
            return self._settle(event)
        if isinstance(event, LineCancelled | CancelRolledBack):
            where = (tenant, event.event_id, event.line_id)
            window = (event.start_time_ms, event.end_time_ms)
            active = self._windows.setdefault(where, set())
            mutate = active.add if isinstance(event, LineCancelled) else active.discard
            return self._change(self._legs_on(where), lambda: mutate(window), event.event_time_ms)
        return []

    def _place(self, event: BetPlaced) -> list[Exposure]:
        key = (event.tenant_id, event.bet_id)
        if event.category != "sport" or key in self._bets:
            return []
        legs = tuple(
            _Leg(
                leg.event_id,
                leg.line,
                leg.selection_id,
                self._book(key[0], leg.event_id, leg.market_id),
            )
            for leg in sport_legs(event)
        )
        if not legs:
            return []
        bet = _Bet(
            event.player_id,
            event.currency,
            event.stake,
            potential_return(event),
            event.event_time_ms,
            legs,
        )

        def record() -> None:
            self._bets[key] = bet
            for i, leg in enumerate(bet.legs):
                self._on_line.setdefault((key[0], leg.event_id, leg.line), {})[key, i] = None
                events = self._events_of_line.setdefault((key[0], leg.line), {})
                events[leg.event_id] = None

        refs = [(key, i) for i in range(len(bet.legs))]
        return self._change(refs, record, event.event_time_ms)

    def _settle(
        self, event: LineSettled | EventResult | MarketSettled | SettlementRolledBack
    ) -> list[Exposure]:
        tenant = event.tenant_id
        line = event.market_id if isinstance(event, EventResult | MarketSettled) else event.line_id
        if event.event_id is None:
            events = list(self._events_of_line.get((tenant, line), ()))
        else:
            events = [event.event_id]
        refs = [ref for e in events for ref in self._legs_on((tenant, e, line))]
        mark = (tenant, event.event_id, line)
        if isinstance(event, SettlementRolledBack):
            return self._change(refs, lambda: self._settled.discard(mark), event.event_time_ms)
        return self._change(refs, lambda: self._settled.add(mark), event.event_time_ms)

    def _book(self, tenant: str, event_id: str, market_id: str) -> Book:
        in_play = self._market_in_play.get((tenant, market_id))
        if in_play is None:
            in_play = self._event_in_play.get((tenant, event_id), False)
        return "IN_PLAY" if in_play else "PRE_MATCH"

    def _legs_on(self, where: Where) -> list[LegRef]:
        return list(self._on_line.get(where, ()))

    def _is_open(self, ref: LegRef) -> bool:
        key, i = ref
        bet = self._bets.get(key)
        if bet is None or key in self._released:
            return False
        leg = bet.legs[i]
        where = (key[0], leg.event_id, leg.line)
        if where in self._settled or (key[0], None, leg.line) in self._settled:
            return False
        windows = self._windows.get(where, ())
        return not any(inside(bet.placed_ms, w) for w in windows)

    # --- figures ------------------------------------------------------------------------------

    def _change(
        self, refs: list[LegRef], mutate: Callable[[], object], as_of_ms: int
    ) -> list[Exposure]:
        """Run ``mutate``; move the legs of ``refs`` whose openness it changed; emit."""
        before = [self._is_open(ref) for ref in refs]
        mutate()
        lines: dict[LineKey, None] = {}
        players: dict[PlayerKey, None] = {}
        for ref, was in zip(refs, before, strict=True):
            now = self._is_open(ref)
            if now != was:
                self._move(ref, 1 if now else -1, lines, players)
        return self._emit(lines, players, as_of_ms)

    def _move(
        self,
        ref: LegRef,
        sign: int,
        lines: dict[LineKey, None],
        players: dict[PlayerKey, None],
    ) -> None:
        (tenant, _), i = ref
        bet = self._bets[ref[0]]
        leg = bet.legs[i]
        delta = (sign, sign * bet.stake, sign * bet.potential_return)
        line_key: LineKey = (tenant, leg.event_id, leg.line, leg.book, bet.currency)
        selections = self._lines.setdefault(line_key, {})
        figures = _add(selections.setdefault(leg.selection_id, [0, 0, 0]), delta)
        if figures[0] == 0:
            del selections[leg.selection_id]
        if not selections:
            del self._lines[line_key]
        lines[line_key] = None
        if bet.player_id is not None:
            player_key: PlayerKey = (
                tenant,
                bet.player_id,
                leg.event_id,
                leg.line,
                leg.selection_id,
                bet.currency,
            )
            figures = _add(self._players.setdefault(player_key, [0, 0, 0]), delta)
            if figures[0] == 0:
                del self._players[player_key]
            players[player_key] = None

    def _emit(
        self, lines: dict[LineKey, None], players: dict[PlayerKey, None], as_of_ms: int
    ) -> list[Exposure]:
        out: list[Exposure] = []
        events: dict[EventKey, None] = {}
        for key in sorted(lines):
            tenant, event_id, line, book, currency = key
            selections = self._lines.get(key, {})
            stake = sum(f[1] for f in selections.values())
            rows = [
                SelectionExposure(
                    selection_id=s,
                    bets=f[0],
                    open_stake=f[1],
                    potential_return=f[2],
                    liability=f[2] - (stake - f[1]),
                )
                for s, f in sorted(selections.items())
            ]
            worst = max((r.liability for r in rows), default=0)
            figures: LineFigures = (
                tuple((r.selection_id, r.bets, r.open_stake, r.potential_return) for r in rows),
                stake,
                worst,
            )
            version, (last_rows, last_stake, last_worst) = self._line_out.get(key, (0, ((), 0, 0)))
            if figures == (last_rows, last_stake, last_worst):
                continue
            self._line_out[key] = (version + 1, figures)
            event_key: EventKey = (tenant, event_id, book, currency)
            totals = self._events.setdefault(event_key, [0, 0, 0])
            _add(totals, (stake - last_stake, worst - last_worst, bool(rows) - bool(last_rows)))
            events[event_key] = None
            out.append(
                LineExposure(
                    tenant_id=tenant,
                    version=version + 1,
                    as_of_ms=as_of_ms,
                    event_id=event_id,
                    line_id=line,
                    book=book,
                    currency=currency,
                    selections=rows,
                    open_stake=stake,
                    worst_case=worst,
                )
            )
        for event_key in sorted(events):
            tenant, event_id, book, currency = event_key
            stake, worst, count = self._events[event_key]
            version, last_figures = self._event_out.get(event_key, (0, (0, 0, 0)))
            if (stake, worst, count) == last_figures:
                continue
            self._event_out[event_key] = (version + 1, (stake, worst, count))
            out.append(
                EventExposure(
                    tenant_id=tenant,
                    version=version + 1,
                    as_of_ms=as_of_ms,
                    event_id=event_id,
                    book=book,
                    currency=currency,
                    open_stake=stake,
                    worst_case=worst,
                    lines=count,
                )
            )
        for player_key in sorted(players):
            tenant, player, event_id, line, selection, currency = player_key
            _, stake, ret = self._players.get(player_key, (0, 0, 0))
            version, last_figures = self._player_out.get(player_key, (0, (0, 0)))
            if (stake, ret) == last_figures:
                continue
            self._player_out[player_key] = (version + 1, (stake, ret))
            out.append(
                PlayerExposure(
                    tenant_id=tenant,
                    version=version + 1,
                    as_of_ms=as_of_ms,
                    player_id=player,
                    event_id=event_id,
                    line_id=line,
                    selection_id=selection,
                    currency=currency,
                    open_stake=stake,
                    potential_return=ret,
                )
            )
        return out


def _add(figures: list[int], delta: tuple[int, ...]) -> list[int]:
    for i, d in enumerate(delta):
        figures[i] += d
    return figures
