"""Liability thresholds per currency, hot-updatable: what the liability and round rules compare.

``Thresholds`` is one risk shard's copy (plain picklable state, snapshotted with the shard): it
starts from ``SuspendConfig``'s built-in figures, then a thresholds file (``wagerflow run|replay
--thresholds FILE``) and ``ThresholdsUpdated`` events (the live bridge's ``thresholds.update``,
broadcast to every shard) set figures, effective for the exposures checked after them. A
currency without a figure is not checked (no exchange rate is guessed).

Figures, minor units of their currency: ``selection`` (a selection's liability), ``market`` (a
line's worst case), ``event`` (an event's worst case), ``round`` (a live round's worst outcome
liability; ``scope`` ``table:<id>`` sets one table's, which then wins over the currency's).
Only ``round`` may be set per table.

Thresholds file: a JSON list of objects, applied in order::

    {"currency": "EUR", "scope": "platform", "selection": "5000.00", "market": "15000",
     "event": "50000.00", "round": "10000.00"}

``currency`` required, ``scope`` optional (``platform``), at least one figure. Amounts are
decimal *strings* in major units, converted exactly (``wagerflow.money.exact_minor``; ``"5.001"``
EUR is refused). Unknown keys are refused. A bad entry raises ``ThresholdsError`` naming it; a
bad update event is refused the same way (the flow sends it to the DLQ).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final, Literal

import msgspec

from wagerflow.errors import WagerflowError
from wagerflow.money import InexactAmount, exact_minor
from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.schemas.events import ThresholdsUpdated

Figure = Literal["selection", "market", "event", "round"]
FIGURES: Final[tuple[Figure, ...]] = ("selection", "market", "event", "round")
_SCOPE = re.compile(r"platform|table:.+")
_CURRENCY = re.compile(r"[A-Z]{3}")


class ThresholdsError(WagerflowError, ValueError):
    """A thresholds update or file that cannot be applied."""


class ThresholdUpdate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Set the given figures (minor units) of (currency, scope); None: unchanged."""

    currency: str
    scope: str = "platform"
    selection: int | None = None
    market: int | None = None
    event: int | None = None
    round: int | None = None

    @classmethod
    def from_event(cls, e: ThresholdsUpdated) -> ThresholdUpdate:
        return cls(
            currency=e.currency,
            scope=e.scope,
            selection=e.selection_liability,
            market=e.market_liability,
            event=e.event_liability,
            round=e.round_liability,
        )

    def values(self) -> dict[Figure, int]:
        given = (self.selection, self.market, self.event, self.round)
        return {f: v for f, v in zip(FIGURES, given, strict=True) if v is not None}


def validate_thresholds(update: ThresholdUpdate) -> None:
    """Raise ``ThresholdsError`` unless ``update`` can be applied."""
    values = update.values()
    if not _CURRENCY.fullmatch(update.currency):
        problem = f"malformed currency {update.currency!r}"
    elif not _SCOPE.fullmatch(update.scope):
        problem = f"malformed thresholds scope {update.scope!r}"
    elif update.scope != "platform" and set(values) - {"round"}:
        problem = f"scope {update.scope!r} sets only the round threshold"
    elif any(v < 0 for v in values.values()):
        problem = f"negative threshold in {update!r}"
    else:
        return
    raise ThresholdsError(problem)


class Thresholds:
    """One shard's thresholds: ``(figure, currency)`` and per-table round figures."""

    def __init__(self, config: SuspendConfig | None = None) -> None:
        cfg = config or SuspendConfig()
        built_in = (
            cfg.selection_liability,
            cfg.market_liability,
            cfg.event_liability,
            cfg.round_liability,
        )
        self._figures: dict[tuple[Figure, str], int] = {
            (figure, cur): amount
            for figure, table in zip(FIGURES, built_in, strict=True)
            for cur, amount in table.items()
        }
        self._tables: dict[tuple[str, str], int] = {}  # (table, currency) -> round threshold

    def apply_update(self, update: ThresholdsUpdated | ThresholdUpdate) -> None:
        if isinstance(update, ThresholdsUpdated):
            update = ThresholdUpdate.from_event(update)
        validate_thresholds(update)
        for figure, amount in update.values().items():
            if update.scope == "platform":
                self._figures[figure, update.currency] = amount
            else:
                self._tables[update.scope.removeprefix("table:"), update.currency] = amount

    def get(self, figure: Figure, currency: str) -> int | None:
        return self._figures.get((figure, currency))

    def round(self, currency: str, table: str | None) -> tuple[int, str] | None:
        """A round's threshold and the scope that set it (its table's, else the currency's)."""
        if table is not None and (table, currency) in self._tables:
            return self._tables[table, currency], f"table:{table}"
        amount = self._figures.get(("round", currency))
        return None if amount is None else (amount, "platform")


class _FileEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    currency: str
    scope: str = "platform"
    selection: str | None = None
    market: str | None = None
    event: str | None = None
    round: str | None = None


def _file_update(e: _FileEntry) -> ThresholdUpdate:
    def minor(amount: str | None) -> int | None:
        return None if amount is None else exact_minor(amount, e.currency)

    update = ThresholdUpdate(
        currency=e.currency,
        scope=e.scope,
        selection=minor(e.selection),
        market=minor(e.market),
        event=minor(e.event),
        round=minor(e.round),
    )
    if not update.values():
        raise ThresholdsError("sets no threshold")
    validate_thresholds(update)
    return update


def load_thresholds_file(path: str | Path, config: SuspendConfig | None = None) -> Thresholds:
    """The built-in thresholds with a thresholds file (module docstring) applied on top."""
    name = str(path)
    try:
        raw: Any = msgspec.json.decode(Path(path).read_bytes())
    except (OSError, msgspec.DecodeError) as exc:
        msg = f"{name}: {exc}"
        raise ThresholdsError(msg) from exc
    if not isinstance(raw, list):
        msg = f"{name}: expected a JSON list of threshold entries"
        raise ThresholdsError(msg)
    thresholds = Thresholds(config)
    for index, item in enumerate(raw):
        try:
            thresholds.apply_update(_file_update(msgspec.convert(item, _FileEntry)))
        except (msgspec.ValidationError, InexactAmount, ThresholdsError) as exc:
            msg = f"{name}: entry {index} {item!r}: {exc}"
            raise ThresholdsError(msg) from exc
    return thresholds
