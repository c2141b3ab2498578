//! `closer today [--date YYYY-MM-DD] [--format table|csv|json]`: the Today
//! list for scripts and a morning cron mail, every item (not only the first
//! screenful), with the person's snoozes applied as of that day.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use color_eyre::eyre::Result;
use serde::Serialize;

use crate::cells::fit;
use crate::config::Config;
use crate::db::followups::{Counts, Group, ItemKind, Rules, TodayItem, TodayList};
use crate::db::Db;
use crate::report::OutputFormat;
use crate::sanitize;

/// One row of the JSON output.
#[derive(Debug, Serialize)]
struct Row {
    kind: ItemKind,
    group: Group,
    due: NaiveDate,
    prospect_id: Option<i32>,
    prospect_name: Option<String>,
    company: Option<String>,
    status: Option<String>,
    draft_id: Option<i32>,
    event_id: Option<i32>,
    /// Events: the prospects without an invitation.
    count: Option<i64>,
    reason: String,
}

#[derive(Debug, Serialize)]
struct Report {
    as_of: NaiveDate,
    counts: Counts,
    items: Vec<Row>,
}

/// Loads the list as of `date` (default: the local date) with the snoozes in `data_dir`.
pub async fn load(
    db: &Db,
    config: &Config,
    date: Option<NaiveDate>,
    limit: Option<i64>,
    data_dir: &Path,
) -> Result<TodayList> {
    let as_of = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut rules = Rules::new(&config.followup, &db.enums, as_of);
    rules.limit = limit.unwrap_or(i64::MAX);
    let file = crate::snooze::path(data_dir, &db.display_url);
    rules.snoozed = crate::snooze::load(&file).active(as_of);
    db.today(&rules).await
}

fn row(i: &TodayItem) -> Row {
    let p = i.prospect.as_ref();
    Row {
        kind: i.kind,
        group: i.group,
        due: i.due,
        prospect_id: p.map(|p| p.id),
        prospect_name: p.map(|p| sanitize::json_str(&p.full_name)),
        company: p.map(|p| sanitize::json_str(&p.company_name)),
        status: p.map(|p| sanitize::json_str(&p.status)),
        draft_id: i.draft_id,
        event_id: i.event_id,
        count: i.count,
        reason: sanitize::json_str(&i.reason),
    }
}

pub fn render(list: &TodayList, format: OutputFormat) -> String {
    let mut out = String::new();
    let as_of = list.as_of.unwrap_or_default();
    match format {
        OutputFormat::Json => {
            let report = Report { as_of, counts: list.counts, items: list.items.iter().map(row).collect() };
            out = serde_json::to_string_pretty(&report).expect("serialisable");
            out.push('\n');
        }
        OutputFormat::Csv => {
            out.push_str("kind,group,due,prospect_id,prospect_name,company,status,draft_id,event_id,count,reason\n");
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            for i in &list.items {
                let r = row(i);
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{}",
                    serde_plain(&r.kind),
                    serde_plain(&r.group),
                    r.due,
                    opt(r.prospect_id.map(i64::from)),
                    sanitize::csv_cell(r.prospect_name.as_deref().unwrap_or("")),
                    sanitize::csv_cell(r.company.as_deref().unwrap_or("")),
                    sanitize::csv_cell(r.status.as_deref().unwrap_or("")),
                    opt(r.draft_id.map(i64::from)),
                    opt(r.event_id.map(i64::from)),
                    opt(r.count),
                    sanitize::csv_cell(&r.reason)
                );
            }
        }
        OutputFormat::Table => {
            let c = &list.counts;
            let _ = writeln!(
                out,
                "Today {} · {} overdue · {} due today · {} this week",
                as_of.format("%a %Y-%m-%d"),
                crate::calendar::thousands(c.overdue),
                crate::calendar::thousands(c.today),
                crate::calendar::thousands(c.this_week)
            );
            let who: Vec<String> = list
                .items
                .iter()
                .map(|i| match (&i.prospect, &i.title) {
                    (Some(p), _) => format!("{} (#{})", sanitize::line(&p.full_name), p.id),
                    (None, Some(t)) => sanitize::line(t).into_owned(),
                    _ => String::new(),
                })
                .collect();
            let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
            let w = who.iter().map(|s| width(s)).max().unwrap_or(0).clamp(3, 48);
            let mut group = None;
            for (i, name) in list.items.iter().zip(&who) {
                if group != Some(i.group) {
                    group = Some(i.group);
                    let _ = writeln!(out, "\n{} ({})", i.group.label(), crate::calendar::thousands(c.get(i.group)));
                }
                let name = fit(name, w);
                let pad = w.saturating_sub(width(&name));
                let _ = writeln!(
                    out,
                    "  {}  {:<9}  {name}{:pad$}  {}",
                    i.due,
                    i.kind.label(),
                    "",
                    sanitize::line(&i.reason)
                );
            }
            if list.items.is_empty() {
                let _ = writeln!(out, "\nNothing due.");
            }
        }
    }
    out
}

/// An enum's serde name ("follow_up"), for CSV.
fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::models::ProspectListItem;

    #[test]
    fn hostile_names_leave_every_format_clean() {
        let p = ProspectListItem {
            id: 1,
            full_name: "=HYPERLINK(\"x\")\u{1b}]0;PWNED\u{7}\u{202E}".into(),
            email: "e@x".into(),
            status: "NEW".into(),
            is_active: true,
            last_contacted_at: None,
            company_id: 1,
            company_name: "\u{9b}31mAcme".into(),
            industry_name: "x".into(),
            has_research: false,
        };
        let item = TodayItem {
            kind: ItemKind::FollowUp,
            group: Group::Today,
            due: NaiveDate::from_ymd_opt(2026, 6, 15).unwrap(),
            reason: "NEW, never contacted\u{1b}[2J".into(),
            prospect: Some(p),
            draft_id: None,
            event_id: None,
            title: None,
            count: None,
            industry_ids: vec![],
        };
        let list =
            TodayList { as_of: item.due.into(), counts: Counts { today: 1, ..Default::default() }, items: vec![item] };
        for format in [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Table] {
            let out = render(&list, format);
            assert!(!out.chars().any(|c| c != '\n' && sanitize::is_unsafe(c)), "{format:?}: {out:?}");
            assert!(!out.contains("PWNED") && !out.contains("[2J"), "{format:?}: {out:?}");
        }
        assert!(render(&list, OutputFormat::Csv).contains("\"'=HYPERLINK(\"\"x\"\")\""));
    }
}
