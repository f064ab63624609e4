"""Live-casino round liability: what the house stands to pay on each outcome of an open round.

``RoundBook.apply(event)`` takes normalized events in order and returns the new
``RoundExposure`` of every round key the event changed (an empty list when nothing changed). It
is pure and deterministic (no clock, no randomness), and its state is plain picklable Python (a
Bytewax snapshot). A key is ``(tenant_id, provider_id, round_id, currency)``; ``version`` counts
the records emitted for the key (1, 2, ...) and ``as_of_ms`` is the input's ``event_time_ms``. A
record is emitted only when its content (anything but ``version`` and ``as_of_ms``) differs from
the key's previous record. Several keys of one round are emitted in currency order.

Inputs (only events of category ``live``; everything else is ignored):

- A *live bet* is a ``BetPlaced`` with a ``round_id``, a positive ``stake`` and at least one
  selection (else it is ignored). A ``bet_id`` already seen for the tenant and provider is a
  duplicate and ignored, even after that bet was rejected; bet ids are remembered until their
  round finishes (a resend after that is a late bet of a finished round).
- ``BetDecided`` REJECTED removes an open bet; ACCEPTED with ``accepted_odds`` replaces the
  bet's odds (they price its generic spots, below). A decision on an unknown or removed bet is
  ignored. ``BetDecided`` carries no ``round_id``: the book finds the bet by
  ``(tenant_id, provider_id, bet_id)``, so a bet's decisions must reach the book of its placement.
- ``RoundChanged`` BETTING_CLOSED: status OPEN -> CLOSED (its bets stay open liability; a bet
  placed after it still counts). ABORTED: status VOID, every bet released. STARTED and
  BETTING_OPEN change no status. ``RoundResult`` or ``RoundSettled`` (any currency): status
  SETTLED, every bet of every currency released. A round-level event that changes something
  emits every currency key of the round; the ``table_id``/``game_id`` of a ``RoundChanged`` or
  ``RoundResult`` (when not None) replace the round's.
- SETTLED and VOID are final: the first of them wins and every later event of the round (a late
  bet, a resent result, an abort) is ignored. Finished rounds are remembered, oldest forgotten
  first beyond ``max_finished``; a very late bet of a forgotten round opens it anew.

Bet spots. Each selection is one spot: ``market_id`` the bet type, ``selection_id`` its value.
``stake`` is the bet's whole stake, debited once (as in
``wagerflow.samples.live.live_lines``: one DEBIT
of ``stake`` per bet, payout = stake x the multiple of its spot), so a bet of n spots puts
``stake // n`` on each spot, the first ``stake % n`` spots (in listed order) one minor unit
more; each spot then wins, pushes or loses on its own. Every sample bet has one spot, which
carries the whole stake. Bet types are compared lower-cased with ``_`` and spaces read as ``-``.

Game kind, fixed per round by its first counted bet (kept even if that bet is later rejected):
roulette if every spot's type is a roulette type, baccarat if every one is a baccarat type,
else generic.

- Roulette (European single zero), outcomes ``"0"``..``"36"``. Types and payouts (to 1):
  ``straight``/``number``/``straight-up`` 35, ``split`` 17, ``street`` 11, ``corner`` 8,
  ``line``/``six-line``/``sixline`` 5 (value: the covered numbers, 2/3/4/6 distinct numbers
  0..36 separated by ``-``, ``,``, ``/``, ``|`` or spaces; the count sets the payout, the layout
  geometry is the provider's to check), ``dozen`` 2 and ``column`` 2 (value ``1``..``3``; column
  1 is 1, 4, .., 34), ``red``, ``black``, ``odd``, ``even``, ``low`` (1-18), ``high`` (19-36) 1
  (value ignored; 0 loses them all). A win returns stake x (payout + 1).
- Baccarat, outcomes ``player``, ``banker``, ``tie`` (value ignored): ``player`` returns 2 x
  stake, ``banker`` stake + stake x 95 // 100 (5 % commission on the winnings, rounded down to
  the minor unit), ``tie`` 9 x stake; on a tie, player and banker bets push (the stake returned).
- Generic, outcomes: every distinct value of the open spots, sorted, then ``other`` (an outcome
  nobody bet on: every spot loses). A spot wins iff the outcome equals its value, returning
  stake x ``accepted_odds`` // 10,000 (rounded down) when the bet has odds, else 2 x stake (even
  money). A spot whose value is ``other`` wins on ``other``.
- A spot the round's kind does not recognise (a foreign type, a malformed value) follows the
  generic rule within the kind's outcomes: it wins only on the outcome equal to its value, so a
  roulette ``straight`` spot in a generic round wins on its value at even money or its odds.

Liability of an outcome (MONEY.md §1.2 and §1.6, the round's spots as the selections): the
returns (stake included) the house pays for the spots that win or push on it, minus the stakes
of all open spots of the round; a push returns its stake, so it nets zero. ``worst_case`` is
the largest liability; ``open_stake`` the stakes of the open bets. Released bets count
nothing: a SETTLED or VOID record has zero liabilities (a generic one lists only ``other``).
All amounts are exact integer minor units of the key's currency; the only rounding is the
floors named above.
"""

from __future__ import annotations

import re
from typing import Literal

from wagerflow.money import returns_at_odds
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    NormalizedEvent,
    RoundChanged,
    RoundResult,
    RoundSettled,
)
from wagerflow.schemas.risk import OutcomeLiability, RoundExposure

GameKind = Literal["roulette", "baccarat", "generic"]
Status = Literal["OPEN", "CLOSED", "SETTLED", "VOID"]

DEFAULT_MAX_FINISHED = 1_000_000
OTHER = "other"
RED = frozenset({1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36})
ROULETTE_OUTCOMES = tuple(str(n) for n in range(37))
BACCARAT_OUTCOMES = ("player", "banker", "tie")
ROULETTE_PAYOUTS = {
    "straight": 35, "split": 17, "street": 11, "corner": 8, "line": 5, "dozen": 2, "column": 2,
    "red": 1, "black": 1, "odd": 1, "even": 1, "low": 1, "high": 1,
}  # fmt: skip
"""Payout to 1 of each roulette bet type."""
_ALIASES = {"number": "straight", "straight-up": "straight", "six-line": "line", "sixline": "line"}
_COVER = {"straight": 1, "split": 2, "street": 3, "corner": 4, "line": 6}
_EVEN_MONEY = {
    "red": frozenset(RED),
    "black": frozenset(range(1, 37)) - RED,
    "odd": frozenset(range(1, 37, 2)),
    "even": frozenset(range(2, 37, 2)),
    "low": frozenset(range(1, 19)),
    "high": frozenset(range(19, 37)),
}
_SEPARATORS = re.compile(r"[-,/| ]+")

Spot = tuple[str, str, int]
"""(normalized bet type, value, stake share)."""
RoundKey = tuple[str, str, str]
"""(tenant_id, provider_id, round_id); a bet is keyed the same way with its bet_id."""


def bet_type(market_id: str) -> str:
    """A bet type as compared: lower case, ``_`` and spaces as ``-``, aliases resolved."""
    name = market_id.strip().lower().replace("_", "-").replace(" ", "-")
    return _ALIASES.get(name, name)


def split_stake(stake: int, spots: int) -> list[int]:
    """``stake`` in ``spots`` equal shares; the first ``stake % spots`` get one unit more."""
    share, rest = divmod(stake, spots)
    return [share + (1 if i < rest else 0) for i in range(spots)]


def game_kind(types: list[str]) -> GameKind:
    if all(t in ROULETTE_PAYOUTS for t in types):
        return "roulette"
    if all(t in BACCARAT_OUTCOMES for t in types):
        return "baccarat"
    return "generic"


def roulette_numbers(kind: str, value: str) -> frozenset[int] | None:
    """The numbers a roulette spot wins on, or None if ``kind``/``value`` is not a valid spot."""
    if kind in _EVEN_MONEY:
        return _EVEN_MONEY[kind]
    text = value.strip()
    if kind in ("dozen", "column"):
        if text not in ("1", "2", "3"):
            return None
        k = int(text)
        return frozenset(range(12 * k - 11, 12 * k + 1) if kind == "dozen" else range(k, 37, 3))
    if kind not in _COVER:
        return None
    parts = _SEPARATORS.split(text)
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    numbers = frozenset(int(p) for p in parts)
    if len(parts) != _COVER[kind] or len(numbers) != len(parts) or max(numbers) > 36:
        return None
    return numbers


def spot_returns(kind: GameKind, spot: Spot, odds: int | None) -> dict[str, int]:
    """What one spot returns (stake included) on each outcome it wins or pushes on."""
    spot_type, value, stake = spot
    if kind == "roulette":
        numbers = roulette_numbers(spot_type, value)
        if numbers is not None:
            win = stake * (ROULETTE_PAYOUTS[spot_type] + 1)
            return {str(n): win for n in sorted(numbers)}
    elif kind == "baccarat" and spot_type in BACCARAT_OUTCOMES:
        if spot_type == "tie":
            return {"tie": 9 * stake}
        win = 2 * stake if spot_type == "player" else stake + stake * 95 // 100
        return {spot_type: win, "tie": stake}
    return {value: 2 * stake if odds is None else returns_at_odds(stake, odds)}


class _Bet:
    __slots__ = ("round_key", "currency", "spots", "odds", "open")

    def __init__(
        self, round_key: RoundKey, currency: str, spots: tuple[Spot, ...], odds: int | None
    ) -> None:
        self.round_key = round_key
        self.currency = currency
        self.spots = spots
        self.odds = odds
        self.open = True


class _Book:
    """One currency of a round. ``gain[o]`` sums the returns (stake included) of the spots that
    win or push on ``o``, so liability(o) = ``gain[o] - open_stake``; ``values`` counts the open
    spots per value (the generic outcomes)."""

    __slots__ = ("open_stake", "gain", "values", "version", "last")

    def __init__(self) -> None:
        self.open_stake = 0
        self.gain: dict[str, int] = {}
        self.values: dict[str, int] = {}
        self.version = 0
        self.last: tuple[object, ...] | None = None

    def add(self, kind: GameKind, bet: _Bet, sign: int) -> None:
        for spot in bet.spots:
            self.open_stake += sign * spot[2]
            count = self.values.get(spot[1], 0) + sign
            _put(self.values, spot[1], count)
            for outcome, amount in spot_returns(kind, spot, bet.odds).items():
                _put(self.gain, outcome, self.gain.get(outcome, 0) + sign * amount)

    def outcomes(self, kind: GameKind) -> tuple[str, ...]:
        if kind == "roulette":
            return ROULETTE_OUTCOMES
        if kind == "baccarat":
            return BACCARAT_OUTCOMES
        return (*sorted(v for v in self.values if v != OTHER), OTHER)


def _put(table: dict[str, int], key: str, value: int) -> None:
    if value:
        table[key] = value
    else:
        table.pop(key, None)


class _Round:
    __slots__ = ("status", "table_id", "game_id", "kind", "books", "bets")

    def __init__(self) -> None:
        self.status: Status = "OPEN"
        self.table_id: str | None = None
        self.game_id: str | None = None
        self.kind: GameKind | None = None
        self.books: dict[str, _Book] = {}
        self.bets: list[RoundKey] = []


class RoundBook:
    """Open liability of live-casino rounds (rules in the module docstring). Plain picklable
    state: the flow snapshots it with the shard it belongs to."""

    def __init__(self, max_finished: int = DEFAULT_MAX_FINISHED) -> None:
        if max_finished <= 0:
            msg = f"max_finished must be positive; got {max_finished}"
            raise ValueError(msg)
        self.max_finished = max_finished
        self._rounds: dict[RoundKey, _Round] = {}
        self._bets: dict[RoundKey, _Bet] = {}
        self._finished: dict[RoundKey, Status] = {}  # oldest first

    def __len__(self) -> int:
        """The number of rounds still open."""
        return len(self._rounds)

    def status(self, tenant_id: str, provider_id: str, round_id: str) -> Status | None:
        """A round's status, or None if it is unknown (or forgotten)."""
        key = (tenant_id, provider_id, round_id)
        rnd = self._rounds.get(key)
        return rnd.status if rnd is not None else self._finished.get(key)

    def apply(self, event: NormalizedEvent) -> list[RoundExposure]:
        """The new exposures of the keys ``event`` changed, in currency order."""
        if event.category != "live":
            return []
        if isinstance(event, BetPlaced):
            return self._place(event)
        if isinstance(event, BetDecided):
            return self._decide(event)
        if isinstance(event, RoundChanged | RoundResult | RoundSettled):
            return self._round_event(event)
        return []

    def _open_round(self, key: RoundKey) -> _Round | None:
        if key in self._finished:
            return None
        rnd = self._rounds.get(key)
        if rnd is None:
            rnd = self._rounds[key] = _Round()
        return rnd

    def _place(self, event: BetPlaced) -> list[RoundExposure]:
        if event.round_id is None or event.stake <= 0 or not event.selections:
            return []
        bet_key = (event.tenant_id, event.provider_id, event.bet_id)
        round_key = (event.tenant_id, event.provider_id, event.round_id)
        if bet_key in self._bets or (rnd := self._open_round(round_key)) is None:
            return []
        types = [bet_type(s.market_id) for s in event.selections]
        shares = split_stake(event.stake, len(types))
        spots = tuple(zip(types, (s.selection_id for s in event.selections), shares, strict=True))
        if rnd.kind is None:
            rnd.kind = game_kind(types)
        bet = _Bet(round_key, event.currency, spots, event.accepted_odds)
        self._bets[bet_key] = bet
        rnd.bets.append(bet_key)
        rnd.books.setdefault(event.currency, _Book()).add(rnd.kind, bet, 1)
        return self._emit(round_key, rnd, [event.currency], event.event_time_ms)

    def _decide(self, event: BetDecided) -> list[RoundExposure]:
        bet = self._bets.get((event.tenant_id, event.provider_id, event.bet_id))
        if bet is None or not bet.open:
            return []
        rnd = self._rounds[bet.round_key]
        assert rnd.kind is not None  # set by the bet's placement
        book = rnd.books[bet.currency]
        if event.decision == "REJECTED":
            book.add(rnd.kind, bet, -1)
            bet.open = False
        elif event.accepted_odds is not None and event.accepted_odds != bet.odds:
            book.add(rnd.kind, bet, -1)
            bet.odds = event.accepted_odds
            book.add(rnd.kind, bet, 1)
        else:
            return []
        return self._emit(bet.round_key, rnd, [bet.currency], event.event_time_ms)

    def _round_event(self, event: RoundChanged | RoundResult | RoundSettled) -> list[RoundExposure]:
        key = (event.tenant_id, event.provider_id, event.round_id)
        rnd = self._open_round(key)
        if rnd is None:
            return []
        if not isinstance(event, RoundSettled):
            rnd.table_id = event.table_id if event.table_id is not None else rnd.table_id
            rnd.game_id = event.game_id if event.game_id is not None else rnd.game_id
        if isinstance(event, RoundChanged):
            if event.change == "BETTING_CLOSED" and rnd.status == "OPEN":
                rnd.status = "CLOSED"
            elif event.change == "ABORTED":
                rnd.status = "VOID"
        else:
            rnd.status = "SETTLED"
        if rnd.status not in ("SETTLED", "VOID"):
            return self._emit(key, rnd, sorted(rnd.books), event.event_time_ms)
        for bet_key in rnd.bets:  # release every bet
            del self._bets[bet_key]
        for book in rnd.books.values():
            book.open_stake, book.gain, book.values = 0, {}, {}
        out = self._emit(key, rnd, sorted(rnd.books), event.event_time_ms)
        del self._rounds[key]
        self._finished[key] = rnd.status
        while len(self._finished) > self.max_finished:
            del self._finished[next(iter(self._finished))]
        return out

    def _emit(
        self, key: RoundKey, rnd: _Round, currencies: list[str], as_of_ms: int
    ) -> list[RoundExposure]:
        out = []
        kind = rnd.kind or "generic"
        for currency in currencies:
            book = rnd.books[currency]
            outcomes = [
                OutcomeLiability(outcome=o, liability=book.gain.get(o, 0) - book.open_stake)
                for o in book.outcomes(kind)
            ]
            worst = max(o.liability for o in outcomes)
            content = (rnd.table_id, rnd.game_id, kind, rnd.status, book.open_stake, outcomes)
            if content == book.last:
                continue
            book.last = content
            book.version += 1
            out.append(
                RoundExposure(
                    tenant_id=key[0],
                    version=book.version,
                    as_of_ms=as_of_ms,
                    provider_id=key[1],
                    round_id=key[2],
                    table_id=rnd.table_id,
                    game_id=rnd.game_id,
                    game_kind=kind,
                    currency=currency,
                    status=rnd.status,
                    open_stake=book.open_stake,
                    outcomes=outcomes,
                    worst_case=worst,
                )
            )
        return out
