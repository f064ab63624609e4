"""Analytics in ClickHouse: pseudonymized rows for the analytics tables (``rows``), the
pseudonyms (``pseudonym``), reconciliation against a provider's round report (``reconcile``) and
the audit trail of a round, session or bet (``audit``). The tables and views are in
``sql/0002_*`` and ``sql/0003_*``, the sink in ``wagerflow.connectors.clickhouse_sink``;
docs/analytics.md describes them."""
