"""Market odds at acceptance: the recent odds samples of each selection, by event time.

- **Market odds at acceptance**: ``LineOddsChanged`` (event, ``line_id``, ``outcome_id`` as the
  selection) and ``OddsChanged`` (``best_back_odds``; ``market_id`` as the line, ``event_id``
  None matching every event) add samples ``(event time, odds)`` to a history per (tenant, event,
  line, selection), holding the newest ``ODDS_HISTORY`` (64) event times; a sample at an event
  time already held replaces it; odds None (no price) is a sample too, meaning unknown. When a
  bet is placed (its ``BetPlaced`` is applied), each leg takes the odds of the latest sample
  whose event time is <= the placement time (the event-specific history wins a tie with the
  event-less one); samples that arrive after the bet do not change it (odds lead the bets).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

ODDS_HISTORY = 64
"""Odds samples kept per (tenant, event, line, selection): the newest event times."""

OddsKey = tuple[str, str | None, str, str]  # tenant, event_id (None: every event), line, selection


class OddsBook:
    """Odds samples ``(event time, odds)`` per selection, sorted by event time; picklable."""

    def __init__(self) -> None:
        self._odds: dict[OddsKey, list[tuple[int, int | None]]] = {}

    def sample(self, key: OddsKey, at_ms: int, odds: int | None) -> None:
        history = self._odds.setdefault(key, [])
        i = bisect_left(history, at_ms, key=lambda s: s[0])
        if i < len(history) and history[i][0] == at_ms:
            history[i] = (at_ms, odds)
        else:
            history.insert(i, (at_ms, odds))
            if len(history) > ODDS_HISTORY:
                del history[0]

    def at(self, key: OddsKey, at_ms: int) -> int | None:
        """The odds of the latest sample at or before ``at_ms`` (event-specific on a tie)."""
        best: tuple[int, int, int | None] | None = None
        tenant, event_id, line, selection = key
        for rank, k in ((1, key), (0, (tenant, None, line, selection))):
            history = self._odds.get(k, [])
            i = bisect_right(history, at_ms, key=lambda s: s[0])
            if i and (best is None or (history[i - 1][0], rank) > best[:2]):
                best = (history[i - 1][0], rank, history[i - 1][1])
            if event_id is None:
                break
        return None if best is None else best[2]
