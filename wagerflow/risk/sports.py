"""Live exposure of sports bets per market line, event and player (``schemas.risk``).

(Over 400 lines: the book's state, its lifecycle and the figures it publishes share one set of
indexes; split, each part would reach into the others'.)

``SportsBook.apply`` takes one normalized event and returns the new exposure record of every
key whose figures that event changed: none when nothing changed, and a record with zeros (and
no selections) when a key's last open bet went away, so a consumer can clear it. ``version``
counts the records emitted for a key (1, 2, ...); ``as_of_ms`` is the input's event time. The
state is plain picklable Python (the flow snapshots it), event time only, never the clock, and
every figure is an exact integer.

Figures follow MONEY.md §1:

- **One return figure** (§1.1): a bet's return if it wins is ``R = floor(S x O)``
  (``wagerflow.bet_rules.bet_return``); a provider's ``potentialPayout`` is never booked.
- **Liability** (§1.2) of a selection on a line, per book and currency: ``L(s) = sum of R over
  the open legs on s - sum of S over the open singles on the line``; negative when the book
  wins on ``s``.
- **Worst case** (§1.3) of a line with ``k`` winners (the market's ``number_of_winners`` from its
  latest ``MarketStatusChanged`` that states it, default 1; a change republishes the market's
  lines): the sum of the ``k`` largest per-selection returns
  minus the line's stakes. An **event** sums its lines' worst cases; a **player** record is ``L``
  restricted to that player's bets (§1.4).
- **Multiples** (§1.5): the bet's ``R`` counts on each still-open leg's selection, with the
  factors of its settled legs applied (``floor(S x O x product of leg factors)``, a won leg 1, a
  void leg ``1/O_leg``, a dead heat or partial void by §3.1, ``wagerflow.settle.payout``); its
  stake is offset against no single line. A leg lost in full makes the bet dead: it leaves every
  line at once. A book holds every leg of the bets it is given but shows only the legs on its
  own event (``home_event``): the risk shard gives a multiple to the book of every event it
  touches, and the results of each leg's line to every book holding a bet with a leg there.

Lifecycle:

- **Sports bet**: a ``BetPlaced`` of category ``sport`` with at least one leg
  (``bet_rules.sport_legs``). A repeated ``bet_id`` (per tenant) is a duplicate and ignored.
- A bet counts from its ``BetPlaced``. ``BetDecided`` REJECTED and ``BetSettled`` (any outcome)
  release it for good; ACCEPTED changes nothing. Decisions and settlements of a bet not (yet)
  placed are ignored.
- **Line results are states of a line**, so a bet that arrives after its line's result is
  released on arrival: ``LineSettled`` (event, line_id: per-outcome won / void / dead-heat
  factors, an outcome it does not name lost), ``EventResult`` (event, market_id: winners win,
  void selections void, the rest lost), ``MarketSettled`` (market_id as the line on every event
  when its ``event_id`` is None: a closed market leaves no bet open). ``SettlementRolledBack``
  clears the line's result; a ``BetSettled`` bet stays released.
- **Voids**: ``LineCancelled`` makes its window ``[start_time_ms, end_time_ms]`` (a missing bound
  is open) active on (event, line_id): a leg whose bet was placed inside an active window is
  void (a single leaves the books; a multiple's leg counts 1 / O_leg). ``CancelRolledBack`` with
  the same window deactivates it.
- **Runner removals** (Betfair ``RunnerRemoved``, MONEY.md §2.1-2.2), from the removal's event
  time on: a leg on the removed runner is void (a single leaves the books); a single on another
  runner of that market accepted before the ``removal_time_ms`` counts with
  ``R' = floor(S x O')``, ``O'`` by ``wagerflow.settle.betfair_rules.reduced_odds`` (the rule
  settlement pays by), and its lines publish new figures.
- **Books**: a leg is IN_PLAY when, at placement, the latest ``MarketStatusChanged.in_play`` of
  its market (tenant, market_id) says so; if that market never reported, the latest one of any
  market of its event; else PRE_MATCH.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

from wagerflow.bet_rules import Window, bet_odds, inside, sport_legs
from wagerflow.money import ODDS_SCALE
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
    RunnerRemoved,
    SettlementRolledBack,
)
from wagerflow.schemas.risk import (
    Book,
    EventExposure,
    LineExposure,
    PlayerExposure,
    SelectionExposure,
)
from wagerflow.settle.betfair_rules import Removal, reduced_odds
from wagerflow.settle.payout import LOSE, VOID, WIN, LegResult, leg_factor

Exposure = LineExposure | EventExposure | PlayerExposure
BetKey = tuple[str, str]  # tenant, bet_id
Where = tuple[str, str, str]  # tenant, event_id, line
AnyWhere = tuple[str, str | None, str]  # event None: the line on every event (Betfair)
LineKey = tuple[str, str, str, Book, str]  # tenant, event_id, line, book, currency
EventKey = tuple[str, str, Book, str]  # tenant, event_id, book, currency
PlayerKey = tuple[str, str, str, str, str, str]  # tenant, player, event, line, selection, currency
PlayerLine = tuple[str, str, str, str, str]  # tenant, player, event, line, currency
Share = tuple[int, int]  # what one leg adds to its selection: (stake offset, return)
LineFigures = tuple[tuple[tuple[str, int, int, int], ...], int, int]  # selections, stake, worst


class _Leg(NamedTuple):
    event_id: str
    line: str
    selection_id: str
    market_id: str
    book: Book
    odds: Fraction | None


class _Bet(NamedTuple):
    player_id: str | None
    currency: str
    stake: int
    placed_ms: int
    odds: Fraction
    legs: tuple[_Leg, ...]

    @property
    def single(self) -> bool:
        return len(self.legs) == 1


class _LineResult(NamedTuple):
    """A line's result: each named selection's ``LegResult`` (None: undecided, still open),
    and what a selection it does not name gets."""

    named: dict[str, LegResult | None]
    unnamed: LegResult

    def of(self, selection: str) -> LegResult | None:
        return self.named.get(selection, self.unnamed)


def line_result(event: LineSettled | EventResult | MarketSettled) -> _LineResult:
    """The per-selection results a result message gives its line (see the module rules)."""
    if isinstance(event, LineSettled):
        named: dict[str, LegResult | None] = {
            o.outcome_id: None  # undecided yet (UOF result -1): still open
            if o.won is None
            else LegResult(o.won, o.void_factor or 0, o.dead_heat_factor)
            for o in event.outcomes
        }
        return _LineResult(named, LOSE)
    if isinstance(event, EventResult):
        named = dict.fromkeys(event.void_selections, VOID)
        named.update(dict.fromkeys(event.winners, WIN))
        return _LineResult(named, LOSE)
    return _LineResult(
        {r.selection_id: _EXCHANGE_RESULTS.get(r.result, LOSE) for r in event.results}, LOSE
    )


_EXCHANGE_RESULTS: dict[str, LegResult] = {"WINNER": WIN, "REMOVED": VOID, "REMOVED_VACANT": VOID}
"""A closed exchange market's runner statuses as a leg's result: a winner wins, a removed runner
is void, every other status (LOSER, PLACED in a win market, HIDDEN) loses (MONEY.md §2)."""


def _keep_decisions(new: _LineResult, held: _LineResult | None) -> _LineResult:
    """An outcome a result leaves undecided keeps the mark the replaced result gave it (only a
    rollback clears a decision; the settlement books follow the same rule)."""
    if held is None:
        return new
    named = {s: held.of(s) if r is None else r for s, r in new.named.items()}
    return new._replace(named=named)


class SportsBook:
    """Open sports exposure of one event (``home_event``; None shows every event's legs);
    plain picklable state (snapshotted with its shard)."""

    def __init__(self, home_event: str | None = None) -> None:
        self.home_event = home_event
        self._bets: dict[BetKey, _Bet] = {}
        self._released: set[BetKey] = set()  # rejected or settled bet by bet
        self._on_line: dict[Where, dict[BetKey, None]] = {}  # bets with a leg on a line
        self._events_of_line: dict[tuple[str, str], dict[str, None]] = {}
        self._results: dict[AnyWhere, _LineResult] = {}
        self._windows: dict[Where, set[Window]] = {}  # active void windows
        self._market_in_play: dict[tuple[str, str], bool] = {}
        self._event_in_play: dict[tuple[str, str], bool] = {}
        self._winners: dict[tuple[str, str], int] = {}  # (tenant, market) -> k
        self._removals: dict[tuple[str, str], dict[str, Removal]] = {}  # (tenant, market)
        self._shares: dict[tuple[BetKey, int], Share] = {}  # what each shown leg adds now
        # open figures: line selection -> [legs, stake, return]; event -> [stake, worst, lines];
        # player selection -> [legs, stake, return]; player line -> stake
        self._lines: dict[LineKey, dict[str, list[int]]] = {}
        self._line_market: dict[LineKey, str] = {}
        self._events: dict[EventKey, list[int]] = {}
        self._players: dict[PlayerKey, list[int]] = {}
        self._player_lines: dict[PlayerLine, dict[str, None]] = {}
        # last emitted (version, figures) per key
        self._line_out: dict[LineKey, tuple[int, LineFigures]] = {}
        self._event_out: dict[EventKey, tuple[int, tuple[int, ...]]] = {}
        self._player_out: dict[PlayerKey, tuple[int, tuple[int, ...]]] = {}

    def has_open_bets(self) -> bool:
        """Whether any bet still counts here (an entity holding one is never forgotten)."""
        return bool(self._shares)

    def lines_of(self, bet: BetKey) -> list[Where]:
        """The (tenant, event, line) of every leg of a bet held here."""
        held = self._bets.get(bet)
        return [] if held is None else [(bet[0], leg.event_id, leg.line) for leg in held.legs]

    # --- events -------------------------------------------------------------------------------

    def apply(self, event: NormalizedEvent) -> list[Exposure]:
        """Apply one event; the new records of the keys it changed, in key order."""
        tenant = event.tenant_id
        if isinstance(event, MarketStatusChanged):
            self._market_in_play[tenant, event.market_id] = event.in_play
            if event.event_id is not None:
                self._event_in_play[tenant, event.event_id] = event.in_play
            if event.number_of_winners is None:
                return []
            held = self._winners.get((tenant, event.market_id), 1)
            self._winners[tenant, event.market_id] = event.number_of_winners
            if held == event.number_of_winners:
                return []
            lines = {
                k: None
                for k, m in self._line_market.items()
                if (k[0], m) == (tenant, event.market_id)
            }
            return self._emit(lines, {}, event.event_time_ms)
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, RunnerRemoved):
            return self._remove(event)
        if isinstance(event, BetDecided | BetSettled):
            if isinstance(event, BetDecided) and event.decision != "REJECTED":
                return []
            key = (tenant, event.bet_id)
            if key not in self._bets or key in self._released:
                return []
            self._released.add(key)
            return self._refresh([key], event.event_time_ms)
        if isinstance(event, LineSettled | EventResult | MarketSettled | SettlementRolledBack):
            return self._settle(event)
        if isinstance(event, LineCancelled | CancelRolledBack):
            where = (tenant, event.event_id, event.line_id)
            window = (event.start_time_ms, event.end_time_ms)
            active = self._windows.setdefault(where, set())
            if isinstance(event, LineCancelled):
                active.add(window)
            else:
                active.discard(window)
            return self._refresh(self._bets_on([where]), event.event_time_ms)
        return []

    def _place(self, event: BetPlaced) -> list[Exposure]:
        key = (event.tenant_id, event.bet_id)
        if event.category != "sport" or key in self._bets:
            return []
        legs = sport_legs(event)
        if not legs:
            return []
        bet = _Bet(
            event.player_id,
            event.currency,
            event.stake,
            event.event_time_ms,
            bet_odds(event, legs),
            tuple(
                _Leg(
                    leg.event_id,
                    leg.line,
                    leg.selection_id,
                    leg.market_id,
                    self._book(key[0], leg.event_id, leg.market_id),
                    None if leg.odds is None else Fraction(leg.odds, ODDS_SCALE),
                )
                for leg in legs
            ),
        )
        self._bets[key] = bet
        for leg in bet.legs:
            self._on_line.setdefault((key[0], leg.event_id, leg.line), {})[key] = None
            self._events_of_line.setdefault((key[0], leg.line), {})[leg.event_id] = None
        return self._refresh([key], event.event_time_ms)

    def _settle(
        self, event: LineSettled | EventResult | MarketSettled | SettlementRolledBack
    ) -> list[Exposure]:
        tenant = event.tenant_id
        line = event.market_id if isinstance(event, EventResult | MarketSettled) else event.line_id
        if event.event_id is None:
            events = list(self._events_of_line.get((tenant, line), ()))
        else:
            events = [event.event_id]
        mark: AnyWhere = (tenant, event.event_id, line)
        if isinstance(event, SettlementRolledBack):
            self._results.pop(mark, None)
        else:
            self._results[mark] = _keep_decisions(line_result(event), self._results.get(mark))
        keys = self._bets_on([(tenant, e, line) for e in events])
        return self._refresh(keys, event.event_time_ms)

    def _remove(self, event: RunnerRemoved) -> list[Exposure]:
        tenant, market = event.tenant_id, event.market_id
        removals = self._removals.setdefault((tenant, market), {})
        if event.selection_id in removals:
            return []
        removals[event.selection_id] = Removal(
            event.selection_id, event.adjustment_factor, event.removal_time_ms
        )
        if event.event_id is None:
            events = list(self._events_of_line.get((tenant, market), ()))
        else:
            events = [event.event_id]
        return self._refresh(
            self._bets_on([(tenant, e, market) for e in events]), event.event_time_ms
        )

    def _book(self, tenant: str, event_id: str, market_id: str) -> Book:
        in_play = self._market_in_play.get((tenant, market_id))
        if in_play is None:
            in_play = self._event_in_play.get((tenant, event_id), False)
        return "IN_PLAY" if in_play else "PRE_MATCH"

    def _bets_on(self, wheres: Iterable[Where]) -> list[BetKey]:
        found: dict[BetKey, None] = {}
        for where in wheres:
            found.update(self._on_line.get(where, {}))
        return list(found)

    # --- a bet's state ------------------------------------------------------------------------

    def _leg_result(self, key: BetKey, bet: _Bet, leg: _Leg) -> LegResult | None:
        """The leg's result: void inside an active cancel window, else its line's result (from
        the event's line, else the event-less market), else None (open)."""
        where = (key[0], leg.event_id, leg.line)
        if any(inside(bet.placed_ms, w) for w in self._windows.get(where, ())):
            return VOID
        if leg.selection_id in self._removals.get((key[0], leg.market_id), {}):
            return VOID
        result = self._results.get(where) or self._results.get((key[0], None, leg.line))
        return None if result is None else result.of(leg.selection_id)

    def _open_return(self, key: BetKey) -> tuple[int, list[bool]] | None:
        """The bet's current return and which legs are open; None when nothing is open."""
        bet = self._bets[key]
        if key in self._released:
            return None
        factor = Fraction(1)
        open_legs: list[bool] = []
        for leg in bet.legs:
            result = self._leg_result(key, bet, leg)
            open_legs.append(result is None)
            if result is None:
                continue
            if bet.single or result.lost_in_full:
                return None
            known = leg_factor(result, leg.odds)
            factor *= 1 if known is None else known
        if not any(open_legs):
            return None
        odds = bet.odds
        if bet.single:
            (leg,) = bet.legs
            removals = self._removals.get((key[0], leg.market_id))
            if removals:
                odds = reduced_odds(odds, leg.selection_id, bet.placed_ms, removals.values())
        return math.floor(bet.stake * odds * factor), open_legs

    def _refresh(self, keys: list[BetKey], as_of_ms: int) -> list[Exposure]:
        """Bring the shown legs of ``keys`` to what their bets now add; emit what changed."""
        lines: dict[LineKey, None] = {}
        players: dict[PlayerLine, None] = {}
        for key in keys:
            bet = self._bets[key]
            state = self._open_return(key)
            for i, leg in enumerate(bet.legs):
                if self.home_event is not None and leg.event_id != self.home_event:
                    continue
                share = None
                if state is not None and state[1][i]:
                    share = (bet.stake if bet.single else 0, state[0])
                old = self._shares.get((key, i))
                if share == old:
                    continue
                if old is not None:
                    self._move(key, leg, -1, old, lines, players)
                if share is None:
                    del self._shares[key, i]
                else:
                    self._shares[key, i] = share
                    self._move(key, leg, 1, share, lines, players)
        return self._emit(lines, players, as_of_ms)

    # --- figures ------------------------------------------------------------------------------

    def _move(
        self,
        key: BetKey,
        leg: _Leg,
        sign: int,
        share: Share,
        lines: dict[LineKey, None],
        players: dict[PlayerLine, None],
    ) -> None:
        tenant = key[0]
        bet = self._bets[key]
        delta = (sign, sign * share[0], sign * share[1])
        line_key: LineKey = (tenant, leg.event_id, leg.line, leg.book, bet.currency)
        selections = self._lines.setdefault(line_key, {})
        self._line_market[line_key] = leg.market_id
        if _add(selections.setdefault(leg.selection_id, [0, 0, 0]), delta)[0] == 0:
            del selections[leg.selection_id]
        if not selections:
            del self._lines[line_key]
        lines[line_key] = None
        if bet.player_id is not None:
            player_line: PlayerLine = (tenant, bet.player_id, leg.event_id, leg.line, bet.currency)
            player_key: PlayerKey = (*player_line[:4], leg.selection_id, bet.currency)
            self._player_lines.setdefault(player_line, {})[leg.selection_id] = None
            if _add(self._players.setdefault(player_key, [0, 0, 0]), delta)[0] == 0:
                del self._players[player_key]
            players[player_line] = None

    def _winners_of(self, key: LineKey) -> int:
        market = self._line_market.get(key)
        k = 1 if market is None else self._winners.get((key[0], market), 1)
        return max(k, 1)

    def _emit(
        self, lines: dict[LineKey, None], players: dict[PlayerLine, None], as_of_ms: int
    ) -> list[Exposure]:
        out: list[Exposure] = []
        events: dict[EventKey, None] = {}
        for key in sorted(lines):
            line = self._line_record(key, as_of_ms, events)
            if line is not None:
                out.append(line)
        for event_key in sorted(events):
            total = self._event_record(event_key, as_of_ms)
            if total is not None:
                out.append(total)
        for player_line in sorted(players):
            out.extend(self._player_records(player_line, as_of_ms))
        return out

    def _line_record(
        self, key: LineKey, as_of_ms: int, events: dict[EventKey, None]
    ) -> LineExposure | None:
        tenant, event_id, line, book, currency = key
        selections = self._lines.get(key, {})
        stake = sum(f[1] for f in selections.values())
        rows = [
            SelectionExposure(
                selection_id=s,
                bets=f[0],
                open_stake=f[1],
                potential_return=f[2],
                liability=f[2] - stake,
            )
            for s, f in sorted(selections.items())
        ]
        top = sorted((r.potential_return for r in rows), reverse=True)[: self._winners_of(key)]
        worst = sum(top) - stake if rows else 0
        figures: LineFigures = (
            tuple((r.selection_id, r.bets, r.open_stake, r.potential_return) for r in rows),
            stake,
            worst,
        )
        version, (last_rows, last_stake, last_worst) = self._line_out.get(key, (0, ((), 0, 0)))
        if figures == (last_rows, last_stake, last_worst):
            return None
        self._line_out[key] = (version + 1, figures)
        event_key: EventKey = (tenant, event_id, book, currency)
        totals = self._events.setdefault(event_key, [0, 0, 0])
        _add(totals, (stake - last_stake, worst - last_worst, bool(rows) - bool(last_rows)))
        events[event_key] = None
        return LineExposure(
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

    def _event_record(self, key: EventKey, as_of_ms: int) -> EventExposure | None:
        tenant, event_id, book, currency = key
        stake, worst, count = self._events[key]
        version, last_figures = self._event_out.get(key, (0, (0, 0, 0)))
        if (stake, worst, count) == last_figures:
            return None
        self._event_out[key] = (version + 1, (stake, worst, count))
        return EventExposure(
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

    def _player_records(self, player_line: PlayerLine, as_of_ms: int) -> list[PlayerExposure]:
        """Every selection record of a player on a line whose figures changed: a stake on one
        selection changes the liability of the player's others."""
        tenant, player, event_id, line, currency = player_line
        selections = self._player_lines.get(player_line, {})
        keys: list[PlayerKey] = [(*player_line[:4], s, currency) for s in selections]
        line_stake = sum(self._players.get(k, (0, 0, 0))[1] for k in keys)
        out: list[PlayerExposure] = []
        for player_key in sorted(keys):
            _, stake, ret = self._players.get(player_key, (0, 0, 0))
            liability = ret - line_stake if player_key in self._players else 0
            version, last_figures = self._player_out.get(player_key, (0, (0, 0, 0)))
            if (stake, ret, liability) == last_figures:
                continue
            self._player_out[player_key] = (version + 1, (stake, ret, liability))
            out.append(
                PlayerExposure(
                    tenant_id=tenant,
                    version=version + 1,
                    as_of_ms=as_of_ms,
                    player_id=player,
                    event_id=event_id,
                    line_id=line,
                    selection_id=player_key[4],
                    currency=currency,
                    open_stake=stake,
                    potential_return=ret,
                    liability=liability,
                )
            )
        for player_key in keys:
            if player_key not in self._players:
                del selections[player_key[4]]
        if not selections:
            self._player_lines.pop(player_line, None)
        return out


def _add(figures: list[int], delta: tuple[int, ...]) -> list[int]:
    for i, d in enumerate(delta):
        figures[i] += d
    return figures
