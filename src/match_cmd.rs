//! `closer match EVENT_ID`: event matching from the command line, for
//! scripts and cron. The candidates and the estimated cost go to standard
//! error and the run asks first (unless `--yes`); a progress bar follows
//! when standard error is a terminal; the ranking goes to standard output
//! as a table, CSV or JSON. The exit status is 1 when the run failed (see
//! [`MatchReport::is_failure`]).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use color_eyre::eyre::{bail, eyre, Result};

use crate::config::Config;
use crate::db::Db;
use crate::llm::matching::{self, estimate, MatchOptions, MatchReport, Progress};
use crate::report::OutputFormat;
use crate::sanitize;

pub async fn run(
    config: &Config,
    db: Db,
    event_id: i32,
    options: MatchOptions,
    yes: bool,
    format: OutputFormat,
) -> Result<()> {
    let pipeline = crate::llm::build_pipeline(config, db.clone()).map_err(|e| eyre!(e))?;
    let plan = matching::plan(&db, event_id, options.include_inactive).await.map_err(|e| eyre!("{e}"))?;
    eprintln!(
        "event #{event_id} {}: industries {} (from its {})",
        sanitize::line(&format!(
            "{} · {} · {}",
            plan.event.event_type,
            plan.event.location,
            plan.event.event_date.format("%Y-%m-%d")
        )),
        sanitize::line(&plan.targets.industries.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")),
        match plan.targets.source {
            crate::db::matching::IndustrySource::TargetIndustries => "target industries",
            crate::db::matching::IndustrySource::FeaturedSolutions => "featured solutions",
        }
    );
    if !plan.targets.unmatched.is_empty() {
        eprintln!("not in this database (ignored): {}", sanitize::line(&plan.targets.unmatched.join(", ")));
    }
    if !plan.candidates.is_empty() {
        let est = estimate::estimate(&pipeline, &plan, &options).await.map_err(|e| eyre!("{e}"))?;
        eprintln!("{}", est.describe());
        if !yes && !ask().await? {
            eprintln!("nothing done");
            return Ok(());
        }
    }
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: &Progress| {
        if tty {
            let width = 30;
            let filled = p.done * width / p.total.max(1);
            eprint!(
                "\r{:<20} [{}{}] {}/{} · ${:.4} ",
                p.node,
                "#".repeat(filled),
                "-".repeat(width - filled),
                p.done,
                p.total,
                p.spend.cost
            );
            let _ = std::io::stderr().flush();
        }
    };
    let report = matching::run(&pipeline, &plan, options, config.llm.concurrency, &progress).await;
    if tty {
        eprintln!();
    }
    print!("{}", render(&report, format));
    eprintln!("{} · {} LLM call(s) · ${:.6}", sanitize::line(&report.summary()), report.calls, report.cost);
    if report.is_failure() {
        bail!("the run failed: {}", sanitize::line(&report.summary()));
    }
    Ok(())
}

/// Asks on standard error, reads standard input. No answer at all (a
/// script without `--yes`) is an error, so nothing is spent by accident.
async fn ask() -> Result<bool> {
    eprint!("Run it? [y/N] ");
    let _ = std::io::stderr().flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        std::io::stdin().read_line(&mut s).map(|n| (n, s))
    })
    .await??;
    match line {
        (0, _) => bail!("no answer on standard input: pass --yes to run without asking"),
        (_, s) => Ok(matches!(s.trim().to_lowercase().as_str(), "y" | "yes")),
    }
}

/// The ranking (then the failed candidates) in the chosen format.
pub fn render(r: &MatchReport, format: OutputFormat) -> String {
    let mut out = String::new();
    match format {
        OutputFormat::Json => {
            out = terminal_safe_json(&serde_json::to_string_pretty(r).expect("serialisable"));
            out.push('\n');
        }
        OutputFormat::Csv => {
            out.push_str("rank,prospect_id,full_name,company,industry,score,selected,draft_id,reason\n");
            for x in &r.ranked {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    x.rank,
                    x.prospect_id,
                    sanitize::csv_cell(&x.full_name),
                    sanitize::csv_cell(&x.company),
                    sanitize::csv_cell(&x.industry),
                    x.score,
                    x.selected,
                    x.draft_id.map(|d| d.to_string()).unwrap_or_default(),
                    sanitize::csv_cell(&x.reason)
                );
            }
            for f in &r.failed {
                let _ = writeln!(
                    out,
                    ",{},{},,,,false,,{}",
                    f.prospect_id,
                    sanitize::csv_cell(&f.full_name),
                    sanitize::csv_cell(&format!("scoring failed: {}", f.error))
                );
            }
        }
        OutputFormat::Table => {
            let _ = writeln!(
                out,
                "{:>4}  {:>5}  {:1}  {:<30}  {:<20}  {:<16}  {:<14}  reason",
                "rank", "score", "✓", "prospect", "company", "industry", "invitation"
            );
            for x in &r.ranked {
                let invitation = match (x.draft_id, &x.invitation_note) {
                    (Some(id), _) => format!("draft #{id}"),
                    (None, Some(n)) => n.clone(),
                    (None, None) => String::new(),
                };
                let _ = writeln!(
                    out,
                    "{:>4}  {:>5}  {:1}  {}  {}  {}  {}  {}",
                    x.rank,
                    x.score,
                    if x.selected { "✓" } else { " " },
                    cell(&format!("#{} {}", x.prospect_id, x.full_name), 30),
                    cell(&x.company, 20),
                    cell(&x.industry, 16),
                    cell(&invitation, 14),
                    sanitize::line(&x.reason)
                );
            }
            for f in &r.failed {
                let _ = writeln!(
                    out,
                    "   -      -     {}  scoring failed: {}",
                    cell(&format!("#{} {}", f.prospect_id, f.full_name), 30),
                    sanitize::line(&f.error)
                );
            }
        }
    }
    out
}

/// Sanitised, cut or padded to `width` display columns.
fn cell(s: &str, width: usize) -> String {
    crate::cells::pad(&crate::cells::fit(&sanitize::line(s), width), width)
}

/// JSON that is the same data but safe to print to a terminal: serde
/// escapes C0 controls (ESC included) already; C1 controls and bidi
/// overrides are written as `\uXXXX` escapes too.
fn terminal_safe_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // The sanitiser's own list (C1, bidi, invisible); `\n` here is JSON's own.
        if c != '\n' && crate::sanitize::is_unsafe(c) {
            // Characters past U+FFFF are escaped as their UTF-16 surrogates, as JSON spells them.
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{:04x}", unit);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_stays_json_and_loses_terminal_controls() {
        let v = serde_json::json!({"name": "a\u{1b}[31mb\u{9b}c\u{202E}d\u{200B}e\u{E0041}f"});
        let s = super::terminal_safe_json(&serde_json::to_string(&v).unwrap());
        assert!(!s.chars().any(|c| c != '\n' && crate::sanitize::is_unsafe(c)), "{s:?}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn cells_fit_their_width() {
        assert_eq!(super::cell("王伟王伟", 5), "王伟…");
        assert_eq!(super::cell("abcd", 4), "abcd");
        assert_eq!(super::cell("ab\u{1b}[2J", 4), "ab  ");
    }
}
