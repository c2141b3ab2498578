//! llm_usage_logs: one row per LLM call, and the aggregates the cost
//! dashboard and `closer costs` show. All aggregation runs in SQL.

use color_eyre::eyre::Result;
use serde::Serialize;

use super::models::{LlmUsageLog, Timestamp};
use super::{Db, NOW};

#[derive(Debug, Clone, PartialEq)]
pub struct UsageInput {
    pub workflow_name: String,
    pub node_name: String,
    pub model: String,
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub total_tokens: i32,
    pub latency_ms: i32,
    pub cost: f64,
}

/// Which usage rows to aggregate: a half-open time range [since, until)
/// (either end may be open), optionally narrowed to one model or workflow
/// (the dashboard's drill-down).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsageRange {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub model: Option<String>,
    pub workflow: Option<String>,
}

impl UsageRange {
    /// Appends ` WHERE …` with a bind for each condition in force (only
    /// those, so every query gets a plan that can use the created_at index).
    fn push_where(&self, qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>) {
        qb.push(" WHERE TRUE");
        if let Some(s) = self.since {
            qb.push(" AND created_at >= ").push_bind(s);
        }
        if let Some(u) = self.until {
            qb.push(" AND created_at < ").push_bind(u);
        }
        if let Some(m) = &self.model {
            qb.push(" AND model = ").push_bind(m.clone());
        }
        if let Some(w) = &self.workflow {
            qb.push(" AND worfklow_name = ").push_bind(w.clone());
        }
    }
}

/// What to break usage down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum UsageGroup {
    Model,
    Workflow,
    Node,
    Day,
}

impl UsageGroup {
    fn expr(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Workflow => "worfklow_name",
            Self::Node => "worfklow_name || '/' || node_name",
            Self::Day => "created_at::date",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, Serialize)]
pub struct UsageTotals {
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageBucket {
    pub key: String,
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub latency_p99_ms: f64,
}

/// key, calls, prompt, completion, total tokens, cost
type SumRow = (String, i64, i64, i64, i64, f64);

#[derive(sqlx::FromRow)]
struct BucketRow {
    key: String,
    calls: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    total_tokens: i64,
    cost: f64,
    pct: Vec<f64>,
}

impl BucketRow {
    fn into_bucket(self) -> UsageBucket {
        let p = |i: usize| self.pct.get(i).copied().unwrap_or(0.0);
        UsageBucket {
            latency_p50_ms: p(0),
            latency_p95_ms: p(1),
            latency_p99_ms: p(2),
            key: self.key,
            calls: self.calls,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            total_tokens: self.total_tokens,
            cost: self.cost,
        }
    }
}

impl Db {
    /// One row per LLM call. The row is committed (the dashboard, the
    /// budget and other Closers see it at once) with `synchronous_commit =
    /// off` for its own transaction only: the commit does not wait for the
    /// disk, which otherwise bounds a workflow of thousands of calls (event
    /// matching) at about concurrency ÷ fsync time (~1,300 rows a second at
    /// 8 connections on the development machine; ~9,000 this way). A
    /// PostgreSQL crash (not a Closer crash) can lose the last fraction of a
    /// second of usage rows, as PostgreSQL documents for this setting;
    /// drafts and research keep synchronous commits. `set_config(…, true)`
    /// in the statement itself sets it for the statement's implicit
    /// transaction: one round trip, no session setting left behind.
    pub async fn log_usage(&self, input: &UsageInput) -> Result<LlmUsageLog> {
        let mut tx = self.pool.begin().await?;
        let row: LlmUsageLog = sqlx::query_as(&format!(
            "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens,
                                         total_tokens, latency_ms, cost, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, {NOW}, {NOW}
               FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
             RETURNING id, worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                       latency_ms, cost, created_at, updated_at"
        ))
        .bind(&input.workflow_name)
        .bind(&input.node_name)
        .bind(&input.model)
        .bind(input.prompt_tokens)
        .bind(input.completion_tokens)
        .bind(input.total_tokens)
        .bind(input.latency_ms)
        .bind(input.cost)
        .fetch_one(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["llm_usage_logs"], None).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn usage_totals(&self, range: &UsageRange) -> Result<UsageTotals> {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT count(*) AS calls,
                    COALESCE(sum(prompt_tokens), 0)::int8 AS prompt_tokens,
                    COALESCE(sum(completion_tokens), 0)::int8 AS completion_tokens,
                    COALESCE(sum(total_tokens), 0)::int8 AS total_tokens,
                    COALESCE(sum(cost), 0)::float8 AS cost
               FROM llm_usage_logs",
        );
        range.push_where(&mut qb);
        Ok(qb.build_query_as().fetch_one(&self.pool).await?)
    }

    /// Usage grouped by model, workflow, node or day, with latency percentiles.
    /// Rows are by cost, largest first (by date for days).
    pub async fn usage_breakdown(&self, range: &UsageRange, by: UsageGroup) -> Result<Vec<UsageBucket>> {
        if by == UsageGroup::Day {
            return self.usage_breakdown_sorted(range, by).await;
        }
        // Few groups (models, workflows, nodes): the sums per group, and a
        // (group, latency) → count histogram from which the exact percentiles
        // are taken here. Both are hash aggregates that run side by side on
        // two connections; an ordered-set aggregate would instead sort every
        // row in one process.
        let expr = by.expr();
        let mut sums = sqlx::QueryBuilder::new(format!(
            "SELECT ({expr})::text AS key, count(*) AS calls,
                    sum(prompt_tokens)::int8 AS prompt_tokens, sum(completion_tokens)::int8 AS completion_tokens,
                    sum(total_tokens)::int8 AS total_tokens, sum(cost)::float8 AS cost
               FROM llm_usage_logs"
        ));
        range.push_where(&mut sums);
        sums.push(" GROUP BY 1");
        let mut hist =
            sqlx::QueryBuilder::new(format!("SELECT ({expr})::text AS key, latency_ms, count(*) FROM llm_usage_logs"));
        range.push_where(&mut hist);
        hist.push(" GROUP BY 1, 2");
        let (sums, hist): (Vec<SumRow>, Vec<(String, i32, i64)>) = tokio::try_join!(
            async {
                let mut tx = self.serial().await?;
                let rows = sums.build_query_as().fetch_all(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, color_eyre::eyre::Report>(rows)
            },
            async {
                let mut tx = self.serial().await?;
                let rows = hist.build_query_as().fetch_all(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, color_eyre::eyre::Report>(rows)
            }
        )?;
        let mut histograms: std::collections::HashMap<String, Vec<(i32, i64)>> = Default::default();
        for (key, latency, n) in hist {
            histograms.entry(key).or_default().push((latency, n));
        }
        let mut out: Vec<UsageBucket> = sums
            .into_iter()
            .map(|(key, calls, prompt_tokens, completion_tokens, total_tokens, cost)| {
                let mut h = histograms.remove(&key).unwrap_or_default();
                h.sort_unstable();
                UsageBucket {
                    latency_p50_ms: percentile_cont(&h, calls, 0.5),
                    latency_p95_ms: percentile_cont(&h, calls, 0.95),
                    latency_p99_ms: percentile_cont(&h, calls, 0.99),
                    key,
                    calls,
                    prompt_tokens,
                    completion_tokens,
                    total_tokens,
                    cost,
                }
            })
            .collect();
        out.sort_by(|a, b| b.cost.total_cmp(&a.cost).then_with(|| a.key.cmp(&b.key)));
        Ok(out)
    }

    /// Per day: many groups, so PostgreSQL computes the percentiles itself.
    async fn usage_breakdown_sorted(&self, range: &UsageRange, by: UsageGroup) -> Result<Vec<UsageBucket>> {
        let mut qb = sqlx::QueryBuilder::new(format!(
            "SELECT key::text AS key, calls, prompt_tokens, completion_tokens, total_tokens, cost, pct FROM (
               SELECT {expr} AS key, count(*) AS calls,
                      sum(prompt_tokens)::int8 AS prompt_tokens, sum(completion_tokens)::int8 AS completion_tokens,
                      sum(total_tokens)::int8 AS total_tokens, sum(cost)::float8 AS cost,
                      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS pct
                 FROM llm_usage_logs",
            expr = by.expr()
        ));
        range.push_where(&mut qb);
        qb.push(" GROUP BY 1) g ORDER BY key");
        let rows: Vec<BucketRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(BucketRow::into_bucket).collect())
    }

    /// Cost per day, without percentiles (the dashboard's chart).
    pub async fn usage_daily_cost(&self, range: &UsageRange) -> Result<Vec<(String, f64)>> {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT d::text, cost FROM (SELECT created_at::date AS d, sum(cost)::float8 AS cost FROM llm_usage_logs",
        );
        range.push_where(&mut qb);
        qb.push(" GROUP BY 1) g ORDER BY 1");
        let mut tx = self.serial().await?;
        let rows = qb.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// A transaction whose queries run without parallel workers. The
    /// dashboard runs its aggregates side by side; on a small machine
    /// PostgreSQL's parallel workers would only compete with each other
    /// (measured: `closer bench --only costs`).
    async fn serial(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// The newest usage row's id: a cheap way to notice new rows (polled
    /// while the dashboard is open).
    pub async fn usage_high_water(&self) -> Result<Option<i32>> {
        Ok(sqlx::query_scalar("SELECT max(id) FROM llm_usage_logs").fetch_one(&self.pool).await?)
    }

    /// The average cost of a workflow's calls over the last `days` days, if any.
    /// The average cost of one call of `workflow` by `model` in the last
    /// `days` (other models' prices would mislead an estimate), with how
    /// many calls it is drawn from.
    pub async fn average_cost(&self, workflow: &str, model: &str, days: i32) -> Result<Option<(f64, i64)>> {
        let (avg, n): (Option<f64>, i64) = sqlx::query_as(
            "SELECT avg(cost)::float8, count(*) FROM llm_usage_logs
              WHERE worfklow_name = $1 AND model = $2
                AND created_at >= (now() AT TIME ZONE 'UTC') - make_interval(days => $3)",
        )
        .bind(workflow)
        .bind(model)
        .bind(days)
        .fetch_one(&self.pool)
        .await?;
        Ok(avg.map(|a| (a, n)))
    }

    /// Cost logged since the start of the current UTC month (for the budget).
    pub async fn month_to_date_cost(&self) -> Result<f64> {
        let mut tx = self.serial().await?;
        let cost = sqlx::query_scalar(
            "SELECT COALESCE(sum(cost), 0)::float8 FROM llm_usage_logs
              WHERE created_at >= date_trunc('month', now() AT TIME ZONE 'UTC')",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(cost)
    }
}

/// PostgreSQL's `percentile_cont` over a sorted (value, count) histogram of
/// `n` values: linear interpolation between the values at the positions
/// either side of `p × (n − 1)`.
pub fn percentile_cont(hist: &[(i32, i64)], n: i64, p: f64) -> f64 {
    if n == 0 || hist.is_empty() {
        return 0.0;
    }
    let pos = p * (n - 1) as f64;
    let lo = pos.floor() as i64;
    let hi = pos.ceil() as i64;
    let value_at = |rank: i64| -> f64 {
        let mut seen = 0;
        for (v, c) in hist {
            seen += c;
            if rank < seen {
                return *v as f64;
            }
        }
        hist.last().map(|h| h.0 as f64).unwrap_or(0.0)
    };
    let (a, b) = (value_at(lo), value_at(hi));
    a + (b - a) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentile_cont_matches_the_definition() {
        // Values 10, 20, 20, 40.
        let h = [(10, 1), (20, 2), (40, 1)];
        assert_eq!(super::percentile_cont(&h, 4, 0.0), 10.0);
        assert_eq!(super::percentile_cont(&h, 4, 0.5), 20.0);
        assert_eq!(super::percentile_cont(&h, 4, 1.0), 40.0);
        // pos = 0.95 × 3 = 2.85: between 20 and 40.
        assert!((super::percentile_cont(&h, 4, 0.95) - 37.0).abs() < 1e-9);
        assert_eq!(super::percentile_cont(&[(7, 1)], 1, 0.99), 7.0);
    }
}
