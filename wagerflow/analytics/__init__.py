"""Analytics in ClickHouse: pseudonymized rows for the analytics tables (``rows``), the
pseudonyms (``pseudonym``), reconciliation against a provider's round report (``reconcile``) and
the audit trail of a round, session or bet (``audit``). The tables and views are in
``sql/0002_*`` and ``sql/0003_*``, the sink in ``connectors.clickhouse``; docs/analytics.md
describes them."""

from __future__ import annotations

from connectors.clickhouse import AnalyticsSink, Backoff
from wagerflow.analytics.pseudonym import Pseudonymizer
from wagerflow.analytics.rows import TABLES, analytics_rows, keyed_rows
from wagerflow.config import Settings

__all__ = [
    "TABLES",
    "AnalyticsSink",
    "Pseudonymizer",
    "analytics_rows",
    "keyed_rows",
    "pseudonymizer",
    "sink",
]


def sink(
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
