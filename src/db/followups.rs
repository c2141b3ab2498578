//! The day's work (the Today view and `closer today`): follow-ups due by
//! business-day cadence, drafts approved but not sent or waiting for review,
//! and upcoming events whose target-industry prospects have no invitation.
//! Due dates are computed in SQL (the same rule as
//! [`crate::calendar::add_business_days`]) so that only the most urgent rows
//! and the counts leave the server, whatever the size of the database.

use chrono::NaiveDate;
use color_eyre::eyre::Result;
use serde::Serialize;

use super::followup_queries::{DraftRow, EventsDue, FollowRow};
use super::models::ProspectListItem;
pub use super::target_industries::{industry_names, match_industries};
use super::{Db, EnumKind, EnumLabels};
use crate::calendar::{add_business_days, business_days_between, plural, short};
use crate::config::FollowupConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Overdue,
    Today,
    ThisWeek,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Overdue => "Overdue",
            Group::Today => "Due today",
            Group::ThisWeek => "This week",
        }
    }
}

/// What an item is; the order is the urgency among items due the same day
/// (an approved draft takes a minute to send; a review takes longer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    DraftApproved,
    FollowUp,
    EventInvitations,
    DraftReview,
}

impl ItemKind {
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::DraftApproved => "send",
            ItemKind::FollowUp => "follow up",
            ItemKind::EventInvitations => "invite",
            ItemKind::DraftReview => "review",
        }
    }
}

/// Snoozed items, by kind, as of the evaluation date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snoozed {
    pub prospects: Vec<i32>,
    pub drafts: Vec<i32>,
    pub events: Vec<i32>,
}

/// The rules, resolved against this database's labels, as of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub as_of: NaiveDate,
    /// (the database's status label, business days); labels without a cadence are absent.
    pub cadence: Vec<(String, u32)>,
    pub upcoming_business_days: u32,
    pub review_after_days: u32,
    pub event_days: u32,
    /// Draft statuses, with their case variants.
    pub approved: Vec<String>,
    pub review: Vec<String>,
    pub skip_event_statuses: Vec<String>,
    pub limit: i64,
    pub snoozed: Snoozed,
}

impl Rules {
    pub fn new(cfg: &FollowupConfig, enums: &EnumLabels, as_of: NaiveDate) -> Self {
        let cadence = enums
            .labels(EnumKind::ProspectStatus)
            .iter()
            .filter_map(|label| {
                let days = cfg
                    .cadence
                    .iter()
                    .find(|(k, _)| *k == label)
                    .or_else(|| cfg.cadence.iter().find(|(k, _)| normalise(k) == normalise(label)))?
                    .1
                    .days()?;
                Some((label.clone(), days))
            })
            .collect();
        let lower = |v: &[String]| v.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>();
        // Draft statuses are compared as written, lower-case, upper-case and
        // capitalised (lower() on every row would cost a scan's worth of time).
        let variants = |v: &[String]| {
            let mut out: Vec<String> = Vec::new();
            for s in v.iter().map(|s| s.trim()) {
                let cap: String = s
                    .chars()
                    .take(1)
                    .flat_map(char::to_uppercase)
                    .chain(s.chars().skip(1).flat_map(char::to_lowercase))
                    .collect();
                for x in [s.to_string(), s.to_lowercase(), s.to_uppercase(), cap] {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
            }
            out
        };
        Self {
            as_of,
            cadence,
            upcoming_business_days: cfg.upcoming_business_days,
            review_after_days: cfg.review_after_days,
            event_days: cfg.event_days,
            approved: variants(&cfg.approved_statuses),
            review: variants(&cfg.review_statuses),
            skip_event_statuses: lower(&cfg.skip_event_statuses),
            limit: cfg.max_rows as i64,
            snoozed: Snoozed::default(),
        }
    }

    /// The last due date the list covers ("this week").
    pub fn horizon(&self) -> NaiveDate {
        add_business_days(self.as_of, self.upcoming_business_days)
    }

    pub fn group(&self, due: NaiveDate) -> Group {
        match due.cmp(&self.as_of) {
            std::cmp::Ordering::Less => Group::Overdue,
            std::cmp::Ordering::Equal => Group::Today,
            std::cmp::Ordering::Greater => Group::ThisWeek,
        }
    }
}

pub(crate) fn normalise(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// One row of the day's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TodayItem {
    pub kind: ItemKind,
    pub group: Group,
    pub due: NaiveDate,
    /// Why it is on the list, e.g. "CONTACTED 5 business days ago, cadence 3".
    pub reason: String,
    pub prospect: Option<ProspectListItem>,
    pub draft_id: Option<i32>,
    pub event_id: Option<i32>,
    /// Events: "Conference, Berlin, Tue 23 Jun".
    pub title: Option<String>,
    /// Events: the prospects without an invitation.
    pub count: Option<i64>,
    /// Events: the target industries found in the database.
    #[serde(skip)]
    pub industry_ids: Vec<i32>,
}

impl TodayItem {
    /// The key its snooze is stored under.
    pub fn snooze_key(&self) -> String {
        match self.kind {
            ItemKind::FollowUp => format!("followup:{}", self.prospect.as_ref().map(|p| p.id).unwrap_or(0)),
            ItemKind::DraftApproved | ItemKind::DraftReview => format!("draft:{}", self.draft_id.unwrap_or(0)),
            ItemKind::EventInvitations => format!("event:{}", self.event_id.unwrap_or(0)),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub overdue: i64,
    pub today: i64,
    pub this_week: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.overdue + self.today + self.this_week
    }

    pub fn get(&self, g: Group) -> i64 {
        match g {
            Group::Overdue => self.overdue,
            Group::Today => self.today,
            Group::ThisWeek => self.this_week,
        }
    }
}

/// The list as of one day: the most urgent `limit` items, and counts of all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TodayList {
    pub as_of: Option<NaiveDate>,
    pub counts: Counts,
    pub items: Vec<TodayItem>,
}

impl Db {
    /// The day's list under `rules`: the follow-up counts, the most urgent
    /// follow-ups, the drafts and the events, queried at once.
    pub async fn today(&self, rules: &Rules) -> Result<TodayList> {
        let indexed = self.has_followup_index().await?;
        let (mut counts, follow, drafts, events) = tokio::try_join!(
            self.followup_counts(rules, indexed),
            self.followup_rows(rules, indexed),
            self.draft_rows(rules),
            self.event_rows(rules, indexed)
        )?;
        if let Some(r) = drafts.first() {
            counts.overdue += r.a_overdue + r.r_overdue;
            counts.today += r.a_today + r.r_today;
            counts.this_week += r.a_week;
        }
        let events = event_items(rules, events);
        counts.today += events.len() as i64;
        let mut items: Vec<TodayItem> = follow
            .into_iter()
            .map(|r| followup_item(rules, r))
            .chain(drafts.into_iter().map(|r| draft_item(rules, r)))
            .chain(events)
            .collect();
        items.sort_by(|a, b| {
            (a.due, a.kind, a.prospect.as_ref().map(|p| p.id), a.draft_id, a.event_id).cmp(&(
                b.due,
                b.kind,
                b.prospect.as_ref().map(|p| p.id),
                b.draft_id,
                b.event_id,
            ))
        });
        items.truncate(rules.limit.max(0) as usize);
        Ok(TodayList { as_of: Some(rules.as_of), counts, items })
    }
}

fn followup_item(rules: &Rules, r: FollowRow) -> TodayItem {
    TodayItem {
        kind: ItemKind::FollowUp,
        group: rules.group(r.due),
        due: r.due,
        reason: followup_reason(&r.p.status, r.days as u32, r.base, r.never, r.due, rules.as_of),
        prospect: Some(r.p),
        draft_id: None,
        event_id: None,
        title: None,
        count: None,
        industry_ids: Vec::new(),
    }
}

fn draft_item(rules: &Rules, r: DraftRow) -> TodayItem {
    let days = (rules.as_of - r.changed.date()).num_days().max(0);
    let what = format!("{} draft #{}", crate::sanitize::line(&r.draft_type), r.draft_id);
    let reason = if r.approved {
        match days {
            0 => format!("{what} approved today, not sent yet"),
            n => format!("{what} approved {} ago, not sent yet", plural(n, "day", "days")),
        }
    } else {
        format!("{what} waiting for review for {}", plural(days, "day", "days"))
    };
    TodayItem {
        kind: if r.approved { ItemKind::DraftApproved } else { ItemKind::DraftReview },
        group: rules.group(r.due),
        due: r.due,
        reason,
        prospect: Some(r.p),
        draft_id: Some(r.draft_id),
        event_id: None,
        title: Some(r.draft_type),
        count: None,
        industry_ids: Vec::new(),
    }
}

/// One row per upcoming event whose target industries have active prospects
/// without a draft for it: their active prospects less those invited.
fn event_items(rules: &Rules, due: EventsDue) -> Vec<TodayItem> {
    let EventsDue { events, industries, active, invited } = due;
    let mut items = Vec::new();
    for e in events {
        let targets = e.target_industries.as_ref().map(|v| match_industries(v, &industries)).unwrap_or_default();
        let n: i64 = targets
            .iter()
            .map(|i| {
                let all = active.iter().find(|(ind, _)| ind == i).map(|x| x.1).unwrap_or(0);
                let done = invited.iter().find(|(ev, ind, _)| *ev == e.id && ind == i).map(|x| x.2).unwrap_or(0);
                all - done
            })
            .sum();
        if n <= 0 {
            continue;
        }
        let names: Vec<String> = targets
            .iter()
            .filter_map(|id| industries.iter().find(|(i, _)| i == id))
            .map(|(_, name)| crate::sanitize::line(name).into_owned())
            .collect();
        let date = e.event_date.date();
        let when = match (date - rules.as_of).num_days() {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        let title = format!(
            "{}, {}, {}",
            crate::sanitize::line(&e.event_type),
            crate::sanitize::line(&e.location),
            short(date)
        );
        items.push(TodayItem {
            kind: ItemKind::EventInvitations,
            group: Group::Today,
            due: rules.as_of,
            reason: format!(
                "{title} ({when}): {} in {} without an invitation",
                plural(n, "active prospect", "active prospects"),
                names.join(", ")
            ),
            prospect: None,
            draft_id: None,
            event_id: Some(e.id),
            title: Some(title),
            count: Some(n),
            industry_ids: targets,
        });
    }
    items
}

/// "CONTACTED 5 business days ago, cadence 3"; for a prospect never
/// contacted, "NEW, never contacted, added 2 business days ago, cadence 0".
pub fn followup_reason(
    status: &str,
    days: u32,
    base: NaiveDate,
    never: bool,
    due: NaiveDate,
    as_of: NaiveDate,
) -> String {
    let status = crate::sanitize::line(status);
    let ago = match business_days_between(base, as_of) {
        0 if base >= as_of => "today".to_string(),
        0 => "over the weekend".to_string(),
        n => format!("{} ago", plural(n, "business day", "business days")),
    };
    let mut s = if never {
        format!("{status}, never contacted, added {ago}, cadence {days}")
    } else {
        format!("{status} {ago}, cadence {days}")
    };
    if due > as_of {
        s.push_str(&format!(" (due {})", short(due)));
    } else if due < as_of {
        let late = business_days_between(due, as_of);
        if late > 0 {
            s.push_str(&format!(" · {} late", plural(late, "business day", "business days")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reasons_say_why() {
        // 2026-06-15 is a Monday; Monday the 8th is 5 business days before.
        let r = followup_reason("CONTACTED", 3, d("2026-06-08"), false, d("2026-06-11"), d("2026-06-15"));
        assert_eq!(r, "CONTACTED 5 business days ago, cadence 3 · 2 business days late");
        let r = followup_reason("NEW", 0, d("2026-06-15"), true, d("2026-06-15"), d("2026-06-15"));
        assert_eq!(r, "NEW, never contacted, added today, cadence 0");
        let r = followup_reason("ENGAGED", 5, d("2026-06-12"), false, d("2026-06-19"), d("2026-06-15"));
        assert_eq!(r, "ENGAGED 1 business day ago, cadence 5 (due Fri 19 Jun)");
    }
}
