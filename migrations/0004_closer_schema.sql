-- Closer's own schema, `closer`: derived data only (the cost rollups) and
-- the record of what `closer db optimize` made. Nothing here refers to a
-- seed table (no foreign key, no trigger), so the original tool's own
-- migrations and writes never meet it.
--
-- This migration creates it on Closer's own databases. On a database Closer
-- did not create, only `closer db optimize` creates it (it runs this same
-- file, src/db/optimize.rs) and `closer db optimize --undo` drops it.

CREATE SCHEMA IF NOT EXISTS closer;

-- Per (UTC day, model, workflow, node): the sums the cost dashboard shows and
-- a latency histogram (src/db/latency_hist.rs: exact below 64 ms, buckets
-- 1.5% wide above, varint-encoded).
CREATE TABLE IF NOT EXISTS closer.usage_rollup (
    day date NOT NULL,
    model text NOT NULL,
    workflow text NOT NULL,
    node text NOT NULL,
    calls int8 NOT NULL,
    prompt_tokens int8 NOT NULL,
    completion_tokens int8 NOT NULL,
    total_tokens int8 NOT NULL,
    cost float8 NOT NULL,
    latency bytea NOT NULL,
    PRIMARY KEY (day, model, workflow, node)
);

-- The same per completed month (months before the current one), merged
-- from the days above, so a long range reads a few hundred rows.
CREATE TABLE IF NOT EXISTS closer.usage_rollup_month (
    month date NOT NULL,
    model text NOT NULL,
    workflow text NOT NULL,
    node text NOT NULL,
    calls int8 NOT NULL,
    prompt_tokens int8 NOT NULL,
    completion_tokens int8 NOT NULL,
    total_tokens int8 NOT NULL,
    cost float8 NOT NULL,
    latency bytea NOT NULL,
    PRIMARY KEY (month, model, workflow, node)
);

-- Per day: how many usage rows were rolled up and the sum of a hash of each
-- whole row. A day whose live rows no longer match (a row changed, deleted
-- or committed late) is recomputed.
CREATE TABLE IF NOT EXISTS closer.usage_days (
    day date PRIMARY KEY,
    row_count int8 NOT NULL,
    fingerprint numeric NOT NULL
);

-- How far the rollups go (one row; src/db/rollups.rs).
CREATE TABLE IF NOT EXISTS closer.rollup_state (
    id int PRIMARY KEY CHECK (id = 1),
    -- Every llm_usage_logs row with id <= high_water is rolled up.
    high_water int8 NOT NULL,
    -- No transaction can still commit a row with id <= settled.
    settled int8 NOT NULL,
    -- Rows rolled up with settled < id <= high_water (recounted once the
    -- transactions below have finished, to catch late commits).
    unsettled_rows int8 NOT NULL,
    -- Write transactions in progress when high_water was last raised.
    pending_xids int8[] NOT NULL,
    -- n_tup_upd + n_tup_del of llm_usage_logs at the last verification.
    changes int8 NOT NULL,
    verified_at timestamp
);
INSERT INTO closer.rollup_state (id, high_water, settled, unsettled_rows, pending_xids, changes, verified_at)
VALUES (1, 0, 0, 0, '{}', -1, NULL)
ON CONFLICT (id) DO NOTHING;

-- What `closer db optimize` made on this database (indexes, the pg_trgm
-- extension, this schema), so that `--undo` drops exactly that.
CREATE TABLE IF NOT EXISTS closer.optimize_log (
    kind text NOT NULL,
    name text NOT NULL,
    made_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    PRIMARY KEY (kind, name)
);
