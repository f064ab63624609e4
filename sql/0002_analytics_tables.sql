-- Analytics base tables: one row per fact (a normalized event, a settlement version, an exposure
-- version, a command), written by connectors.clickhouse_sink.AnalyticsSink from the rows built by
-- wagerflow.analytics.rows (TABLES lists each table's columns and identity key).
--
-- Exactly once: every table is a ReplacingMergeTree whose ORDER BY contains the row's identity
-- (wagerflow.analytics.rows.TABLES[...].key) and otherwise only columns that the identity
-- determines, and whose PARTITION BY is a function of the row's own content (never the wall
-- clock). A replayed row therefore lands in the same partition with the same sorting key and
-- collapses with its first copy: read with FINAL for exact figures. A replayed block with the same
-- insert_deduplication_token is dropped at insert time already (non_replicated_deduplication_window
-- keeps the tokens of the last 10,000 inserts, hours at the sink's rate of about one insert per
-- second per table). History tables keep every version of an entity: the version is part of the
-- identity, and the current state is the highest version (views in 0003).
--
-- Retention: TTL on ingested_at (not on event time: backtests replay feeds that are years old),
-- applied by merges. Partitions are months of the event time, so old months can also be dropped
-- whole with ALTER TABLE ... DROP PARTITION. Odds ticks, by far the largest table, keep 3 months,
-- money and audit tables 25 months (a year-on-year comparison plus a month), the rest 13 months.
--
-- Privacy: no player identifier is stored in clear. Columns named player hold the tenant-keyed
-- pseudonym (wagerflow.analytics.pseudonym), the DLQ keeps a hash and the size of the raw bytes,
-- not the bytes.

CREATE TABLE IF NOT EXISTS odds_ticks
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    event_id          String,
    market_id         String,
    line_id           String,   -- the market line, or the market id where there are no lines
    selection_id      String,   -- the selection or outcome id
    event_time        DateTime64(3, 'UTC'),
    received_time     DateTime64(3, 'UTC'),
    status            LowCardinality(String),   -- the line status (odds.line), empty for odds.change
    active            UInt8,
    currency          LowCardinality(String),
    back_odds         Nullable(Int64),  -- decimal odds x 10,000 (odds.line: the outcome's odds)
    back_size         Nullable(Int64),
    lay_odds          Nullable(Int64),
    lay_size          Nullable(Int64),
    last_traded_odds  Nullable(Int64),
    dedup_key         String,
    source_topic      LowCardinality(String),
    source_partition  Int32,
    source_offset     Int64,
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, provider_id, line_id, selection_id, event_time, dedup_key)
TTL ingested_at + INTERVAL 3 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Market, bet-stop and sport-event status changes (scope MARKET, BET_STOP, EVENT).
CREATE TABLE IF NOT EXISTS market_status
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    scope             LowCardinality(String),
    event_id          String,
    market_id         String,   -- BET_STOP: the market groups (all, or a|b), EVENT: empty
    status            LowCardinality(String),
    previous_status   LowCardinality(String),
    in_play           UInt8,
    detail            String,
    event_time        DateTime64(3, 'UTC'),
    received_time     DateTime64(3, 'UTC'),
    dedup_key         String,
    source_topic      LowCardinality(String),
    source_partition  Int32,
    source_offset     Int64,
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, provider_id, event_id, market_id, event_time, dedup_key)
TTL ingested_at + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- What happened to a bet as the provider told it: PLACED, ACCEPTED, REJECTED, SETTLED (a
-- provider-computed settlement: bet.settled, or one bet of the live bridge's round.settle).
CREATE TABLE IF NOT EXISTS bets
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    bet_id            String,
    kind              LowCardinality(String),
    event_time        DateTime64(3, 'UTC'),
    received_time     DateTime64(3, 'UTC'),
    player            String,   -- pseudonym
    session_id        String,
    round_id          String,
    currency          LowCardinality(String),
    stake             Int64,
    accepted_odds     Nullable(Int64),
    potential_payout  Nullable(Int64),
    payout            Nullable(Int64),
    outcome           LowCardinality(String),
    reason            String,
    limits_profile    LowCardinality(String),
    legs              UInt16,
    event_id          String,   -- the first leg's
    market_id         String,
    line_id           String,
    selection_id      String,
    dedup_key         String,
    source_topic      LowCardinality(String),
    source_partition  Int32,
    source_offset     Int64,
    ingested_at       DateTime DEFAULT now(),
    INDEX bets_round round_id TYPE bloom_filter GRANULARITY 4,
    INDEX bets_session session_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, provider_id, bet_id, kind, dedup_key)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Every version of every bet settlement (schemas.settlement.BetSettlement). previous_* is what
-- the version replaces. Sorted by round for reconcile and audit, by bet within a round.
CREATE TABLE IF NOT EXISTS settlements
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    settlement_id     String,
    bet_id            String,
    round_id          String,   -- a live round, or the sports line event_id/line_id
    player            String,   -- pseudonym
    currency          LowCardinality(String),
    stake             Int64,
    state             LowCardinality(String),   -- SETTLED or OPEN (reopened by a rollback)
    outcome           LowCardinality(String),   -- empty when OPEN
    payout            Int64,
    version           UInt32,
    settled_at        DateTime64(3, 'UTC'),
    reason            String,
    flags             Array(LowCardinality(String)),
    previous_state    LowCardinality(String),   -- empty for version 1
    previous_outcome  LowCardinality(String),
    previous_payout   Int64,
    ingested_at       DateTime DEFAULT now(),
    INDEX settlements_bet bet_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(settled_at)
ORDER BY (tenant_id, provider_id, round_id, bet_id, version)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Everything that happened in a round (a live round, a slot spin, a sports line's summary):
-- lifecycle (STARTED, BETTING_OPEN, BETTING_CLOSED, ABORTED), RESULT, SETTLE (the bridge's
-- round.settle), SPIN_REQUESTED, SPIN_RESULT, wallet transactions (WALLET_BET, WALLET_WIN, ...)
-- and our own RoundSummary versions (SUMMARY). item_id tells the rows of one kind apart: the
-- event's dedup key, or summary:VERSION.
CREATE TABLE IF NOT EXISTS rounds
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    category          LowCardinality(String),
    round_id          String,
    kind              LowCardinality(String),
    item_id           String,
    event_time        DateTime64(3, 'UTC'),
    received_time     DateTime64(3, 'UTC'),
    table_id          String,
    game_id           String,
    session_id        String,
    player            String,   -- pseudonym
    status            LowCardinality(String),   -- outcome, summary status, wallet direction
    reason            String,
    currency          LowCardinality(String),
    bets              UInt32,
    stake             Int64,
    payout            Int64,
    transaction_id    String,
    reference_id      String,
    version           UInt64,
    source_topic      LowCardinality(String),
    source_partition  Int32,
    source_offset     Int64,
    ingested_at       DateTime DEFAULT now(),
    INDEX rounds_session session_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(event_time)
ORDER BY (tenant_id, provider_id, round_id, kind, item_id)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Exposure history: every version of every exposure record (kind line, event, player, round),
-- exposure_key naming the exposed thing. detail holds the selections or outcomes as JSON.
CREATE TABLE IF NOT EXISTS exposures
(
    tenant_id         LowCardinality(String),
    kind              LowCardinality(String),
    exposure_key      String,
    provider_id       LowCardinality(String),   -- round exposures only
    event_id          String,
    line_id           String,
    selection_id      String,
    round_id          String,
    table_id          String,
    game_id           String,
    book              LowCardinality(String),
    player            String,   -- pseudonym
    currency          LowCardinality(String),
    status            LowCardinality(String),
    open_stake        Int64,
    worst_case        Int64,
    potential_return  Int64,
    detail            String,
    version           UInt64,
    as_of             DateTime64(3, 'UTC'),
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(as_of)
ORDER BY (tenant_id, kind, exposure_key, version)
TTL ingested_at + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Market control commands from the risk layer (action SUSPEND or RESUME).
CREATE TABLE IF NOT EXISTS suspensions
(
    tenant_id         LowCardinality(String),
    action            LowCardinality(String),
    command_id        String,
    event_id          String,
    line_id           String,   -- empty: every market of the event
    rule              LowCardinality(String),
    reason            String,
    figures           Map(String, Int64),   -- the figures that fired the rule
    version           UInt64,
    as_of             DateTime64(3, 'UTC'),
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(as_of)
ORDER BY (tenant_id, event_id, line_id, as_of, action, command_id)
TTL ingested_at + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS limit_breaches
(
    tenant_id         LowCardinality(String),
    breach_id         String,
    bet_id            String,
    player            String,   -- pseudonym
    profile           LowCardinality(String),
    rule              LowCardinality(String),
    scope             String,   -- player:ID scopes carry the pseudonym
    limit_value       Int64,
    value             Int64,
    currency          LowCardinality(String),
    version           UInt64,
    as_of             DateTime64(3, 'UTC'),
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(as_of)
ORDER BY (tenant_id, bet_id, breach_id)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Dead letters: why and where, not the bytes (they may hold player data, and the DLQ topic keeps
-- them for replay): raw_sha256 finds the message there. Unpartitioned: no time is carried, and a
-- replay must land in the same partition to collapse.
CREATE TABLE IF NOT EXISTS dlq
(
    tenant_id         LowCardinality(String),
    provider_id       LowCardinality(String),
    reason            LowCardinality(String),
    detail            String,
    source_topic      LowCardinality(String),
    source_partition  Int32,
    source_offset     Int64,
    raw_size          UInt32,
    raw_sha256        FixedString(64),
    ingested_at       DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, provider_id, source_topic, source_partition, source_offset, reason, raw_sha256)
TTL ingested_at + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- Sport and competition of a sport event. The normalized contract does not carry them (see
-- wagerflow.risk.limits.EventDirectory), so this dimension is loaded from the same directory the
-- limits use (wagerflow.analytics.rows.event_dim_row), the latest updated_at wins.
CREATE TABLE IF NOT EXISTS event_dims
(
    tenant_id         LowCardinality(String),
    event_id          String,
    sport             LowCardinality(String),
    competition       String,
    updated_at        DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, event_id)
SETTINGS non_replicated_deduplication_window = 10000;
