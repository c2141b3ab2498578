//! Outreach drafts. Saves check `updated_at` so that a second writer sees
//! the row changed since it was opened instead of silently overwriting it.

use color_eyre::eyre::{eyre, Result};

use super::models::{OutreachDraft, Timestamp};
use super::{Db, NOW};

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

impl Db {
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
        Ok(sqlx::query_as(&format!(
            "INSERT INTO outreach_drafts (prospect_id, event_id, draft_type, content, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, {NOW}, {NOW}) RETURNING {DRAFT_COLUMNS}"
        ))
        .bind(input.prospect_id)
        .bind(input.event_id)
        .bind(&input.draft_type)
        .bind(&input.content)
        .bind(&input.status)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Saves the draft if it still has `expected_updated_at`; otherwise reports the conflict.
    pub async fn save_draft(&self, id: i32, input: &DraftInput, expected_updated_at: Timestamp) -> Result<SaveOutcome> {
        let mut tx = self.pool.begin().await?;
        let current: Option<OutreachDraft> =
            sqlx::query_as(&format!("SELECT {DRAFT_COLUMNS} FROM outreach_drafts WHERE id = $1 FOR UPDATE"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            return Ok(SaveOutcome::Gone);
        };
        if current.updated_at != expected_updated_at {
            return Ok(SaveOutcome::Conflict(current));
        }
        // clock_timestamp() so two saves in quick succession still differ.
        let saved: OutreachDraft = sqlx::query_as(&format!(
            "UPDATE outreach_drafts SET event_id = $2, draft_type = $3, content = $4, status = $5,
                    updated_at = GREATEST(clock_timestamp() AT TIME ZONE 'UTC', updated_at + interval '1 microsecond')
              WHERE id = $1 RETURNING {DRAFT_COLUMNS}"
        ))
        .bind(id)
        .bind(input.event_id)
        .bind(&input.draft_type)
        .bind(&input.content)
        .bind(&input.status)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(saved))
    }

    pub async fn delete_draft(&self, id: i32) -> Result<bool> {
        let n = sqlx::query("DELETE FROM outreach_drafts WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(n.rows_affected() == 1)
    }
}
