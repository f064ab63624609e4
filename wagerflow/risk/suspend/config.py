"""The thresholds of the auto-suspend rules."""

from __future__ import annotations

from dataclasses import dataclass, field

BP = 10_000  # basis points in 1


def _per_currency(amount: int) -> dict[str, int]:
    return {"EUR": amount, "GBP": amount, "USD": amount}


@dataclass(frozen=True)
class SuspendConfig:
    """Thresholds. Money is minor units per ISO-4217 currency code; rates are basis points. The
    money figures are the built-in defaults each shard's ``Thresholds`` starts from (a file or
    a hot update changes them there)."""

    selection_liability: dict[str, int] = field(default_factory=lambda: _per_currency(500_000))
    """Largest liability of one selection of a line (EUR 500_000 = EUR 5,000.00)."""
    market_liability: dict[str, int] = field(default_factory=lambda: _per_currency(1_500_000))
    """A line's worst case."""
    event_liability: dict[str, int] = field(default_factory=lambda: _per_currency(5_000_000))
    """An event's worst case."""
    round_liability: dict[str, int] = field(default_factory=lambda: _per_currency(1_000_000))
    """A live round's worst outcome liability (``round.liability``; EUR 10,000.00)."""
    hysteresis_bp: int = 2_000
    """Liability resumes only below ``threshold * (1 - hysteresis_bp / 10_000)`` (0.2)."""
    alive_timeout_ms: int = 20_000
    """A producer without an ALIVE for this long (event time) is down."""
    velocity_max_move_bp: int = 3_000
    """A price move of this much (3_000 = 30 %) within the window suspends the line."""
    velocity_window_ms: int = 10_000
    """The odds velocity window, and how long a line stays suspended after the last breach."""
    data_lag_ms: int = 30_000
    """Event time more than this behind received time suspends; clears below half of it."""
    lagging_hold_ms: int = 20_000
    """A lagging stream (Betfair 503) stays suspended this long after its last LAGGING."""
    live_silence_ms: int = 60_000
    """A live provider with no round traffic for this long (event time) holds its tables."""
    table_recovery_ms: int = 30_000
    """Hysteresis: a live provider's tables resume after this long of traffic with no error."""

    def __post_init__(self) -> None:
        positive = (
            "alive_timeout_ms",
            "velocity_max_move_bp",
            "velocity_window_ms",
            "data_lag_ms",
            "lagging_hold_ms",
            "live_silence_ms",
            "table_recovery_ms",
        )
        bad = [f"{name}={getattr(self, name)}" for name in positive if getattr(self, name) <= 0]
        if not 0 <= self.hysteresis_bp < BP:
            bad.append(f"hysteresis_bp={self.hysteresis_bp} (must be in [0, {BP}))")
        if bad:
            msg = f"invalid SuspendConfig: {', '.join(bad)}"
            raise ValueError(msg)

    def resume_below(self, threshold: int) -> int:
        """The smallest figure that still holds: resume when ``figure < resume_below``."""
        return -(-threshold * (BP - self.hysteresis_bp) // BP)
