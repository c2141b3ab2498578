//! The day's work (the Today view and `closer today`): follow-ups due by
//! business-day cadence, drafts approved but not sent or waiting for review,
//! and upcoming events whose target-industry prospects have no invitation.
//! Due dates are computed in SQL (the same rule as
//! [`crate::calendar::add_business_days`]) so that only the most urgent rows
//! and the counts leave the server, whatever the size of the database.

use chrono::{Duration, NaiveDate};
use color_eyre::eyre::Result;
use serde::Serialize;
use serde_json::Value;

use super::models::{ProspectListItem, Timestamp};
use super::{Db, EnumKind, EnumLabels};
use crate::calendar::{add_business_days, business_days_between, latest_start, offsets, plural, short};
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

#[derive(sqlx::FromRow)]
struct FollowRow {
    #[sqlx(flatten)]
    p: ProspectListItem,
    days: i32,
    base: NaiveDate,
    due: NaiveDate,
    never: bool,
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    #[sqlx(flatten)]
    p: ProspectListItem,
    draft_id: i32,
    draft_type: String,
    approved: bool,
    changed: Timestamp,
    due: NaiveDate,
    a_overdue: i64,
    a_today: i64,
    a_week: i64,
    r_overdue: i64,
    r_today: i64,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i32,
    event_type: String,
    event_date: Timestamp,
    location: String,
    target_industries: Option<Value>,
}

/// Per industry: active prospects, and the follow-ups due in each group.
#[derive(sqlx::FromRow)]
struct IndustryCounts {
    industry_id: i32,
    active: i64,
    overdue: i64,
    today: i64,
    week: i64,
}

const PROSPECT_COLS: &str = "p.id, p.full_name, p.email, p.status::text AS status, p.is_active, p.last_contacted_at, \
     p.company_id, co.name AS company_name, i.name AS industry_name";

/// The weekday of a date in SQL, Monday 0 (2000-01-03 was a Monday); plain
/// integer arithmetic, cheaper per row than extract().
const DOW_SQL: &str = "((x.b - date '2000-01-03') % 7 + 7) % 7";

impl Db {
    /// The day's list under `rules`. Four queries run at once, each reading
    /// a table once: follow-up counts (with each industry's active
    /// prospects, which the events need), the most urgent follow-ups, the
    /// drafts, and the upcoming events with the drafts already linked to them.
    pub async fn today(&self, rules: &Rules) -> Result<TodayList> {
        let (per_industry, follow, drafts, events) = tokio::try_join!(
            self.followup_counts(rules),
            self.followups_due(rules),
            self.drafts_due(rules),
            self.events_due(rules)
        )?;
        let mut counts = Counts::default();
        for c in &per_industry {
            counts.overdue += c.overdue;
            counts.today += c.today;
            counts.this_week += c.week;
        }
        let (draft_counts, drafts) = drafts;
        counts.overdue += draft_counts.overdue;
        counts.today += draft_counts.today;
        counts.this_week += draft_counts.this_week;
        let events = event_items(rules, events, &per_industry);
        counts.today += events.len() as i64;
        let mut items: Vec<TodayItem> = follow.into_iter().chain(drafts).chain(events).collect();
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

    /// One pass over the active prospects: per industry, how many there are
    /// and how many follow-ups fall in each group. A follow-up is due by a
    /// day exactly when its base (last contact, else creation) is on or
    /// before [`latest_start`] of that day, so only comparisons run per row.
    async fn followup_counts(&self, rules: &Rules) -> Result<Vec<IndustryCounts>> {
        let bound =
            |due: NaiveDate, n: u32| (latest_start(due, n) + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight");
        let yesterday = rules.as_of - Duration::days(1);
        let labels: Vec<String> = rules.cadence.iter().map(|(l, _)| l.clone()).collect();
        let t1: Vec<Timestamp> = rules.cadence.iter().map(|(_, n)| bound(yesterday, *n)).collect();
        let t2: Vec<Timestamp> = rules.cadence.iter().map(|(_, n)| bound(rules.as_of, *n)).collect();
        let t3: Vec<Timestamp> = rules.cadence.iter().map(|(_, n)| bound(rules.horizon(), *n)).collect();
        Ok(sqlx::query_as(
            "WITH g AS (SELECT l::prospect_status AS st, t1, t2, t3
                          FROM unnest($1::text[], $2::timestamp[], $3::timestamp[], $4::timestamp[]) AS f(l, t1, t2, t3))
             SELECT c.industry_id, count(*) AS active,
                    count(*) FILTER (WHERE x.b < g.t1 AND NOT x.s) AS overdue,
                    count(*) FILTER (WHERE x.b >= g.t1 AND x.b < g.t2 AND NOT x.s) AS today,
                    count(*) FILTER (WHERE x.b >= g.t2 AND x.b < g.t3 AND NOT x.s) AS week
               FROM prospects p JOIN companies c ON c.id = p.company_id
               LEFT JOIN g ON g.st = p.status
               CROSS JOIN LATERAL (SELECT coalesce(p.last_contacted_at, p.created_at) AS b,
                                          p.id = ANY($5::int[]) AS s) x
              WHERE p.is_active
              GROUP BY c.industry_id",
        )
        .bind(&labels)
        .bind(&t1)
        .bind(&t2)
        .bind(&t3)
        .bind(&rules.snoozed.prospects)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The most urgent follow-ups: due = base + the offset for its weekday
    /// under its status's cadence ([`offsets`], one array lookup per row).
    async fn followups_due(&self, rules: &Rules) -> Result<Vec<TodayItem>> {
        let labels: Vec<String> = rules.cadence.iter().map(|(l, _)| l.clone()).collect();
        let days: Vec<i32> = rules.cadence.iter().map(|(_, d)| *d as i32).collect();
        let offs: Vec<i32> = rules.cadence.iter().flat_map(|(_, d)| offsets(*d)).collect();
        let sql = format!(
            "WITH f AS (SELECT l::prospect_status AS st, (k - 1)::int AS k
                          FROM unnest($1::text[]) WITH ORDINALITY AS u(l, k)),
                  d AS (SELECT p.id, f.k, x.b, x.b + ($2::int[])[f.k * 7 + {DOW_SQL} + 1] AS due,
                               p.last_contacted_at IS NULL AS never
                          FROM prospects p JOIN f ON f.st = p.status
                          CROSS JOIN LATERAL (SELECT coalesce(p.last_contacted_at, p.created_at)::date AS b) x
                         WHERE p.is_active AND p.id <> ALL($3::int[])),
                  t AS (SELECT * FROM d WHERE due <= $4 ORDER BY due, id LIMIT $5)
             SELECT {PROSPECT_COLS}, ($6::int[])[t.k + 1] AS days, t.b AS base, t.due, t.never
               FROM t JOIN prospects p ON p.id = t.id JOIN companies co ON co.id = p.company_id
               JOIN industries i ON i.id = co.industry_id
              ORDER BY t.due, t.id"
        );
        let rows: Vec<FollowRow> = sqlx::query_as(&sql)
            .bind(&labels)
            .bind(&offs)
            .bind(&rules.snoozed.prospects)
            .bind(rules.horizon())
            .bind(rules.limit)
            .bind(&days)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| TodayItem {
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
            })
            .collect())
    }

    async fn drafts_due(&self, rules: &Rules) -> Result<(Counts, Vec<TodayItem>)> {
        let sql = format!(
            "WITH w AS (SELECT d.id, d.prospect_id, d.draft_type, d.updated_at, d.status = ANY($1) AS approved,
                               CASE WHEN d.status = ANY($1) THEN d.updated_at::date
                                    ELSE d.updated_at::date + $3 END AS due
                          FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id AND p.is_active
                         WHERE (d.status = ANY($1) OR d.status = ANY($2)) AND d.id <> ALL($4::int[])),
                  t AS (SELECT w.*,
                               count(*) FILTER (WHERE approved AND due < $5) OVER () AS a_overdue,
                               count(*) FILTER (WHERE approved AND due = $5) OVER () AS a_today,
                               count(*) FILTER (WHERE approved AND due > $5) OVER () AS a_week,
                               count(*) FILTER (WHERE NOT approved AND due < $5) OVER () AS r_overdue,
                               count(*) FILTER (WHERE NOT approved AND due = $5) OVER () AS r_today
                          FROM w WHERE due <= CASE WHEN approved THEN $6 ELSE $5 END
                         ORDER BY due, NOT approved, id LIMIT $7)
             SELECT {PROSPECT_COLS}, t.id AS draft_id, t.draft_type, t.approved, t.updated_at AS changed, t.due,
                    t.a_overdue, t.a_today, t.a_week, t.r_overdue, t.r_today
               FROM t JOIN prospects p ON p.id = t.prospect_id JOIN companies co ON co.id = p.company_id
               JOIN industries i ON i.id = co.industry_id
              ORDER BY t.due, NOT t.approved, t.id"
        );
        let rows: Vec<DraftRow> = sqlx::query_as(&sql)
            .bind(&rules.approved)
            .bind(&rules.review)
            .bind(rules.review_after_days as i32)
            .bind(&rules.snoozed.drafts)
            .bind(rules.as_of)
            .bind(rules.horizon())
            .bind(rules.limit)
            .fetch_all(&self.pool)
            .await?;
        let counts = rows
            .first()
            .map(|r| Counts { overdue: r.a_overdue + r.r_overdue, today: r.a_today + r.r_today, this_week: r.a_week })
            .unwrap_or_default();
        let items = rows
            .into_iter()
            .map(|r| {
                let since = r.changed.date();
                let days = (rules.as_of - since).num_days().max(0);
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
            })
            .collect();
        Ok((counts, items))
    }

    /// The upcoming events, their target industries, and per (event,
    /// industry) how many active prospects already have a draft for it.
    async fn events_due(&self, rules: &Rules) -> Result<EventsDue> {
        let start = rules.as_of.and_hms_opt(0, 0, 0).expect("midnight");
        let end = start + Duration::days(rules.event_days as i64 + 1);
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT id, event_type, event_date, location, target_industries FROM events
              WHERE event_date >= $1 AND event_date < $2 AND NOT (lower(status) = ANY($3)) AND id <> ALL($4::int[])
              ORDER BY event_date, id",
        )
        .bind(start)
        .bind(end)
        .bind(&rules.skip_event_statuses)
        .bind(&rules.snoozed.events)
        .fetch_all(&self.pool)
        .await?;
        if events.is_empty() {
            return Ok(EventsDue::default());
        }
        let industries: Vec<(i32, String)> =
            sqlx::query_as("SELECT id, name FROM industries ORDER BY id").fetch_all(&self.pool).await?;
        let ids: Vec<i32> = events.iter().map(|e| e.id).collect();
        let invited: Vec<(i32, i32, i64)> = sqlx::query_as(
            "SELECT d.event_id, c.industry_id, count(DISTINCT d.prospect_id)
               FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id AND p.is_active
               JOIN companies c ON c.id = p.company_id
              WHERE d.event_id = ANY($1)
              GROUP BY d.event_id, c.industry_id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(EventsDue { events, industries, invited })
    }

    /// The active prospects in `industry_ids` with no draft for `event_id`
    /// (whom an invitation would go to), at most `limit`.
    pub async fn uninvited(&self, event_id: i32, industry_ids: &[i32], limit: i64) -> Result<Vec<i32>> {
        Ok(sqlx::query_scalar(
            "SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id
              WHERE c.industry_id = ANY($2) AND p.is_active
                AND NOT EXISTS (SELECT 1 FROM outreach_drafts d WHERE d.prospect_id = p.id AND d.event_id = $1)
              ORDER BY p.last_contacted_at DESC NULLS LAST, p.id LIMIT $3",
        )
        .bind(event_id)
        .bind(industry_ids)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[derive(Default)]
struct EventsDue {
    events: Vec<EventRow>,
    industries: Vec<(i32, String)>,
    /// (event, industry, active prospects with a draft linked to the event).
    invited: Vec<(i32, i32, i64)>,
}

/// One row per upcoming event whose target industries have active prospects
/// without a draft for it: their active prospects less those invited.
fn event_items(rules: &Rules, due: EventsDue, per_industry: &[IndustryCounts]) -> Vec<TodayItem> {
    let EventsDue { events, industries, invited } = due;
    let mut items = Vec::new();
    for e in events {
        let targets = e.target_industries.as_ref().map(|v| match_industries(v, &industries)).unwrap_or_default();
        let n: i64 = targets
            .iter()
            .map(|i| {
                let active = per_industry.iter().find(|c| c.industry_id == *i).map(|c| c.active).unwrap_or(0);
                let done = invited.iter().find(|(ev, ind, _)| *ev == e.id && ind == i).map(|x| x.2).unwrap_or(0);
                active - done
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

/// Industry names in `target_industries`, whatever its shape: a string (or
/// several separated by commas), a list of strings, a list of objects with
/// `name` or `industry` (or any string values), nested lists, null.
pub fn industry_names(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_names(v, &mut out, 0);
    out
}

fn collect_names(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
        Value::Array(items) => items.iter().for_each(|i| collect_names(i, out, depth + 1)),
        Value::Object(map) => {
            let mut named = false;
            for key in ["name", "industry", "industry_name", "industries"] {
                if let Some(v) = map.get(key) {
                    named = true;
                    collect_names(v, out, depth + 1);
                }
            }
            if !named {
                map.values().filter(|v| v.is_string()).for_each(|v| collect_names(v, out, depth + 1));
            }
        }
        _ => {}
    }
}

/// The ids of the industries `target_industries` names (ignoring case and
/// punctuation; a string that matches none is tried split at commas).
pub fn match_industries(v: &Value, industries: &[(i32, String)]) -> Vec<i32> {
    let mut ids = Vec::new();
    let mut find = |name: &str| -> bool {
        let n = normalise(name);
        let hit = industries.iter().find(|(_, i)| !n.is_empty() && normalise(i) == n).map(|(id, _)| *id);
        if let Some(id) = hit {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        hit.is_some()
    };
    for name in industry_names(v) {
        if !find(&name) {
            for part in name.split([',', ';']) {
                find(part);
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn industry_names_in_every_shape() {
        let industries = vec![
            (1, "Financial Services".to_string()),
            (2, "Retail & E-commerce".to_string()),
            (3, "Health, Care".into()),
        ];
        for (v, want) in [
            (json!(["Financial Services", "retail & e-commerce"]), vec![1, 2]),
            (
                json!([{"name": "Financial Services"}, {"industry": "Retail & E-commerce", "priority": "high"}]),
                vec![1, 2],
            ),
            (json!("Financial Services"), vec![1]),
            (json!("Financial Services, Retail & E-commerce"), vec![1, 2]),
            (json!("Health, Care"), vec![3]),
            (json!({"primary": "financial services"}), vec![1]),
            (json!({"industries": ["Retail & E-commerce"]}), vec![2]),
            (json!(null), vec![]),
            (json!(42), vec![]),
            (json!([["Financial Services"], null, 3]), vec![1]),
            (json!(["Mining"]), vec![]),
        ] {
            assert_eq!(match_industries(&v, &industries), want, "{v}");
        }
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
