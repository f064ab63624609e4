"""Live-casino round liability (``wagerflow.risk.rounds``): a brute-force oracle over random
rounds, determinism and snapshot/restore, exact table cases, and the generated bridge samples."""

from __future__ import annotations

import pickle
import re
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters import live
from wagerflow.adapters.base import RawMeta
from wagerflow.risk.rounds import RoundBook
from wagerflow.samples.live import live_lines
from wagerflow.schemas.events import (
    BetDecided,
    BetPlaced,
    BetSelection,
    NormalizedEvent,
    RoundChanged,
    RoundResult,
    RoundSettled,
    SourceRef,
)
from wagerflow.schemas.risk import OutcomeLiability, RoundExposure

T = 1_768_050_000_000
TENANT = "tenant-1"
PROVIDER = "live"


class Events:
    """Builds real normalized events with increasing times and offsets."""

    def __init__(self) -> None:
        self.n = 0

    def env(self, key: str) -> dict[str, Any]:
        self.n += 1
        return {
            "tenant_id": TENANT,
            "provider_id": PROVIDER,
            "category": "live",
            "event_time_ms": T + 1_000 * self.n,
            "received_time_ms": T + 1_000 * self.n,
            "dedup_key": f"live:{key}:{self.n}",
            "source": SourceRef(topic="t", partition=0, offset=self.n),
        }

    def place(
        self,
        bet_id: str,
        round_id: str,
        spots: list[tuple[str, str]],
        stake: int,
        currency: str = "EUR",
        odds: int | None = None,
    ) -> BetPlaced:
        return BetPlaced(
            **self.env(f"bet.place:{bet_id}"),
            bet_id=bet_id,
            idempotency_key=bet_id,
            selections=[BetSelection(market_id=m, selection_id=v) for m, v in spots],
            stake=stake,
            currency=currency,
            accepted_odds=odds,
            round_id=round_id,
        )

    def decide(self, bet_id: str, decision: str, odds: int | None = None) -> BetDecided:
        return BetDecided(
            **self.env(f"bet.decision:{bet_id}"),
            bet_id=bet_id,
            decision="REJECTED" if decision == "REJECTED" else "ACCEPTED",
            accepted_odds=odds,
        )

    def change(self, round_id: str, change: Any, table_id: str | None = None) -> RoundChanged:
        return RoundChanged(
            **self.env(f"round:{change}:{round_id}"),
            round_id=round_id,
            change=change,
            table_id=table_id,
        )

    def result(self, round_id: str, outcome: str = "17 RED") -> RoundResult:
        return RoundResult(
            **self.env(f"roundResult:{round_id}"), round_id=round_id, outcome=outcome, payouts=[]
        )

    def settle(self, round_id: str, currency: str = "EUR") -> RoundSettled:
        return RoundSettled(
            **self.env(f"round.settle:{round_id}"),
            round_id=round_id,
            currency=currency,
            bets=[],
            transactions=[],
        )


def run(events: list[NormalizedEvent], book: RoundBook | None = None) -> list[RoundExposure]:
    book = RoundBook() if book is None else book
    return [r for e in events for r in book.apply(e)]


def latest(records: list[RoundExposure]) -> dict[tuple[str, str], RoundExposure]:
    return {(r.round_id, r.currency): r for r in records}


def liabilities(record: RoundExposure) -> dict[str, int]:
    return {o.outcome: o.liability for o in record.outcomes}


# --- the oracle: every open bet evaluated on every outcome, independently ----------------------

RED_NUMBERS = {1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36}
LISTED = {
    "straight": (1, 35),
    "split": (2, 17),
    "street": (3, 11),
    "corner": (4, 8),
    "line": (6, 5),
}
NAMES = {"number": "straight", "straight-up": "straight", "six-line": "line", "sixline": "line"}


def oracle_type(market: str) -> str:
    name = re.sub(r"[_ ]", "-", market.strip().lower())
    return NAMES.get(name, name)


def roulette_wins(kind: str, value: str, n: int) -> bool | None:
    """Whether a roulette spot wins on number ``n``; None if it is no valid roulette spot."""
    if kind in LISTED:
        text = value.strip()
        digits, separators = "0123456789", "-,/| "
        ok = (
            text != ""
            and text[0] in digits
            and text[-1] in digits
            and all(c in digits or c in separators for c in text)
        )
        numbers = [int(t) for t in "".join(c if c in digits else " " for c in text).split()]
        valid = (
            ok
            and len(numbers) == LISTED[kind][0]
            and len(set(numbers)) == len(numbers)
            and all(0 <= x <= 36 for x in numbers)
        )
        return (n in numbers) if valid else None
    if kind in ("dozen", "column"):
        if value.strip() not in {"1", "2", "3"}:
            return None
        k = int(value.strip())
        if kind == "dozen":
            return 12 * (k - 1) < n <= 12 * k
        return n != 0 and (n - 1) % 3 == k - 1
    rules = {
        "red": n in RED_NUMBERS,
        "black": n != 0 and n not in RED_NUMBERS,
        "odd": n != 0 and n % 2 == 1,
        "even": n != 0 and n % 2 == 0,
        "low": 1 <= n <= 18,
        "high": 19 <= n <= 36,
    }
    return rules.get(kind)


def roulette_payout(kind: str) -> int:
    return LISTED[kind][1] if kind in LISTED else 2 if kind in ("dozen", "column") else 1


def spot_return(
    game: str, kind: str, value: str, stake: int, odds: int | None, outcome: str
) -> int:
    """What the house pays one spot (stake included) if the round ends on ``outcome``: its
    return R when it wins, its stake when it pushes, nothing when it loses."""
    if game == "roulette":
        wins = roulette_wins(kind, value, int(outcome))
        if wins is not None:
            return stake * (roulette_payout(kind) + 1) if wins else 0
    if game == "baccarat" and kind in ("player", "banker", "tie"):
        if outcome == "tie":
            return 9 * stake if kind == "tie" else stake  # player/banker push
        if kind != outcome:
            return 0
        return 2 * stake if kind == "player" else stake + (stake * 95) // 100
    if outcome != value:
        return 0
    return 2 * stake if odds is None else (stake * odds) // 10_000


def oracle_kind(types: list[str]) -> str:
    roulette = {"straight", "split", "street", "corner", "line", "dozen", "column"}
    roulette |= {"red", "black", "odd", "even", "low", "high"}
    if all(t in roulette for t in types):
        return "roulette"
    if all(t in ("player", "banker", "tie") for t in types):
        return "baccarat"
    return "generic"


def oracle(events: list[NormalizedEvent]) -> dict[tuple[str, str], dict[str, Any]]:
    """The expected final record of every round key, recomputed from the whole event list."""
    rounds: dict[str, dict[str, Any]] = {}
    bets: dict[str, dict[str, Any]] = {}
    keys: set[tuple[str, str]] = set()

    def round_of(round_id: str) -> dict[str, Any]:
        return rounds.setdefault(
            round_id, {"status": "OPEN", "table": None, "game": None, "kind": None}
        )

    for e in events:
        if isinstance(e, BetPlaced):
            assert e.round_id is not None
            r = round_of(e.round_id)
            if e.bet_id in bets or r["status"] in ("SETTLED", "VOID") or e.stake <= 0:
                continue
            n = len(e.selections)
            spots = []
            for i, sel in enumerate(e.selections):
                share = e.stake // n + (1 if i < e.stake - (e.stake // n) * n else 0)
                spots.append((oracle_type(sel.market_id), sel.selection_id, share))
            if r["kind"] is None:
                r["kind"] = oracle_kind([s[0] for s in spots])
            bets[e.bet_id] = {
                "round": e.round_id,
                "currency": e.currency,
                "spots": spots,
                "odds": e.accepted_odds,
                "open": True,
            }
            keys.add((e.round_id, e.currency))
        elif isinstance(e, BetDecided):
            bet = bets.get(e.bet_id)
            if bet is None or rounds[bet["round"]]["status"] in ("SETTLED", "VOID"):
                continue
            if e.decision == "REJECTED":
                bet["open"] = False
            elif bet["open"] and e.accepted_odds is not None:
                bet["odds"] = e.accepted_odds
        elif isinstance(e, RoundChanged | RoundResult | RoundSettled):
            r = round_of(e.round_id)
            if r["status"] in ("SETTLED", "VOID"):
                continue
            if isinstance(e, RoundChanged | RoundResult):
                r["table"] = e.table_id if e.table_id is not None else r["table"]
                r["game"] = e.game_id if e.game_id is not None else r["game"]
            if isinstance(e, RoundChanged) and e.change == "BETTING_CLOSED":
                r["status"] = "CLOSED" if r["status"] == "OPEN" else r["status"]
            elif isinstance(e, RoundChanged) and e.change == "ABORTED":
                r["status"] = "VOID"
            elif not isinstance(e, RoundChanged):
                r["status"] = "SETTLED"
            if r["status"] in ("SETTLED", "VOID"):  # bet ids are released with their round
                bets = {k: b for k, b in bets.items() if b["round"] != e.round_id}

    expected = {}
    for round_id, currency in keys:
        r = rounds[round_id]
        live_bets = [
            b
            for b in bets.values()
            if b["round"] == round_id
            and b["currency"] == currency
            and b["open"]
            and r["status"] not in ("SETTLED", "VOID")
        ]
        game = r["kind"]
        if game == "roulette":
            outcomes = [str(n) for n in range(37)]
        elif game == "baccarat":
            outcomes = ["player", "banker", "tie"]
        else:
            values = {s[1] for b in live_bets for s in b["spots"]} - {"other"}
            outcomes = [*sorted(values), "other"]
        # MONEY.md §1.2/§1.6: L(o) = sum of returns paid on o - sum of ALL open stakes
        open_stake = sum(s[2] for b in live_bets for s in b["spots"])
        table = {
            o: sum(
                spot_return(game, kind, value, share, b["odds"], o)
                for b in live_bets
                for kind, value, share in b["spots"]
            )
            - open_stake
            for o in outcomes
        }
        expected[round_id, currency] = {
            "status": r["status"],
            "table_id": r["table"],
            "game_id": r["game"],
            "game_kind": game,
            "open_stake": open_stake,
            "outcomes": [OutcomeLiability(outcome=o, liability=table[o]) for o in outcomes],
            "worst_case": max(table.values()),
        }
    return expected


# --- random streams ---------------------------------------------------------------------------

SEPARATORS = st.sampled_from(["-", ",", "/", " | ", "--"])
NUMBERS = st.integers(0, 36) | st.sampled_from([0, 1, 35, 36, 37, 38])  # and some invalid


@st.composite
def roulette_spot(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(
        st.sampled_from(
            ["straight", "Number", "split", "street", "corner", "line", "six_line", "dozen"]
            + ["column", "red", "black", "odd", "even", "low", "high", "STRAIGHT"]
        )
    )
    if kind in ("dozen", "column"):
        return kind, draw(st.sampled_from(["1", "2", "3", "0", "4", "x"]))
    if kind in ("red", "black", "odd", "even", "low", "high"):
        return kind, kind
    size = {"split": 2, "street": 3, "corner": 4}.get(kind.lower(), 6)
    if kind.lower() in ("straight", "number"):
        size = 1
    size = draw(st.sampled_from([size, size, size, size + 1, max(size - 1, 1)]))
    numbers = draw(st.lists(NUMBERS, min_size=size, max_size=size))
    return kind, draw(SEPARATORS).join(str(n) for n in numbers)


baccarat_spot = st.sampled_from(["player", "banker", "tie", "Banker"]).map(lambda s: (s, s))
generic_spot = st.tuples(
    st.sampled_from(["wheel", "colour"]), st.sampled_from(["a", "b", "c", "other", "17", "tie"])
)
any_spot = st.one_of(roulette_spot(), baccarat_spot, generic_spot)
FLAVOURS = [
    st.lists(roulette_spot(), min_size=1, max_size=1),
    st.lists(roulette_spot(), min_size=1, max_size=3),
    st.lists(baccarat_spot, min_size=1, max_size=2),
    st.lists(generic_spot, min_size=1, max_size=3),
    st.lists(any_spot, min_size=1, max_size=3),
]
ROUNDS = ["r1", "r2", "r3", "r4", "r5"]
BET_IDS = [f"b{i}" for i in range(16)]
ODDS = st.none() | st.integers(10_000, 1_000_000)

actions = st.one_of(
    *[  # mostly bets (one branch per flavour of spots); a round ends on ~1 action in 4
        st.tuples(
            st.just("place"),
            st.sampled_from(BET_IDS),
            st.sampled_from(ROUNDS),
            spots,
            st.integers(1, 100_000),
            st.sampled_from(["EUR", "JPY"]),
            ODDS,
        )
        for spots in FLAVOURS
    ],
    st.tuples(st.just("decide"), st.sampled_from(BET_IDS), st.just("REJECTED"), ODDS),
    st.tuples(st.just("decide"), st.sampled_from(BET_IDS), st.just("ACCEPTED"), ODDS),
    st.tuples(
        st.just("change"),
        st.sampled_from(ROUNDS),
        st.sampled_from(["STARTED", "BETTING_OPEN", "BETTING_CLOSED", "BETTING_CLOSED"]),
        st.none() | st.sampled_from(["t1", "t2"]),
    ),
    st.tuples(st.just("change"), st.sampled_from(ROUNDS), st.just("ABORTED"), st.none()),
    st.tuples(st.just("result"), st.sampled_from(ROUNDS)),
    st.tuples(st.just("settle"), st.sampled_from(ROUNDS), st.sampled_from(["EUR", "JPY"])),
)


def to_events(plan: list[tuple[Any, ...]]) -> list[NormalizedEvent]:
    make = Events()
    events: list[NormalizedEvent] = []
    for action in plan:
        if action[0] == "place":
            _, bet_id, round_id, spots, stake, currency, odds = action
            events.append(make.place(bet_id, round_id, spots, stake, currency, odds))
        elif action[0] == "decide":
            events.append(make.decide(action[1], action[2], action[3]))
        elif action[0] == "change":
            events.append(make.change(action[1], action[2], action[3]))
        elif action[0] == "result":
            events.append(make.result(action[1]))
        else:
            events.append(make.settle(action[1], action[2]))
    return events


streams = (
    st.integers(0, 60).flatmap(lambda n: st.lists(actions, min_size=n, max_size=n)).map(to_events)
)


@settings(max_examples=400)
@given(streams)
def test_every_exposure_matches_a_brute_force_oracle(events: list[NormalizedEvent]) -> None:
    """After every event: a key is emitted iff the oracle's view of it (recomputed from the
    whole prefix) changed, with the next version, and every key's latest record is the
    oracle's."""
    book = RoundBook()
    latest_by_key: dict[tuple[str, str], RoundExposure] = {}
    before: dict[tuple[str, str], dict[str, Any]] = {}
    for i, e in enumerate(events):
        out = book.apply(e)
        expected = oracle(events[: i + 1])
        changed = {k for k, want in expected.items() if before.get(k) != want}
        assert [(r.round_id, r.currency) for r in out] == sorted(changed)
        for r in out:
            key = r.round_id, r.currency
            held = latest_by_key.get(key)
            assert r.version == (1 if held is None else held.version + 1)
            assert (r.tenant_id, r.provider_id, r.as_of_ms) == (TENANT, PROVIDER, e.event_time_ms)
            latest_by_key[key] = r
        assert set(latest_by_key) == set(expected)
        for key, want in expected.items():
            assert {k: getattr(latest_by_key[key], k) for k in want} == want, key
        before = expected


@settings(max_examples=200)
@given(streams, st.data())
def test_same_input_same_output_and_a_snapshot_mid_stream_changes_nothing(
    events: list[NormalizedEvent], data: st.DataObject
) -> None:
    whole = run(events)
    assert run(events) == whole
    cut = data.draw(st.integers(0, len(events)))
    first = RoundBook()
    head = run(events[:cut], first)
    restored = pickle.loads(pickle.dumps(first))
    assert head + run(events[cut:], restored) == whole


# --- table cases ------------------------------------------------------------------------------


def test_straight_up_on_17() -> None:
    make = Events()
    (r,) = RoundBook().apply(make.place("b1", "r1", [("straight", "17")], 1_000))
    table = liabilities(r)
    assert list(table) == [str(n) for n in range(37)]
    assert table["17"] == 36_000 - 1_000  # R = 35:1 plus the stake, less the stake taken
    assert all(v == -1_000 for o, v in table.items() if o != "17")
    assert (r.worst_case, r.open_stake, r.game_kind, r.status) == (
        35_000,
        1_000,
        "roulette",
        "OPEN",
    )
    assert (r.version, r.as_of_ms, r.currency) == (1, T + 1_000, "EUR")


def test_red_and_black() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("red", "red")], 1_000))
    (r,) = book.apply(make.place("b2", "r1", [("black", "black")], 1_000))
    table = liabilities(r)
    assert table["0"] == -2_000  # zero: both lose
    assert table["1"] == table["2"] == 2_000 - 2_000  # one side's R less both stakes
    assert (r.worst_case, r.open_stake, r.version) == (0, 2_000, 2)


def test_inside_and_outside_bets() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("split", "17-20")], 100))
    book.apply(make.place("b2", "r1", [("corner", "1,2,4,5")], 100))
    book.apply(make.place("b3", "r1", [("six_line", "31-32-33-34-35-36")], 100))
    (r,) = book.apply(make.place("b4", "r1", [("column", "2")], 100))
    table = liabilities(r)
    assert table["17"] == 1_800 + 300 - 400  # split and column 2 win; all four stakes taken
    assert table["2"] == 900 + 300 - 400  # corner and column 2 win
    assert table["35"] == 600 + 300 - 400  # line and column 2 win
    assert table["0"] == -400


def test_a_bet_on_several_spots_splits_its_stake() -> None:
    make = Events()
    (r,) = RoundBook().apply(make.place("b1", "r1", [("straight", "7"), ("number", "8")], 1_001))
    table = liabilities(r)
    assert table["7"] == 501 * 36 - 1_001
    assert table["8"] == 500 * 36 - 1_001
    assert table["9"] == -1_001
    assert r.open_stake == 1_001


def test_spots_a_roulette_round_does_not_recognise_follow_the_generic_rule() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b0", "r1", [("straight", "0")], 100))  # a roulette round
    for n, spot in enumerate([("split", "1-37"), ("straight", "37"), ("street", "1-2")]):
        book.apply(make.place(f"b{n + 1}", "r1", [spot], 100))
    book.apply(make.place("b4", "r1", [("dozen", "4"), ("banker", "banker")], 200))
    (r,) = book.apply(make.place("b5", "r1", [("colour", "17")], 100, odds=30_000))
    assert r.game_kind == "roulette"
    table = liabilities(r)
    assert table["0"] == 3_600 - 700  # only the straight on 0 wins
    assert table["17"] == 300 - 700  # the generic spot on "17" wins at its odds
    assert table["1"] == table["36"] == -700  # no malformed spot ever wins


def test_baccarat_tie_pushes_player_and_banker() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("player", "player")], 1_000))
    book.apply(make.place("b2", "r1", [("banker", "banker")], 1_015))
    (r,) = book.apply(make.place("b3", "r1", [("tie", "tie")], 100))
    assert r.game_kind == "baccarat"
    assert liabilities(r) == {
        "player": 2_000 - 2_115,
        "banker": 1_015 + 964 - 2_115,  # 1015 * 95 // 100 = 964
        "tie": 1_000 + 1_015 + 900 - 2_115,  # pushes return their stakes: net zero
    }
    assert r.worst_case == 800


def test_generic_values_odds_and_other() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("colour", "green")], 1_000, odds=25_000))
    (r,) = book.apply(make.place("b2", "r1", [("colour", "blue")], 300))
    assert r.game_kind == "generic"
    assert liabilities(r) == {"blue": 600 - 1_300, "green": 2_500 - 1_300, "other": -1_300}
    (r,) = book.apply(make.decide("b2", "ACCEPTED", odds=100_000))
    assert liabilities(r)["blue"] == 3_000 - 1_300
    assert book.apply(make.decide("b2", "ACCEPTED", odds=100_000)) == []  # nothing changed


def test_rejected_and_duplicate_bets() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("straight", "0")], 500))
    book.apply(make.place("b2", "r1", [("straight", "1")], 700))
    (r,) = book.apply(make.decide("b2", "REJECTED"))
    assert (r.open_stake, r.worst_case, liabilities(r)["1"]) == (500, 18_000 - 500, -500)
    assert book.apply(make.place("b2", "r1", [("straight", "1")], 700)) == []  # same bet id
    assert book.apply(make.place("b1", "r1", [("straight", "0")], 500)) == []
    assert book.apply(make.decide("b2", "REJECTED")) == []
    assert book.apply(make.decide("nope", "REJECTED")) == []


def test_close_then_settle_releases_every_currency() -> None:
    make = Events()
    book = RoundBook()
    assert book.apply(make.change("r1", "STARTED")) == []  # no bets yet: nothing to show
    book.apply(make.place("b1", "r1", [("red", "red")], 1_000, "EUR"))
    book.apply(make.place("b2", "r1", [("red", "red")], 500, "JPY"))
    closed = book.apply(make.change("r1", "BETTING_CLOSED", table_id="rt-1"))
    assert [(r.currency, r.status, r.table_id, r.version) for r in closed] == [
        ("EUR", "CLOSED", "rt-1", 2),
        ("JPY", "CLOSED", "rt-1", 2),
    ]
    assert closed[0].worst_case == 2_000 - 1_000  # a red number returns the red stake doubled
    (late,) = book.apply(make.place("b3", "r1", [("red", "red")], 1_000, "EUR"))
    assert (late.status, late.open_stake) == ("CLOSED", 2_000)  # still counts
    settled = book.apply(make.settle("r1", "JPY"))
    assert [(r.currency, r.status, r.open_stake, r.worst_case) for r in settled] == [
        ("EUR", "SETTLED", 0, 0),
        ("JPY", "SETTLED", 0, 0),
    ]
    assert all(o.liability == 0 for r in settled for o in r.outcomes)
    assert book.apply(make.result("r1")) == []
    assert book.apply(make.change("r1", "ABORTED")) == []
    assert book.apply(make.place("b4", "r1", [("red", "red")], 1_000)) == []
    assert book.status(TENANT, PROVIDER, "r1") == "SETTLED"
    assert len(book) == 0


def test_aborted_round_is_void_and_ignores_late_bets() -> None:
    make = Events()
    book = RoundBook()
    book.apply(make.place("b1", "r1", [("straight", "17")], 1_000))
    (r,) = book.apply(make.change("r1", "ABORTED"))
    assert (r.status, r.open_stake, r.worst_case, r.version) == ("VOID", 0, 0, 2)
    assert book.apply(make.place("b2", "r1", [("straight", "17")], 1_000)) == []
    assert book.apply(make.decide("b1", "REJECTED")) == []
    assert book.apply(make.result("r1")) == []


def test_forgotten_finished_rounds_are_bounded() -> None:
    make = Events()
    book = RoundBook(max_finished=2)
    for n in range(4):
        book.apply(make.result(f"r{n}"))
    assert [book.status(TENANT, PROVIDER, f"r{n}") for n in range(4)] == [
        None,
        None,
        "SETTLED",
        "SETTLED",
    ]
    with pytest.raises(ValueError, match="max_finished"):
        RoundBook(max_finished=0)


def test_other_categories_and_bets_without_a_round_are_ignored() -> None:
    make = Events()
    sport = msgspec.structs.replace(make.place("b1", "r1", [("red", "red")], 100), category="sport")
    no_round = msgspec.structs.replace(make.place("b2", "r1", [("red", "red")], 100), round_id=None)
    book = RoundBook()
    assert book.apply(sport) == []
    assert book.apply(no_round) == []


# --- the generated bridge samples -------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_bridge_samples_realized_result_is_one_of_the_outcomes(seed: int) -> None:
    """Through the live adapter: just before each round's settle, what the house realizes
    (MONEY.md §1.6: the payouts of the winning and pushed bets minus every stake of the round)
    is the liability of one of the round's outcomes."""
    book = RoundBook()
    last: dict[str, RoundExposure] = {}
    checked = 0
    for offset, raw in enumerate(live_lines(seed, 80)):
        decoded = live.decode(
            raw, RawMeta(TENANT, SourceRef(topic="t", partition=0, offset=offset), None)
        )
        assert isinstance(decoded, list)
        for candidate in decoded:
            event = candidate.event
            if isinstance(event, RoundSettled) and event.round_id in last:
                before = last[event.round_id]
                assert before.open_stake == sum(b.stake for b in event.bets)
                if any(b.outcome != "VOID" for b in event.bets):
                    # returns paid (stake included) minus every stake taken
                    net = sum(b.payout for b in event.bets) - sum(b.stake for b in event.bets)
                    assert net in {o.liability for o in before.outcomes}
                    assert net <= before.worst_case
                    checked += 1
            for record in book.apply(event):
                last[record.round_id] = record
    assert checked > 20
    # a round whose every bet was rejected is never settled; it holds nothing
    assert all(r.open_stake == 0 and r.worst_case == 0 for r in last.values())
    assert any(r.status == "OPEN" for r in last.values())
    assert {r.game_kind for r in last.values()} == {"roulette", "baccarat"}
