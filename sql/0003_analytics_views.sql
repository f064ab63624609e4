-- Analytics views: GGR and QoS per hour. docs/analytics.md explains the choices.
--
-- Exactly once through aggregates. After a crash Bytewax re-runs the epochs since the last
-- snapshot, and the re-run may cut rows into other blocks than the first run: the block's
-- insert_deduplication_token then differs, the rows reach the base table (and its materialized
-- views) a second time, and a summing target would count them twice. So no materialized view here
-- sums into its target. Either
--   (a) the target is a ReplacingMergeTree keyed by the source row's identity (settlement_deltas:
--       bet, version, sign) and the hourly sums are read through a view with FINAL, so a replayed
--       row replaces its first copy instead of adding to it, or
--   (b) the target aggregates only with idempotent functions (round_activity_hourly:
--       uniqExact of round ids), where adding a row twice changes nothing.
-- Figures that need a join (time to settle, bet-window latency, game and table of a settled bet)
-- are plain views over the deduplicated (FINAL) tables: a materialized view sees only the block
-- being inserted, and the other side of the join may arrive later (another table, another flush).
--
-- Money. A settlement version contributes +(its own state) and -(the state it replaces, the
-- previous_* fields), booked in the hour of the version (a ledger: a correction is booked when it
-- happens, and past hours do not move). Summed over all hours, a bet contributes exactly its
-- current state. Counted: SETTLED bets whose outcome is not VOID. turnover = their stakes,
-- payouts = their payouts, GGR = turnover - payouts, hold = GGR / turnover. A voided bet (refund)
-- is neither turnover nor payout, it is counted in void_bets. A version's stake is the bet's stake
-- (the contract has no previous_stake: a stake never changes). Money is per currency, never added
-- across currencies.

CREATE TABLE IF NOT EXISTS settlement_deltas
(
    tenant_id     LowCardinality(String),
    provider_id   LowCardinality(String),
    category      LowCardinality(String),
    hour          DateTime('UTC'),
    round_id      String,
    bet_id        String,
    version       UInt32,
    sign          Int8,     -- +1: the version's own state, -1: the state it replaces
    currency      LowCardinality(String),
    n_settled     Int32,    -- settled bets, VOID included
    n_void        Int32,
    n_bets        Int32,    -- settled bets, VOID excluded: the bets of turnover
    turnover      Int64,
    payouts       Int64,
    n_first       UInt8,    -- the bet's first settlement (version 1)
    n_late        UInt8,    -- ... flagged LATE
    ingested_at   DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, provider_id, bet_id, version, sign)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS settlement_deltas_mv TO settlement_deltas AS
WITH
    if(sign = 1, state = 'SETTLED', previous_state = 'SETTLED') AS was_settled,
    if(sign = 1, outcome = 'VOID', previous_outcome = 'VOID') AS was_void
SELECT
    tenant_id,
    provider_id,
    category,
    toStartOfHour(settled_at) AS hour,
    round_id,
    bet_id,
    version,
    sign,
    currency,
    toInt32(sign * was_settled) AS n_settled,
    toInt32(sign * (was_settled AND was_void)) AS n_void,
    toInt32(sign * (was_settled AND NOT was_void)) AS n_bets,
    toInt64(n_bets) * stake AS turnover,
    toInt64(n_bets) * if(sign = 1, payout, previous_payout) AS payouts,
    toUInt8(sign = 1 AND version = 1 AND state = 'SETTLED') AS n_first,
    toUInt8(n_first AND has(flags, 'LATE')) AS n_late
FROM settlements
ARRAY JOIN [toInt8(1), toInt8(-1)] AS sign
WHERE sign = 1 OR previous_state = 'SETTLED';

-- Rounds started (a STARTED, BETTING_OPEN or SPIN_REQUESTED event in the hour) and aborted, per
-- table and game as the events carry them. uniqExact states are idempotent: a replayed row adds
-- a round id already in the state. Roll up with uniqExactMerge over this table (a round whose
-- events carry different table or game ids is then counted once), not by adding up the view.
CREATE TABLE IF NOT EXISTS round_activity_hourly
(
    hour          DateTime('UTC'),
    tenant_id     LowCardinality(String),
    provider_id   LowCardinality(String),
    category      LowCardinality(String),
    table_id      String,
    game_id       String,
    started       AggregateFunction(uniqExact, String),
    aborted       AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, provider_id, category, table_id, game_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS round_activity_mv TO round_activity_hourly AS
SELECT
    toStartOfHour(event_time) AS hour,
    tenant_id,
    provider_id,
    category,
    table_id,
    game_id,
    uniqExactStateIf(round_id, kind IN ('STARTED', 'BETTING_OPEN', 'SPIN_REQUESTED')) AS started,
    uniqExactStateIf(round_id, kind = 'ABORTED') AS aborted
FROM rounds
WHERE kind IN ('STARTED', 'BETTING_OPEN', 'SPIN_REQUESTED', 'ABORTED')
GROUP BY hour, tenant_id, provider_id, category, table_id, game_id;

-- The current state of every bet: its highest settlement version (ingested_at left out: it is
-- the time of whichever copy of a replayed row survived).
CREATE OR REPLACE VIEW settlements_current AS
SELECT * EXCEPT (ingested_at)
FROM settlements FINAL
ORDER BY tenant_id, provider_id, bet_id, version DESC
LIMIT 1 BY tenant_id, provider_id, bet_id;

-- Table and game of a round, from any of its events that names them.
CREATE OR REPLACE VIEW round_dims AS
SELECT
    tenant_id,
    provider_id,
    round_id,
    minIf(table_id, table_id != '') AS round_table,
    minIf(game_id, game_id != '') AS round_game
FROM rounds
GROUP BY tenant_id, provider_id, round_id;

-- Turnover, payouts, GGR and hold per hour by tenant, provider, category, game, table (live and
-- slots), sport, sport event and market line (sports: the settlement's round id is
-- event_id/line_id), and currency. Rolling up: add turnover and GGR, then divide (hold is a
-- ratio, never added).
CREATE OR REPLACE VIEW ggr_hourly AS
SELECT
    d.hour AS hour,
    d.tenant_id AS tenant_id,
    d.provider_id AS provider_id,
    d.category AS category,
    r.round_game AS game_id,
    r.round_table AS table_id,
    e.sport AS sport,
    d.event_id AS event_id,
    d.market AS market,
    d.currency AS currency,
    sum(d.n_bets) AS bets,
    sum(d.turnover) AS turnover,
    sum(d.payouts) AS payouts,
    turnover - payouts AS ggr,
    if(turnover = 0, NULL, ggr / turnover) AS hold
FROM
(
    SELECT
        hour, tenant_id, provider_id, category, round_id, currency, n_bets, turnover, payouts,
        position(round_id, '/') AS cut,
        if(category = 'sport' AND cut > 0, substring(round_id, 1, cut - 1), '') AS event_id,
        if(category = 'sport' AND cut > 0, substring(round_id, cut + 1), '') AS market
    FROM settlement_deltas FINAL
) AS d
LEFT JOIN round_dims AS r
    ON r.tenant_id = d.tenant_id AND r.provider_id = d.provider_id AND r.round_id = d.round_id
LEFT JOIN (SELECT tenant_id, event_id, sport FROM event_dims FINAL) AS e
    ON e.tenant_id = d.tenant_id AND e.event_id = d.event_id
GROUP BY hour, tenant_id, provider_id, category, game_id, table_id, sport, event_id, market, currency;

-- Settlement quality per hour: the share of settled bets that were voided, and of first
-- settlements that came late (flag LATE: after the round's close plus the configured threshold).
CREATE OR REPLACE VIEW qos_settlement_hourly AS
SELECT
    hour,
    tenant_id,
    provider_id,
    category,
    sum(n_settled) AS settled_bets,
    sum(n_void) AS void_bets,
    if(settled_bets = 0, NULL, void_bets / settled_bets) AS void_rate,
    sum(n_first) AS first_settlements,
    sum(n_late) AS late_settlements,
    if(first_settlements = 0, NULL, late_settlements / first_settlements) AS late_rate
FROM settlement_deltas FINAL
GROUP BY hour, tenant_id, provider_id, category;

-- Time to settle: from the bet's placement to its first settlement, per hour of that settlement.
CREATE OR REPLACE VIEW qos_time_to_settle_hourly AS
SELECT
    toStartOfHour(first_at) AS hour,
    tenant_id,
    provider_id,
    category,
    count() AS settled_bets,
    avg(settle_ms) AS avg_ms,
    quantileExact(0.5)(settle_ms) AS p50_ms,
    quantileExact(0.95)(settle_ms) AS p95_ms,
    max(settle_ms) AS max_ms
FROM
(
    SELECT
        s.tenant_id AS tenant_id,
        s.provider_id AS provider_id,
        s.category AS category,
        s.settled_at AS first_at,
        toUnixTimestamp64Milli(s.settled_at) - toUnixTimestamp64Milli(b.placed_at) AS settle_ms
    FROM
    (
        SELECT tenant_id, provider_id, category, bet_id, settled_at
        FROM settlements FINAL
        WHERE version = 1 AND state = 'SETTLED'
    ) AS s
    INNER JOIN
    (
        SELECT tenant_id, provider_id, bet_id, min(event_time) AS placed_at
        FROM bets FINAL
        WHERE kind = 'PLACED'
        GROUP BY tenant_id, provider_id, bet_id
    ) AS b
        ON b.tenant_id = s.tenant_id AND b.provider_id = s.provider_id AND b.bet_id = s.bet_id
)
GROUP BY hour, tenant_id, provider_id, category;

CREATE OR REPLACE VIEW qos_rounds_hourly AS
SELECT
    hour,
    tenant_id,
    provider_id,
    category,
    table_id,
    game_id,
    uniqExactMerge(started) AS rounds_started,
    uniqExactMerge(aborted) AS rounds_aborted,
    if(rounds_started = 0, NULL, rounds_aborted / rounds_started) AS abort_rate
FROM round_activity_hourly
GROUP BY hour, tenant_id, provider_id, category, table_id, game_id;

-- Bet-window latency: from the round's first BETTING_OPEN to the bet's acceptance (its ACCEPTED
-- decision, or its placement when the provider sends no decision), per hour of acceptance. Bets
-- that were rejected, or name no round, are left out.
CREATE OR REPLACE VIEW qos_bet_window_hourly AS
SELECT
    toStartOfHour(accepted_at) AS hour,
    tenant_id,
    provider_id,
    category,
    table_id,
    game_id,
    count() AS accepted_bets,
    avg(window_ms) AS avg_ms,
    quantileExact(0.5)(window_ms) AS p50_ms,
    quantileExact(0.95)(window_ms) AS p95_ms,
    max(window_ms) AS max_ms
FROM
(
    SELECT
        b.tenant_id AS tenant_id,
        b.provider_id AS provider_id,
        b.bet_category AS category,
        r.round_table AS table_id,
        r.round_game AS game_id,
        b.accepted_at AS accepted_at,
        toUnixTimestamp64Milli(b.accepted_at) - toUnixTimestamp64Milli(o.opened_at) AS window_ms
    FROM
    (
        SELECT
            tenant_id,
            provider_id,
            bet_id,
            minIf(category, kind = 'PLACED') AS bet_category,
            minIf(round_id, kind = 'PLACED') AS bet_round,
            if(
                countIf(kind = 'ACCEPTED') > 0,
                minIf(event_time, kind = 'ACCEPTED'),
                minIf(event_time, kind = 'PLACED')
            ) AS accepted_at
        FROM bets FINAL
        GROUP BY tenant_id, provider_id, bet_id
        HAVING countIf(kind = 'PLACED') > 0 AND countIf(kind = 'REJECTED') = 0 AND bet_round != ''
    ) AS b
    INNER JOIN
    (
        SELECT tenant_id, provider_id, round_id, min(event_time) AS opened_at
        FROM rounds FINAL
        WHERE kind = 'BETTING_OPEN'
        GROUP BY tenant_id, provider_id, round_id
    ) AS o
        ON o.tenant_id = b.tenant_id AND o.provider_id = b.provider_id AND o.round_id = b.bet_round
    LEFT JOIN round_dims AS r
        ON r.tenant_id = b.tenant_id AND r.provider_id = b.provider_id AND r.round_id = b.bet_round
)
GROUP BY hour, tenant_id, provider_id, category, table_id, game_id;
