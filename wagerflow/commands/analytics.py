"""The analytics sink and pseudonymizer a command builds from its settings."""

from __future__ import annotations

from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES
from wagerflow.config import Settings
from wagerflow.connectors.backoff import Backoff
from wagerflow.connectors.clickhouse_sink import AnalyticsSink


def analytics_sink(
    settings: Settings,
    *,
    max_rows: int = 20_000,
    flush_interval_s: float = 1.0,
    max_buffered_rows: int = 200_000,
    backoff: Backoff | None = None,
) -> AnalyticsSink:
    """The analytics sink on the configured ClickHouse, writing every table of ``TABLES``
    (arguments as ``AnalyticsSink``'s)."""
    return AnalyticsSink(
        settings.clickhouse_dsn,
        settings.clickhouse_database,
        TABLES,
        max_rows=max_rows,
        flush_interval_s=flush_interval_s,
        max_buffered_rows=max_buffered_rows,
        backoff=backoff,
    )


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    """The pseudonymizer keyed by ``WAGERFLOW_PSEUDONYM_KEY``."""
    return Pseudonymizer(settings.pseudonym_key)
