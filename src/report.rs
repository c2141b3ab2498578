//! `closer costs`: the dashboard's figures on standard output, as a table,
//! CSV or JSON, for scripts and spreadsheets.

use std::fmt::Write as _;

use color_eyre::eyre::Result;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::db::usage::{UsageBucket, UsageGroup, UsageRange, UsageTotals};
use crate::db::Db;
use crate::sanitize;

#[derive(Debug, Serialize)]
struct Report<'a> {
    since: Option<String>,
    until: Option<String>,
    by: UsageGroup,
    totals: &'a UsageTotals,
    rows: &'a [UsageBucket],
}

pub async fn costs_report(db: &Db, range: UsageRange, by: UsageGroup, format: OutputFormat) -> Result<String> {
    let (totals, rows) = tokio::try_join!(db.usage_totals(&range), db.usage_breakdown(&range, by))?;
    Ok(render(&totals, &rows, &range, by, format))
}

pub fn render(
    totals: &UsageTotals,
    rows: &[UsageBucket],
    range: &UsageRange,
    by: UsageGroup,
    format: OutputFormat,
) -> String {
    let mut out = String::new();
    match format {
        OutputFormat::Json => {
            let report = Report {
                since: range.since.map(|d| d.format("%Y-%m-%d").to_string()),
                until: range.until.map(|d| d.format("%Y-%m-%d").to_string()),
                by,
                totals,
                rows,
            };
            out = serde_json::to_string_pretty(&report).expect("serialisable");
            out.push('\n');
        }
        OutputFormat::Csv => {
            out.push_str("key,calls,prompt_tokens,completion_tokens,total_tokens,cost_usd,latency_p50_ms,latency_p95_ms,latency_p99_ms\n");
            for r in rows {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{:.6},{:.1},{:.1},{:.1}",
                    sanitize::csv_cell(&r.key),
                    r.calls,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.total_tokens,
                    r.cost,
                    r.latency_p50_ms,
                    r.latency_p95_ms,
                    r.latency_p99_ms
                );
            }
        }
        OutputFormat::Table => {
            let key_header = match by {
                UsageGroup::Model => "model",
                UsageGroup::Workflow => "workflow",
                UsageGroup::Node => "workflow/node",
                UsageGroup::Day => "day",
            };
            let keys: Vec<String> = rows.iter().map(|r| sanitize::line(&r.key).into_owned()).collect();
            let w = keys
                .iter()
                .map(|k| unicode_width::UnicodeWidthStr::width(k.as_str()))
                .max()
                .unwrap_or(0)
                .max(key_header.len())
                .max(5);
            let _ = writeln!(
                out,
                "{key_header:<w$}  {:>9}  {:>12}  {:>12}  {:>12}  {:>11}  {:>8}  {:>8}  {:>8}",
                "calls", "prompt", "completion", "total", "cost $", "p50 ms", "p95 ms", "p99 ms"
            );
            for (r, k) in rows.iter().zip(&keys) {
                let pad = w - unicode_width::UnicodeWidthStr::width(k.as_str());
                let _ = writeln!(
                    out,
                    "{k}{:pad$}  {:>9}  {:>12}  {:>12}  {:>12}  {:>11.4}  {:>8.0}  {:>8.0}  {:>8.0}",
                    "",
                    r.calls,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.total_tokens,
                    r.cost,
                    r.latency_p50_ms,
                    r.latency_p95_ms,
                    r.latency_p99_ms
                );
            }
            let _ = writeln!(
                out,
                "{:<w$}  {:>9}  {:>12}  {:>12}  {:>12}  {:>11.4}",
                "total", totals.calls, totals.prompt_tokens, totals.completion_tokens, totals.total_tokens, totals.cost
            );
        }
    }
    out
}
