//! Saving a prospect from the form: the company (found by name or created,
//! with its industry) and the prospect in one transaction, so a rejected
//! prospect never leaves an orphan company behind, and a save retried after
//! a lost connection never inserts twice.

use color_eyre::eyre::{bail, eyre, Result};

use super::companies::CompanyInput;
use super::models::Prospect;
use super::prospects::{ProspectInput, PROSPECT_COLUMNS};
use super::{Db, NOW};

/// The company a prospect form names: an existing one, or one to find or
/// create by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyRef {
    Existing(i32),
    ByName { name: String, industry: IndustryRef, size: String },
}

/// The industry of a company a form creates: an existing one, or (on a
/// database that has none yet) one to find or create by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndustryRef {
    Existing(i32),
    New(String),
}

/// How long a retried insert looks back for its own earlier attempt.
const RETRY_WINDOW: &str = "interval '10 minutes'";

impl Db {
    /// Creates (`id` None) or updates a prospect, with its company, in one
    /// transaction. `retry` says an earlier attempt may have committed
    /// without its answer arriving: an identical prospect created within
    /// the last minutes is then that attempt, and is returned as it is.
    /// `expected`: the fields as the edit began. If someone changed one of
    /// them since, nothing is written and the error names it (their change
    /// is not silently undone; the form keeps what was typed). Changes to
    /// fields the form does not hold (last contacted) do not count.
    pub async fn save_prospect(
        &self,
        id: Option<i32>,
        expected: Option<&ProspectInput>,
        input: &ProspectInput,
        company: &CompanyRef,
        retry: bool,
    ) -> Result<Prospect> {
        input.validate().map_err(|(f, m)| eyre!("{f}: {m}"))?;
        if let CompanyRef::ByName { name, industry, size } = company {
            let industry_id = match industry {
                IndustryRef::Existing(id) => *id,
                IndustryRef::New(_) => 0,
            };
            CompanyInput { name: name.clone(), industry_id, size: size.clone(), website: None }
                .validate()
                .map_err(|(f, m)| eyre!("{f}: {m}"))?;
            if let IndustryRef::New(n) = industry {
                super::companies::check_name("industry", n).map_err(|(f, m)| eyre!("{f}: {m}"))?;
            }
        }
        self.check_status(&input.status)?;
        let mut tx = self.pool.begin().await?;
        let company_id = match company {
            CompanyRef::Existing(id) => *id,
            CompanyRef::ByName { name, industry, size } => {
                // Two people adding the same new company at once get one.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('closer.company:' || lower($1)))")
                    .bind(name.trim())
                    .execute(&mut *tx)
                    .await?;
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT id FROM companies WHERE lower(name) = lower($1) ORDER BY id LIMIT 1")
                        .bind(name.trim())
                        .fetch_optional(&mut *tx)
                        .await?;
                match found {
                    Some(id) => id,
                    None => {
                        let industry_id = match industry {
                            IndustryRef::Existing(id) => *id,
                            IndustryRef::New(n) => {
                                let found: Option<i32> = sqlx::query_scalar(
                                    "SELECT id FROM industries WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
                                )
                                .bind(n.trim())
                                .fetch_optional(&mut *tx)
                                .await?;
                                match found {
                                    Some(id) => id,
                                    None => {
                                        sqlx::query_scalar(&format!(
                                            "INSERT INTO industries (name, created_at, updated_at)
                                             VALUES ($1, {NOW}, {NOW}) RETURNING id"
                                        ))
                                        .bind(n.trim())
                                        .fetch_one(&mut *tx)
                                        .await?
                                    }
                                }
                            }
                        };
                        sqlx::query_scalar(&format!(
                            "INSERT INTO companies (name, industry_id, size, website, created_at, updated_at)
                             VALUES ($1, $2, $3, NULL, {NOW}, {NOW}) RETURNING id"
                        ))
                        .bind(name.trim())
                        .bind(industry_id)
                        .bind(size.trim())
                        .fetch_one(&mut *tx)
                        .await?
                    }
                }
            }
        };
        let input = ProspectInput { company_id, ..input.clone() };
        let prospect: Prospect = match id {
            Some(id) => {
                let now: Option<Prospect> =
                    sqlx::query_as(&format!("SELECT {PROSPECT_COLUMNS} FROM prospects WHERE id = $1 FOR UPDATE"))
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let now = now.ok_or_else(|| eyre!("prospect {id} no longer exists"))?;
                let changed = expected.map(|e| changed_fields(&now, e)).unwrap_or_default();
                if !changed.is_empty() {
                    // A retried save may meet its own first attempt.
                    if retry && same_fields(&now, &input) {
                        return Ok(now);
                    }
                    bail!(
                        "this prospect's {} changed at {} since you opened the form: nothing was saved. \
                         Your typing is still here; close the form and open it again to see the new values",
                        changed.join(", "),
                        now.updated_at.format("%Y-%m-%d %H:%M:%S")
                    );
                }
                super::prospects::update_prospect_row(&mut tx, id, &input)
                    .await?
                    .ok_or_else(|| eyre!("prospect {id} no longer exists"))?
            }
            None => {
                let earlier: Option<Prospect> = if retry {
                    sqlx::query_as(&format!(
                        "SELECT {PROSPECT_COLUMNS} FROM prospects
                          WHERE lower(email) = lower($1) AND full_name = $2 AND company_id = $3
                            AND created_at > {NOW} - {RETRY_WINDOW}
                          ORDER BY id DESC LIMIT 1"
                    ))
                    .bind(input.email.trim())
                    .bind(input.full_name.trim())
                    .bind(input.company_id)
                    .fetch_optional(&mut *tx)
                    .await?
                } else {
                    None
                };
                match earlier {
                    Some(p) => p,
                    None => super::prospects::insert_prospect(&mut tx, &input).await?,
                }
            }
        };
        super::notify::send(self, &mut tx, &["prospects", "companies", "industries"], Some(prospect.id)).await?;
        tx.commit().await?;
        Ok(prospect)
    }
}

/// The form's fields whose stored value is no longer what the form opened with.
fn changed_fields(p: &Prospect, was: &ProspectInput) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |differs: bool, name| {
        if differs {
            out.push(name)
        }
    };
    check(p.full_name != was.full_name, "name");
    check(p.email != was.email, "email");
    check(p.linkedin_url != was.linkedin_url, "LinkedIn");
    check(p.location != was.location, "location");
    check(p.company_id != was.company_id, "company");
    check(p.is_active != was.is_active, "active flag");
    check(p.status != was.status, "status");
    out
}

/// Whether the stored row already holds what the form would write.
fn same_fields(p: &Prospect, input: &ProspectInput) -> bool {
    p.full_name == input.full_name.trim()
        && p.email == input.email.trim()
        && p.linkedin_url == input.linkedin_url
        && p.location == input.location
        && p.company_id == input.company_id
        && p.is_active == input.is_active
        && p.status == input.status
}
