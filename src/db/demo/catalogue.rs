//! The reference rows everything else points at: industries, the solutions
//! on offer, and which solutions suit which industry. They use no randomness,
//! so they are the same for every seed; only their ids follow the rows
//! already in the tables.

use std::fmt::Write as _;

use color_eyre::eyre::Result;
use serde_json::{json, Value};
use sqlx::PgConnection;

use super::copy::{put, put_json, Copier};
use super::words::{INDUSTRIES, SOLUTIONS};
use super::Ctx;

/// One row per entry of `INDUSTRIES`.
pub(super) async fn industries(conn: &mut PgConnection, ctx: &Ctx) -> Result<u64> {
    let ind0 = ctx.ids.industries;
    let created = &ctx.created;
    let mut c = Copier::start(conn, "industries", "id, name, created_at, updated_at").await?;
    for (i, name) in INDUSTRIES.iter().enumerate() {
        write!(c.buf, "{}\t", ind0 + 1 + i as u64)?;
        put(&mut c.buf, name);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    c.finish().await
}

/// One row per entry of `SOLUTIONS`. `use_cases` and `keywords` take every
/// JSON shape the original tool wrote (array, object, string, JSON null,
/// SQL NULL), so that Closer is tested against all of them.
pub(super) async fn solutions(conn: &mut PgConnection, ctx: &Ctx) -> Result<u64> {
    let sol0 = ctx.ids.solutions;
    let created = &ctx.created;
    let pricing = &ctx.pricing;
    let mut c = Copier::start(
        conn,
        "solutions",
        "id, name, category, description, use_cases, keywords, pricing_model, created_at, updated_at",
    )
    .await?;
    for (i, (name, category, description)) in SOLUTIONS.iter().enumerate() {
        let use_cases = match i % 4 {
            0 => Some(json!(["cost reduction", "scalability", format!("{} modernisation", category.to_lowercase())])),
            1 => Some(json!([{"use_case": "pilot", "industry": INDUSTRIES[i % INDUSTRIES.len()]}])),
            2 => Some(Value::Null),
            _ => None,
        };
        let keywords = match i % 3 {
            0 => Some(json!(name.to_lowercase().split(' ').collect::<Vec<_>>())),
            1 => Some(json!({"primary": category.to_lowercase(), "tags": ["cloud"]})),
            _ => Some(json!(category.to_lowercase())),
        };
        write!(c.buf, "{}\t", sol0 + 1 + i as u64)?;
        put(&mut c.buf, name);
        c.buf.push('\t');
        put(&mut c.buf, category);
        c.buf.push('\t');
        put(&mut c.buf, description);
        c.buf.push('\t');
        put_json(&mut c.buf, &use_cases);
        c.buf.push('\t');
        put_json(&mut c.buf, &keywords);
        c.buf.push('\t');
        put(&mut c.buf, &pricing[i % pricing.len()]);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    c.finish().await
}

/// Up to five solutions per industry, spread so that every solution suits
/// some industry; a pair that would repeat is skipped (the key is the pair).
pub(super) async fn industry_solutions(conn: &mut PgConnection, ctx: &Ctx) -> Result<u64> {
    let (ind0, sol0) = (ctx.ids.industries, ctx.ids.solutions);
    let created = &ctx.created;
    let n_ind = INDUSTRIES.len() as u64;
    let n_sol = SOLUTIONS.len() as u64;
    let mut c = Copier::start(conn, "industry_solutions", "industry_id, solution_id, created_at, updated_at").await?;
    for i in 0..n_ind {
        for k in 0..5 {
            let s = (i * 3 + k * 5) % n_sol;
            if k > 0 && (0..k).any(|j| (i * 3 + j * 5) % n_sol == s) {
                continue;
            }
            write!(c.buf, "{}\t{}\t{created}\t{created}", ind0 + 1 + i, sol0 + 1 + s)?;
            c.end_row().await?;
        }
    }
    c.finish().await
}
