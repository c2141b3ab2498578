//! A prospect's interaction timeline, newest first, and logging new ones.

use color_eyre::eyre::{eyre, Result};

use super::models::{Interaction, TimelineItem, Timestamp};
use super::{Db, EnumKind, NOW};

/// Characters of content shown in the timeline list; the rest loads on open.
const PREVIEW_CHARS: i32 = 160;

const INTERACTION_COLUMNS: &str = "id, prospect_id, event_id, interaction_type::text AS interaction_type, \
     interaction_date, subject, content, sentiment, outcome, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionInput {
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    /// A label of the database's interaction_types.
    pub interaction_type: String,
    pub interaction_date: Timestamp,
    pub subject: String,
    pub content: String,
    pub sentiment: Option<String>,
    pub outcome: Option<String>,
}

impl InteractionInput {
    pub fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        if self.subject.trim().is_empty() {
            return Err(("subject", "a subject is required".into()));
        }
        super::companies::check_name("subject", &self.subject)?;
        super::companies::check_name("sentiment", self.sentiment.as_deref().unwrap_or(""))
    }
}

impl Db {
    /// One page of a prospect's timeline, newest first, without full content.
    pub async fn timeline(&self, prospect_id: i32, offset: i64, limit: i64) -> Result<Vec<TimelineItem>> {
        Ok(sqlx::query_as(
            "SELECT x.id, x.interaction_type::text AS interaction_type, x.interaction_date, x.subject,
                    x.sentiment, x.outcome, x.event_id,
                    CASE WHEN e.id IS NULL THEN NULL
                         ELSE e.event_type || ' · ' || to_char(e.event_date, 'YYYY-MM-DD') || ' · ' || e.location END AS event_label,
                    left(x.content, $4) AS content_preview, length(x.content) AS content_chars
               FROM interactions x LEFT JOIN events e ON e.id = x.event_id
              WHERE x.prospect_id = $1
              ORDER BY x.interaction_date DESC, x.id DESC
              LIMIT $2 OFFSET $3",
        )
        .bind(prospect_id)
        .bind(limit)
        .bind(offset)
        .bind(PREVIEW_CHARS)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn count_interactions(&self, prospect_id: i32) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM interactions WHERE prospect_id = $1")
            .bind(prospect_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// One interaction in full (its content may be hundreds of kilobytes).
    pub async fn interaction(&self, id: i32) -> Result<Option<Interaction>> {
        Ok(sqlx::query_as(&format!("SELECT {INTERACTION_COLUMNS} FROM interactions WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Logs an interaction and moves the prospect's last_contacted_at forward, in one transaction.
    pub async fn create_interaction(&self, input: &InteractionInput) -> Result<Interaction> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        if !self.enums.contains(EnumKind::InteractionTypes, &input.interaction_type) {
            return Err(eyre!(
                "interaction_type: {:?} is not one of {}",
                input.interaction_type,
                self.enums.labels(EnumKind::InteractionTypes).join(", ")
            ));
        }
        let mut tx = self.pool.begin().await?;
        let row: Interaction = sqlx::query_as(&format!(
            "INSERT INTO interactions (prospect_id, event_id, interaction_type, interaction_date, subject, content,
                                       sentiment, outcome, created_at, updated_at)
             VALUES ($1, $2, $3::interaction_types, $4, $5, $6, $7, $8, {NOW}, {NOW})
             RETURNING {INTERACTION_COLUMNS}"
        ))
        .bind(input.prospect_id)
        .bind(input.event_id)
        .bind(&input.interaction_type)
        .bind(input.interaction_date)
        .bind(input.subject.trim())
        .bind(&input.content)
        .bind(&input.sentiment)
        .bind(&input.outcome)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE prospects SET last_contacted_at = GREATEST(last_contacted_at, $2), updated_at = {NOW} WHERE id = $1"
        ))
        .bind(input.prospect_id)
        .bind(input.interaction_date)
        .execute(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["interactions", "prospects"], Some(input.prospect_id)).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn delete_interaction(&self, id: i32) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let prospect: Option<i32> = sqlx::query_scalar("DELETE FROM interactions WHERE id = $1 RETURNING prospect_id")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        super::notify::send(self, &mut tx, &["interactions"], prospect).await?;
        tx.commit().await?;
        Ok(prospect.is_some())
    }
}
