//! The rows `closer export` writes, streamed from the database one at a
//! time (memory stays flat over 100,000 prospects or 1,000,000
//! interactions), in the order they were created, with the columns of the
//! import templates so that export → import round-trips.

use color_eyre::eyre::Result;
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::{Postgres, QueryBuilder};

use super::models::Timestamp;
use super::prospects::{ProspectFilter, ProspectSort};
use super::{like_pattern, Db};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProspectOut {
    pub full_name: String,
    pub email: String,
    pub company: String,
    pub industry: String,
    pub size: String,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub location: Option<String>,
    pub status: String,
    pub is_active: bool,
    pub last_contacted_at: Option<Timestamp>,
}

/// The event an interaction or draft links to, as the import names it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventKey {
    pub event_type: Option<String>,
    pub event_date: Option<Timestamp>,
    pub event_location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InteractionOut {
    pub email: String,
    pub interaction_type: String,
    pub interaction_date: Timestamp,
    pub subject: String,
    pub content: String,
    pub sentiment: Option<String>,
    pub outcome: Option<String>,
    #[sqlx(flatten)]
    pub event: EventKey,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DraftOut {
    pub id: i32,
    pub email: String,
    pub full_name: String,
    pub company: String,
    pub draft_type: String,
    pub status: String,
    #[sqlx(flatten)]
    pub event: EventKey,
    pub content: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventOut {
    pub event_type: String,
    pub event_date: Timestamp,
    pub location: String,
    pub description: String,
    pub status: String,
    pub target_industries: Option<Value>,
    pub target_roles: Option<Value>,
    pub solutions_featured: Option<Value>,
}

/// Which rows to export. Prospects and interactions are selected by the
/// prospect list's own filter (interactions: those of the matching
/// prospects). Drafts take the prospect filter's active and industry, and
/// their own status and search, as the Drafts pane does; events take
/// status, search and industry of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    pub prospects: ProspectFilter,
    /// Drafts and events: the status, matched case-insensitively.
    pub status: Option<String>,
    /// Drafts: text, prospect or company; events: type, location or description.
    pub search: String,
    /// Events: an industry their targets mention.
    pub industry_name: Option<String>,
    /// Prospects in the list's order (the TUI's `E`); otherwise as created.
    pub sort: Option<ProspectSort>,
}

const EVENT_KEY: &str = "e.event_type, e.event_date, e.location AS event_location";

impl Db {
    pub async fn export_prospects(
        &self,
        filter: &ExportFilter,
        mut each: impl FnMut(ProspectOut) -> Result<()>,
    ) -> Result<u64> {
        let mut qb = QueryBuilder::new(
            "SELECT p.full_name, p.email, c.name AS company, i.name AS industry, c.size, c.website, p.linkedin_url,
                    p.location, p.status::text AS status, p.is_active, p.last_contacted_at
               FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id",
        );
        filter.prospects.push_where(&mut qb);
        qb.push(" ORDER BY ").push(filter.sort.map(ProspectSort::order_by).unwrap_or("p.id"));
        self.stream(qb, &mut each).await
    }

    pub async fn export_interactions(
        &self,
        filter: &ExportFilter,
        mut each: impl FnMut(InteractionOut) -> Result<()>,
    ) -> Result<u64> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT p.email, x.interaction_type::text AS interaction_type, x.interaction_date, x.subject, x.content,
                    x.sentiment, x.outcome, {EVENT_KEY}
               FROM interactions x JOIN prospects p ON p.id = x.prospect_id JOIN companies c ON c.id = p.company_id
                    LEFT JOIN events e ON e.id = x.event_id"
        ));
        filter.prospects.push_where(&mut qb);
        qb.push(" ORDER BY x.id");
        self.stream(qb, &mut each).await
    }

    pub async fn export_drafts(
        &self,
        filter: &ExportFilter,
        mut each: impl FnMut(DraftOut) -> Result<()>,
    ) -> Result<u64> {
        let mut qb = QueryBuilder::new(format!(
            "SELECT d.id, p.email, p.full_name, c.name AS company, d.draft_type, d.status, {EVENT_KEY},
                    d.content, d.created_at, d.updated_at
               FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id JOIN companies c ON c.id = p.company_id
                    LEFT JOIN events e ON e.id = d.event_id"
        ));
        let prospects = ProspectFilter { search: String::new(), status: None, ..filter.prospects.clone() };
        prospects.push_where(&mut qb);
        if let Some(s) = &filter.status {
            qb.push(" AND lower(d.status) = lower(").push_bind(s.clone()).push(")");
        }
        super::drafts::push_search(&mut qb, &filter.search);
        qb.push(" ORDER BY d.id");
        self.stream(qb, &mut each).await
    }

    pub async fn export_events(
        &self,
        filter: &ExportFilter,
        mut each: impl FnMut(EventOut) -> Result<()>,
    ) -> Result<u64> {
        let mut qb = QueryBuilder::new(
            "SELECT e.event_type, e.event_date, e.location, e.description, e.status, e.target_industries,
                    e.target_roles, e.solutions_featured
               FROM events e WHERE TRUE",
        );
        if let Some(s) = &filter.status {
            qb.push(" AND lower(e.status) = lower(").push_bind(s.clone()).push(")");
        }
        let search = filter.search.trim();
        if !search.is_empty() {
            let pat = like_pattern(search);
            qb.push(" AND (e.event_type ILIKE ")
                .push_bind(pat.clone())
                .push(" OR e.location ILIKE ")
                .push_bind(pat.clone())
                .push(" OR e.description ILIKE ")
                .push_bind(pat)
                .push(")");
        }
        if let Some(industry) = &filter.industry_name {
            qb.push(" AND e.target_industries::text ILIKE ").push_bind(like_pattern(industry));
        }
        qb.push(" ORDER BY e.id");
        self.stream(qb, &mut each).await
    }

    async fn stream<T>(&self, mut qb: QueryBuilder<'_, Postgres>, each: &mut impl FnMut(T) -> Result<()>) -> Result<u64>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        let mut rows = qb.build_query_as::<T>().fetch(&self.pool);
        let mut n = 0;
        while let Some(row) = rows.try_next().await? {
            each(row)?;
            n += 1;
        }
        Ok(n)
    }
}
