"""Generated sample feed of the live-casino bridge (``schemas.live``), for the demo, tests and
benchmarks.

``live_lines(seed, rounds)``: one JSON message per item, ordered by message time, deterministic
for a seed (``random.Random(seed)``; no clock, no global state). Every message is one that
``wagerflow.adapters.live`` accepts, and no two messages share a dedup key.

The stream: ``limits.update`` for the four limit profiles, then ``rounds`` rounds on a few
roulette and baccarat tables. Each round is one seated player's: ``bet.place`` legs (some with a
``betId``, all with an ``idempotencyKey``), ``bet.accepted`` or ``bet.rejected`` (over the
profile's max stake, or over the balance), and a ``round.settle`` of the accepted bets with a
DEBIT per stake, a CREDIT per win and the balance after (a rare aborted round is all VOID).
A ``thresholds.update`` restates the EUR round threshold. Mid-stream a profile's limits are
hot-updated; sometimes a ``provider.error``; every session ends
with ``session.close``. A session stays at one table, so its balances follow in time order.

Amounts are decimal strings in each currency's minor unit (see ``bridge_common``).
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from wagerflow.samples.bridge_common import (
    CURRENCIES,
    CURRENCY_WEIGHTS,
    RED,
    STAKES_MAJOR,
    START_MS,
    Stream,
    minor_units,
    money_text,
)

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


class _Seat:
    """One player's session at one table."""

    def __init__(self, rnd: random.Random, table: str, n: int) -> None:
        self.session_id = f"ls-{n + 1:05d}"
        self.player_id = f"p{rnd.randint(1, 400):04d}"
        self.table = table
        self.currency = rnd.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
        self.profile = rnd.choices(list(_PROFILES), [70, 18, 9, 3])[0]
        unit = minor_units(rnd.choice(STAKES_MAJOR[self.currency]), self.currency)
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
    colour = "red" if number in RED else "black" if number else "green"
    return ("WIN", Decimal(2)) if key == colour else ("LOSE", Decimal(0))


def _live_round(
    stream: Stream, rnd: random.Random, n: int, seat: _Seat, t: int, max_stake: int
) -> None:
    game = "baccarat" if seat.table.startswith("bac") else "roulette"
    round_id = f"{seat.table}-{n + 1:06d}"
    accepted: list[tuple[str, int, str]] = []
    for k in range(rnd.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
        t += rnd.randint(200, 2_500)
        legs, key = _legs(rnd, game)
        stake = minor_units(rnd.choice(STAKES_MAJOR[seat.currency]), seat.currency)
        if rnd.random() < 0.04:
            stake *= 200  # a high roller's attempt, usually over the limit
        idempotency_key = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        fields: dict[str, Any] = {
            "idempotencyKey": idempotency_key,
            "sessionId": seat.session_id,
            "roundId": round_id,
            "selection": legs,
            "stake": {"amount": money_text(stake, seat.currency), "currency": seat.currency},
            "limitsProfile": seat.profile,
            "playerId": seat.player_id,
            "tableId": seat.table,
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
                    "stake": money_text(stake, seat.currency),
                    "payout": money_text(payout, seat.currency),
                    "outcome": outcome,
                }
            )
            transactions.append(
                {
                    "id": f"tx-{bet_id}-d",
                    "type": "DEBIT",
                    "amount": money_text(stake, seat.currency),
                }
            )
            if payout:
                transactions.append(
                    {
                        "id": f"tx-{bet_id}-c",
                        "type": "CREDIT",
                        "amount": money_text(payout, seat.currency),
                    }
                )
        stream.add(
            t,
            "round.settle",
            roundId=round_id,
            bets=bets,
            transactions=transactions,
            balanceAfter=money_text(seat.balance, seat.currency),
            currency=seat.currency,
            sessionId=seat.session_id,
        )
    seat.last_ms = t


def live_lines(seed: int, rounds: int) -> list[bytes]:
    """A live-casino bridge stream of ``rounds`` player rounds on a few tables, with limit
    profiles, a hot limit update, provider errors and session closes. Deterministic for
    ``seed``."""
    rnd = random.Random(seed)  # noqa: S311  sample data, not cryptography
    stream = Stream(rnd)
    limits: dict[tuple[str, str], int] = {}
    for profile, eur in _PROFILES.items():
        for currency, rate in _LIMIT_RATES.items():
            max_stake = minor_units(str(eur * rate), currency)
            limits[profile, currency] = max_stake
            stream.add(
                START_MS - 60_000,
                "limits.update",
                profile=profile,
                scope=f"currency:{currency}",
                currency=currency,
                maxStake=money_text(max_stake, currency),
                maxPayout=money_text(max_stake * 500, currency),
                maxLiability=money_text(max_stake * 5_000, currency),
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
            limits["DEFAULT", "EUR"] = minor_units("25", "EUR")
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
    # drawn last, so the rest of the stream is unchanged; the built-in figure, restated
    stream.add(START_MS - 30_000, "thresholds.update", currency="EUR", roundLiability="10000.00")
    return stream.lines()
