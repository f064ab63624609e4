"""Every metric wagerflow exposes, defined once; each is moved by the running flow
(``tests/test_dashboard.py`` checks every one the dashboard queries is on a live /metrics).

Invariants: received = heartbeats + DLQ (decode) + decoded lines; decoded market changes =
applied + duplicates + stale + conflicts.

Labels: ``provider`` and ``game_type`` (``game_type(provider)``: sports or casino) on what a
provider feeds; ``sink`` and ``step`` (Bytewax step names) on the engine's own work.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SPORTS = "sports"
CASINO = "casino"
_GAME_TYPES = {
    "betfair": SPORTS,
    "uof": SPORTS,
    "generic": SPORTS,
    "live": CASINO,
    "hub88": CASINO,
    "evolution": CASINO,
    "pragmatic": CASINO,
}


def game_type(provider: str) -> str:
    """The game type a provider feeds (``sports`` or ``casino``; ``other`` for an unknown id)."""
    return _GAME_TYPES.get(provider, "other")


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10)
"""0.3 s is a boundary: the SLO "p95 under 300 ms" is read exactly, not interpolated."""

MESSAGES_RECEIVED = Counter(
    "wagerflow_messages_received", "Raw provider messages read", ["provider", "game_type"]
)
HEARTBEATS = Counter("wagerflow_heartbeats", "Provider heartbeats (no event)", ["provider"])
DLQ_ENTRIES = Counter(
    "wagerflow_dlq_entries",
    "Raw messages rejected to the DLQ",
    ["provider", "game_type", "reason"],
)
DUPLICATES = Counter(
    "wagerflow_duplicates", "Resent provider messages dropped by dedup key (all providers)"
)
STALE = Counter(
    "wagerflow_stale", "Messages older than what their market already applied (all providers)"
)
EVENTS_EMITTED = Counter(
    "wagerflow_events_emitted", "Normalized events emitted", ["provider", "game_type", "type"]
)
PROCESSING_LATENCY = Histogram(
    "wagerflow_processing_latency_seconds",
    "Received (broker time) to normalized event emitted; one sample per provider per batch",
    ["provider", "game_type"],
    buckets=LATENCY_BUCKETS,
)
SETTLEMENTS = Counter(
    "wagerflow_settlements",
    "Bet settlement versions published (outcome OPEN: reopened by a rollback)",
    ["provider", "game_type", "outcome"],
)
SETTLEMENT_FLAGS = Counter(
    "wagerflow_settlement_flags",
    "Settlements flagged for a second look (ODDS_MISMATCH, LATE, CORRECTED, ...)",
    ["provider", "flag"],
)
TIME_TO_SETTLE = Histogram(
    "wagerflow_time_to_settle_seconds",
    "A bet's placement to its first settlement (event time)",
    ["category"],
    buckets=(1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600),
)
MARKET_COMMANDS = Counter(
    "wagerflow_market_commands",
    "Market-control commands emitted (action suspend or resume), by the rule that fired",
    ["provider", "game_type", "action", "rule"],
)
LIMIT_BREACHES = Counter(
    "wagerflow_limit_breaches", "Bets over a limit, by the limit rule", ["provider", "rule"]
)
EXPOSURE_UPDATES = Counter(
    "wagerflow_exposure_updates",
    "Exposure records emitted (kind line, event, player, round)",
    ["provider", "game_type", "kind"],
)
LIABILITY = Gauge(
    "wagerflow_liability_minor",
    "Worst-case liability (minor units) of this process's largest open events and rounds",
    ["provider", "game_type", "entity", "currency"],
)
SINK_WRITES = Counter("wagerflow_sink_writes", "Items written by each sink", ["sink"])
SINK_RETRIES = Counter("wagerflow_sink_retries", "Failed writes a sink will retry", ["sink"])
SINK_FAILURES = Counter(
    "wagerflow_sink_failures", "Writes that raised out of a sink (the flow stops)", ["sink"]
)
SINK_QUEUE_DEPTH = Gauge(
    "wagerflow_sink_queue_depth", "Items accepted by a sink and not yet acknowledged", ["sink"]
)
SINK_WRITE_SECONDS = Histogram(
    "wagerflow_sink_write_seconds",
    "Time of one sink batch write",
    ["sink"],
    buckets=LATENCY_BUCKETS,
)
SNAPSHOT_SECONDS = Histogram(
    "wagerflow_snapshot_seconds",
    "Time to snapshot one partition or shard at the end of an epoch",
    ["step"],
    buckets=LATENCY_BUCKETS,
)
EPOCHS = Counter(
    "wagerflow_epochs", "Epochs closed, counted per raw partition (each partition's snapshot)"
)
LAST_PROGRESS = Gauge(
    "wagerflow_last_progress_timestamp_seconds", "Unix time the dataflow last closed an epoch"
)
CONSUMER_LAG = Gauge(
    "wagerflow_consumer_lag",
    "Messages behind the end of a raw topic partition (high watermark - next offset)",
    ["provider", "topic", "partition"],
)
SERVICE_UP = Gauge(
    "wagerflow_service_up", "1 when the last readiness check reached the service", ["service"]
)
READY = Gauge("wagerflow_ready", "1 when /readyz answers ready")
DLQ_BRAKE = Gauge(
    "wagerflow_dlq_brake",
    "1 while a provider's input is paused by the DLQ brake (resume: wagerflow brake resume)",
    ["provider"],
)
DLQ_BRAKE_TRIPS = Counter(
    "wagerflow_dlq_brake_trips", "Times the DLQ brake paused a provider", ["provider"]
)


class TopLiabilities:
    """Keeps ``LIABILITY`` to the ``size`` largest entities seen by this process, so the gauge's
    series stay bounded (an entity falling out of the top is removed)."""

    def __init__(self, size: int = 20) -> None:
        self._size = size
        self._held: dict[tuple[str, str, str, str], int] = {}

    def update(self, provider: str, entity: str, currency: str, worst_case: int) -> None:
        labels = (provider, game_type(provider), entity, currency)
        if worst_case <= 0:
            if self._held.pop(labels, None) is not None:
                LIABILITY.remove(*labels)
            return
        shown = labels in self._held
        self._held[labels] = worst_case
        if len(self._held) > self._size:
            smallest = min(self._held, key=self._held.__getitem__)
            del self._held[smallest]
            if smallest != labels or shown:
                LIABILITY.remove(*smallest)
            if smallest == labels:
                return
        LIABILITY.labels(*labels).set(worst_case)
