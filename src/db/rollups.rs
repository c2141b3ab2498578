//! Cost rollups: per (UTC day, model, workflow, node) sums and a latency
//! histogram of llm_usage_logs, in Closer's own schema (`closer`), so the
//! dashboard reads a few thousand rollup rows instead of a million usage rows.
//!
//! Usage rows are appended with growing ids, so the rollups are brought up
//! to date from the rows past a high-water mark. Three things can make a
//! rolled-up day wrong afterwards, and each is caught:
//! - a row updated or deleted: PostgreSQL's statistics counters for the
//!   table (`n_tup_upd + n_tup_del`, one cheap read) move, and every day's
//!   row count and fingerprint (the sum of a hash of each whole row) is
//!   compared with the live rows; a day that differs is recomputed;
//! - a row committed late with an id below the mark (ids are taken when a
//!   row is inserted, not when it commits): the write transactions in
//!   progress when the mark was raised are remembered; once they have all
//!   finished, the rows between the last settled id and the mark are
//!   recounted, and the days of a range that gained rows are recomputed;
//! - anything else (statistics reset, say): a full verification at least
//!   every hour of use.
//!
//! Completed months are also kept merged (`closer.usage_rollup_month`),
//! rebuilt from their days whenever one of those days changes, so a long
//! range reads a few hundred rows.
//!
//! Everything runs in one REPEATABLE READ transaction that locks the state
//! row first, so two Closers refreshing at once never count a row twice
//! (the second one retries after a serialization failure).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use color_eyre::eyre::{eyre, Result};
use sqlx::PgConnection;

use super::latency_hist::{Hist, BUCKET_SQL};
use super::Db;

/// Rows per step of a large roll-up (the first one reads the whole table).
const CHUNK: i64 = 250_000;

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Usage rows newly rolled up.
    pub rolled_rows: i64,
    /// Days recomputed from the live rows (changed, deleted or late rows).
    pub recomputed_days: Vec<NaiveDate>,
    /// Whether every day was compared with the live rows.
    pub verified: bool,
    pub high_water: i64,
}

#[derive(sqlx::FromRow)]
struct State {
    high_water: i64,
    settled: i64,
    unsettled_rows: i64,
    pending_xids: Vec<i64>,
    changes: i64,
    stale: bool,
}

/// Which usage rows a roll-up step reads.
#[derive(Clone, Copy)]
enum Scope {
    /// `lo < id <= hi`
    Ids(i64, i64),
    /// One UTC day, rows with `id <= high_water`.
    Day(NaiveDate, i64),
}

impl Scope {
    fn sql(self) -> &'static str {
        match self {
            Scope::Ids(..) => "id > $1 AND id <= $2",
            Scope::Day(..) => "created_at >= $1 AND created_at < $1 + interval '1 day' AND id <= $2",
        }
    }

    fn bind<'q, O>(
        self,
        q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
        match self {
            Scope::Ids(lo, hi) => q.bind(lo).bind(hi),
            Scope::Day(d, hw) => q.bind(d.and_hms_opt(0, 0, 0).expect("midnight")).bind(hw),
        }
    }
}

/// The row-level fingerprint; the same expression everywhere it is summed.
const ROW_HASH: &str = "hashtextextended(u::text, 0)";

/// (day, model, workflow, node)
type Key = (NaiveDate, String, String, String);

#[derive(Default)]
pub(super) struct Agg {
    pub(super) calls: i64,
    pub(super) prompt: i64,
    pub(super) completion: i64,
    pub(super) total: i64,
    pub(super) cost: f64,
    pub(super) hist: Hist,
}

impl Agg {
    /// Adds a stored rollup row (its latency histogram encoded).
    pub(super) fn add_stored(
        &mut self,
        calls: i64,
        prompt: i64,
        completion: i64,
        total: i64,
        cost: f64,
        latency: &[u8],
    ) {
        self.calls += calls;
        self.prompt += prompt;
        self.completion += completion;
        self.total += total;
        self.cost += cost;
        self.hist.merge_encoded(latency);
    }
}

impl Db {
    /// True when this database has Closer's rollup tables (Closer's own
    /// databases, or a shared one after `closer db optimize`).
    pub async fn has_rollups(&self) -> Result<bool> {
        Ok(sqlx::query_scalar("SELECT to_regclass('closer.rollup_state') IS NOT NULL").fetch_one(&self.pool).await?)
    }

    /// Brings the rollups up to date (see the module comment); with
    /// `verify`, compares every day with the live rows even if nothing
    /// seems to have changed.
    pub async fn refresh_rollups(&self, verify: bool) -> Result<RefreshReport> {
        let mut attempt = 0;
        loop {
            match self.refresh_once(verify).await {
                Err(e) if attempt < 5 && is_serialization_failure(&e) => attempt += 1,
                r => return r,
            }
        }
    }

    async fn refresh_once(&self, force_verify: bool) -> Result<RefreshReport> {
        // Read before the transaction's snapshot: any change counted here has
        // committed, so the verification below sees it.
        let changes: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT n_tup_upd + n_tup_del FROM pg_stat_user_tables
                               WHERE relid = 'llm_usage_logs'::regclass), 0)::int8",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
        let mut st: State = sqlx::query_as(
            "SELECT high_water, settled, unsettled_rows, pending_xids, changes,
                    verified_at IS NULL OR verified_at < (now() AT TIME ZONE 'UTC') - interval '1 hour' AS stale
               FROM closer.rollup_state WHERE id = 1 FOR UPDATE",
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| eyre!("closer.rollup_state has no row; run `closer db optimize` again"))?;
        let c: &mut PgConnection = &mut tx;
        let mut report = RefreshReport::default();
        let mut touched = false;
        let mut days = BTreeSet::new();

        // Late commits below the mark, once the transactions that were
        // writing when it was raised have all finished.
        if !st.pending_xids.is_empty() {
            let done: bool = sqlx::query_scalar(
                "SELECT COALESCE(bool_and(txid_visible_in_snapshot(x, txid_current_snapshot())), true)
                   FROM unnest($1::int8[]) x",
            )
            .bind(&st.pending_xids)
            .fetch_one(&mut *c)
            .await?;
            if done {
                if count_between(c, st.settled, st.high_water).await? != st.unsettled_rows {
                    let days: Vec<NaiveDate> = sqlx::query_scalar(
                        "SELECT DISTINCT created_at::date FROM llm_usage_logs WHERE id > $1 AND id <= $2",
                    )
                    .bind(st.settled)
                    .bind(st.high_water)
                    .fetch_all(&mut *c)
                    .await?;
                    recompute(c, &days, st.high_water, &mut report).await?;
                }
                st.settled = st.high_water;
                st.unsettled_rows = 0;
                st.pending_xids.clear();
                touched = true;
            }
        }

        let max: i64 =
            sqlx::query_scalar("SELECT COALESCE(max(id), 0)::int8 FROM llm_usage_logs").fetch_one(&mut *c).await?;
        let verify = force_verify || st.stale || changes != st.changes || max < st.high_water;
        if max > st.high_water {
            let mut lo = st.high_water;
            while lo < max {
                let hi = (lo + CHUNK).min(max);
                let (n, d) = roll(c, Scope::Ids(lo, hi)).await?;
                report.rolled_rows += n;
                days.extend(d);
                lo = hi;
            }
            let xip: Vec<i64> = sqlx::query_scalar("SELECT x FROM txid_snapshot_xip(txid_current_snapshot()) x")
                .fetch_all(&mut *c)
                .await?;
            st.high_water = max;
            if xip.is_empty() {
                st.settled = max;
                st.unsettled_rows = 0;
            } else {
                st.unsettled_rows += report.rolled_rows;
            }
            st.pending_xids = xip;
            touched = true;
        }

        if verify {
            let days: Vec<NaiveDate> = sqlx::query_scalar(&format!(
                "SELECT COALESCE(l.day, d.day) FROM
                   (SELECT created_at::date AS day, count(*) AS n, sum({ROW_HASH}) AS fp
                      FROM llm_usage_logs u WHERE id <= $1 GROUP BY 1) l
                   FULL JOIN closer.usage_days d ON d.day = l.day
                  WHERE l.n IS DISTINCT FROM d.row_count OR l.fp IS DISTINCT FROM d.fingerprint"
            ))
            .bind(st.high_water)
            .fetch_all(&mut *c)
            .await?;
            recompute(c, &days, st.high_water, &mut report).await?;
            st.changes = changes;
            report.verified = true;
            touched = true;
        }
        if !report.recomputed_days.is_empty() {
            st.unsettled_rows = count_between(c, st.settled, st.high_water).await?;
        }
        days.extend(report.recomputed_days.iter().copied());
        if !days.is_empty() {
            super::rollup_months::rebuild(c, &days).await?;
        }
        if touched {
            sqlx::query(
                "UPDATE closer.rollup_state SET high_water = $1, settled = $2, unsettled_rows = $3, pending_xids = $4,
                        changes = $5, verified_at = CASE WHEN $6 THEN now() AT TIME ZONE 'UTC' ELSE verified_at END
                  WHERE id = 1",
            )
            .bind(st.high_water)
            .bind(st.settled)
            .bind(st.unsettled_rows)
            .bind(&st.pending_xids)
            .bind(st.changes)
            .bind(report.verified)
            .execute(&mut *c)
            .await?;
        }
        tx.commit().await?;
        report.high_water = st.high_water;
        Ok(report)
    }
}

async fn count_between(c: &mut PgConnection, lo: i64, hi: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM llm_usage_logs WHERE id > $1 AND id <= $2")
        .bind(lo)
        .bind(hi)
        .fetch_one(c)
        .await?)
}

/// Drops the days' rollups and rolls them up again from the live rows.
async fn recompute(
    c: &mut PgConnection,
    days: &[NaiveDate],
    high_water: i64,
    report: &mut RefreshReport,
) -> Result<()> {
    for day in days {
        sqlx::query("DELETE FROM closer.usage_rollup WHERE day = $1").bind(day).execute(&mut *c).await?;
        sqlx::query("DELETE FROM closer.usage_days WHERE day = $1").bind(day).execute(&mut *c).await?;
        roll(c, Scope::Day(*day, high_water)).await?;
        if !report.recomputed_days.contains(day) {
            report.recomputed_days.push(*day);
        }
    }
    Ok(())
}

/// Adds the usage rows in `scope` to the rollups; returns how many there
/// were and their days.
async fn roll(c: &mut PgConnection, scope: Scope) -> Result<(i64, BTreeSet<NaiveDate>)> {
    let filter = scope.sql();
    // The days' counts and fingerprints, summed in SQL (numeric, exact).
    let sql = format!(
        "WITH d AS (
               INSERT INTO closer.usage_days AS d (day, row_count, fingerprint)
               SELECT created_at::date, count(*), sum({ROW_HASH}) FROM llm_usage_logs u WHERE {filter} GROUP BY 1
               ON CONFLICT (day) DO UPDATE SET row_count = d.row_count + EXCLUDED.row_count,
                                               fingerprint = d.fingerprint + EXCLUDED.fingerprint
               RETURNING 1)
             SELECT count(*) FROM d"
    );
    scope.bind(sqlx::query_as::<_, (i64,)>(&sql)).fetch_one(&mut *c).await?;

    type Row = (NaiveDate, String, String, String, i32, i64, i64, i64, i64, f64);
    let sql = format!(
        "SELECT created_at::date, model::text, worfklow_name::text, node_name::text, {BUCKET_SQL}, count(*),
                COALESCE(sum(prompt_tokens), 0)::int8, COALESCE(sum(completion_tokens), 0)::int8,
                COALESCE(sum(total_tokens), 0)::int8, COALESCE(sum(cost), 0)::float8
           FROM llm_usage_logs WHERE {filter} GROUP BY 1, 2, 3, 4, 5"
    );
    let rows: Vec<Row> = scope.bind(sqlx::query_as::<_, Row>(&sql)).fetch_all(&mut *c).await?;
    let mut groups: HashMap<Key, Agg> = HashMap::new();
    let mut n = 0;
    for (day, model, workflow, node, bucket, calls, prompt, completion, total, cost) in rows {
        let a = groups.entry((day, model, workflow, node)).or_default();
        a.calls += calls;
        a.prompt += prompt;
        a.completion += completion;
        a.total += total;
        a.cost += cost;
        a.hist.add(bucket, calls);
        n += calls;
    }
    if groups.is_empty() {
        return Ok((0, BTreeSet::new()));
    }
    let touched: BTreeSet<NaiveDate> = groups.keys().map(|k| k.0).collect();
    let keys: Vec<Key> = groups.keys().cloned().collect();
    let (days, models, workflows, nodes) = columns(&keys);
    if matches!(scope, Scope::Ids(..)) {
        // Add what is already rolled up for these groups.
        type Existing = (NaiveDate, String, String, String, i64, i64, i64, i64, f64, Vec<u8>);
        let existing: Vec<Existing> = sqlx::query_as(
            "SELECT r.day, r.model, r.workflow, r.node, r.calls, r.prompt_tokens, r.completion_tokens,
                    r.total_tokens, r.cost, r.latency
               FROM closer.usage_rollup r
               JOIN unnest($1::date[], $2::text[], $3::text[], $4::text[]) AS k(day, model, workflow, node)
                 ON (r.day, r.model, r.workflow, r.node) = (k.day, k.model, k.workflow, k.node)",
        )
        .bind(&days)
        .bind(&models)
        .bind(&workflows)
        .bind(&nodes)
        .fetch_all(&mut *c)
        .await?;
        for (day, model, workflow, node, calls, prompt, completion, total, cost, latency) in existing {
            if let Some(a) = groups.get_mut(&(day, model, workflow, node)) {
                a.add_stored(calls, prompt, completion, total, cost, &latency);
            }
        }
    }
    let aggs: Vec<&Agg> = keys.iter().map(|k| &groups[k]).collect();
    sqlx::query(
        "INSERT INTO closer.usage_rollup AS r
                (day, model, workflow, node, calls, prompt_tokens, completion_tokens, total_tokens, cost, latency)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[],
                              $8::int8[], $9::float8[], $10::bytea[])
         ON CONFLICT (day, model, workflow, node) DO UPDATE SET
             calls = EXCLUDED.calls, prompt_tokens = EXCLUDED.prompt_tokens,
             completion_tokens = EXCLUDED.completion_tokens, total_tokens = EXCLUDED.total_tokens,
             cost = EXCLUDED.cost, latency = EXCLUDED.latency",
    )
    .bind(&days)
    .bind(&models)
    .bind(&workflows)
    .bind(&nodes)
    .bind(aggs.iter().map(|a| a.calls).collect::<Vec<_>>())
    .bind(aggs.iter().map(|a| a.prompt).collect::<Vec<_>>())
    .bind(aggs.iter().map(|a| a.completion).collect::<Vec<_>>())
    .bind(aggs.iter().map(|a| a.total).collect::<Vec<_>>())
    .bind(aggs.iter().map(|a| a.cost).collect::<Vec<_>>())
    .bind(aggs.iter().map(|a| a.hist.encode()).collect::<Vec<_>>())
    .execute(&mut *c)
    .await?;
    Ok((n, touched))
}

fn columns(keys: &[Key]) -> (Vec<NaiveDate>, Vec<String>, Vec<String>, Vec<String>) {
    (
        keys.iter().map(|k| k.0).collect(),
        keys.iter().map(|k| k.1.clone()).collect(),
        keys.iter().map(|k| k.2.clone()).collect(),
        keys.iter().map(|k| k.3.clone()).collect(),
    )
}

pub(crate) fn is_serialization_failure(e: &color_eyre::eyre::Report) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<sqlx::Error>(), Some(sqlx::Error::Database(d)) if d.code().as_deref() == Some("40001"))
    })
}

/// True when the error is PostgreSQL refusing for lack of a privilege.
pub(crate) fn is_permission_denied(e: &color_eyre::eyre::Report) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<sqlx::Error>(), Some(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42501"))
    })
}
