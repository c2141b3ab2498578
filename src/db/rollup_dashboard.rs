//! The cost dashboard's figures read from the rollups (src/db/rollups.rs):
//! a few thousand (day, model, workflow, node) rows for any range, summed
//! and their latency histograms merged here. Without rollups, or for a
//! range that does not start and end at midnight, the caller uses the live
//! SQL of src/db/usage.rs.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Timelike};
use color_eyre::eyre::Result;

use super::rollups::Agg;
use super::usage::{UsageBucket, UsageGroup, UsageRange, UsageTotals};
use super::Db;

/// What the dashboard shows for a range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dashboard {
    pub breakdown: Vec<UsageBucket>,
    /// Cost per day ("YYYY-MM-DD", cost), oldest first.
    pub daily: Vec<(String, f64)>,
    /// Spend since the start of this UTC month (for the budget bar).
    pub month_cost: f64,
}

impl Dashboard {
    /// The totals are the breakdown's sums.
    pub fn totals(&self) -> UsageTotals {
        totals_of(&self.breakdown)
    }
}

/// The sums of a breakdown's rows.
pub fn totals_of(rows: &[UsageBucket]) -> UsageTotals {
    UsageTotals {
        calls: rows.iter().map(|b| b.calls).sum(),
        prompt_tokens: rows.iter().map(|b| b.prompt_tokens).sum(),
        completion_tokens: rows.iter().map(|b| b.completion_tokens).sum(),
        total_tokens: rows.iter().map(|b| b.total_tokens).sum(),
        cost: rows.iter().map(|b| b.cost).sum(),
    }
}

fn midnight(t: Option<chrono::NaiveDateTime>) -> bool {
    t.is_none_or(|t| t.time().num_seconds_from_midnight() == 0 && t.time().nanosecond() == 0)
}

impl Db {
    /// The dashboard from the rollups, brought up to date first; None when
    /// this database has none, Closer may not update them (another role
    /// made them), or the range is not whole days.
    pub async fn usage_from_rollups(&self, range: &UsageRange, by: UsageGroup) -> Result<Option<Dashboard>> {
        if !midnight(range.since) || !midnight(range.until) || !self.has_rollups().await? {
            return Ok(None);
        }
        if let Err(e) = self.refresh_rollups(false).await {
            if super::rollups::is_permission_denied(&e) {
                tracing::warn!("cost rollups cannot be updated by this role; using live SQL");
                return Ok(None);
            }
            return Err(e);
        }
        let (rows, daily, month_cost) =
            tokio::try_join!(self.rollup_rows(range, by), self.rollup_daily(range), self.rollup_month_cost())?;
        Ok(Some(aggregate(rows, by, daily, month_cost)))
    }

    /// The rows to merge: whole completed months from the month table, the
    /// other days from the day table (every day for a breakdown by day).
    async fn rollup_rows(&self, range: &UsageRange, by: UsageGroup) -> Result<Vec<RollupRow>> {
        let (lo, hi) = if by == UsageGroup::Day { (far_past(), far_past()) } else { whole_months(range) };
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT month AS day, model, workflow, node, calls, prompt_tokens, completion_tokens, total_tokens, cost,
                    latency FROM closer.usage_rollup_month WHERE month >= ",
        );
        qb.push_bind(lo).push(" AND month < ").push_bind(hi);
        push_filters(&mut qb, range, false);
        qb.push(
            " UNION ALL SELECT day, model, workflow, node, calls, prompt_tokens, completion_tokens, total_tokens, cost,
                    latency FROM closer.usage_rollup WHERE NOT (day >= ",
        );
        qb.push_bind(lo).push(" AND day < ").push_bind(hi).push(")");
        push_filters(&mut qb, range, true);
        Ok(qb.build_query_as().fetch_all(&self.pool).await?)
    }

    /// Cost per day (the chart), summed in SQL.
    async fn rollup_daily(&self, range: &UsageRange) -> Result<Vec<(String, f64)>> {
        let mut qb = sqlx::QueryBuilder::new("SELECT day::text, sum(cost)::float8 FROM closer.usage_rollup WHERE TRUE");
        push_filters(&mut qb, range, true);
        qb.push(" GROUP BY day ORDER BY day");
        Ok(qb.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn rollup_month_cost(&self) -> Result<f64> {
        let today = chrono::Utc::now().date_naive();
        let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("first of the month");
        Ok(sqlx::query_scalar("SELECT COALESCE(sum(cost), 0)::float8 FROM closer.usage_rollup WHERE day >= $1")
            .bind(first)
            .fetch_one(&self.pool)
            .await?)
    }
}

type RollupRow = (NaiveDate, String, String, String, i64, i64, i64, i64, f64, Vec<u8>);

/// The range's days, and (with `days`) its dates, and model or workflow.
fn push_filters(qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, range: &UsageRange, days: bool) {
    if days {
        if let Some(s) = range.since {
            qb.push(" AND day >= ").push_bind(s.date());
        }
        if let Some(u) = range.until {
            qb.push(" AND day < ").push_bind(u.date());
        }
    }
    if let Some(m) = &range.model {
        qb.push(" AND model = ").push_bind(m.clone());
    }
    if let Some(w) = &range.workflow {
        qb.push(" AND workflow = ").push_bind(w.clone());
    }
}

/// A date before any usage row (PostgreSQL's dates start in 4713 BC).
fn far_past() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date")
}

/// [first, end) of the whole, completed months inside the range (empty
/// when there is none): those are read from the month table.
fn whole_months(range: &UsageRange) -> (NaiveDate, NaiveDate) {
    let first_of = |d: NaiveDate| d.with_day(1).expect("day 1");
    let current = first_of(chrono::Utc::now().date_naive());
    let lo = match range.since.map(|s| s.date()) {
        None => far_past(),
        Some(d) if d.day() == 1 => d,
        Some(d) => first_of(d).checked_add_months(chrono::Months::new(1)).unwrap_or(current),
    };
    let hi = range.until.map(|u| first_of(u.date())).unwrap_or(current).min(current);
    if lo < hi {
        (lo, hi)
    } else {
        (hi, hi)
    }
}

fn aggregate(rows: Vec<RollupRow>, by: UsageGroup, daily: Vec<(String, f64)>, month_cost: f64) -> Dashboard {
    let mut groups: HashMap<String, Agg> = HashMap::new();
    for (day, model, workflow, node, calls, prompt, completion, total, cost, latency) in rows {
        let key = match by {
            UsageGroup::Model => model,
            UsageGroup::Workflow => workflow,
            UsageGroup::Node => format!("{workflow}/{node}"),
            UsageGroup::Day => day.format("%Y-%m-%d").to_string(),
        };
        groups.entry(key).or_default().add_stored(calls, prompt, completion, total, cost, &latency);
    }
    let mut breakdown: Vec<UsageBucket> = groups
        .into_iter()
        .map(|(key, a)| UsageBucket {
            latency_p50_ms: a.hist.percentile(0.5),
            latency_p95_ms: a.hist.percentile(0.95),
            latency_p99_ms: a.hist.percentile(0.99),
            key,
            calls: a.calls,
            prompt_tokens: a.prompt,
            completion_tokens: a.completion,
            total_tokens: a.total,
            cost: a.cost,
        })
        .collect();
    if by == UsageGroup::Day {
        breakdown.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        breakdown.sort_by(|a, b| b.cost.total_cmp(&a.cost).then_with(|| a.key.cmp(&b.key)));
    }
    Dashboard { breakdown, daily, month_cost }
}
