//! The solutions catalog and its links to industries.

use color_eyre::eyre::Result;

use super::models::{CatalogEntry, Solution};
use super::Db;

const SOLUTION_COLUMNS: &str = "s.id, s.name, s.category, s.description, s.use_cases, s.keywords, \
     s.pricing_model::text AS pricing_model, s.created_at, s.updated_at";

impl Db {
    /// Solutions linked to an industry, by name.
    pub async fn solutions_for_industry(&self, industry_id: i32) -> Result<Vec<Solution>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SOLUTION_COLUMNS} FROM solutions s
               JOIN industry_solutions l ON l.solution_id = s.id
              WHERE l.industry_id = $1 ORDER BY s.name, s.id"
        ))
        .bind(industry_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The whole catalog with each solution's industries, optionally for one industry.
    pub async fn catalog(&self, industry_id: Option<i32>) -> Result<Vec<CatalogEntry>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SOLUTION_COLUMNS},
                    COALESCE(array_agg(i.name ORDER BY i.name) FILTER (WHERE i.id IS NOT NULL), '{{}}') AS industries
               FROM solutions s
               LEFT JOIN industry_solutions l ON l.solution_id = s.id
               LEFT JOIN industries i ON i.id = l.industry_id
              WHERE $1::int IS NULL OR EXISTS (SELECT 1 FROM industry_solutions f
                                                 WHERE f.solution_id = s.id AND f.industry_id = $1)
              GROUP BY s.id
              ORDER BY s.category, s.name, s.id"
        ))
        .bind(industry_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn solution(&self, id: i32) -> Result<Option<Solution>> {
        Ok(sqlx::query_as(&format!("SELECT {SOLUTION_COLUMNS} FROM solutions s WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }
}
