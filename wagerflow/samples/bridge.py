"""Generated sample feeds of the integration bridge, for the demo, tests and benchmarks.

``generic_lines(seed, events)`` is a generic-feed stream (``schemas.generic``) and
``live_lines(seed, rounds)`` a live-casino bridge stream (``schemas.live``): one JSON message per
item, ordered by message time, deterministic for a seed (``random.Random(seed)``; no clock, no
global state). Every message is one that ``wagerflow.adapters.generic`` or
``wagerflow.adapters.live`` accepts, and no two messages share a dedup key.

The generic stream, for each of ``events`` football matches: ``eventCreated``; prices for four
lines (1X2 ``1``, draw-no-bet ``11``, total ``18`` with ``total=2.5``, Asian handicap ``16`` with
``hcp=-0.25``) that then move; bets placed at the current price (``BetPlaced``); often a
suspension (``eventSuspended``, every line repriced inactive, ``eventResumed``, prices again);
``eventFinished``; ``eventResult`` for the lines without specifiers; and a ``BetSettled`` per
bet consistent with a simulated score (WIN, LOSE, PUSH on a draw-no-bet draw, HALF_WIN and
HALF_LOSE on the quarter handicap, an occasional VOID). Interleaved: as many slot sessions
(``SpinRequested``/``SpinResult`` pairs with a running balance, some free spins) and as many live
roulette rounds (``LiveRoundStart``, ``bettingOpen``, ``bettingClosed``, ``roundResult`` with
payouts, sometimes ``roundAborted``). Times are epoch ms, some ISO-8601 (``Z`` or ``+02:00``).

The live stream: ``limits.update`` for the four limit profiles, then ``rounds`` rounds on a few
roulette and baccarat tables. Each round is one seated player's: ``bet.place`` legs (some with a
``betId``, all with an ``idempotencyKey``), ``bet.accepted`` or ``bet.rejected`` (over the
profile's max stake, or over the balance), and a ``round.settle`` of the accepted bets with a
DEBIT per stake, a CREDIT per win and the balance after (a rare aborted round is all VOID).
Mid-stream a profile's limits are hot-updated; sometimes a ``provider.error``; every session ends
with ``session.close``. A session stays at one table, so its balances follow in time order.

Amounts are decimal strings in each currency's minor unit (EUR/GBP/USD two decimals, JPY none,
KWD three); payouts are computed in integer minor units, rounded down.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec

from wagerflow.money import currency_exponent

START_MS = 1_768_050_000_000
"""2026-01-10T13:00:00Z: when every sample stream starts."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLUS_TWO = timezone(timedelta(hours=2))
_CURRENCIES = ["EUR", "GBP", "USD", "JPY", "KWD"]
_CURRENCY_WEIGHTS = [50, 25, 15, 6, 4]
_STAKES_MAJOR: dict[str, list[str]] = {
    "EUR": ["1", "2", "5", "10", "20", "50", "100"],
    "GBP": ["1", "2.50", "5", "10", "25", "50"],
    "USD": ["1", "5", "10", "25", "100"],
    "JPY": ["100", "500", "1000", "5000"],
    "KWD": ["0.500", "1", "2.250", "5"],
}
_TEAMS = [
    "Arsenal", "Chelsea", "Liverpool", "Everton", "Ajax", "PSV", "Porto", "Benfica", "Celtic",
    "Rangers", "Napoli", "Lazio", "Sevilla", "Valencia", "Lyon", "Monaco",
]  # fmt: skip
_SYMBOLS = ["A", "K", "Q", "J", "10", "7", "BAR", "BELL", "WILD", "SCATTER"]
_SLOT_GAMES = ["book-of-gold", "fruit-blaze", "dragon-reels"]
_RED = frozenset({1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36})
_ERROR_CODES: list[str | int] = ["TABLE_UNAVAILABLE", "DEALER_CHANGE_TIMEOUT", 503]
_PROFILES = {"DEFAULT": 50, "VIP_A": 500, "VIP_B": 2_000, "Ultra": 10_000}
"""Each limit profile's max stake in EUR; other currencies scale by ``_LIMIT_RATES``."""
_LIMIT_RATES = {
    "EUR": Decimal(1),
    "GBP": Decimal("0.8"),
    "USD": Decimal(1),
    "JPY": Decimal(150),
    "KWD": Decimal("0.3"),
}


def _encode(message: dict[str, Any]) -> bytes:
    return msgspec.json.encode(message)


def _money(minor: int, currency: str) -> str:
    """Integer minor units -> the exact decimal text of major units (``1050`` EUR -> ``10.50``)."""
    return format(Decimal(minor).scaleb(-currency_exponent(currency)), "f")


def _minor(major: str, currency: str) -> int:
    return int(Decimal(major).scaleb(currency_exponent(currency)))


def _stamp(rnd: random.Random, ms: int) -> int | str:
    """Mostly epoch ms; sometimes the same instant as ISO-8601 in UTC or at +02:00."""
    draw = rnd.random()
    if draw < 0.75:
        return ms
    instant = _EPOCH + timedelta(milliseconds=ms)
    if draw < 0.95:
        return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return instant.astimezone(_PLUS_TWO).isoformat(timespec="milliseconds")


class _Stream:
    """Messages with their times, sorted (stably) by time at the end."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.items: list[tuple[int, int, bytes]] = []

    def add(self, ms: int, kind: str, **fields: Any) -> None:
        message = {"type": kind, "timestamp": _stamp(self.rnd, ms), **fields}
        self.items.append((ms, len(self.items), _encode(message)))

    def lines(self) -> list[bytes]:
        return [raw for _, _, raw in sorted(self.items)]


# --- the generic feed -------------------------------------------------------------------------


def _price(rnd: random.Random, probability: float) -> Decimal:
    """Decimal odds for a probability with a ~6 % margin, to two decimals, at least 1.01."""
    odds = Decimal(1 / (probability * 1.06)).quantize(Decimal("0.01"))
    return max(odds + Decimal(rnd.randint(-3, 3)) / 100, Decimal("1.01"))


def _lines_for(rnd: random.Random) -> dict[str, tuple[dict[str, str], dict[str, Decimal]]]:
    """The four lines of a match: market id -> (specifiers, selection id -> odds)."""
    home = rnd.uniform(0.25, 0.6)
    draw = rnd.uniform(0.22, 0.3)
    away = 1 - home - draw
    over = rnd.uniform(0.4, 0.6)
    return {
        "1": ({}, {"1": _price(rnd, home), "X": _price(rnd, draw), "2": _price(rnd, away)}),
        "11": (
            {},
            {"4": _price(rnd, home / (home + away)), "5": _price(rnd, away / (home + away))},
        ),
        "18": ({"total": "2.5"}, {"12": _price(rnd, over), "13": _price(rnd, 1 - over)}),
        "16": ({"hcp": "-0.25"}, {"1714": _price(rnd, 0.5), "1715": _price(rnd, 0.5)}),
    }


def _odds_message(
    event_id: str, market: str, line: tuple[dict[str, str], dict[str, Decimal]], active: bool
) -> dict[str, Any]:
    specifiers, prices = line
    fields: dict[str, Any] = {"eventId": event_id, "marketId": market}
    if specifiers:
        fields["specifiers"] = specifiers
    fields["selections"] = [
        {"selectionId": sid, "odds": str(odds), "active": active} for sid, odds in prices.items()
    ]
    return fields


def _outcome(market: str, selection: str, home: int, away: int) -> str:
    """A bet's outcome on the simulated final score."""
    if market == "1":
        winner = "1" if home > away else "2" if away > home else "X"
        return "WIN" if selection == winner else "LOSE"
    if market == "11":
        if home == away:
            return "PUSH"
        return "WIN" if (selection == "4") == (home > away) else "LOSE"
    if market == "18":
        return "WIN" if (selection == "12") == (home + away > 2) else "LOSE"
    # "16": home -0.25 (1714) / away +0.25 (1715); a draw splits the stake
    if home == away:
        return "HALF_LOSE" if selection == "1714" else "HALF_WIN"
    return "WIN" if (selection == "1714") == (home > away) else "LOSE"


def _payout(outcome: str, stake: int, odds: Decimal) -> int:
    """Minor units paid for a settled bet, rounded down."""
    if outcome == "WIN":
        return int(stake * odds)
    if outcome in ("PUSH", "VOID"):
        return stake
    if outcome == "HALF_WIN":
        return int(stake * (odds + 1) / 2)
    if outcome == "HALF_LOSE":
        return stake // 2
    return 0


def _match(stream: _Stream, rnd: random.Random, n: int) -> None:
    event_id = f"ev{100_000 + n}"
    home_team, away_team = rnd.sample(_TEAMS, 2)
    t = START_MS + n * rnd.randint(20_000, 60_000)
    stream.add(
        t,
        "eventCreated",
        eventId=event_id,
        name=f"{home_team} v {away_team}",
        startTime=_stamp(rnd, t + 3_600_000),
        sport="football",  # not modelled: shows that unknown fields are tolerated
    )
    lines = _lines_for(rnd)
    for market, line in lines.items():
        t += rnd.randint(50, 400)
        stream.add(t, "oddsChanged", **_odds_message(event_id, market, line, True))
    bets: list[tuple[str, str, str, int, str, Decimal]] = []
    suspend_at = rnd.randint(3, 12) if rnd.random() < 0.6 else -1
    for step in range(rnd.randint(8, 20)):
        t += rnd.randint(500, 8_000)
        if step == suspend_at:
            reason = rnd.choice(["goal", "var_check", "red_card", "penalty"])
            stream.add(t, "eventSuspended", eventId=event_id, reason=reason)
            for market, line in lines.items():
                t += rnd.randint(5, 50)
                stream.add(t, "oddsChanged", **_odds_message(event_id, market, line, False))
            t += rnd.randint(20_000, 90_000)
            stream.add(t, "eventResumed", eventId=event_id)
            for market, line in lines.items():
                t += rnd.randint(5, 50)
                stream.add(t, "oddsChanged", **_odds_message(event_id, market, line, True))
        elif rnd.random() < 0.6:
            market = rnd.choice(list(lines))
            prices = lines[market][1]
            selection = rnd.choice(list(prices))
            prices[selection] = max(
                prices[selection] + Decimal(rnd.choice([-10, -5, -2, 2, 5, 10])) / 100,
                Decimal("1.01"),
            )
            stream.add(t, "oddsChanged", **_odds_message(event_id, market, lines[market], True))
        else:
            market = rnd.choice(list(lines))
            specifiers, prices = lines[market]
            selection = rnd.choice(list(prices))
            currency = rnd.choices(_CURRENCIES, _CURRENCY_WEIGHTS)[0]
            stake = _minor(rnd.choice(_STAKES_MAJOR[currency]), currency)
            odds = prices[selection]
            bet_id = f"b-{event_id}-{len(bets) + 1}"
            fields: dict[str, Any] = {
                "betId": bet_id,
                "eventId": event_id,
                "marketId": market,
            }
            if specifiers:
                fields["specifiers"] = specifiers
            fields.update(
                selectionId=selection,
                stake={"amount": _money(stake, currency), "currency": currency},
                acceptedOdds=str(odds),
                potentialPayout=_money(_payout("WIN", stake, odds), currency),
                playerId=f"p{rnd.randint(1, 400):04d}",
            )
            stream.add(t, "BetPlaced", **fields)
            bets.append((bet_id, market, selection, stake, currency, odds))
    home = rnd.choices(range(5), [30, 35, 20, 10, 5])[0]
    away = rnd.choices(range(5), [35, 35, 18, 8, 4])[0]
    t += rnd.randint(60_000, 300_000)
    stream.add(t, "eventFinished", eventId=event_id)
    t += rnd.randint(1_000, 5_000)
    winner_1x2 = "1" if home > away else "2" if away > home else "X"
    stream.add(t, "eventResult", eventId=event_id, marketId="1", winners=[winner_1x2])
    t += rnd.randint(10, 200)
    if home == away:
        stream.add(t, "eventResult", eventId=event_id, marketId="11", winners=[], voided=["4", "5"])
    else:
        dnb = ["4"] if home > away else ["5"]
        stream.add(t, "eventResult", eventId=event_id, marketId="11", winners=dnb)
    for bet_id, market, selection, stake, currency, odds in bets:
        t += rnd.randint(10, 500)
        outcome = "VOID" if rnd.random() < 0.03 else _outcome(market, selection, home, away)
        payout = _money(_payout(outcome, stake, odds), currency)
        stream.add(t, "BetSettled", betId=bet_id, outcome=outcome, payout=payout, currency=currency)


def _slot_session(stream: _Stream, rnd: random.Random, n: int) -> None:
    session_id = f"slot-s{n + 1:05d}"
    game_id = rnd.choice(_SLOT_GAMES)
    currency = rnd.choices(_CURRENCIES, _CURRENCY_WEIGHTS)[0]
    bet = _minor(rnd.choice(_STAKES_MAJOR[currency][:3]), currency)
    balance = bet * rnd.randint(40, 200)
    t = START_MS + rnd.randint(0, 600_000)
    free_spins = 0
    for spin in range(rnd.randint(3, 15)):
        spin_id = f"{session_id}-{spin + 1}"
        amount = 0 if free_spins else min(bet, balance)
        if not free_spins and amount == 0:
            break
        free_spins = max(free_spins - 1, 0)
        balance -= amount
        t += rnd.randint(1_500, 6_000)
        stream.add(
            t,
            "SpinRequested",
            sessionId=session_id,
            spinId=spin_id,
            betAmount=_money(amount, currency),
            currency=currency,
            gameId=game_id,
        )
        symbols = rnd.choices(_SYMBOLS, k=5)
        multiplier = rnd.choices(["0", "0.5", "1", "2", "5", "20"], [62, 12, 12, 8, 5, 1])[0]
        payout = int(bet * Decimal(multiplier))
        if symbols.count("SCATTER") >= 2:
            free_spins += 3
        balance += payout
        t += rnd.randint(300, 1_200)
        stream.add(
            t,
            "SpinResult",
            sessionId=session_id,
            spinId=spin_id,
            symbols=symbols,
            payout=_money(payout, currency),
            balance=_money(balance, currency),
            currency=currency,
            gameId=game_id,
        )


def _roulette_table_round(stream: _Stream, rnd: random.Random, n: int) -> None:
    table_id = f"rt-{n % 3 + 1}"
    round_id = f"{table_id}-{n + 1:06d}"
    t = START_MS + n * rnd.randint(40_000, 50_000) // 3
    stream.add(t, "LiveRoundStart", roundId=round_id, tableId=table_id, gameId="roulette")
    t += rnd.randint(100, 500)
    stream.add(t, "bettingOpen", roundId=round_id, tableId=table_id)
    t += 15_000
    stream.add(t, "bettingClosed", roundId=round_id, tableId=table_id)
    t += rnd.randint(8_000, 14_000)
    if rnd.random() < 0.03:
        reason = rnd.choice(["ball_off_wheel", "dealer_error", "no_spin"])
        stream.add(t, "roundAborted", roundId=round_id, reason=reason, tableId=table_id)
        return
    number = rnd.randint(0, 36)
    colour = "GREEN" if number == 0 else "RED" if number in _RED else "BLACK"
    payouts = []
    for k in range(rnd.choices(range(5), [30, 30, 20, 12, 8])[0]):
        currency = rnd.choices(_CURRENCIES, _CURRENCY_WEIGHTS)[0]
        stake = _minor(rnd.choice(_STAKES_MAJOR[currency]), currency)
        multiple = rnd.choice([2, 3, 36])
        payouts.append(
            {
                "betId": f"{round_id}-b{k + 1}",
                "playerId": f"p{rnd.randint(1, 400):04d}",
                "amount": _money(stake * multiple, currency),
                "currency": currency,
            }
        )
    stream.add(
        t,
        "roundResult",
        roundId=round_id,
        outcome=f"{number} {colour}",
        payouts=payouts,
        tableId=table_id,
        gameId="roulette",
    )


def generic_lines(seed: int, events: int) -> list[bytes]:
    """A generic-feed stream: ``events`` football matches, as many slot sessions and as many
    live roulette rounds, interleaved in time order. Deterministic for ``seed``."""
    rnd = random.Random(seed)  # noqa: S311  sample data, not cryptography
    stream = _Stream(rnd)
    for n in range(events):
        _match(stream, rnd, n)
        _slot_session(stream, rnd, n)
        _roulette_table_round(stream, rnd, n)
    return stream.lines()


# --- the live-casino bridge -------------------------------------------------------------------


class _Seat:
    """One player's session at one table."""

    def __init__(self, rnd: random.Random, table: str, n: int) -> None:
        self.session_id = f"ls-{n + 1:05d}"
        self.player_id = f"p{rnd.randint(1, 400):04d}"
        self.table = table
        self.currency = rnd.choices(_CURRENCIES, _CURRENCY_WEIGHTS)[0]
        self.profile = rnd.choices(list(_PROFILES), [70, 18, 9, 3])[0]
        unit = _minor(rnd.choice(_STAKES_MAJOR[self.currency]), self.currency)
        self.balance = unit * rnd.randint(10, 120)
        self.last_ms = START_MS


def _legs(rnd: random.Random, game: str) -> tuple[list[dict[str, Any]], str]:
    """One bet's legs (``selection``) and the key its win is judged by."""
    if game == "baccarat":
        side = rnd.choices(["banker", "player", "tie"], [46, 44, 10])[0]
        return [{"market": side, "value": side}], side
    kind = rnd.choices(["straight", "red", "black", "dozen"], [30, 30, 25, 15])[0]
    if kind == "straight":
        number = rnd.randint(0, 36)
        return [{"market": "straight", "value": number}], f"straight:{number}"
    if kind == "dozen":
        dozen = rnd.randint(1, 3)
        return [{"market": "dozen", "value": str(dozen)}], f"dozen:{dozen}"
    return [{"market": kind, "value": kind}], kind


def _settle_multiple(key: str, game: str, rnd_result: int) -> tuple[str, Decimal]:
    """(outcome, payout multiple of the stake) for a bet judged by ``key``."""
    if game == "baccarat":
        winner = ["banker", "player", "tie"][rnd_result]
        if winner == "tie" and key != "tie":
            return "PUSH", Decimal(1)
        if key != winner:
            return "LOSE", Decimal(0)
        return "WIN", {"banker": Decimal("1.95"), "player": Decimal(2), "tie": Decimal(9)}[key]
    number = rnd_result
    if key.startswith("straight:"):
        won = int(key.partition(":")[2]) == number
        return ("WIN", Decimal(36)) if won else ("LOSE", Decimal(0))
    if key.startswith("dozen:"):
        won = number > 0 and (number - 1) // 12 + 1 == int(key.partition(":")[2])
        return ("WIN", Decimal(3)) if won else ("LOSE", Decimal(0))
    colour = "red" if number in _RED else "black" if number else "green"
    return ("WIN", Decimal(2)) if key == colour else ("LOSE", Decimal(0))


def _live_round(
    stream: _Stream, rnd: random.Random, n: int, seat: _Seat, t: int, max_stake: int
) -> None:
    game = "baccarat" if seat.table.startswith("bac") else "roulette"
    round_id = f"{seat.table}-{n + 1:06d}"
    accepted: list[tuple[str, int, str]] = []
    for k in range(rnd.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
        t += rnd.randint(200, 2_500)
        legs, key = _legs(rnd, game)
        stake = _minor(rnd.choice(_STAKES_MAJOR[seat.currency]), seat.currency)
        if rnd.random() < 0.04:
            stake *= 200  # a high roller's attempt, usually over the limit
        idempotency_key = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        fields: dict[str, Any] = {
            "idempotencyKey": idempotency_key,
            "sessionId": seat.session_id,
            "roundId": round_id,
            "selection": legs,
            "stake": {"amount": _money(stake, seat.currency), "currency": seat.currency},
            "limitsProfile": seat.profile,
            "playerId": seat.player_id,
        }
        bet_id = idempotency_key
        if rnd.random() < 0.5:
            bet_id = f"{round_id}-b{k + 1}"
            fields["betId"] = bet_id
        stream.add(t, "bet.place", **fields)
        t += rnd.randint(20, 150)
        ref = {"betId": bet_id} if "betId" in fields else {}
        ref["idempotencyKey"] = idempotency_key
        if stake > max_stake:
            stream.add(t, "bet.rejected", **ref, reason="LIMIT_EXCEEDED")
        elif stake > seat.balance:
            stream.add(t, "bet.rejected", **ref, reason="INSUFFICIENT_FUNDS")
        else:
            seat.balance -= stake
            stream.add(t, "bet.accepted", **ref)
            accepted.append((bet_id, stake, key))
    t += rnd.randint(15_000, 30_000)
    if accepted:
        aborted = rnd.random() < 0.02
        result = rnd.randint(0, 2) if game == "baccarat" else rnd.randint(0, 36)
        bets, transactions = [], []
        for bet_id, stake, key in accepted:
            outcome, multiple = (
                ("VOID", Decimal(1)) if aborted else _settle_multiple(key, game, result)
            )
            payout = int(stake * multiple)
            seat.balance += payout
            bets.append(
                {
                    "betId": bet_id,
                    "stake": _money(stake, seat.currency),
                    "payout": _money(payout, seat.currency),
                    "outcome": outcome,
                }
            )
            transactions.append(
                {"id": f"tx-{bet_id}-d", "type": "DEBIT", "amount": _money(stake, seat.currency)}
            )
            if payout:
                transactions.append(
                    {
                        "id": f"tx-{bet_id}-c",
                        "type": "CREDIT",
                        "amount": _money(payout, seat.currency),
                    }
                )
        stream.add(
            t,
            "round.settle",
            roundId=round_id,
            bets=bets,
            transactions=transactions,
            balanceAfter=_money(seat.balance, seat.currency),
            currency=seat.currency,
            sessionId=seat.session_id,
        )
    seat.last_ms = t


def live_lines(seed: int, rounds: int) -> list[bytes]:
    """A live-casino bridge stream of ``rounds`` player rounds on a few tables, with limit
    profiles, a hot limit update, provider errors and session closes. Deterministic for
    ``seed``."""
    rnd = random.Random(seed)  # noqa: S311  sample data, not cryptography
    stream = _Stream(rnd)
    limits: dict[tuple[str, str], int] = {}
    for profile, eur in _PROFILES.items():
        for currency, rate in _LIMIT_RATES.items():
            max_stake = _minor(str(eur * rate), currency)
            limits[profile, currency] = max_stake
            stream.add(
                START_MS - 60_000,
                "limits.update",
                profile=profile,
                scope=f"currency:{currency}",
                currency=currency,
                maxStake=_money(max_stake, currency),
                maxPayout=_money(max_stake * 500, currency),
                maxLiability=_money(max_stake * 5_000, currency),
            )
    tables = ["rou-1", "rou-2", "bac-1"]
    seats = [_Seat(rnd, tables[i % len(tables)], i) for i in range(max(1, rounds // 8) * 3)]
    clocks = {table: START_MS + i * 7_000 for i, table in enumerate(tables)}
    update_at = rounds // 2
    errors: set[tuple[str, str | int, int]] = set()
    for n in range(rounds):
        table = tables[n % len(tables)]
        seat = rnd.choice([s for s in seats if s.table == table])
        if n == update_at:
            limits["DEFAULT", "EUR"] = _minor("25", "EUR")
            stream.add(
                clocks[table],
                "limits.update",
                profile="DEFAULT",
                scope="currency:EUR",
                currency="EUR",
                maxStake="25.00",
            )
        if rnd.random() < 0.03:
            code = rnd.choice(_ERROR_CODES)
            producer = rnd.choice(["evolution", "pragmatic-live"])
            at = clocks[table] + 1
            while (producer, code, at) in errors:  # another table's error at the same ms
                at += 1
            errors.add((producer, code, at))
            stream.add(
                at,
                "provider.error",
                code=code,
                message=f"{table}: {str(code).lower().replace('_', ' ')}",
                producer=producer,
            )
        limit = limits[seat.profile, seat.currency]
        _live_round(stream, rnd, n, seat, clocks[table] + 2, limit)
        clocks[table] = seat.last_ms + rnd.randint(3_000, 8_000)
    for seat in seats:
        reason = rnd.choice(["logout", "timeout", "balance_depleted"])
        stream.add(
            max(seat.last_ms, clocks[seat.table]) + 1,
            "session.close",
            sessionId=seat.session_id,
            playerId=seat.player_id,
            reason=reason,
        )
    return stream.lines()
