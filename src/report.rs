//! `closer costs`: the dashboard's figures on standard output, as a table,
//! CSV or JSON, for scripts and spreadsheets.

use std::fmt::Write as _;

use color_eyre::eyre::Result;
use serde::Serialize;

use crate::db::usage::{UsageBucket, UsageGroup, UsageRange, UsageTotals};
use crate::db::Db;
use crate::sanitize;

/// How a command prints a report: for a person, a spreadsheet or a script.
/// (Here, below the command line, so that reports need not import `cli`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    since: Option<String>,
    until: Option<String>,
    by: UsageGroup,
    totals: &'a UsageTotals,
    rows: &'a [UsageBucket],
}

pub async fn costs_report(db: &Db, range: UsageRange, by: UsageGroup, format: OutputFormat) -> Result<String> {
    // Closer's rollups when the database has them (src/db/rollups.rs), else live SQL.
    if let Some(d) = db.usage_from_rollups(&range, by).await? {
        return Ok(render(&d.totals(), &d.breakdown, &range, by, format));
    }
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
            // Keys come from the database: serde escapes C0 controls but
            // passes C1, bidi and invisible characters to whoever reads it.
            let clean: Vec<UsageBucket> =
                rows.iter().map(|r| UsageBucket { key: sanitize::json_str(&r.key), ..r.clone() }).collect();
            let rows = &clean[..];
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
            let day = |d: Option<chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%d").to_string());
            let _ = match (day(range.since), day(range.until)) {
                (None, None) => writeln!(out, "LLM costs, all time (--since/--until narrow it)"),
                (Some(s), None) => writeln!(out, "LLM costs from {s} to now"),
                (None, Some(u)) => writeln!(out, "LLM costs up to {u} (not included)"),
                (Some(s), Some(u)) => writeln!(out, "LLM costs from {s} up to {u} (not included)"),
            };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(key: &str) -> UsageBucket {
        UsageBucket {
            key: key.into(),
            calls: 1,
            prompt_tokens: 2,
            completion_tokens: 3,
            total_tokens: 5,
            cost: 0.5,
            latency_p50_ms: 1.0,
            latency_p95_ms: 2.0,
            latency_p99_ms: 3.0,
        }
    }

    #[test]
    fn hostile_keys_leave_every_format_clean() {
        let rows = vec![bucket("gpt\u{9b}31m\u{9d}0;PWNED\u{7}\u{202E}-x"), bucket("=HYPERLINK(\"http://evil\")")];
        let totals = UsageTotals::default();
        for format in [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Table] {
            let out = render(&totals, &rows, &UsageRange::default(), UsageGroup::Model, format);
            assert!(!out.chars().any(|c| c != '\n' && sanitize::is_unsafe(c)), "{format:?}: {out:?}");
            assert!(!out.contains("PWNED"), "{format:?}: {out:?}");
        }
        let csv = render(&totals, &rows, &UsageRange::default(), UsageGroup::Model, OutputFormat::Csv);
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{csv}");
    }
}
