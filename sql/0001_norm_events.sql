-- Every normalized event, one row each. ReplacingMergeTree collapses replays of the same event
-- (same dedup key) to one row; read with FINAL for exact counts. Retention: 13 months after
-- ingestion (not event time: backtests replay feeds that are years old).
CREATE TABLE IF NOT EXISTS norm_events
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    type              LowCardinality(String),
    dedup_key         String,
    entity_id         String,
    event_time        DateTime64(3, 'UTC'),
    received_time     DateTime64(3, 'UTC'),
    event_id          String,
    market_id         String,   -- the market line, market or round
    selection_id      String,   -- the selection, bet or wallet transaction
    status            LowCardinality(String),  -- status, change, health state, kind or outcome
    best_back_odds    Nullable(Int64),
    best_lay_odds     Nullable(Int64),
    last_traded_odds  Nullable(Int64),
    winners           Array(String),
    payload           String,
    source_topic      String,
    source_partition  Int32,
    source_offset     Int64,
    version           UInt64,
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, provider_id, market_id, dedup_key)
TTL ingested_at + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 10000;
