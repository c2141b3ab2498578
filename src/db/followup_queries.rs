//! The Today list's SQL. Follow-ups are counted and the most urgent found
//! without computing a due date for every prospect: a follow-up is due by a
//! day exactly when its base (last contact, else creation) is on or before
//! [`latest_start`] of that day, and within one status the due date rises
//! with the base. On Closer's own database the partial index
//! `ix_prospects_followup` (status, base) answers both per status; on a
//! database without it (one Closer must not add indexes to) one pass over
//! the prospects does.

use chrono::{Duration, NaiveDate};
use color_eyre::eyre::Result;
use serde_json::Value;

use super::followups::{Counts, Rules};
use super::models::{ProspectListItem, Timestamp};
use super::Db;
use crate::calendar::{latest_start, offsets};

#[derive(sqlx::FromRow)]
pub(super) struct FollowRow {
    #[sqlx(flatten)]
    pub p: ProspectListItem,
    pub days: i32,
    pub base: NaiveDate,
    pub due: NaiveDate,
    pub never: bool,
}

#[derive(sqlx::FromRow)]
pub(super) struct DraftRow {
    #[sqlx(flatten)]
    pub p: ProspectListItem,
    pub draft_id: i32,
    pub draft_type: String,
    pub approved: bool,
    pub changed: Timestamp,
    pub due: NaiveDate,
    pub a_overdue: i64,
    pub a_today: i64,
    pub a_week: i64,
    pub r_overdue: i64,
    pub r_today: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    pub id: i32,
    pub event_type: String,
    pub event_date: Timestamp,
    pub location: String,
    pub target_industries: Option<Value>,
}

/// The upcoming events and what their invitations need.
#[derive(Default)]
pub(super) struct EventsDue {
    pub events: Vec<EventRow>,
    pub industries: Vec<(i32, String)>,
    /// (industry, active prospects) for the industries the events target.
    pub active: Vec<(i32, i64)>,
    /// (event, industry, active prospects with a draft linked to the event).
    pub invited: Vec<(i32, i32, i64)>,
}

const PROSPECT_COLS: &str = "p.id, p.full_name, p.email, p.status::text AS status, p.is_active, p.last_contacted_at, \
     p.company_id, co.name AS company_name, i.name AS industry_name";

const BASE: &str = "coalesce(p.last_contacted_at, p.created_at)";

/// The weekday of the date `col` in SQL, Monday 0 (2000-01-03 was a
/// Monday): integer arithmetic, cheaper per row than extract().
fn dow(col: &str) -> String {
    format!("((({col}) - date '2000-01-03') % 7 + 7) % 7")
}

/// (status label, base bound for overdue, due today, due by the horizon): a
/// base below the bound (a timestamp) is due by that day.
fn bounds(rules: &Rules) -> (Vec<String>, Vec<Timestamp>, Vec<Timestamp>, Vec<Timestamp>) {
    let bound =
        |due: NaiveDate, n: u32| (latest_start(due, n) + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight");
    let yesterday = rules.as_of - Duration::days(1);
    let c = &rules.cadence;
    (
        c.iter().map(|(l, _)| l.clone()).collect(),
        c.iter().map(|(_, n)| bound(yesterday, *n)).collect(),
        c.iter().map(|(_, n)| bound(rules.as_of, *n)).collect(),
        c.iter().map(|(_, n)| bound(rules.horizon(), *n)).collect(),
    )
}

impl Db {
    /// Whether Closer's follow-up index is there (its own database).
    pub(super) async fn has_followup_index(&self) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_indexes
                             WHERE schemaname = current_schema() AND tablename = 'prospects'
                               AND indexname = 'ix_prospects_followup')",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// How many follow-ups fall in each group.
    pub(super) async fn followup_counts(&self, rules: &Rules, indexed: bool) -> Result<Counts> {
        let (labels, t1, t2, t3) = bounds(rules);
        let sql = if indexed {
            // Per status, an index-only range count.
            format!(
                "SELECT coalesce(sum(x.o), 0)::bigint, coalesce(sum(x.t), 0)::bigint, coalesce(sum(x.w), 0)::bigint
                   FROM unnest($1::text[], $2::timestamp[], $3::timestamp[], $4::timestamp[]) AS g(l, t1, t2, t3)
                   CROSS JOIN LATERAL (
                        SELECT count(*) FILTER (WHERE {BASE} < g.t1) AS o,
                               count(*) FILTER (WHERE {BASE} >= g.t1 AND {BASE} < g.t2) AS t,
                               count(*) FILTER (WHERE {BASE} >= g.t2) AS w
                          FROM prospects p
                         WHERE p.is_active AND p.status = g.l::prospect_status AND {BASE} < g.t3
                           AND p.id <> ALL($5::int[])) x"
            )
        } else {
            format!(
                "WITH g AS (SELECT l::prospect_status AS st, t1, t2, t3
                              FROM unnest($1::text[], $2::timestamp[], $3::timestamp[], $4::timestamp[]) AS f(l, t1, t2, t3))
                 SELECT count(*) FILTER (WHERE {BASE} < g.t1),
                        count(*) FILTER (WHERE {BASE} >= g.t1 AND {BASE} < g.t2),
                        count(*) FILTER (WHERE {BASE} >= g.t2)
                   FROM prospects p JOIN g ON g.st = p.status
                  WHERE p.is_active AND {BASE} < g.t3 AND p.id <> ALL($5::int[])"
            )
        };
        let (overdue, today, this_week): (i64, i64, i64) = sqlx::query_as(&sql)
            .bind(&labels)
            .bind(&t1)
            .bind(&t2)
            .bind(&t3)
            .bind(&rules.snoozed.prospects)
            .fetch_one(&self.pool)
            .await?;
        Ok(Counts { overdue, today, this_week })
    }

    /// The most urgent follow-ups: due = base + the offset for its weekday
    /// under its status's cadence ([`offsets`], one array lookup per row).
    pub(super) async fn followup_rows(&self, rules: &Rules, indexed: bool) -> Result<Vec<FollowRow>> {
        let (labels, _, _, t3) = bounds(rules);
        let days: Vec<i32> = rules.cadence.iter().map(|(_, d)| *d as i32).collect();
        let offs: Vec<i32> = rules.cadence.iter().flat_map(|(_, d)| offsets(*d)).collect();
        // Candidates (id, status index k, base date): with the index, the
        // first `limit` of each status by base; without, every active one.
        let candidates = if indexed {
            format!(
                "SELECT x.id, f.k, x.b::date AS b, x.never
                   FROM (SELECT l::prospect_status AS st, (k - 1)::int AS k, t3
                           FROM unnest($1::text[], $7::timestamp[]) WITH ORDINALITY AS u(l, t3, k)) f
                   CROSS JOIN LATERAL (
                        SELECT p.id, {BASE} AS b, p.last_contacted_at IS NULL AS never FROM prospects p
                         WHERE p.is_active AND p.status = f.st AND {BASE} < f.t3 AND p.id <> ALL($3::int[])
                         ORDER BY {BASE}, p.id LIMIT $5) x"
            )
        } else {
            format!(
                "SELECT p.id, f.k, {BASE}::date AS b, p.last_contacted_at IS NULL AS never
                   FROM prospects p
                   JOIN (SELECT l::prospect_status AS st, (k - 1)::int AS k, t3
                           FROM unnest($1::text[], $7::timestamp[]) WITH ORDINALITY AS u(l, t3, k)) f ON f.st = p.status
                  WHERE p.is_active AND {BASE} < f.t3 AND p.id <> ALL($3::int[])"
            )
        };
        let sql = format!(
            "WITH c AS ({candidates}),
                  t AS (SELECT c.*, c.b + ($2::int[])[c.k * 7 + {} + 1] AS due FROM c
                         ORDER BY due, id LIMIT $5)
             SELECT {PROSPECT_COLS}, ($6::int[])[t.k + 1] AS days, t.b AS base, t.due, t.never
               FROM t JOIN prospects p ON p.id = t.id JOIN companies co ON co.id = p.company_id
               JOIN industries i ON i.id = co.industry_id
              WHERE t.due <= $4
              ORDER BY t.due, t.id",
            dow("c.b")
        );
        Ok(sqlx::query_as(&sql)
            .bind(&labels)
            .bind(&offs)
            .bind(&rules.snoozed.prospects)
            .bind(rules.horizon())
            .bind(rules.limit)
            .bind(&days)
            .bind(&t3)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Drafts approved but not sent, and drafts waiting for review, with
    /// counts. Inactive prospects are left out through one hashed set of
    /// their ids (a lookup per draft would cost more than the scan).
    pub(super) async fn draft_rows(&self, rules: &Rules) -> Result<Vec<DraftRow>> {
        let sql = format!(
            "WITH w AS (SELECT d.id, d.prospect_id, d.updated_at, d.status = ANY($1) AS approved,
                               CASE WHEN d.status = ANY($1) THEN d.updated_at::date
                                    ELSE d.updated_at::date + $3 END AS due
                          FROM outreach_drafts d
                         WHERE d.status = ANY($1 || $2) AND d.id <> ALL($4::int[])
                           AND d.prospect_id NOT IN (SELECT id FROM prospects WHERE NOT is_active)),
                  t AS (SELECT w.*,
                               count(*) FILTER (WHERE approved AND due < $5) OVER () AS a_overdue,
                               count(*) FILTER (WHERE approved AND due = $5) OVER () AS a_today,
                               count(*) FILTER (WHERE approved AND due > $5) OVER () AS a_week,
                               count(*) FILTER (WHERE NOT approved AND due < $5) OVER () AS r_overdue,
                               count(*) FILTER (WHERE NOT approved AND due = $5) OVER () AS r_today
                          FROM w WHERE due <= CASE WHEN approved THEN $6 ELSE $5 END
                         ORDER BY due, NOT approved, id LIMIT $7)
             SELECT {PROSPECT_COLS}, t.id AS draft_id, d.draft_type, t.approved, t.updated_at AS changed, t.due,
                    t.a_overdue, t.a_today, t.a_week, t.r_overdue, t.r_today
               FROM t JOIN outreach_drafts d ON d.id = t.id JOIN prospects p ON p.id = t.prospect_id
               JOIN companies co ON co.id = p.company_id JOIN industries i ON i.id = co.industry_id
              ORDER BY t.due, NOT t.approved, t.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(&rules.approved)
            .bind(&rules.review)
            .bind(rules.review_after_days as i32)
            .bind(&rules.snoozed.drafts)
            .bind(rules.as_of)
            .bind(rules.horizon())
            .bind(rules.limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The upcoming events, their target industries' active prospects, and
    /// per (event, industry) how many of those already have a draft for it.
    pub(super) async fn event_rows(&self, rules: &Rules, indexed: bool) -> Result<EventsDue> {
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
        let mut targets: Vec<i32> = events
            .iter()
            .flat_map(|e| {
                e.target_industries
                    .as_ref()
                    .map(|v| super::target_industries::match_industries(v, &industries))
                    .unwrap_or_default()
            })
            .collect();
        targets.sort_unstable();
        targets.dedup();
        let ids: Vec<i32> = events.iter().map(|e| e.id).collect();
        // Active prospects per target industry: with Closer's indexes, all
        // of them (index-only by company) less the inactive (a small index);
        // without, one pass.
        let active = async {
            if !indexed {
                return sqlx::query_as(
                    "SELECT c.industry_id, count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
                      WHERE p.is_active AND c.industry_id = ANY($1) GROUP BY c.industry_id",
                )
                .bind(&targets)
                .fetch_all(&self.pool)
                .await;
            }
            let all = sqlx::query_as::<_, (i32, i64)>(
                "SELECT c.industry_id, count(*) FROM companies c JOIN prospects p ON p.company_id = c.id
                  WHERE c.industry_id = ANY($1) GROUP BY c.industry_id",
            )
            .bind(&targets)
            .fetch_all(&self.pool);
            let inactive = sqlx::query_as::<_, (i32, i64)>(
                "SELECT c.industry_id, count(*) FROM prospects p JOIN companies c ON c.id = p.company_id
                  WHERE NOT p.is_active AND c.industry_id = ANY($1) GROUP BY c.industry_id",
            )
            .bind(&targets)
            .fetch_all(&self.pool);
            let (all, inactive) = tokio::try_join!(all, inactive)?;
            Ok(all
                .into_iter()
                .map(|(i, n)| (i, n - inactive.iter().find(|x| x.0 == i).map(|x| x.1).unwrap_or(0)))
                .collect::<Vec<(i32, i64)>>())
        };
        let invited = sqlx::query_as(
            "SELECT d.event_id, c.industry_id, count(DISTINCT d.prospect_id)
               FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id AND p.is_active
               JOIN companies c ON c.id = p.company_id
              WHERE d.event_id = ANY($1)
              GROUP BY d.event_id, c.industry_id",
        )
        .bind(&ids)
        .fetch_all(&self.pool);
        let (active, invited) = tokio::try_join!(active, invited)?;
        Ok(EventsDue { events, industries, active, invited })
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
