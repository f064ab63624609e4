"""MONEY.md §4.1-4.4 on the real embedded ClickHouse: call sequences of each wallet provider,
framed as the ingress writes them, through the adapters, the casino books, the analytics rows
and the migrations; ``ggr_hourly`` per hour against a from-scratch computation of the rules.

The oracle reads MONEY.md, not the code: cash stakes are cash turnover, free-bet stakes bonus
turnover, every game win (jackpots included) is a win, promo / bonus credits and adjustments are
bonus cost (signed), GGR = cash turnover - wins, NGR = GGR - bonus cost; a refunded or
rolled-back bet counts nothing; a round closed without a win settles its bet LOSE. Booked as a
ledger: a bet's stake in the hour it first settles (its first win, or the close), each win in
its own hour, a reversal in the hour of the rollback. Times come from the calls themselves
(the ingress prefix, Pragmatic's ``timestamp``), so a bet settles at its call's hour, never at 0.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagerflow.adapters.base import RawMeta
from wagerflow.adapters.registry import ADAPTERS
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, TableRow, keyed_rows
from wagerflow.connectors import clickhouse_client, clickhouse_migrations
from wagerflow.connectors.clickhouse_sink import AnalyticsSink
from wagerflow.schemas.events import NO_SOURCE, WalletTransaction
from wagerflow.schemas.wallet import frame_request
from wagerflow.settle.casino.settlement import CasinoSettlement

HOUR = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
PSEUDO = Pseudonymizer(b"test-key")

Books = dict[int, list[int]]  # hour (epoch s) -> [cash, bonus, wins, bonus_cost]
# Evolution has no round-close call: "close" sends nothing there (a lost bet is a credit of 0).


@dataclass
class Round:
    stake: int  # minor units (EUR cents)
    free: bool
    wins: list[tuple[int, int]]  # (amount, hour offset)
    end: str  # "open" | "close" | "cancel"
    bet_h: int
    end_h: int


@dataclass
class Credit:
    kind: str  # "jackpot" | "promo" | "bonus" | "adjust"
    amount: int  # signed for "adjust"
    h: int


def _hour(h: int) -> int:
    return (T0 + h * HOUR) // 1000


def oracle(rounds: list[Round], credits: list[Credit], provider: str) -> Books:
    books: Books = defaultdict(lambda: [0, 0, 0, 0])
    for r in rounds:
        ledger: list[tuple[int, int, int]] = []  # (hour, stake line, win)
        settled = False
        for amount, h in r.wins:
            ledger.append((h, 0 if settled else r.stake, amount))
            settled = True
        if (
            r.end == "close" and not settled and provider != "evolution"
        ):  # Hub88 closes a no-win round on its bet call
            ledger.append((r.bet_h if provider == "hub88" else r.end_h, r.stake, 0))
            settled = True
        voided = r.end == "cancel" and not (provider == "evolution" and r.wins)
        if voided and settled:  # a refund reverses what the bet had booked
            ledger.append((r.end_h, -r.stake, -sum(a for a, _ in r.wins)))
        for h, stake, win in ledger:
            line = books[_hour(h)]
            line[1 if r.free else 0] += stake
            line[2] += win
    for c in credits:
        books[_hour(c.h)][2 if c.kind == "jackpot" else 3] += c.amount
    return {h: v for h, v in books.items() if any(v)}


def _major(minor: int) -> str:
    return f"{minor / 100:.2f}" if minor >= 0 else f"-{-minor / 100:.2f}"


def calls(provider: str, rounds: list[Round], credits: list[Credit]) -> list[bytes]:
    """The framed callbacks, in time order (ties: as listed)."""
    out: list[tuple[int, int, bytes]] = []

    def add(h: int, seq: int, path: str, body: dict[str, object]) -> None:
        at = T0 + h * HOUR + seq
        if provider == "pragmatic":
            form = {"userId": "p1", "timestamp": str(at), **{k: str(v) for k, v in body.items()}}
            out.append((at, len(out), frame_request(path, urlencode(form).encode())))
        else:
            out.append((at, len(out), frame_request(path, json.dumps(body).encode(), at)))

    for i, r in enumerate(rounds):
        rid, bet = f"r{i}", f"b{i}"
        close_on_bet = provider == "hub88" and r.end == "close" and not r.wins
        if provider == "hub88":
            add(
                r.bet_h,
                0,
                "/transaction/bet",
                {
                    "user": "p1",
                    "transaction_uuid": bet,
                    "round": rid,
                    "currency": "EUR",
                    "amount": r.stake * 1000,
                    "is_free": r.free,
                    "round_closed": close_on_bet,
                },
            )
            for n, (amount, h) in enumerate(r.wins):
                last = n == len(r.wins) - 1 and r.end == "close"
                add(
                    h,
                    1 + n,
                    "/transaction/win",
                    {
                        "user": "p1",
                        "transaction_uuid": f"w{i}-{n}",
                        "round": rid,
                        "currency": "EUR",
                        "amount": amount * 1000,
                        "reference_transaction_uuid": bet,
                        "round_closed": last,
                    },
                )
            if r.end == "cancel":
                add(
                    r.end_h,
                    9,
                    "/transaction/rollback",
                    {
                        "user": "p1",
                        "transaction_uuid": f"x{i}",
                        "round": rid,
                        "reference_transaction_uuid": bet,
                    },
                )
        elif provider == "evolution":

            def evo(tx: str, amount: int, rid: str = rid, bet: str = bet) -> dict[str, object]:
                return {
                    "sid": "s",
                    "userId": "p1",
                    "currency": "EUR",
                    "game": {"id": rid},
                    "transaction": {"id": tx, "refId": bet, "amount": _major(amount)},
                }

            add(r.bet_h, 0, "/debit", evo(f"d{i}", r.stake))
            for n, (amount, h) in enumerate(r.wins):
                add(h, 1 + n, "/credit", evo(f"c{i}-{n}", amount))
            if r.end == "cancel":
                add(r.end_h, 9, "/cancel", evo(f"d{i}", r.stake))
        else:
            extra = {"bonusCode": "fr1"} if r.free else {}
            add(
                r.bet_h,
                0,
                "/bet.html",
                {
                    "gameId": "g",
                    "roundId": rid,
                    "reference": bet,
                    "amount": _major(r.stake),
                    **extra,
                },
            )
            for n, (amount, h) in enumerate(r.wins):
                add(
                    h,
                    1 + n,
                    "/result.html",
                    {
                        "gameId": "g",
                        "roundId": rid,
                        "reference": f"w{i}-{n}",
                        "amount": _major(amount),
                    },
                )
            if r.end == "cancel":
                add(r.end_h, 9, "/refund.html", {"reference": bet, "roundId": rid})
            if r.end == "close":
                add(r.end_h, 9, "/endRound.html", {"roundId": rid})
    for j, c in enumerate(credits):
        if provider == "evolution":
            add(
                c.h,
                5,
                "/promo_payout",
                {
                    "sid": "s",
                    "userId": "p1",
                    "currency": "EUR",
                    "promoTransaction": {
                        "id": f"p{j}",
                        "type": "JackpotWin" if c.kind == "jackpot" else "FreeRoundPlayableSpent",
                        "amount": _major(c.amount),
                    },
                },
            )
        else:
            path = {
                "jackpot": "/jackpotWin.html",
                "promo": "/promoWin.html",
                "bonus": "/bonusWin.html",
                "adjust": "/adjustment.html",
            }[c.kind]
            add(c.h, 5, path, {"reference": f"p{j}", "amount": _major(c.amount)})
    return [raw for _, _, raw in sorted(out)]


def plans(provider: str) -> st.SearchStrategy[tuple[list[Round], list[Credit]]]:
    hours = st.integers(0, 3)

    @st.composite
    def one_round(draw: st.DrawFn) -> Round:
        bet_h = draw(hours)
        max_wins = 1 if provider != "hub88" else 2
        win_hs = sorted(draw(st.lists(st.integers(bet_h, bet_h + 2), max_size=max_wins)))
        wins = [(draw(st.integers(0, 5_000)), h) for h in win_hs]
        end_h = max([bet_h, *win_hs]) + draw(st.integers(0, 1))
        free = provider != "evolution" and draw(st.booleans())
        end = draw(st.sampled_from(["open", "close", "cancel"]))
        return Round(draw(st.integers(1, 2_000)), free, wins, end, bet_h, end_h)

    kinds = ["jackpot", "promo"] if provider == "evolution" else ["jackpot", "promo", "bonus"]
    if provider == "pragmatic":
        kinds.append("adjust")

    @st.composite
    def one_credit(draw: st.DrawFn) -> Credit:
        kind = draw(st.sampled_from(kinds))
        low = -3_000 if kind == "adjust" else 1
        return Credit(kind, draw(st.integers(low, 3_000).filter(bool)), draw(hours))

    credits = st.lists(one_credit(), max_size=3) if provider != "hub88" else st.just([])
    return st.tuples(st.lists(one_round(), min_size=1, max_size=5), credits)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, object]]:
    path: Path = tmp_path_factory.getbasetemp() / "wagerflow-chdb"
    path.mkdir(exist_ok=True)
    dsn, name = f"chdb://{path}", f"t_{uuid.uuid4().hex[:10]}"
    c = clickhouse_client.connect(dsn, name)
    try:
        clickhouse_migrations.migrate(c)
        yield dsn, name, c
    finally:
        c.command(f"DROP DATABASE IF EXISTS {name}")
        c.close()


def book(provider: str, raws: list[bytes], tenant: str) -> list[tuple[str, TableRow]]:
    engine = CasinoSettlement()
    items: list[tuple[str, TableRow]] = []
    for offset, raw in enumerate(raws):
        decoded = ADAPTERS[provider](raw, RawMeta(tenant, NO_SOURCE, None))
        assert isinstance(decoded, list), (raw, decoded)  # every call type books: no DLQ
        for pending in decoded:
            event = pending.event
            assert isinstance(event, WalletTransaction)
            assert event.event_time_ms >= T0, "a call's own time, never 0"
            for record in engine.apply(event):
                items += keyed_rows(record, PSEUDO)
        del offset
    return items


@pytest.mark.parametrize("provider", ["hub88", "evolution", "pragmatic"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_ggr_ngr_and_bonus_cost_per_hour_follow_money_4(
    provider: str, client: tuple[str, str, object], data: st.DataObject
) -> None:
    dsn, name, c = client
    rounds, credits = data.draw(plans(provider))
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    items = book(provider, calls(provider, rounds, credits), tenant)
    sink = AnalyticsSink(dsn, name, TABLES, max_rows=1000, flush_interval_s=3600)
    part = sink.build_part("analytics", "casino-books", None)
    part.write_batch([value for _, value in items])
    part.close()
    got = {
        int(h): [int(v) for v in rest]
        for h, *rest in c.query(  # type: ignore[attr-defined]
            "SELECT toUnixTimestamp(hour), sum(cash_turnover), sum(bonus_turnover), sum(wins), "
            "sum(bonus_cost), sum(ggr), sum(ngr) FROM ggr_hourly WHERE tenant_id = {t:String} "
            "GROUP BY hour",
            parameters={"t": tenant},
        ).result_rows
    }
    want = oracle(rounds, credits, provider)
    expect = {h: [*v, v[0] - v[2], v[0] - v[2] - v[3]] for h, v in want.items()}
    assert {h: v for h, v in got.items() if any(v)} == expect
