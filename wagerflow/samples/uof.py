"""A generated Sportradar Unified Odds Feed (UOF) stream, in the recorded XML format, for demos
and benchmarks when the real samples (``../shared/data/uof``) are absent.

``uof_lines(seed, events)`` simulates ``events`` soccer matches whose feeds interleave by time,
one XML message per element (no newline inside a message). Each match follows the UOF life cycle:

- sometimes a ``fixture_change`` (always for the first match);
- an ``odds_change`` with every market (``1`` 1x2, ``18`` total, ``16`` handicap, ``8`` first
  goal, ``105`` 1x2 of minutes 1-10 whose specifiers are sent unsorted, sometimes an
  outright-style ``535`` with URN outcome ids), then moving odds (priced from drifting outcome
  weights with a margin, snapped to a price ladder), a market now and then suspended
  (``status="-1"``) and reopened, markets deactivated (``status="0"``) once decided, and the
  ``status`` attribute sometimes left out on active markets;
- per goal a ``bet_stop`` (``market_status`` absent or -1), sometimes a ``bet_cancel`` of the bets
  taken between the goal and the bet stop, and sometimes a ``rollback_bet_cancel`` of it;
- after full time a ``bet_settlement`` with ``certainty="1"`` (producer 1), sometimes a
  ``rollback_bet_settlement`` of one line, then ``certainty="2"`` (producer 3) with the same
  outcomes. A quarter total line (``total=2.25``) with two goals settles as half win / half loss
  (``void_factor="0.5"``), a handicap push as full refunds (``void_factor="1"``), the outright
  sometimes as a dead heat (``dead_heat_factor="0.5"``).

``alive`` heartbeats (producers 1 and 3) are interleaved every few messages, plus one recovery
episode (``product_down``, ``alive subscribed="0"``, ``snapshot_complete``). The first match is
forced to contain every optional kind above (two goals on the 2.25 line, a dead heat, a cancel
and its rollback, a settlement rollback), so any non-empty stream has all ten message kinds.
Deterministic for ``(seed, events)``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_START_MS = 1_768_050_000_000
_MINUTE_MS = 60_000
_MARGIN_PERCENT = 106
_LADDER = [
    101, 105, 110, 115, 120, 125, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 240, 260,
    280, 300, 325, 350, 375, 400, 450, 500, 550, 600, 700, 800, 900, 1000, 1200, 1500, 2000,
    2500, 3000, 4000, 5000,
]  # fmt: skip
"""Decimal odds in hundredths (the generator never touches floats)."""

Result = tuple[int, str | None, str | None]
"""An outcome's settlement: result (1/0), void factor, dead-heat factor (as UOF writes them)."""


def _odds_text(hundredths: int) -> str:
    """``185`` -> ``"1.85"``, ``200`` -> ``"2.0"`` (as UOF writes them)."""
    text = f"{hundredths // 100}.{hundredths % 100:02d}"
    return text[:-1] if text.endswith("0") else text


def _element(tag: str, attrs: Mapping[str, object | None], children: str = "") -> str:
    """One element on one line; attributes whose value is None are left out."""
    text = "".join(f' {k}="{v}"' for k, v in attrs.items() if v is not None)
    return f"<{tag}{text}>{children}</{tag}>" if children else f"<{tag}{text}/>"


@dataclass
class _Market:
    id: int
    specifiers: str | None
    """As sent (possibly unsorted)."""
    weights: dict[str, int]
    """Outcome -> relative likelihood (1..100); the odds are derived from them."""
    status: int = 1
    send_status: bool = True
    """False: the ``status`` attribute is left out while the market is active (UOF allows it)."""
    outcomes: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.outcomes = list(self.weights)

    def odds(self, outcome: str) -> int:
        """Decimal odds in hundredths: the fair price less the margin, on the ladder."""
        fair = 10_000 * sum(self.weights.values()) // (self.weights[outcome] * _MARGIN_PERCENT)
        return min(_LADDER, key=lambda step: abs(step - fair))

    def xml(self) -> str:
        attrs: dict[str, object | None] = {"id": self.id, "specifiers": self.specifiers}
        if self.status != 1 or self.send_status:
            attrs["status"] = self.status
        if self.status == 0:
            return _element("market", attrs)
        outcomes = "".join(
            _element("outcome", {"id": o, "odds": _odds_text(self.odds(o)), "active": 1})
            for o in self.outcomes
        )
        return _element("market", attrs, outcomes)

    def ref(self, **extra: object) -> str:
        return _element("market", {"id": self.id, "specifiers": self.specifiers, **extra})


class _Match:
    """The messages of one simulated match, each with its timestamp."""

    def __init__(self, rnd: random.Random, forced: bool, event_id: str, start_ms: int) -> None:
        self.rnd = rnd
        self.forced = forced
        self.event_id = event_id
        self.start_ms = start_ms
        self.now = start_ms - 60 * _MINUTE_MS
        self.messages: list[tuple[int, str]] = []
        self.goals = self._goals()
        self.quarter = forced or rnd.random() < 0.3
        self.markets = self._markets(outright=forced or rnd.random() < 0.25)
        self.first_goal = self.markets[3]
        self.early = self.markets[4]

    # --- set-up ------------------------------------------------------------------------------

    def _goals(self) -> list[tuple[int, int]]:
        """(minute, team) in minute order; team 0 is home, 1 away."""
        rnd = self.rnd
        count = 2 if self.forced else rnd.choice([0, 1, 1, 2, 2, 2, 3, 3, 4, 5])
        return [(m, rnd.randrange(2)) for m in sorted(rnd.sample(range(1, 90), count))]

    def _markets(self, outright: bool) -> list[_Market]:
        rnd = self.rnd

        def weights(*outcomes: str) -> dict[str, int]:
            return {o: rnd.randint(15, 60) for o in outcomes}

        markets = [
            _Market(1, None, weights("1", "2", "3")),
            _Market(18, "total=2.25" if self.quarter else "total=2.5", weights("12", "13")),
            _Market(16, "hcp=-1", weights("1714", "1715")),
            _Market(8, "goalnr=1", weights("6", "7", "8")),
            _Market(
                105, "to=10|from=1", {"1": rnd.randint(5, 15), "2": 80, "3": rnd.randint(5, 15)}
            ),
        ]
        if outright:
            ids = sorted(rnd.sample(range(1_000, 9_999_999), rnd.randint(5, 8)))
            markets.append(
                _Market(
                    535,
                    f"variant=pre:markettext:{rnd.randrange(10_000, 99_999)}",
                    {f"pre:outcometext:{n}": rnd.randint(1, 30) for n in ids},
                )
            )
        for market in markets:
            market.send_status = rnd.random() < 0.8
        return markets

    # --- messages ----------------------------------------------------------------------------

    def _at(self, target_ms: int) -> int:
        """The next timestamp: ``target_ms``, but strictly after the match's previous message."""
        self.now = max(self.now + 1, target_ms)
        return self.now

    def _add(self, stamp: int, root: str) -> int:
        self.messages.append((stamp, _DECLARATION + root))
        return stamp

    def _header(self, stamp: int, product: int = 1) -> dict[str, object | None]:
        return {"event_id": self.event_id, "product": product, "timestamp": stamp}

    def _odds_change(self, target_ms: int, markets: list[_Market], status: int, minute: int) -> int:
        """``status``: the sport event status (0 not started, 1 live, 3 ended)."""
        stamp = self._at(target_ms)
        period = {0: 0, 3: 100}.get(status, 6 if minute <= 45 else 7)
        children = _element("sport_event_status", {"status": status, "match_status": period})
        children += _element("odds", {}, "".join(m.xml() for m in markets))
        return self._add(stamp, _element("odds_change", self._header(stamp), children))

    def _minute_ms(self, minute: int) -> int:
        return self.start_ms + minute * _MINUTE_MS + self.rnd.randrange(0, 50_000)

    def _drift(self, market: _Market) -> None:
        for outcome in market.outcomes:
            step = self.rnd.randint(-4, 4)
            market.weights[outcome] = min(max(market.weights[outcome] + step, 1), 100)

    def _scored(self, team: int) -> None:
        """Shorten the prices of the side that scored and of the goals markets."""
        for market_id, outcome in ((1, "1" if team == 0 else "3"), (18, "12")):
            weights = self._market(market_id).weights
            weights[outcome] = min(weights[outcome] + 25, 100)

    def simulate(self) -> list[tuple[int, str]]:
        rnd = self.rnd
        if self.forced or rnd.random() < 0.3:
            stamp = self._at(self.start_ms - 40 * _MINUTE_MS)
            change_type = rnd.choice([2, 5])  # start time changed, coverage changed
            attrs = self._header(stamp, product=3)
            attrs["change_type"] = change_type
            attrs["start_time"] = self.start_ms if change_type == 2 else None
            self._add(stamp, _element("fixture_change", attrs))
        self._odds_change(self.start_ms - 5 * _MINUTE_MS, self.markets, 0, 0)

        moves = [(m, "move", 0) for m in rnd.sample(range(1, 90), rnd.randint(4, 9))]
        timeline = sorted(moves + [(m, "goal", team) for m, team in self.goals])
        suspended: _Market | None = None
        cancelled = False
        for minute, kind, team in timeline:
            if minute > 10 and self.early.status != 0:
                self.early.status = 0  # minutes 1-10 are over: the market is decided
                self._odds_change(self._minute_ms(minute), [self.early], 1, minute)
            live = [m for m in self.markets if m.status != 0]
            if kind == "move":
                if suspended is not None and suspended.status != 0:
                    changed = [suspended]  # reopen it
                else:
                    changed = rnd.sample(live, min(len(live), rnd.randint(1, 2)))
                for market in changed:
                    market.status = 1
                    self._drift(market)
                suspended = None
                if live and rnd.random() < 0.15:
                    suspended = rnd.choice(live)
                    suspended.status = -1
                    changed = [m for m in changed if m is not suspended] + [suspended]
                if changed:
                    self._odds_change(self._minute_ms(minute), changed, 1, minute)
                continue
            goal_ms = self._minute_ms(minute)
            stamp = self._at(goal_ms + rnd.randrange(2_000, 9_000))
            attrs = self._header(stamp)
            attrs["groups"] = rnd.choice(["all", "all", "goals|fulltime"])
            attrs["market_status"] = rnd.choice([None, None, -1])
            stop_ms = self._add(stamp, _element("bet_stop", attrs))
            if not cancelled and (self.forced or rnd.random() < 0.3):
                cancelled = True
                self._cancel(goal_ms - rnd.randrange(5_000, 30_000), stop_ms)
            resumed = [m for m in self.markets if m.status != 0]
            self._scored(team)
            self.first_goal.status = 0  # decided by the first goal
            for market in resumed:
                if market.status != 0:
                    market.status = 1
                    self._drift(market)
            suspended = None
            self._odds_change(stop_ms + rnd.randrange(20_000, 60_000), resumed, 1, minute)

        for market in self.markets:
            market.status = 0
        end_ms = self._odds_change(self.start_ms + 95 * _MINUTE_MS, self.markets, 3, 90)
        self._settle(end_ms + rnd.randrange(60_000, 300_000))
        return self.messages

    def _cancel(self, start_ms: int, end_ms: int) -> None:
        """Void the bets taken between the goal and the bet stop; sometimes roll it back."""
        rnd = self.rnd
        markets = [self.first_goal, self.markets[0]][: rnd.randint(1, 2)]
        reason = rnd.choice([12, 12, 4, 13])
        stamp = self._at(end_ms + rnd.randrange(1_000, 5_000))
        window = self._header(stamp)
        window.update(start_time=start_ms, end_time=end_ms)
        body = "".join(m.ref(void_reason=reason) for m in markets)
        self._add(stamp, _element("bet_cancel", window, body))
        if self.forced or rnd.random() < 0.3:
            stamp = self._at(stamp + rnd.randrange(30_000, 120_000))
            window = self._header(stamp)
            window.update(start_time=start_ms, end_time=end_ms)
            body = "".join(m.ref() for m in markets)
            self._add(stamp, _element("rollback_bet_cancel", window, body))

    def _results(self) -> dict[int, dict[str, Result]]:
        home = sum(team == 0 for _, team in self.goals)
        away = len(self.goals) - home

        def won(winner: str, market_id: int) -> dict[str, Result]:
            outcomes = self._market(market_id).outcomes
            return {o: (int(o == winner), None, None) for o in outcomes}

        def three_way(h: int, a: int) -> str:
            return "1" if h > a else "3" if a > h else "2"

        first = "7" if not self.goals else "6" if self.goals[0][1] == 0 else "8"
        early = [team for minute, team in self.goals if minute <= 10]
        results = {
            1: won(three_way(home, away), 1),
            8: won(first, 8),
            105: won(three_way(early.count(0), early.count(1)), 105),
        }
        if self.quarter and home + away == 2:
            # Under 2.25 with two goals: half the stake on "under 2" pushes, half on 2.5 decides.
            results[18] = {"12": (0, "0.5", None), "13": (1, "0.5", None)}
        else:
            results[18] = won("12" if home + away > 2 else "13", 18)
        margin = home - away - 1
        if margin == 0:
            results[16] = {"1714": (0, "1", None), "1715": (0, "1", None)}  # push: refund
        else:
            results[16] = won("1714" if margin > 0 else "1715", 16)
        if len(self.markets) > 5:
            outcomes = self.markets[5].outcomes
            if self.forced or self.rnd.random() < 0.5:
                tied = self.rnd.sample(outcomes, 2)
                results[535] = {
                    o: (1, None, "0.5") if o in tied else (0, None, None) for o in outcomes
                }
            else:
                results[535] = won(self.rnd.choice(outcomes), 535)
        return results

    def _market(self, market_id: int) -> _Market:
        return next(m for m in self.markets if m.id == market_id)

    def _settlement(self, stamp: int, certainty: int, results: dict[int, dict[str, Result]]) -> str:
        body = ""
        for market in self.markets:
            outcomes = "".join(
                _element("outcome", {"id": o, "result": r, "void_factor": v, "dead_heat_factor": d})
                for o, (r, v, d) in results[market.id].items()
            )
            body += _element("market", {"id": market.id, "specifiers": market.specifiers}, outcomes)
        attrs = self._header(stamp, product=1 if certainty == 1 else 3)
        attrs["certainty"] = certainty
        return _element("bet_settlement", attrs, _element("outcomes", {}, body))

    def _settle(self, target_ms: int) -> None:
        """Certainty 1, sometimes a rollback of one line, then certainty 2 (same outcomes)."""
        rnd = self.rnd
        results = self._results()
        stamp = self._at(target_ms)
        self._add(stamp, self._settlement(stamp, 1, results))
        if self.forced or rnd.random() < 0.25:
            stamp = self._at(stamp + rnd.randrange(60_000, 600_000))
            body = rnd.choice(self.markets).ref()
            self._add(stamp, _element("rollback_bet_settlement", self._header(stamp), body))
        stamp = self._at(stamp + rnd.randrange(10 * _MINUTE_MS, 60 * _MINUTE_MS))
        self._add(stamp, self._settlement(stamp, 2, results))


def _line(root: str) -> str:
    return _DECLARATION + root


def uof_lines(seed: int, events: int) -> list[bytes]:
    """The UOF messages of ``events`` simulated matches, interleaved by time, each one line of
    UTF-8 XML (no newline inside). Deterministic for ``(seed, events)``."""
    rnd = random.Random(seed)  # noqa: S311  sample data, not cryptography
    used: set[int] = set()
    timed: list[tuple[int, int, int, str]] = []
    start_ms = _START_MS
    for index in range(events):
        number = rnd.randrange(10_000_000, 60_000_000)
        while number in used:
            number = rnd.randrange(10_000_000, 60_000_000)
        used.add(number)
        match = _Match(rnd, index == 0, f"sr:match:{number}", start_ms)
        timed.extend(
            (stamp, index, seq, text) for seq, (stamp, text) in enumerate(match.simulate())
        )
        start_ms += rnd.randrange(_MINUTE_MS, 10 * _MINUTE_MS)
    timed.sort()

    lines: list[str] = []
    last_alive = {1: 0, 3: 0}

    def alive(stamp: int, product: int, subscribed: int) -> None:
        last_alive[product] = max(stamp, last_alive[product] + 1)
        attrs = {"product": product, "timestamp": last_alive[product], "subscribed": subscribed}
        lines.append(_line(_element("alive", attrs)))

    due = rnd.randint(3, 6)
    recovery_at = rnd.randrange(len(timed) // 3, 2 * len(timed) // 3 + 1) if timed else -1
    request_id = rnd.randrange(1, 10_000)
    for n, (stamp, _, _, text) in enumerate(timed):
        if n == recovery_at:
            lines.append(_line(_element("product_down", {"product": 1, "timestamp": stamp})))
            alive(stamp, 1, 0)
            done = {"product": 1, "timestamp": last_alive[1] + 1, "request_id": request_id}
            lines.append(_line(_element("snapshot_complete", done)))
        lines.append(text)
        due -= 1
        if due == 0:
            due = rnd.randint(3, 6)
            for product in (1, 3) if rnd.random() < 0.5 else (1,):
                alive(stamp, product, 1)
    return [line.encode() for line in lines]
