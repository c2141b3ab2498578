//! Prospects: the paged, filtered, sorted list, one prospect with its
//! company and industry, and the writes the UI makes.

use color_eyre::eyre::{eyre, Result};
use serde::Serialize;
use sqlx::{Postgres, QueryBuilder};

use super::models::{Prospect, ProspectListItem, Timestamp};
use super::{like_pattern, notify, Db, EnumKind, NOW};

/// Announces a one-row prospect write and commits it; a missing row is an error.
async fn announce(
    db: &Db,
    mut tx: sqlx::Transaction<'_, Postgres>,
    table: &str,
    id: i32,
    row: Option<Prospect>,
) -> Result<Prospect> {
    let row = row.ok_or_else(|| eyre!("prospect {id} no longer exists"))?;
    notify::send(db, &mut tx, &[table], Some(id)).await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ProspectSort {
    /// Most recently contacted first; never-contacted last.
    #[default]
    LastContacted,
    /// Never-contacted first, then the longest ago: who to follow up.
    LeastRecent,
    Name,
    Status,
    Company,
}

impl ProspectSort {
    pub const ALL: [Self; 5] = [Self::LastContacted, Self::LeastRecent, Self::Name, Self::Status, Self::Company];

    pub fn label(self) -> &'static str {
        match self {
            Self::LastContacted => "last contacted",
            Self::LeastRecent => "least recently contacted",
            Self::Name => "name",
            Self::Status => "status",
            Self::Company => "company",
        }
    }

    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub(crate) fn order_by(self) -> &'static str {
        match self {
            Self::LastContacted => "p.last_contacted_at DESC NULLS LAST, p.id",
            Self::LeastRecent => "p.last_contacted_at ASC NULLS FIRST, p.id DESC",
            Self::Name => "p.full_name, p.id",
            Self::Status => "p.status, p.last_contacted_at DESC NULLS LAST, p.id",
            Self::Company => "c.name, p.id",
        }
    }

    /// The exact reverse of [`Self::order_by`] (an index read backwards).
    pub(super) fn order_by_reversed(self) -> &'static str {
        match self {
            Self::LastContacted => "p.last_contacted_at ASC NULLS FIRST, p.id DESC",
            Self::LeastRecent => "p.last_contacted_at DESC NULLS LAST, p.id",
            Self::Name => "p.full_name DESC, p.id DESC",
            Self::Status => "p.status DESC, p.last_contacted_at ASC NULLS FIRST, p.id DESC",
            Self::Company => "c.name DESC, p.id DESC",
        }
    }
}

/// Which prospects to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProspectFilter {
    /// Substring of name, email or company name (case-insensitive).
    pub search: String,
    /// A label of the database's prospect_status.
    pub status: Option<String>,
    pub active: Option<bool>,
    pub industry_id: Option<i32>,
    pub company_id: Option<i32>,
}

impl ProspectFilter {
    pub(crate) fn push_where(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        self.push_where_with(qb, true)
    }

    pub(super) fn push_where_with(&self, qb: &mut QueryBuilder<'_, Postgres>, with_search: bool) {
        qb.push(" WHERE TRUE");
        let search = self.search.trim();
        if with_search && !search.is_empty() {
            // One query per column joined by UNION lets each use its trigram
            // index; an OR across the join would scan every row.
            let pat = like_pattern(search);
            qb.push(" AND p.id IN (SELECT id FROM prospects WHERE full_name ILIKE ")
                .push_bind(pat.clone())
                .push(" UNION SELECT id FROM prospects WHERE email ILIKE ")
                .push_bind(pat.clone())
                .push(" UNION SELECT p2.id FROM prospects p2 JOIN companies c2 ON c2.id = p2.company_id WHERE c2.name ILIKE ")
                .push_bind(pat)
                .push(")");
        }
        if let Some(status) = &self.status {
            qb.push(" AND p.status = ").push_bind(status.clone()).push("::prospect_status");
        }
        if let Some(active) = self.active {
            qb.push(" AND p.is_active = ").push_bind(active);
        }
        if let Some(industry) = self.industry_id {
            qb.push(" AND c.industry_id = ").push_bind(industry);
        }
        if let Some(company) = self.company_id {
            qb.push(" AND p.company_id = ").push_bind(company);
        }
    }
}

/// Fields of a prospect the user can write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProspectInput {
    pub full_name: String,
    pub email: String,
    pub linkedin_url: Option<String>,
    pub location: Option<String>,
    pub company_id: i32,
    pub is_active: bool,
    pub status: String,
}

impl ProspectInput {
    /// Field-level checks; the error names the field first (`field: message`).
    pub fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        if self.full_name.trim().is_empty() {
            return Err(("full_name", "a name is required".into()));
        }
        let email = self.email.trim();
        match email.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {}
            _ => return Err(("email", "an email needs one @ with text on both sides".into())),
        }
        let optional = |v: &Option<String>| v.clone().unwrap_or_default();
        for (field, value) in [
            ("full_name", self.full_name.trim().to_string()),
            ("email", email.to_string()),
            ("linkedin_url", optional(&self.linkedin_url)),
            ("location", optional(&self.location)),
        ] {
            super::companies::check_name(field, &value)?;
        }
        Ok(())
    }
}

pub(super) const PROSPECT_COLUMNS: &str = "id, full_name, email, linkedin_url, location, company_id, \
     last_contacted_at, is_active, status::text AS status, created_at, updated_at";

/// The one INSERT of a prospect (the form's save and `create_prospect`),
/// inside the caller's transaction.
pub(super) async fn insert_prospect(tx: &mut sqlx::PgConnection, input: &ProspectInput) -> Result<Prospect> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO prospects (full_name, email, linkedin_url, location, company_id, last_contacted_at,
                                is_active, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7::prospect_status, {NOW}, {NOW})
         RETURNING {PROSPECT_COLUMNS}"
    ))
    .bind(input.full_name.trim())
    .bind(input.email.trim())
    .bind(&input.linkedin_url)
    .bind(&input.location)
    .bind(input.company_id)
    .bind(input.is_active)
    .bind(&input.status)
    .fetch_one(&mut *tx)
    .await?)
}

/// The one UPDATE of a prospect's fields; None when the row is gone.
pub(super) async fn update_prospect_row(
    tx: &mut sqlx::PgConnection,
    id: i32,
    input: &ProspectInput,
) -> Result<Option<Prospect>> {
    Ok(sqlx::query_as(&format!(
        "UPDATE prospects SET full_name = $2, email = $3, linkedin_url = $4, location = $5, company_id = $6,
                is_active = $7, status = $8::prospect_status, updated_at = {NOW}
          WHERE id = $1 RETURNING {PROSPECT_COLUMNS}"
    ))
    .bind(id)
    .bind(input.full_name.trim())
    .bind(input.email.trim())
    .bind(&input.linkedin_url)
    .bind(&input.location)
    .bind(input.company_id)
    .bind(input.is_active)
    .bind(&input.status)
    .fetch_optional(&mut *tx)
    .await?)
}

impl Db {
    /// One page of the prospects list (src/db/prospect_page.rs has the SQL).
    pub async fn list_prospects(
        &self,
        filter: &ProspectFilter,
        sort: ProspectSort,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ProspectListItem>> {
        if !filter.search.trim().is_empty() {
            return Ok(self.search_page(filter, sort, offset, limit).await?.rows);
        }
        self.plain_page(filter, sort, false, offset, limit).await
    }

    /// The same page as [`Self::list_prospects`], for a list of `total`
    /// rows: a page in the second half is read from the end (the sort index
    /// backwards), so `G` on 100,000 rows costs as little as the first page.
    pub async fn list_prospects_in(
        &self,
        filter: &ProspectFilter,
        sort: ProspectSort,
        offset: i64,
        limit: i64,
        total: i64,
    ) -> Result<Vec<ProspectListItem>> {
        if offset * 2 <= total || !filter.search.trim().is_empty() {
            return self.list_prospects(filter, sort, offset, limit).await;
        }
        let end = (offset + limit).min(total);
        if end <= offset {
            return Ok(Vec::new());
        }
        let mut rows = self.plain_page(filter, sort, true, total - end, end - offset).await?;
        rows.reverse();
        Ok(rows)
    }

    /// The ids of the prospects that match the filter (for bulk jobs), in list order.
    pub async fn prospect_ids(&self, filter: &ProspectFilter, limit: i64) -> Result<Vec<i32>> {
        let mut qb = QueryBuilder::new("SELECT p.id FROM prospects p JOIN companies c ON c.id = p.company_id");
        filter.push_where(&mut qb);
        qb.push(" ORDER BY p.last_contacted_at DESC NULLS LAST, p.id LIMIT ").push_bind(limit);
        Ok(qb.build_query_scalar().fetch_all(&self.pool).await?)
    }

    /// How many prospects match the filter.
    pub async fn count_prospects(&self, filter: &ProspectFilter) -> Result<i64> {
        // The join only when the filter needs the company (a count of the
        // prospects table alone is a third of the work without indexes).
        let needs_company = filter.industry_id.is_some();
        let mut qb = QueryBuilder::new(if needs_company {
            "SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id"
        } else {
            "SELECT count(*) FROM prospects p"
        });
        filter.push_where(&mut qb);
        Ok(qb.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// How many prospects in the filter have research written since `since`.
    pub async fn count_researched_since(&self, filter: &ProspectFilter, since: Timestamp) -> Result<i64> {
        let mut qb = QueryBuilder::new("SELECT count(*) FROM prospects p JOIN companies c ON c.id = p.company_id");
        filter.push_where(&mut qb);
        qb.push(" AND EXISTS (SELECT 1 FROM prospect_research r WHERE r.prospect_id = p.id AND r.created_at >= ")
            .push_bind(since)
            .push(")");
        Ok(qb.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// Prospects with this email address (trimmed, any case), oldest first.
    pub async fn prospect_ids_by_email(&self, email: &str) -> Result<Vec<i32>> {
        Ok(sqlx::query_scalar("SELECT id FROM prospects WHERE lower(email) = lower($1) ORDER BY id")
            .bind(email.trim())
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn prospect(&self, id: i32) -> Result<Option<Prospect>> {
        Ok(sqlx::query_as(&format!("SELECT {PROSPECT_COLUMNS} FROM prospects WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A prospect with its company and industry.
    pub(super) fn check_status(&self, status: &str) -> Result<()> {
        if self.enums.contains(EnumKind::ProspectStatus, status) {
            Ok(())
        } else {
            Err(eyre!(
                "status {status:?} is not one of this database's prospect_status labels: {}",
                self.enums.labels(EnumKind::ProspectStatus).join(", ")
            ))
        }
    }

    pub async fn create_prospect(&self, input: &ProspectInput) -> Result<Prospect> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        self.check_status(&input.status)?;
        let mut tx = self.pool.begin().await?;
        let p = insert_prospect(&mut tx, input).await?;
        notify::send(self, &mut tx, &["prospects"], Some(p.id)).await?;
        tx.commit().await?;
        Ok(p)
    }

    pub async fn update_prospect(&self, id: i32, input: &ProspectInput) -> Result<Prospect> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        self.check_status(&input.status)?;
        let mut tx = self.pool.begin().await?;
        let p = update_prospect_row(&mut tx, id, input).await?;
        announce(self, tx, "prospects", id, p).await
    }

    pub async fn set_prospect_status(&self, id: i32, status: &str) -> Result<Prospect> {
        self.check_status(status)?;
        let mut tx = self.pool.begin().await?;
        let p = sqlx::query_as(&format!(
            "UPDATE prospects SET status = $2::prospect_status, updated_at = {NOW} WHERE id = $1 RETURNING {PROSPECT_COLUMNS}"
        ))
        .bind(id)
        .bind(status)
        .fetch_optional(&mut *tx)
        .await?;
        announce(self, tx, "prospects", id, p).await
    }

    pub async fn set_prospect_active(&self, id: i32, active: bool) -> Result<Prospect> {
        let mut tx = self.pool.begin().await?;
        let p = sqlx::query_as(&format!(
            "UPDATE prospects SET is_active = $2, updated_at = {NOW} WHERE id = $1 RETURNING {PROSPECT_COLUMNS}"
        ))
        .bind(id)
        .bind(active)
        .fetch_optional(&mut *tx)
        .await?;
        announce(self, tx, "prospects", id, p).await
    }

    pub async fn touch_last_contacted(&self, id: i32, at: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "UPDATE prospects SET last_contacted_at = GREATEST(last_contacted_at, $2), updated_at = {NOW} WHERE id = $1"
        ))
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        notify::send(self, &mut tx, &["prospects"], Some(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a prospect and the rows that belong to it, in one transaction.
    pub async fn delete_prospect(&self, id: i32) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        for table in ["interactions", "outreach_drafts", "prospect_research"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE prospect_id = $1")).bind(id).execute(&mut *tx).await?;
        }
        let n = sqlx::query("DELETE FROM prospects WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        notify::send(self, &mut tx, &["prospects", "interactions", "outreach_drafts", "prospect_research"], Some(id))
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }
}
