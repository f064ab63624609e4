"""Every metric wagerflow exposes, defined once (served on /metrics with Bytewax's own when
``BYTEWAX_DATAFLOW_API_ENABLED=1``).

Invariants: received = heartbeats + DLQ (decode) + decoded lines; decoded market changes =
applied + duplicates + stale + conflicts.
"""

from prometheus_client import Counter, Histogram

MESSAGES_RECEIVED = Counter(
    "wagerflow_messages_received", "Raw provider messages read", ["provider"]
)
HEARTBEATS = Counter("wagerflow_heartbeats", "Provider heartbeats (no event)", ["provider"])
DLQ_ENTRIES = Counter(
    "wagerflow_dlq_entries", "Raw messages rejected to the DLQ", ["provider", "reason"]
)
DUPLICATES = Counter(
    "wagerflow_duplicates", "Resent provider messages dropped by dedup key", ["provider"]
)
STALE = Counter(
    "wagerflow_stale", "Messages older than what their market already applied", ["provider"]
)
EVENTS_EMITTED = Counter(
    "wagerflow_events_emitted", "Normalized events emitted", ["provider", "type"]
)
PROCESSING_LATENCY = Histogram(
    "wagerflow_processing_latency_seconds",
    "Received (broker time) to normalized event emitted; one sample per provider per batch",
    ["provider"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SETTLEMENTS = Counter(
    "wagerflow_settlements",
    "Bet settlement versions published (outcome OPEN: reopened by a rollback)",
    ["provider", "outcome"],
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
