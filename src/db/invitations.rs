//! Invitations: drafts with an event_id. Event matching writes them (never
//! two for one prospect and event), the Events view lists and counts them,
//! and `Y` approves the selected ones at once.

use color_eyre::eyre::Result;

use super::drafts::DraftInput;
use super::models::OutreachDraft;
use super::{Db, NOW};

/// Serialises concurrent invitation writes for one event (this Closer,
/// another Closer, or a second run), so a prospect is never invited twice.
const INVITE_LOCK_SPACE: i32 = 0x436c_6f73; // "Clos"

/// One invitation on file for an event (any draft with its event_id).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvitationRow {
    pub draft_id: i32,
    pub prospect_id: i32,
    pub full_name: String,
    pub company: String,
    pub status: String,
    pub draft_type: String,
}

/// How many invitations an event has, by where they are in the workflow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct InviteCounts {
    pub invited: i64,
    pub approved: i64,
    pub sent: i64,
}

impl Db {
    /// Whether the prospect already has a draft for the event.
    pub async fn is_invited(&self, prospect_id: i32, event_id: i32) -> Result<bool> {
        Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outreach_drafts WHERE prospect_id = $1 AND event_id = $2)")
            .bind(prospect_id)
            .bind(event_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Writes an invitation (a draft with `event_id`) unless the prospect
    /// already has a draft for that event; None when it had one. One
    /// transaction under an advisory lock per event, so two runs at once
    /// (here or in another Closer) cannot both write one.
    pub async fn create_invitation(&self, input: &DraftInput) -> Result<Option<OutreachDraft>> {
        let Some(event_id) = input.event_id else {
            return Err(color_eyre::eyre::eyre!("an invitation needs an event"));
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(INVITE_LOCK_SPACE)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        let draft: Option<OutreachDraft> = sqlx::query_as(&format!(
            "INSERT INTO outreach_drafts (prospect_id, event_id, draft_type, content, status, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, {NOW}, {NOW}
              WHERE NOT EXISTS (SELECT 1 FROM outreach_drafts WHERE prospect_id = $1 AND event_id = $2)
             RETURNING id, prospect_id, event_id, draft_type, content, status, created_at, updated_at"
        ))
        .bind(input.prospect_id)
        .bind(event_id)
        .bind(&input.draft_type)
        .bind(&input.content)
        .bind(&input.status)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(draft)
    }

    /// The invitations on file for an event (newest first, at most `limit`).
    pub async fn event_invitations(&self, event_id: i32, limit: i64) -> Result<Vec<InvitationRow>> {
        Ok(sqlx::query_as(
            "SELECT d.id AS draft_id, d.prospect_id, p.full_name, c.name AS company, d.status, d.draft_type
               FROM outreach_drafts d JOIN prospects p ON p.id = d.prospect_id JOIN companies c ON c.id = p.company_id
              WHERE d.event_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2",
        )
        .bind(event_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Invited (any draft for the event), approved and sent. Statuses are
    /// compared case-insensitively: the original tool wrote `SENT`.
    pub async fn invite_counts(&self, event_id: i32) -> Result<InviteCounts> {
        Ok(sqlx::query_as(
            "SELECT count(*) AS invited,
                    count(*) FILTER (WHERE lower(status) = 'approved') AS approved,
                    count(*) FILTER (WHERE lower(status) = 'sent') AS sent
               FROM outreach_drafts WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Approves the given invitations of an event that are still `draft`
    /// (a person's edits, sends and archives are left alone). Returns how
    /// many changed.
    pub async fn approve_invitations(&self, event_id: i32, draft_ids: &[i32]) -> Result<u64> {
        let n = sqlx::query(&format!(
            "UPDATE outreach_drafts SET status = 'approved',
                    updated_at = GREATEST({NOW}, updated_at + interval '1 microsecond')
              WHERE event_id = $1 AND id = ANY($2) AND status = 'draft'"
        ))
        .bind(event_id)
        .bind(draft_ids)
        .execute(&self.pool)
        .await?;
        Ok(n.rows_affected())
    }
}
