//! Completed months of the cost rollups, merged from their days
//! (`closer.usage_rollup_month`), so that a long range reads a few hundred
//! rows instead of one per day (src/db/rollups.rs keeps the days).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::rollups::Agg;

/// Merges the days of each completed month that `days` touched (and of any
/// completed month not merged yet) into closer.usage_rollup_month.
pub(super) async fn rebuild(c: &mut PgConnection, days: &BTreeSet<NaiveDate>) -> Result<()> {
    use chrono::Datelike;
    let current: NaiveDate =
        sqlx::query_scalar("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date").fetch_one(&mut *c).await?;
    let mut months: BTreeSet<NaiveDate> = days.iter().filter_map(|d| d.with_day(1)).filter(|m| *m < current).collect();
    let unmerged: Vec<NaiveDate> = sqlx::query_scalar(
        "SELECT DISTINCT date_trunc('month', r.day)::date FROM closer.usage_rollup r
          WHERE r.day < $1
            AND NOT EXISTS (SELECT 1 FROM closer.usage_rollup_month m WHERE m.month = date_trunc('month', r.day)::date)",
    )
    .bind(current)
    .fetch_all(&mut *c)
    .await?;
    months.extend(unmerged);
    for month in months {
        sqlx::query("DELETE FROM closer.usage_rollup_month WHERE month = $1").bind(month).execute(&mut *c).await?;
        type DayRow = (String, String, String, i64, i64, i64, i64, f64, Vec<u8>);
        let rows: Vec<DayRow> = sqlx::query_as(
            "SELECT model, workflow, node, calls, prompt_tokens, completion_tokens, total_tokens, cost, latency
               FROM closer.usage_rollup WHERE day >= $1 AND day < ($1 + interval '1 month')::date",
        )
        .bind(month)
        .fetch_all(&mut *c)
        .await?;
        let mut groups: HashMap<(String, String, String), Agg> = HashMap::new();
        for (model, workflow, node, calls, prompt, completion, total, cost, latency) in rows {
            groups
                .entry((model, workflow, node))
                .or_default()
                .add_stored(calls, prompt, completion, total, cost, &latency);
        }
        let (keys, aggs): (Vec<_>, Vec<_>) = groups.into_iter().unzip();
        sqlx::query(
            "INSERT INTO closer.usage_rollup_month
                    (month, model, workflow, node, calls, prompt_tokens, completion_tokens, total_tokens, cost, latency)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[],
                                      $8::int8[], $9::float8[], $10::bytea[])",
        )
        .bind(month)
        .bind(keys.iter().map(|k: &(String, String, String)| k.0.clone()).collect::<Vec<_>>())
        .bind(keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>())
        .bind(keys.iter().map(|k| k.2.clone()).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a: &Agg| a.calls).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a| a.prompt).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a| a.completion).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a| a.total).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a| a.cost).collect::<Vec<_>>())
        .bind(aggs.iter().map(|a| a.hist.encode()).collect::<Vec<_>>())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
