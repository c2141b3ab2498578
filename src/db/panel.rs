//! What a move in the prospects list loads, one query each (issue 15,
//! item 3): the prospect with its company and industry (one join of three
//! primary-key lookups, not three round trips), and a page of the timeline
//! with its length (`count(*) OVER ()`: without an index on
//! interactions.prospect_id, one scan of the table instead of two).
//! The research and drafts are their own queries (src/db/research.rs,
//! src/db/drafts.rs); the I/O layer runs all four at once.

use color_eyre::eyre::Result;
use sqlx::Row;

use super::models::{Company, Industry, Prospect, ProspectDetail, TimelineItem};
use super::Db;

/// Characters of content shown in the timeline list; the rest loads on open.
pub const PREVIEW_CHARS: i32 = 160;

/// A prospect with its company and industry ($1: the prospect).
pub const DETAIL_SQL: &str =
    "SELECT p.id, p.full_name, p.email, p.linkedin_url, p.location, p.company_id, p.last_contacted_at,
                    p.is_active, p.status::text AS status, p.created_at, p.updated_at,
                    c.name AS c_name, c.industry_id AS c_industry_id, c.size AS c_size, c.website AS c_website,
                    c.created_at AS c_created_at, c.updated_at AS c_updated_at,
                    i.name AS i_name, i.created_at AS i_created_at, i.updated_at AS i_updated_at
               FROM prospects p JOIN companies c ON c.id = p.company_id JOIN industries i ON i.id = c.industry_id
              WHERE p.id = $1";

/// A timeline page and the timeline's length ($1: prospect, $2: limit, $3: preview characters).
pub const TIMELINE_SQL: &str = "SELECT x.id, x.interaction_type::text AS interaction_type, x.interaction_date, x.subject,
                    x.sentiment, x.outcome, x.event_id,
                    CASE WHEN e.id IS NULL THEN NULL
                         ELSE e.event_type || ' · ' || to_char(e.event_date, 'YYYY-MM-DD') || ' · ' || e.location END AS event_label,
                    left(x.content, $3) AS content_preview, length(x.content) AS content_chars,
                    count(*) OVER () AS total
               FROM interactions x LEFT JOIN events e ON e.id = x.event_id
              WHERE x.prospect_id = $1
              ORDER BY x.interaction_date DESC, x.id DESC
              LIMIT $2";

impl Db {
    /// A prospect with its company and industry, in one query.
    pub async fn prospect_detail(&self, id: i32) -> Result<Option<ProspectDetail>> {
        let row = sqlx::query(DETAIL_SQL).bind(id).fetch_optional(&self.pool).await?;
        let Some(r) = row else { return Ok(None) };
        let prospect = Prospect {
            id: r.try_get("id")?,
            full_name: r.try_get("full_name")?,
            email: r.try_get("email")?,
            linkedin_url: r.try_get("linkedin_url")?,
            location: r.try_get("location")?,
            company_id: r.try_get("company_id")?,
            last_contacted_at: r.try_get("last_contacted_at")?,
            is_active: r.try_get("is_active")?,
            status: r.try_get("status")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        };
        let company = Company {
            id: prospect.company_id,
            name: r.try_get("c_name")?,
            industry_id: r.try_get("c_industry_id")?,
            size: r.try_get("c_size")?,
            website: r.try_get("c_website")?,
            created_at: r.try_get("c_created_at")?,
            updated_at: r.try_get("c_updated_at")?,
        };
        let industry = Industry {
            id: company.industry_id,
            name: r.try_get("i_name")?,
            created_at: r.try_get("i_created_at")?,
            updated_at: r.try_get("i_updated_at")?,
        };
        Ok(Some(ProspectDetail { prospect, company, industry }))
    }

    /// The newest `limit` interactions of a prospect and how many it has.
    pub async fn timeline_with_total(&self, prospect_id: i32, limit: i64) -> Result<(Vec<TimelineItem>, i64)> {
        #[derive(sqlx::FromRow)]
        struct Line {
            #[sqlx(flatten)]
            item: TimelineItem,
            total: i64,
        }
        let lines: Vec<Line> = sqlx::query_as(TIMELINE_SQL)
            .bind(prospect_id)
            .bind(limit)
            .bind(PREVIEW_CHARS)
            .fetch_all(&self.pool)
            .await?;
        let total = lines.first().map(|l| l.total).unwrap_or(0);
        Ok((lines.into_iter().map(|l| l.item).collect(), total))
    }
}
