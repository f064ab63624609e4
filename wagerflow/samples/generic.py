"""Generated sample feed of the integration bridge's generic format (``schemas.generic``), for
the demo, tests and benchmarks.

``generic_lines(seed, events)``: one JSON message per item, ordered by message time,
deterministic for a seed (``random.Random(seed)``; no clock, no global state). Every message is
one that ``wagerflow.adapters.generic`` accepts, and no two messages share a dedup key.

First a few ``playerUpdated`` (the player directory). For each of ``events`` football matches
(sport ``1``, competitions ``c1``/``c2``): ``eventCreated``; prices for four
lines (1X2 ``1``, draw-no-bet ``11``, total ``18`` with ``total=2.5``, Asian handicap ``16`` with
``hcp=-0.25``) that then move; bets placed at the current price (``BetPlaced``); often a
suspension (``eventSuspended``, every line repriced inactive, ``eventResumed``, prices again);
``eventFinished``; ``eventResult`` for the lines without specifiers; and a ``BetSettled`` per
bet consistent with a simulated score (WIN, LOSE, PUSH on a draw-no-bet draw, HALF_WIN and
HALF_LOSE on the quarter handicap, an occasional VOID). Interleaved: as many slot sessions
(``SpinRequested``/``SpinResult`` pairs with a running balance, some free spins) and as many live
roulette rounds (``LiveRoundStart``, ``bettingOpen``, ``bettingClosed``, ``roundResult`` with
payouts, sometimes ``roundAborted``). Times are epoch ms, some ISO-8601 (``Z`` or ``+02:00``).

Amounts are decimal strings in each currency's minor unit (see ``bridge_common``).
"""

from __future__ import annotations

import random
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
    stamp,
)

_TEAMS = [
    "Arsenal", "Chelsea", "Liverpool", "Everton", "Ajax", "PSV", "Porto", "Benfica", "Celtic",
    "Rangers", "Napoli", "Lazio", "Sevilla", "Valencia", "Lyon", "Monaco",
]  # fmt: skip
_SYMBOLS = ["A", "K", "Q", "J", "10", "7", "BAR", "BELL", "WILD", "SCATTER"]
_SLOT_GAMES = ["book-of-gold", "fruit-blaze", "dragon-reels"]


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


def _match(stream: Stream, rnd: random.Random, n: int) -> None:
    event_id = f"ev{100_000 + n}"
    home_team, away_team = rnd.sample(_TEAMS, 2)
    t = START_MS + n * rnd.randint(20_000, 60_000)
    stream.add(
        t,
        "eventCreated",
        eventId=event_id,
        name=f"{home_team} v {away_team}",
        startTime=stamp(rnd, t + 3_600_000),
        sportId="1",
        competitionId=f"c{n % 2 + 1}",
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
            currency = rnd.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
            stake = minor_units(rnd.choice(STAKES_MAJOR[currency]), currency)
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
                stake={"amount": money_text(stake, currency), "currency": currency},
                acceptedOdds=str(odds),
                potentialPayout=money_text(_payout("WIN", stake, odds), currency),
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
        payout = money_text(_payout(outcome, stake, odds), currency)
        stream.add(t, "BetSettled", betId=bet_id, outcome=outcome, payout=payout, currency=currency)


def _slot_session(stream: Stream, rnd: random.Random, n: int) -> None:
    session_id = f"slot-s{n + 1:05d}"
    game_id = rnd.choice(_SLOT_GAMES)
    currency = rnd.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
    bet = minor_units(rnd.choice(STAKES_MAJOR[currency][:3]), currency)
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
            betAmount=money_text(amount, currency),
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
            payout=money_text(payout, currency),
            balance=money_text(balance, currency),
            currency=currency,
            gameId=game_id,
        )


def _roulette_table_round(stream: Stream, rnd: random.Random, n: int) -> None:
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
    colour = "GREEN" if number == 0 else "RED" if number in RED else "BLACK"
    payouts = []
    for k in range(rnd.choices(range(5), [30, 30, 20, 12, 8])[0]):
        currency = rnd.choices(CURRENCIES, CURRENCY_WEIGHTS)[0]
        stake = minor_units(rnd.choice(STAKES_MAJOR[currency]), currency)
        multiple = rnd.choice([2, 3, 36])
        payouts.append(
            {
                "betId": f"{round_id}-b{k + 1}",
                "playerId": f"p{rnd.randint(1, 400):04d}",
                "amount": money_text(stake * multiple, currency),
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
    stream = Stream(rnd)
    for n in range(events):
        _match(stream, rnd, n)
        _slot_session(stream, rnd, n)
        _roulette_table_round(stream, rnd, n)
    players = ("VIP_A", "VIP_B") if events else ()
    for k, profile in enumerate(players):  # drawn last: the rest is unchanged
        stream.add(
            START_MS - 1_000 + k,
            "playerUpdated",
            playerId=f"p{k + 1:04d}",
            country="MT",
            kycStatus="VERIFIED",
            limitsProfile=profile,
        )
    return stream.lines()
