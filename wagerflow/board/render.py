"""The board's HTML: the page and one fragment per live section.

The server renders every figure; the page's script only swaps a section's HTML when the server
pushes a new version of it (so the formatting lives in one place, here). Money is shown in
major units of its currency, from integer minor units, exactly (no float).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import escape

from wagerflow.board.live import EventSheet, Ranked, Snapshot
from wagerflow.money import currency_exponent
from wagerflow.schemas.risk import LineExposure, RoundExposure

SECTIONS = ("liabilities", "suspensions", "breaches", "settlements", "health", "casino")
TITLES = {
    "liabilities": "Largest liabilities",
    "suspensions": "Suspended now",
    "breaches": "Limit breaches",
    "settlements": "Settlements",
    "health": "Provider health",
    "casino": "Live casino: open rounds",
}


def money(minor: int, currency: str) -> str:
    digits = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 10**digits)
    frac = f".{cents:0{digits}d}" if digits else ""
    return f"{sign}{units:,}{frac} {escape(currency)}"


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _table(head: Iterable[str], rows: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _td(*cells: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<td{attr}>{c}</td>" for c in cells)


def _control(event: str, line: str | None, can_write: bool, label: str = "suspend") -> str:
    if not can_write:
        return ""
    return (
        f'<button class="cmd" data-action="{label}" data-event="{escape(event)}" '
        f'data-line="{escape(line or "")}">{label}</button>'
    )


def liabilities(snap: Snapshot, can_write: bool) -> str:
    rows = []
    for r in snap.lines:
        x = r.record
        if not isinstance(x, LineExposure):
            continue
        top = max(x.selections, key=lambda s: s.liability, default=None)
        rows.append(
            f'<tr data-key="{escape(r.key)}" data-worst="{r.worst_case}">'
            + _td(
                f'<a href="#" class="event" data-event="{escape(x.event_id)}">'
                f"{escape(x.event_id)}</a>",
                escape(x.line_id),
                x.book.replace("_", "-").lower(),
            )
            + _td(
                money(x.worst_case, x.currency),
                money(x.open_stake, x.currency),
                escape(top.selection_id) if top else "",
                cls="num",
            )
            + _td(_control(x.event_id, x.line_id, can_write))
            + "</tr>"
        )
    head = ("event", "line", "book", "worst case", "open stake", "worst selection", "")
    return _table(head, rows, "no open liabilities")


def _values(values: dict[str, int]) -> str:
    return ", ".join(f"{escape(k)}={v}" for k, v in sorted(values.items()))


def suspensions(snap: Snapshot, can_write: bool) -> str:
    rows = []
    for c in snap.suspensions:
        scope = (
            f"all {escape(c.provider_id)}/{escape(c.producer or '')} markets"
            if c.provider_id
            else f"{escape(c.event_id)} / {escape(c.line_id or 'all lines')}"
        )
        by = f" by {escape(c.trader)}" if c.trader else ""
        resume = _control(c.event_id, c.line_id, can_write, "resume") if c.rule == "MANUAL" else ""
        rows.append(
            f'<tr data-command="{escape(c.command_id)}" data-rule="{escape(c.rule)}">'
            + _td(escape(c.rule), scope, escape(c.reason) + by, _values(c.values), when(c.as_of_ms))
            + _td(resume)
            + "</tr>"
        )
    return _table(("rule", "market", "reason", "values", "since (UTC)", ""), rows, "none")


def breaches(snap: Snapshot, can_write: bool) -> str:
    rows = [
        "<tr>"
        + _td(when(b.as_of_ms), escape(b.rule), escape(b.scope), escape(b.bet_id))
        + _td(money(b.value, b.currency), money(b.limit, b.currency), cls="num")
        + "</tr>"
        for b in snap.breaches
    ]
    return _table(("time", "rule", "scope", "bet", "value", "limit"), rows, "no breaches")


def settlements(snap: Snapshot, can_write: bool) -> str:
    rows = [
        f'<tr class="{"flagged" if s.flags else ""}">'
        + _td(
            when(s.settled_at_ms),
            escape(s.provider_id),
            escape(s.bet_id),
            escape(s.outcome or s.state),
            " ".join(f'<span class="flag">{escape(f)}</span>' for f in s.flags),
        )
        + _td(money(s.stake, s.currency), money(s.payout, s.currency), cls="num")
        + "</tr>"
        for s in snap.settlements
    ]
    head = ("time", "provider", "bet", "outcome", "flags", "stake", "payout")
    return _table(head, rows, "no settlements yet")


def health(snap: Snapshot, can_write: bool) -> str:
    rows = [
        f'<tr class="{"up" if h.state in ("ALIVE", "SNAPSHOT_COMPLETE") else "down"}">'
        + _td(escape(h.provider), escape(h.producer), escape(h.state), escape(h.detail or ""))
        + _td(when(h.event_time_ms), f"{h.lag_ms:,} ms", cls="num")
        + "</tr>"
        for h in snap.health
    ]
    recent = [
        "<tr>"
        + _td(when(e.event_time_ms), escape(e.provider_id), escape(e.producer), escape(e.state))
        + "</tr>"
        for e in snap.health_events[:10]
    ]
    return _table(
        ("provider", "producer", "state", "detail", "last message", "lag"),
        rows,
        "no health messages",
    ) + _table(("time", "provider", "producer", "state"), recent, "")


def casino(snap: Snapshot, can_write: bool) -> str:
    tables: dict[str, list[Ranked]] = defaultdict(list)
    for r in snap.rounds:
        if isinstance(r.record, RoundExposure):
            tables[r.record.table_id or r.record.game_id or "-"].append(r)
    rows = []
    for table, rounds in sorted(tables.items()):
        for r in rounds:
            x = r.record
            assert isinstance(x, RoundExposure)
            worst = sorted(x.outcomes, key=lambda o: -o.liability)[:3]
            rows.append(
                f'<tr data-key="{escape(r.key)}">'
                + _td(escape(table), escape(x.round_id), escape(x.game_kind), escape(x.status))
                + _td(
                    money(x.open_stake, x.currency),
                    money(x.worst_case, x.currency),
                    cls="num",
                )
                + _td(
                    ", ".join(
                        f"{escape(o.outcome)}: {money(o.liability, x.currency)}" for o in worst
                    )
                )
                + "</tr>"
            )
    head = ("table", "round", "game", "status", "open stake", "worst case", "worst outcomes")
    return _table(head, rows, "no open rounds")


RENDERERS: dict[str, Callable[[Snapshot, bool], str]] = {
    "liabilities": liabilities,
    "suspensions": suspensions,
    "breaches": breaches,
    "settlements": settlements,
    "health": health,
    "casino": casino,
}


def sections(snap: Snapshot, can_write: bool) -> dict[str, str]:
    return {name: RENDERERS[name](snap, can_write) for name in SECTIONS}


def event_sheet(sheet: EventSheet, can_write: bool) -> str:
    """One event: its lines per book with every selection, and the totals."""
    parts = [f"<h3>{escape(sheet.event_id)} {_control(sheet.event_id, None, can_write)}</h3>"]
    totals = [
        "<tr>"
        + _td(t.book.replace("_", "-").lower(), str(t.lines))
        + _td(money(t.open_stake, t.currency), money(t.worst_case, t.currency), cls="num")
        + "</tr>"
        for t in sheet.totals
    ]
    parts.append(_table(("book", "lines", "open stake", "worst case"), totals, "no open lines"))
    for book in ("PRE_MATCH", "IN_PLAY"):
        for x in sheet.lines.get(book, []):
            rows = [
                "<tr>"
                + _td(
                    f'<a href="#" class="players" data-event="{escape(x.event_id)}" '
                    f'data-line="{escape(x.line_id)}" data-selection="{escape(s.selection_id)}">'
                    f"{escape(s.selection_id)}</a>",
                    str(s.bets),
                )
                + _td(
                    money(s.open_stake, x.currency),
                    money(s.potential_return, x.currency),
                    money(s.liability, x.currency),
                    cls="num",
                )
                + "</tr>"
                for s in x.selections
            ]
            parts.append(
                f"<h4>{book.replace('_', '-').lower()} · line {escape(x.line_id)} · worst case "
                f"{money(x.worst_case, x.currency)} "
                f"{_control(x.event_id, x.line_id, can_write)}</h4>"
                + _table(
                    ("selection", "bets", "open stake", "return if it wins", "liability"), rows, ""
                )
            )
    return "".join(parts)


def players(sheet: EventSheet, line_id: str, selection_id: str) -> str:
    rows = [
        "<tr>"
        + _td(escape(p.player_id))
        + _td(money(p.open_stake, p.currency), money(p.potential_return, p.currency), cls="num")
        + "</tr>"
        for p in sheet.players
        if p.line_id == line_id and p.selection_id == selection_id
    ]
    title = f"<h4>players on {escape(selection_id)} (line {escape(line_id)})</h4>"
    return title + _table(("player", "open stake", "return if it wins"), rows, "no open positions")
