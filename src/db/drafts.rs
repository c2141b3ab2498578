//! Outreach drafts. Saves check `updated_at` so that a second writer sees
//! the row changed since it was opened instead of silently overwriting it.

use color_eyre::eyre::{eyre, Result};

use super::models::{OutreachDraft, Timestamp};
use super::{Db, NOW};

/// Closer's status workflow for drafts: a person reviews a `draft`,
/// `approved` means ready to send, `sent` is set only by a person (and logs
/// the interaction), `archived` retires it. Any other stored value (the
/// original tool wrote CREATED, SENT, RESPONDED, ...) is shown as it is.
pub const WORKFLOW: [&str; 4] = ["draft", "approved", "sent", "archived"];

/// Draft types Closer offers; any other stored value is shown as it is.
pub const DRAFT_TYPES: [&str; 4] = ["offer_email", "linkedin_message", "call_script", "event_invitation"];

/// The interaction type (by meaning) that sending a draft of this type logs.
pub fn interaction_meaning(draft_type: &str) -> &'static str {
    let t = draft_type.to_lowercase();
    if t.contains("linkedin") {
        "linkedin"
    } else if t.contains("call") {
        "call"
    } else {
        "email"
    }
}

/// Which drafts the Drafts pane lists. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftFilter {
    pub status: Option<String>,
    pub draft_type: Option<String>,
    pub prospect_id: Option<i32>,
    /// Substring of the content, the prospect's name or the company's name.
    pub search: String,
}

impl DraftFilter {
    fn push_where(&self, qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>) {
        qb.push(" WHERE TRUE");
        if let Some(s) = &self.status {
            qb.push(" AND d.status = ").push_bind(s.clone());
        }
        if let Some(t) = &self.draft_type {
            qb.push(" AND d.draft_type = ").push_bind(t.clone());
        }
        if let Some(p) = self.prospect_id {
            qb.push(" AND d.prospect_id = ").push_bind(p);
        }
        push_search(qb, &self.search);
    }
}

/// A drafts query's search: the text, the prospect's name or the company's
/// name (`d`, `p` and `c` in the query). The Drafts pane and the export share it.
pub(super) fn push_search(qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, search: &str) {
    let search = search.trim();
    if !search.is_empty() {
        let pat = super::like_pattern(search);
        qb.push(" AND (d.content ILIKE ")
            .push_bind(pat.clone())
            .push(" OR p.full_name ILIKE ")
            .push_bind(pat.clone())
            .push(" OR c.name ILIKE ")
            .push_bind(pat)
            .push(")");
    }
}

/// One line of the Drafts pane.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DraftListItem {
    pub id: i32,
    pub prospect_id: i32,
    pub prospect_name: String,
    pub company_name: String,
    pub draft_type: String,
    pub status: String,
    pub preview: String,
    pub updated_at: Timestamp,
}

const DRAFT_COLUMNS: &str = "id, prospect_id, event_id, draft_type, content, status, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftInput {
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    pub draft_type: String,
    pub content: String,
    pub status: String,
}

/// The outcome of a save that expected a given version of the row.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveOutcome {
    Saved(OutreachDraft),
    /// Someone changed the row since it was opened: here is theirs.
    Conflict(OutreachDraft),
    /// The row was deleted since it was opened.
    Gone,
}

/// Locks the draft row for the rest of the transaction and checks that it is
/// still the version the editor opened. Returns the outcome to report when
/// it is not (deleted, or changed by someone else), None when the save may go on.
async fn lock_unchanged(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: i32,
    expected_updated_at: Timestamp,
) -> Result<Option<SaveOutcome>> {
    let current: Option<OutreachDraft> =
        sqlx::query_as(&format!("SELECT {DRAFT_COLUMNS} FROM outreach_drafts WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match current {
        None => Some(SaveOutcome::Gone),
        Some(c) if c.updated_at != expected_updated_at => Some(SaveOutcome::Conflict(c)),
        Some(_) => None,
    })
}

/// Writes the draft row locked by [`lock_unchanged`], with `status`.
/// clock_timestamp() (not the transaction's start) and the +1 µs floor make
/// two saves in quick succession still differ, so the version check holds.
async fn write_locked(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: i32,
    input: &DraftInput,
    status: &str,
) -> Result<OutreachDraft> {
    Ok(sqlx::query_as(&format!(
        "UPDATE outreach_drafts SET event_id = $2, draft_type = $3, content = $4, status = $5,
                updated_at = GREATEST(clock_timestamp() AT TIME ZONE 'UTC', updated_at + interval '1 microsecond')
          WHERE id = $1 RETURNING {DRAFT_COLUMNS}"
    ))
    .bind(id)
    .bind(input.event_id)
    .bind(&input.draft_type)
    .bind(&input.content)
    .bind(status)
    .fetch_one(&mut **tx)
    .await?)
}

/// How much of each draft the Drafts pane previews: enough to fill a tall
/// preview pane; longer drafts say Enter opens the whole text.
pub const PREVIEW_CHARS: usize = 2000;

impl Db {
    /// Drafts newest first (by last change), filtered.
    pub async fn list_drafts(&self, filter: &DraftFilter, offset: i64, limit: i64) -> Result<Vec<DraftListItem>> {
        let mut qb = sqlx::QueryBuilder::new(format!(
            "SELECT d.id, d.prospect_id, p.full_name AS prospect_name, c.name AS company_name, d.draft_type, d.status,
                    left(d.content, {PREVIEW_CHARS}) AS preview, d.updated_at
               FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id JOIN companies c ON c.id = p.company_id"
        ));
        filter.push_where(&mut qb);
        qb.push(" ORDER BY d.updated_at DESC, d.id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        Ok(qb.build_query_as().fetch_all(&self.pool).await?)
    }

    pub async fn count_drafts(&self, filter: &DraftFilter) -> Result<i64> {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT count(*) FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id JOIN companies c ON c.id = p.company_id",
        );
        filter.push_where(&mut qb);
        Ok(qb.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// The statuses and types stored in the database, for the filters.
    pub async fn draft_values(&self) -> Result<(Vec<String>, Vec<String>)> {
        let statuses =
            sqlx::query_scalar("SELECT DISTINCT status FROM outreach_drafts ORDER BY 1").fetch_all(&self.pool).await?;
        let types = sqlx::query_scalar("SELECT DISTINCT draft_type FROM outreach_drafts ORDER BY 1")
            .fetch_all(&self.pool)
            .await?;
        Ok((statuses, types))
    }

    /// Marks a draft sent — only ever on a person's request — and, in the same
    /// transaction, logs an interaction of the matching type and moves the
    /// prospect's last_contacted_at to now. Checks `updated_at` like a save.
    pub async fn mark_draft_sent(
        &self,
        id: i32,
        input: &DraftInput,
        expected_updated_at: Timestamp,
        subject: &str,
        body: &str,
    ) -> Result<SaveOutcome> {
        let meaning = interaction_meaning(&input.draft_type);
        let itype = self
            .enums
            .find(super::EnumKind::InteractionTypes, meaning)
            .or_else(|| self.enums.labels(super::EnumKind::InteractionTypes).first().map(String::as_str))
            .ok_or_else(|| eyre!("this database has no interaction types"))?
            .to_string();
        let mut tx = self.pool.begin().await?;
        if let Some(outcome) = lock_unchanged(&mut tx, id, expected_updated_at).await? {
            return Ok(outcome);
        }
        // Sending is once: a second mark-sent would log a second email.
        let status: String =
            sqlx::query_scalar("SELECT status FROM outreach_drafts WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        if status.eq_ignore_ascii_case("sent") {
            return Err(eyre!("draft #{id} was already sent: sending is once"));
        }
        let saved = write_locked(&mut tx, id, input, "sent").await?;
        sqlx::query(&format!(
            "INSERT INTO interactions (prospect_id, event_id, interaction_type, interaction_date, subject, content,
                                       sentiment, outcome, created_at, updated_at)
             VALUES ($1, $2, $3::interaction_types, {NOW}, $4, $5, NULL, 'sent from Closer', {NOW}, {NOW})"
        ))
        .bind(saved.prospect_id)
        .bind(saved.event_id)
        .bind(&itype)
        .bind(subject)
        .bind(body)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!("UPDATE prospects SET last_contacted_at = {NOW}, updated_at = {NOW} WHERE id = $1"))
            .bind(saved.prospect_id)
            .execute(&mut *tx)
            .await?;
        super::notify::send(self, &mut tx, &["outreach_drafts", "interactions", "prospects"], Some(saved.prospect_id))
            .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(saved))
    }

    pub async fn drafts_for_prospect(&self, prospect_id: i32) -> Result<Vec<OutreachDraft>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {DRAFT_COLUMNS} FROM outreach_drafts WHERE prospect_id = $1 ORDER BY updated_at DESC, id DESC"
        ))
        .bind(prospect_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn draft(&self, id: i32) -> Result<Option<OutreachDraft>> {
        Ok(sqlx::query_as(&format!("SELECT {DRAFT_COLUMNS} FROM outreach_drafts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn create_draft(&self, input: &DraftInput) -> Result<OutreachDraft> {
        if input.draft_type.trim().is_empty() {
            return Err(eyre!("draft_type: a type is required"));
        }
        let mut tx = self.pool.begin().await?;
        let row: OutreachDraft = sqlx::query_as(&format!(
            "INSERT INTO outreach_drafts (prospect_id, event_id, draft_type, content, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, {NOW}, {NOW}) RETURNING {DRAFT_COLUMNS}"
        ))
        .bind(input.prospect_id)
        .bind(input.event_id)
        .bind(&input.draft_type)
        .bind(&input.content)
        .bind(&input.status)
        .fetch_one(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["outreach_drafts"], Some(input.prospect_id)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Saves the draft if it still has `expected_updated_at`; otherwise reports the conflict.
    pub async fn save_draft(&self, id: i32, input: &DraftInput, expected_updated_at: Timestamp) -> Result<SaveOutcome> {
        let mut tx = self.pool.begin().await?;
        if let Some(outcome) = lock_unchanged(&mut tx, id, expected_updated_at).await? {
            return Ok(outcome);
        }
        let saved = write_locked(&mut tx, id, input, &input.status).await?;
        super::notify::send(self, &mut tx, &["outreach_drafts"], Some(saved.prospect_id)).await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(saved))
    }

    pub async fn delete_draft(&self, id: i32) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let prospect: Option<i32> =
            sqlx::query_scalar("DELETE FROM outreach_drafts WHERE id = $1 RETURNING prospect_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        super::notify::send(self, &mut tx, &["outreach_drafts"], prospect).await?;
        tx.commit().await?;
        Ok(prospect.is_some())
    }
}
