//! Research results for prospects.

use color_eyre::eyre::Result;
use serde_json::Value;

use super::models::ProspectResearch;
use super::{Db, NOW};

const RESEARCH_COLUMNS: &str = "id, prospect_id, research_summary, key_insights, recommended_solutions, \
     confidence_score, created_at, updated_at";

#[derive(Debug, Clone, PartialEq)]
pub struct ResearchInput {
    pub prospect_id: i32,
    pub research_summary: String,
    pub key_insights: Option<Value>,
    pub recommended_solutions: Option<Value>,
    pub confidence_score: Option<f64>,
}

impl Db {
    /// A prospect's research, newest first.
    pub async fn research_for_prospect(&self, prospect_id: i32) -> Result<Vec<ProspectResearch>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {RESEARCH_COLUMNS} FROM prospect_research WHERE prospect_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(prospect_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn create_research(&self, input: &ResearchInput) -> Result<ProspectResearch> {
        let mut tx = self.pool.begin().await?;
        let row: ProspectResearch = sqlx::query_as(&format!(
            "INSERT INTO prospect_research (prospect_id, research_summary, key_insights, recommended_solutions,
                                            confidence_score, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, {NOW}, {NOW}) RETURNING {RESEARCH_COLUMNS}"
        ))
        .bind(input.prospect_id)
        .bind(&input.research_summary)
        .bind(&input.key_insights)
        .bind(&input.recommended_solutions)
        .bind(input.confidence_score)
        .fetch_one(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["prospect_research"], Some(input.prospect_id)).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn delete_research(&self, id: i32) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let prospect: Option<i32> =
            sqlx::query_scalar("DELETE FROM prospect_research WHERE id = $1 RETURNING prospect_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        super::notify::send(self, &mut tx, &["prospect_research"], prospect).await?;
        tx.commit().await?;
        Ok(prospect.is_some())
    }
}
