//! Companies and industries.

use color_eyre::eyre::{eyre, Result};

use super::models::{Company, Industry};
use super::{Db, NOW};

const COMPANY_COLUMNS: &str = "id, name, industry_id, size, website, created_at, updated_at";

/// Fields of a company the user can write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyInput {
    pub name: String,
    pub industry_id: i32,
    pub size: String,
    pub website: Option<String>,
}

impl CompanyInput {
    pub fn validate(&self) -> std::result::Result<(), (&'static str, String)> {
        if self.name.trim().is_empty() {
            return Err(("name", "a company name is required".into()));
        }
        if self.size.trim().is_empty() {
            return Err(("size", "a size is required (e.g. 51-200)".into()));
        }
        check_name("name", self.name.trim())?;
        check_name("size", self.size.trim())?;
        check_name("website", self.website.as_deref().unwrap_or(""))
    }
}

/// The seed schema's text columns are VARCHAR(255), counted in characters:
/// longer text is refused at its field, before anything is written.
pub fn check_name(field: &'static str, value: &str) -> std::result::Result<(), (&'static str, String)> {
    let n = value.chars().count();
    if n > 255 {
        return Err((field, format!("at most 255 characters ({n} given)")));
    }
    Ok(())
}

impl Db {
    pub async fn industries(&self) -> Result<Vec<Industry>> {
        Ok(sqlx::query_as("SELECT id, name, created_at, updated_at FROM industries ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn create_industry(&self, name: &str) -> Result<Industry> {
        if name.trim().is_empty() {
            return Err(eyre!("name: an industry name is required"));
        }
        let mut tx = self.pool.begin().await?;
        let row: Industry = sqlx::query_as(&format!(
            "INSERT INTO industries (name, created_at, updated_at) VALUES ($1, {NOW}, {NOW})
             RETURNING id, name, created_at, updated_at"
        ))
        .bind(name.trim())
        .fetch_one(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["industries"], None).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Companies whose name contains `search` (all when empty), by name.
    pub async fn companies(&self, search: &str, limit: i64) -> Result<Vec<Company>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMPANY_COLUMNS} FROM companies WHERE name ILIKE $1 ORDER BY name, id LIMIT $2"
        ))
        .bind(super::like_pattern(search.trim()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn company(&self, id: i32) -> Result<Option<Company>> {
        Ok(sqlx::query_as(&format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn create_company(&self, input: &CompanyInput) -> Result<Company> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        let mut tx = self.pool.begin().await?;
        let row: Company = sqlx::query_as(&format!(
            "INSERT INTO companies (name, industry_id, size, website, created_at, updated_at)
             VALUES ($1, $2, $3, $4, {NOW}, {NOW}) RETURNING {COMPANY_COLUMNS}"
        ))
        .bind(input.name.trim())
        .bind(input.industry_id)
        .bind(input.size.trim())
        .bind(&input.website)
        .fetch_one(&mut *tx)
        .await?;
        super::notify::send(self, &mut tx, &["companies"], None).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn update_company(&self, id: i32, input: &CompanyInput) -> Result<Company> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        let mut tx = self.pool.begin().await?;
        let row: Option<Company> = sqlx::query_as(&format!(
            "UPDATE companies SET name = $2, industry_id = $3, size = $4, website = $5, updated_at = {NOW}
              WHERE id = $1 RETURNING {COMPANY_COLUMNS}"
        ))
        .bind(id)
        .bind(input.name.trim())
        .bind(input.industry_id)
        .bind(input.size.trim())
        .bind(&input.website)
        .fetch_optional(&mut *tx)
        .await?;
        let row = row.ok_or_else(|| eyre!("company {id} no longer exists"))?;
        super::notify::send(self, &mut tx, &["companies"], None).await?;
        tx.commit().await?;
        Ok(row)
    }
}
