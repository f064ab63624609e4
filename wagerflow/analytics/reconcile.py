"""Reconcile a provider's round report with our settlements.

(Over 400 lines: the report format, the matching and the rendering of one reconciliation.)

The report is a CSV of finished rounds, one row per round (or several, which are added up):
round or session id, player, game, currency, bet, win, start, end; Pragmatic's finished-rounds
data feed is the model (``playSessionID``, ``extPlayerID``, ``gameID``, ``currency``, ``bet``,
``win``, ``startDate``, ``endDate``; a leading ``timepoint=...`` line is skipped). Amounts are
decimal major units of the row's currency, converted exactly; times are ISO 8601 (UTC when no
zone is given) or epoch milliseconds. ``read_report`` parses it, with the player ids replaced by
their pseudonyms so they compare with ours.

Our side (``load_ours``): per round, the current version of each of its bets (``settlements``,
FINAL, highest version per bet) that is SETTLED: the sum of stakes is the round's bet, the sum of
payouts its win (a voided bet's refund included, as the provider reports money that moved;
jackpot wins included, bonus-cost credits and RETRY outcomes not: MONEY.md §4.1, §4.4). A
round's time is its last settlement. ``load_books`` gives our totals over the window per
currency (cash and bonus turnover, wins, GGR, bonus cost, NGR), from ``ggr_hourly``.

``compare`` is the pure comparison. Only report rounds that end inside ``[start, end)`` count, and
only our rounds settled inside it can be *extra*; any of our rounds can match a report round.
The CLI loads our rounds settled inside the window plus every round the report names, so a
round settled on the other side of midnight still matches.

- MISSING: in the report, not ours (we never settled it: a lost message, an unsettled round);
- EXTRA: ours, not in the report (settled by us, unknown to the provider);
- MISMATCH: in both, with different bet or win totals, currency, or player (when both sides
  name one); ``fields`` says which.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.errors import WagerflowError
from wagerflow.money import InexactAmount, currency_exponent, exact_minor


class ReportError(WagerflowError):
    """The report (or a time given on the command line) cannot be read."""


@dataclass(frozen=True, slots=True)
class RoundTotals:
    """One round as one side tells it. Money in minor units of ``currency``; ``player`` a
    pseudonym (empty: not known); times epoch ms (None: not known)."""

    round_id: str
    currency: str
    bet: int
    win: int
    player: str = ""
    game: str = ""
    start_ms: int | None = None
    end_ms: int | None = None

    @property
    def time_ms(self) -> int | None:
        return self.end_ms if self.end_ms is not None else self.start_ms


class Kind(StrEnum):
    MISSING = "MISSING"
    EXTRA = "EXTRA"
    MISMATCH = "MISMATCH"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: Kind
    round_id: str
    report: RoundTotals | None
    ours: RoundTotals | None
    fields: tuple[str, ...] = ()
    """MISMATCH: which of bet, win, currency, player differ."""


@dataclass(frozen=True, slots=True)
class Totals:
    rounds: int = 0
    bet: int = 0
    win: int = 0

    def add(self, r: RoundTotals) -> Totals:
        return Totals(self.rounds + 1, self.bet + r.bet, self.win + r.win)


@dataclass
class Reconciliation:
    discrepancies: list[Discrepancy]
    matched: int
    report: dict[str, Totals] = field(default_factory=dict)
    """Per currency, the report's rounds inside the window."""
    ours: dict[str, Totals] = field(default_factory=dict)
    """Per currency, our rounds settled inside the window."""

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def count(self, kind: Kind) -> int:
        return sum(1 for d in self.discrepancies if d.kind == kind)


def merge_rows(rows: Iterable[RoundTotals]) -> dict[str, RoundTotals]:
    """Rows of the same round added up: bets and wins summed, currencies (and players) that
    differ joined with ``,`` (so they mismatch), the earliest start and latest end."""
    merged: dict[str, RoundTotals] = {}
    for r in rows:
        seen = merged.get(r.round_id)
        if seen is None:
            merged[r.round_id] = r
            continue
        merged[r.round_id] = replace(
            seen,
            currency=_union(seen.currency, r.currency),
            bet=seen.bet + r.bet,
            win=seen.win + r.win,
            player=_union(seen.player, r.player),
            game=_union(seen.game, r.game),
            start_ms=_pick(min, seen.start_ms, r.start_ms),
            end_ms=_pick(max, seen.end_ms, r.end_ms),
        )
    return merged


def _union(a: str, b: str) -> str:
    values = {v for v in (*a.split(","), *b.split(",")) if v}
    return ",".join(sorted(values))


def _pick(fn: Any, a: int | None, b: int | None) -> int | None:
    values = [v for v in (a, b) if v is not None]
    return fn(values) if values else None


def _inside(t: int | None, start_ms: int | None, end_ms: int | None) -> bool:
    if t is None:
        return start_ms is None and end_ms is None
    return (start_ms is None or t >= start_ms) and (end_ms is None or t < end_ms)


def _differences(report: RoundTotals, ours: RoundTotals) -> tuple[str, ...]:
    diff = []
    if report.bet != ours.bet:
        diff.append("bet")
    if report.win != ours.win:
        diff.append("win")
    if report.currency != ours.currency:
        diff.append("currency")
    if report.player and ours.player and report.player != ours.player:
        diff.append("player")
    return tuple(diff)


def compare(
    report: Iterable[RoundTotals],
    ours: Iterable[RoundTotals],
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Reconciliation:
    """Report rounds (ending inside the window) against ours (see the module docstring)."""
    theirs = {k: r for k, r in merge_rows(report).items() if _inside(r.time_ms, start_ms, end_ms)}
    mine = merge_rows(ours)
    found: list[Discrepancy] = []
    matched = 0
    report_totals: dict[str, Totals] = defaultdict(Totals)
    our_totals: dict[str, Totals] = defaultdict(Totals)
    for round_id, r in theirs.items():
        report_totals[r.currency] = report_totals[r.currency].add(r)
        o = mine.get(round_id)
        if o is None:
            found.append(Discrepancy(Kind.MISSING, round_id, r, None))
            continue
        diff = _differences(r, o)
        if diff:
            found.append(Discrepancy(Kind.MISMATCH, round_id, r, o, diff))
        else:
            matched += 1
    for round_id, o in mine.items():
        if not _inside(o.time_ms, start_ms, end_ms):
            continue
        our_totals[o.currency] = our_totals[o.currency].add(o)
        if round_id not in theirs:
            found.append(Discrepancy(Kind.EXTRA, round_id, None, o))
    found.sort(key=lambda d: (d.kind.value, d.round_id))
    return Reconciliation(found, matched, dict(report_totals), dict(our_totals))


# --- the report -------------------------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "round": ("playsessionid", "roundid", "round_id", "round", "sessionid", "session_id"),
    "player": ("extplayerid", "playerid", "player_id", "player", "userid"),
    "game": ("gameid", "game_id", "game"),
    "currency": ("currency",),
    "bet": ("bet", "bet_amount", "betamount"),
    "win": ("win", "win_amount", "winamount"),
    "start": ("startdate", "start", "start_time", "starttime"),
    "end": ("enddate", "end", "end_time", "endtime"),
}
_REQUIRED = ("round", "currency", "bet", "win")


def parse_time(text: str) -> int:
    """Epoch ms of ISO 8601 text (a date, or a date and time; UTC unless a zone is given) or
    of epoch milliseconds given as digits."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        msg = f"not a time: {text!r} (use ISO 8601 such as 2026-01-10T15:00:00Z, or epoch ms)"
        raise ReportError(msg) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def format_time(ms: int | None) -> str:
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _columns(header: Sequence[str], source: str) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for what, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[what] = names.index(alias)
                break
    missing = [w for w in _REQUIRED if w not in found]
    if missing:
        msg = (
            f"{source}: the header has no {', '.join(missing)} column "
            f"(found: {', '.join(h.strip() for h in header)})"
        )
        raise ReportError(msg)
    return found


def parse_report(
    text: str, pseudo: Pseudonymizer, tenant_id: str, source: str
) -> list[RoundTotals]:
    """The rows of a report (see the module docstring); ``ReportError`` names the bad line."""
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].startswith("timepoint=")):
        skip += 1
    reader = csv.reader(io.StringIO("\n".join(lines[skip:])))
    header = next(reader, None)
    if header is None:
        msg = f"{source}: no header line"
        raise ReportError(msg)
    cols = _columns(header, source)
    rows = []
    for number, cells in enumerate(reader, start=skip + 2):
        if not any(c.strip() for c in cells):
            continue

        def cell(what: str, cells: list[str] = cells) -> str:
            index = cols.get(what)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        currency = cell("currency").upper()
        try:
            rows.append(
                RoundTotals(
                    round_id=cell("round"),
                    currency=currency,
                    bet=exact_minor(cell("bet") or "0", currency),
                    win=exact_minor(cell("win") or "0", currency),
                    player=pseudo(tenant_id, cell("player") or None),
                    game=cell("game"),
                    start_ms=parse_time(cell("start")) if cell("start") else None,
                    end_ms=parse_time(cell("end")) if cell("end") else None,
                )
            )
        except (InexactAmount, ReportError) as exc:
            msg = f"{source} line {number}: {exc}"
            raise ReportError(msg) from exc
        if not rows[-1].round_id or not currency:
            msg = f"{source} line {number}: no round id or currency"
            raise ReportError(msg)
    return rows


def read_report(path: Path, pseudo: Pseudonymizer, tenant_id: str) -> list[RoundTotals]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        msg = f"cannot read the report {path}: {exc.strerror}"
        raise ReportError(msg) from exc
    return parse_report(text, pseudo, tenant_id, str(path))


# --- our side ----------------------------------------------------------------------------------

_OURS = """
SELECT
    round_id,
    arrayStringConcat(arraySort(groupUniqArray(currency)), ',') AS currencies,
    sum(stake) AS bet,
    sum(payout) AS win,
    arrayStringConcat(arraySort(groupUniqArrayIf(player, player != '')), ',') AS players,
    toUnixTimestamp64Milli(min(settled_at)) AS first_ms,
    toUnixTimestamp64Milli(max(settled_at)) AS last_ms
FROM
(
    SELECT round_id, bet_id, currency, stake, payout, player, settled_at, state, outcome, ledger
    FROM settlements FINAL
    WHERE tenant_id = {tenant:String} AND provider_id = {provider:String}
      AND round_id IN (
          SELECT round_id FROM settlements
          WHERE tenant_id = {tenant:String} AND provider_id = {provider:String}
            AND settled_at >= fromUnixTimestamp64Milli({start:Int64}, 'UTC')
            AND settled_at < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
          UNION DISTINCT
          SELECT arrayJoin({named:Array(String)}) AS round_id
      )
    ORDER BY bet_id, version DESC
    LIMIT 1 BY bet_id
)
WHERE state = 'SETTLED' AND outcome != 'RETRY' AND ledger != 'BONUS_COST'
GROUP BY round_id
"""

_GAMES = """
SELECT round_id, round_game FROM round_dims
WHERE tenant_id = {tenant:String} AND provider_id = {provider:String}
  AND round_id IN {rounds:Array(String)}
"""


def load_ours(
    client: Any,
    tenant_id: str,
    provider_id: str,
    start_ms: int,
    end_ms: int,
    named: Sequence[str] = (),
) -> list[RoundTotals]:
    """Our settled rounds of ``provider_id``: those with a settlement inside the window and
    those ``named`` (the report's), from the current version of each bet."""
    params = {
        "tenant": tenant_id,
        "provider": provider_id,
        "start": start_ms,
        "end": end_ms,
        "named": list(named),
    }
    result = client.query(_OURS, parameters=params).result_rows
    if not result:
        return []
    rounds = [r[0] for r in result]
    games: Mapping[str, str] = dict(
        client.query(
            _GAMES, parameters={"tenant": tenant_id, "provider": provider_id, "rounds": rounds}
        ).result_rows
    )
    return [
        RoundTotals(
            round_id=round_id,
            currency=currencies,
            bet=int(bet),
            win=int(win),
            player=players,
            game=games.get(round_id, ""),
            start_ms=int(first_ms),
            end_ms=int(last_ms),
        )
        for round_id, currencies, bet, win, players, first_ms, last_ms in result
    ]


@dataclass(frozen=True, slots=True)
class Books:
    """Our casino books of one currency over the window (MONEY.md §4.1), as ``ggr_hourly``
    gives them: minor units."""

    cash_turnover: int = 0
    bonus_turnover: int = 0
    wins: int = 0
    bonus_cost: int = 0

    @property
    def ggr(self) -> int:
        return self.cash_turnover - self.wins

    @property
    def ngr(self) -> int:
        return self.ggr - self.bonus_cost


_BOOKS = """
SELECT currency, sum(cash_turnover), sum(bonus_turnover), sum(wins), sum(bonus_cost)
FROM ggr_hourly
WHERE tenant_id = {tenant:String} AND provider_id = {provider:String}
  AND hour >= toStartOfHour(fromUnixTimestamp64Milli({start:Int64}, 'UTC'))
  AND hour < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
GROUP BY currency
ORDER BY currency
"""


def load_books(
    client: Any, tenant_id: str, provider_id: str, start_ms: int, end_ms: int
) -> dict[str, Books]:
    """Our books per currency over the hours the window touches, from ``ggr_hourly`` (the
    same figures the view carries: the ledger of settlement versions booked in those hours)."""
    params = {"tenant": tenant_id, "provider": provider_id, "start": start_ms, "end": end_ms}
    return {
        currency: Books(int(cash), int(bonus), int(wins), int(cost))
        for currency, cash, bonus, wins, cost in client.query(_BOOKS, parameters=params).result_rows
    }


def render_books(books: Mapping[str, Books]) -> str:
    """Our books per currency as a Markdown table."""
    header = ["currency", "cash turnover", "bonus turnover", "wins", "GGR", "bonus cost", "NGR"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for currency, b in sorted(books.items()):
        cells = [b.cash_turnover, b.bonus_turnover, b.wins, b.ggr, b.bonus_cost, b.ngr]
        lines.append(f"| {currency} | " + " | ".join(money(c, currency) for c in cells) + " |")
    return "\n".join(lines)


# --- output ------------------------------------------------------------------------------------


def money(minor: int | None, currency: str) -> str:
    """Minor units as a decimal amount of the currency (``""`` for None)."""
    if minor is None:
        return ""
    exponent = currency_exponent(currency) if currency and "," not in currency else 2
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"


CSV_COLUMNS = [
    "kind",
    "round_id",
    "fields",
    "report_currency",
    "our_currency",
    "report_bet",
    "our_bet",
    "report_win",
    "our_win",
    "report_player",
    "our_player",
    "report_game",
    "our_game",
    "report_end",
    "our_end",
]


def _csv_rows(result: Reconciliation) -> list[list[str]]:
    rows = []
    for d in result.discrepancies:
        r, o = d.report, d.ours
        side = r or o
        currency = side.currency if side else ""
        rows.append(
            [
                d.kind.value,
                d.round_id,
                "|".join(d.fields),
                r.currency if r else "",
                o.currency if o else "",
                money(r.bet, currency) if r else "",
                money(o.bet, currency) if o else "",
                money(r.win, currency) if r else "",
                money(o.win, currency) if o else "",
                r.player if r else "",
                o.player if o else "",
                r.game if r else "",
                o.game if o else "",
                format_time(r.time_ms) if r else "",
                format_time(o.time_ms) if o else "",
            ]
        )
    for currency in sorted(set(result.report) | set(result.ours)):
        t, m = result.report.get(currency, Totals()), result.ours.get(currency, Totals())
        rows.append(
            [
                "TOTAL",
                f"{t.rounds} report / {m.rounds} ours",
                "",
                currency,
                currency,
                money(t.bet, currency),
                money(m.bet, currency),
                money(t.win, currency),
                money(m.win, currency),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    return rows


def write_csv(result: Reconciliation, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_rows(result))


def render(result: Reconciliation, title: str) -> str:
    """A summary line, then the discrepancies and the totals per currency as a Markdown table."""
    head = (
        f"{title}: {result.matched} rounds match, {result.count(Kind.MISSING)} missing, "
        f"{result.count(Kind.EXTRA)} extra, {result.count(Kind.MISMATCH)} mismatched"
    )
    header = ["kind", "round", "differs", "currency", "report bet", "our bet"]
    header += ["report win", "our win", "end"]
    lines = [head, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in _csv_rows(result):
        currencies = [c for c in (row[3], row[4]) if c]
        currency = currencies[0] if len(set(currencies)) == 1 else " / ".join(currencies)
        cells = [row[0], row[1], row[2], currency, *row[5:9], row[13] or row[14]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
