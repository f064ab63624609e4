"""Odds moving too fast: ``ODDS_VELOCITY`` (line).

Per selection (``LineOddsChanged`` outcome odds, ``OddsChanged`` best back, whose event and line
are both its ``market_id``), the odds of the last ``velocity_window_ms`` of event time are kept;
a price that moved ``velocity_max_move_bp`` or more relative to any of them holds the line. It
is released ``velocity_window_ms`` of flow time (``now_ms``) after the last breach (a timer).
Event time measures moves (a backlog delivered at once is no move); flow time the suspension.
Samples older than the selection's newest are ignored.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import BP, SuspendConfig
from wagerflow.risk.suspend.holds import Hold, Holds, Out
from wagerflow.schemas.events import LineOddsChanged, OddsChanged


class OddsVelocityRule:
    """Holds a line whose odds moved over the limit within the window."""

    def __init__(self, config: SuspendConfig, holds: Holds) -> None:
        self.config = config
        self.holds = holds
        self._odds: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
        self._deadlines: dict[tuple[str, str], dict[str, int]] = {}  # event -> line -> release

    def feed(self, out: Out, e: LineOddsChanged | OddsChanged, event: str, now: int) -> None:
        """Sample the odds of a feed message of ``event`` (an exchange market's own id)."""
        tenant = e.tenant_id
        match e:
            case LineOddsChanged():
                for o in e.outcomes:
                    if o.active:
                        self._sample(out, tenant, event, e.line_id, o.outcome_id, o.odds, e, now)
            case OddsChanged():
                odds = e.best_back_odds
                self._sample(out, tenant, event, e.market_id, e.selection_id, odds, e, now)

    def due(self, now: int) -> list[tuple[int, tuple[str, str, str]]]:
        """``(deadline, (tenant, event, line))`` of every release due at ``now``."""
        return [
            (at, (*event, line))
            for event, lines in self._deadlines.items()
            for line, at in lines.items()
            if at <= now
        ]

    def deadlines(self) -> list[int]:
        return [at for lines in self._deadlines.values() for at in lines.values()]

    def fire_timers(
        self, out: Out, tenant: str, event: str, now: int, only: str | None = None
    ) -> None:
        """Release the event's lines (or only line ``only``) due at ``now``, in deadline order."""
        lines = self._deadlines.get((tenant, event))
        if not lines:
            return
        for at, line in sorted((at, line) for line, at in lines.items() if at <= now):
            if only is not None and line != only:
                continue
            del lines[line]
            reason = f"no odds move over the limit for {self.config.velocity_window_ms} ms"
            values = {"window_ms": self.config.velocity_window_ms}
            key = Hold("ODDS_VELOCITY", tenant, event, line)
            self.holds.release(out, key, "velocity", at, reason, values)
        if not lines:
            del self._deadlines[(tenant, event)]

    def _sample(
        self,
        out: Out,
        tenant: str,
        event: str,
        line: str,
        selection: str,
        odds: int | None,
        e: LineOddsChanged | OddsChanged,
        now: int,
    ) -> None:
        if odds is None or odds <= 0:
            return
        at, window = e.event_time_ms, self.config.velocity_window_ms
        history = self._odds.setdefault((tenant, event, line, selection), [])
        if history and at < history[-1][0]:
            return
        history[:] = [(t, o) for t, o in history if t >= at - window]
        move, previous = 0, odds
        for _, before in history:
            change = abs(odds - before) * BP // before
            if change > move:
                move, previous = change, before
        if not history or history[-1] != (at, odds):
            history.append((at, odds))
        if move < self.config.velocity_max_move_bp:
            return
        lines = self._deadlines.setdefault((tenant, event), {})
        lines[line] = max(lines.get(line, 0), now + window)
        values = {
            "move_bp": move,
            "max_move_bp": self.config.velocity_max_move_bp,
            "odds": odds,
            "previous_odds": previous,
            "window_ms": window,
        }
        reason = f"selection {selection} odds {previous} -> {odds} ({move} bp) within {window} ms"
        key = Hold("ODDS_VELOCITY", tenant, event, line)
        self.holds.hold(out, key, "velocity", now, reason, values)
