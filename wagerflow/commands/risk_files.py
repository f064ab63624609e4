"""The risk configuration files of ``wagerflow run`` and ``replay``: limits, suspend thresholds
and the player directory, each optional (the built-in figures and an empty directory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wagerflow.errors import ConfigError
from wagerflow.flows.risk import RiskContext
from wagerflow.risk.directory import load_players_file
from wagerflow.risk.limits import LimitBook
from wagerflow.risk.suspend import SuspendConfig, load_thresholds_file


@dataclass(frozen=True)
class RiskFiles:
    limits: Path | None = None
    """Limit profiles and overrides (``wagerflow.risk.limits``)."""
    thresholds: Path | None = None
    """Suspend thresholds per currency and table (``wagerflow.risk.suspend.thresholds``)."""
    players: Path | None = None
    """The player directory the limits start from (``wagerflow.risk.directory``)."""


def risk_context(files: RiskFiles, wall_clock: Callable[[], int] | None) -> RiskContext:
    """Every shard's starting limits, thresholds and players, read from ``files``; timers on
    ``wall_clock`` (None: event time only). ``ConfigError`` names a file that cannot be read."""
    config = SuspendConfig()
    try:
        players = load_players_file(files.players) if files.players else {}
        if files.limits:
            limits = LimitBook.from_file(files.limits, players=players)
        else:
            limits = LimitBook(players=players)
        thresholds = load_thresholds_file(files.thresholds, config) if files.thresholds else None
    except (OSError, ValueError) as exc:
        msg = f"cannot read a risk file: {exc}"
        raise ConfigError(msg) from exc
    return RiskContext(limits=limits, suspend=config, wall_clock=wall_clock, thresholds=thresholds)
