"""Liability thresholds: ``LIABILITY_SELECTION`` / ``LIABILITY_MARKET`` / ``LIABILITY_EVENT``.

``LIABILITY_SELECTION`` / ``LIABILITY_MARKET`` (line) from ``LineExposure`` (its largest
selection liability; ``worst_case``) and ``LIABILITY_EVENT`` (event) from
``EventExposure.worst_case``: hold when the figure is >= the currency's threshold, release when
it is < ``threshold * (1 - hysteresis)``. One cause per book and currency. The thresholds are
the shard's (``thresholds.Thresholds``, hot-updatable), read when the exposure is checked. A
currency without a threshold is not checked; an exposure older (lower ``version``) than one
applied is ignored.
"""

from __future__ import annotations

from wagerflow.risk.suspend.config import SuspendConfig
from wagerflow.risk.suspend.holds import Hold, Holds, Out
from wagerflow.risk.suspend.thresholds import Thresholds
from wagerflow.schemas.risk import EventExposure, LineExposure


class LiabilityRule:
    """Holds lines and events whose liability reached their currency's threshold."""

    def __init__(self, config: SuspendConfig, holds: Holds) -> None:
        self.config = config
        self.holds = holds
        self._exposure_versions: dict[tuple[str, ...], int] = {}

    def line_exposure(self, out: Out, x: LineExposure, now: int, limits: Thresholds) -> None:
        if self._stale(("line", x.tenant_id, x.event_id, x.line_id, x.book, x.currency), x.version):
            return
        top = max((s.liability for s in x.selections), default=0)
        tenant, event, line = x.tenant_id, x.event_id, x.line_id
        key = Hold("LIABILITY_SELECTION", tenant, event, line)
        self._threshold(out, key, now, top, limits.get("selection", x.currency), x)
        key = Hold("LIABILITY_MARKET", tenant, event, line)
        self._threshold(out, key, now, x.worst_case, limits.get("market", x.currency), x)

    def event_exposure(self, out: Out, x: EventExposure, now: int, limits: Thresholds) -> None:
        if self._stale(("event", x.tenant_id, x.event_id, x.book, x.currency), x.version):
            return
        key = Hold("LIABILITY_EVENT", x.tenant_id, x.event_id)
        threshold = limits.get("event", x.currency)
        self._threshold(out, key, now, x.worst_case, threshold, x)

    def _stale(self, key: tuple[str, ...], version: int) -> bool:
        if version < self._exposure_versions.get(key, version):
            return True
        self._exposure_versions[key] = version
        return False

    def _threshold(
        self,
        out: Out,
        key: Hold,
        now: int,
        figure: int,
        threshold: int | None,
        x: LineExposure | EventExposure,
    ) -> None:
        """Hold ``key`` for the exposure's book and currency at ``threshold``, with hysteresis."""
        if threshold is None:
            return
        cause = f"{x.book}:{x.currency}"
        below = self.config.resume_below(threshold)
        values = {"liability": figure, "threshold": threshold, "resume_below": below}
        if not self.holds.holds(key, cause):
            if figure >= threshold:
                reason = f"{figure} {x.currency} >= {threshold} ({x.book})"
                self.holds.hold(out, key, cause, now, reason, values)
        elif figure < below:
            reason = f"{figure} {x.currency} < {below} ({x.book})"
            self.holds.release(out, key, cause, now, reason, values)
