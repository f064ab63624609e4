-- Casino books per MONEY.md §4.1: cash and bonus turnover, wins, GGR, bonus cost and NGR per
-- hour, with the game, table and placement time on the settlement record, and the sport,
-- competition and name of a sport event loaded from the feeds. docs/analytics.md explains it.
--
-- A settlement's ledger (schemas.settlement.Ledger) says where its money goes: CASH (stake is
-- cash turnover, payout wins), FREE_BET (stake is bonus turnover, payout wins), JACKPOT (payout
-- wins, no stake), BONUS_COST (payout bonus cost, signed). A version counts when it is SETTLED
-- with an outcome other than VOID or RETRY (§4.4: a RETRY is neither turnover nor payout until
-- the retried bet settles). GGR = cash turnover - wins; NGR = GGR - bonus cost. Each version
-- books +(its state) and -(the state it replaces), in its own hour, as settlement_deltas
-- (0003) does, into a target keyed by the version's identity (a replay replaces, never adds).

ALTER TABLE settlements
    ADD COLUMN IF NOT EXISTS ledger LowCardinality(String),   -- '' (rows before 0004): CASH
    ADD COLUMN IF NOT EXISTS game_id String,
    ADD COLUMN IF NOT EXISTS table_id String,
    ADD COLUMN IF NOT EXISTS placed_at Nullable(DateTime64(3, 'UTC'));

CREATE TABLE IF NOT EXISTS settlement_ledger
(
    tenant_id       LowCardinality(String),
    provider_id     LowCardinality(String),
    category        LowCardinality(String),
    hour            DateTime('UTC'),
    round_id        String,
    bet_id          String,
    version         UInt32,
    sign            Int8,     -- +1: the version's own state, -1: the state it replaces
    currency        LowCardinality(String),
    game_id         String,
    table_id        String,
    n_bets          Int32,    -- counted bets (CASH and FREE_BET)
    cash_turnover   Int64,
    bonus_turnover  Int64,
    wins            Int64,
    bonus_cost      Int64,
    ingested_at     DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, provider_id, bet_id, version, sign)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS settlement_ledger_mv TO settlement_ledger AS
WITH
    if(sign = 1, state = 'SETTLED', previous_state = 'SETTLED') AS was_settled,
    if(sign = 1, outcome, previous_outcome) AS was_outcome,
    toInt64(sign * (was_settled AND was_outcome NOT IN ('VOID', 'RETRY'))) AS counted,
    if(sign = 1, payout, previous_payout) AS paid
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
    game_id,
    table_id,
    toInt32(counted * (ledger != 'JACKPOT' AND ledger != 'BONUS_COST')) AS n_bets,
    counted * if(ledger IN ('CASH', ''), stake, 0) AS cash_turnover,
    counted * if(ledger = 'FREE_BET', stake, 0) AS bonus_turnover,
    counted * if(ledger = 'BONUS_COST', 0, paid) AS wins,
    counted * if(ledger = 'BONUS_COST', paid, 0) AS bonus_cost
FROM settlements
ARRAY JOIN [toInt8(1), toInt8(-1)] AS sign
WHERE sign = 1 OR previous_state = 'SETTLED';

-- The settlements stored before this migration (running it again re-inserts the same
-- identities, which collapse).
INSERT INTO settlement_ledger
    (tenant_id, provider_id, category, hour, round_id, bet_id, version, sign, currency, game_id,
     table_id, n_bets, cash_turnover, bonus_turnover, wins, bonus_cost)
WITH
    if(sign = 1, state = 'SETTLED', previous_state = 'SETTLED') AS was_settled,
    if(sign = 1, outcome, previous_outcome) AS was_outcome,
    toInt64(sign * (was_settled AND was_outcome NOT IN ('VOID', 'RETRY'))) AS counted,
    if(sign = 1, payout, previous_payout) AS paid
SELECT
    tenant_id, provider_id, category, toStartOfHour(settled_at), round_id, bet_id, version, sign,
    currency, game_id, table_id,
    toInt32(counted * (ledger != 'JACKPOT' AND ledger != 'BONUS_COST')),
    counted * if(ledger IN ('CASH', ''), stake, 0),
    counted * if(ledger = 'FREE_BET', stake, 0),
    counted * if(ledger = 'BONUS_COST', 0, paid),
    counted * if(ledger = 'BONUS_COST', paid, 0)
FROM settlements FINAL
ARRAY JOIN [toInt8(1), toInt8(-1)] AS sign
WHERE sign = 1 OR previous_state = 'SETTLED';

-- Sport, competition and name of a sport event as the feeds state them (EventChanged,
-- MarketStatusChanged; rows.event_fact_rows), one row per statement: a statement that leaves a
-- field out (a market status names no event) does not blank it.
CREATE TABLE IF NOT EXISTS event_facts
(
    tenant_id     LowCardinality(String),
    event_id      String,
    kind          LowCardinality(String),   -- EVENT or MARKET: which message stated it
    sport         LowCardinality(String),
    competition   String,
    event_name    String,
    updated_at    DateTime64(3, 'UTC'),
    ingested_at   DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, event_id, updated_at, kind)
TTL ingested_at + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 10000;

-- The latest non-empty sport, competition and name of each event, from the feeds and from the
-- directory the limits use (event_dims).
CREATE OR REPLACE VIEW event_dims_current AS
SELECT
    tenant_id,
    event_id,
    argMaxIf(sport, updated_at, sport != '') AS sport,
    argMaxIf(competition, updated_at, competition != '') AS competition,
    argMaxIf(event_name, updated_at, event_name != '') AS event_name
FROM
(
    SELECT tenant_id, event_id, sport, competition, '' AS event_name, updated_at
    FROM event_dims FINAL
    UNION ALL
    SELECT tenant_id, event_id, sport, competition, event_name, updated_at
    FROM event_facts FINAL
)
GROUP BY tenant_id, event_id;

-- Per hour: cash and bonus turnover, wins, GGR, bonus cost, NGR and hold (GGR / cash
-- turnover) by tenant, provider, category, game, table (from the settlement, else the round's
-- events), sport, competition, sport event (and its name), market line and currency. Roll up by
-- adding the money columns, then divide (never add holds).
CREATE OR REPLACE VIEW ggr_hourly AS
SELECT
    d.hour AS hour,
    d.tenant_id AS tenant_id,
    d.provider_id AS provider_id,
    d.category AS category,
    if(d.game_id != '', d.game_id, r.round_game) AS game_id,
    if(d.table_id != '', d.table_id, r.round_table) AS table_id,
    e.sport AS sport,
    e.competition AS competition,
    d.event_id AS event_id,
    e.event_name AS event_name,
    d.market AS market,
    d.currency AS currency,
    sum(d.n_bets) AS bets,
    sum(d.cash_turnover) AS cash_turnover,
    sum(d.bonus_turnover) AS bonus_turnover,
    sum(d.wins) AS wins,
    cash_turnover - wins AS ggr,
    sum(d.bonus_cost) AS bonus_cost,
    ggr - bonus_cost AS ngr,
    if(cash_turnover = 0, NULL, ggr / cash_turnover) AS hold
FROM
(
    SELECT
        hour, tenant_id, provider_id, category, round_id, currency, game_id, table_id, n_bets,
        cash_turnover, bonus_turnover, wins, bonus_cost,
        position(round_id, '/') AS cut,
        if(category = 'sport' AND cut > 0, substring(round_id, 1, cut - 1), '') AS event_id,
        if(category = 'sport' AND cut > 0, substring(round_id, cut + 1), '') AS market
    FROM settlement_ledger FINAL
) AS d
LEFT JOIN round_dims AS r
    ON r.tenant_id = d.tenant_id AND r.provider_id = d.provider_id AND r.round_id = d.round_id
LEFT JOIN event_dims_current AS e
    ON e.tenant_id = d.tenant_id AND e.event_id = d.event_id
GROUP BY
    hour, tenant_id, provider_id, category, game_id, table_id, sport, competition, event_id,
    event_name, market, currency;
