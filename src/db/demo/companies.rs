//! Companies: one per ten prospects, at least 20, each in an industry.
//! Their names reuse a few dozen words, so that searching for "Acme" finds
//! many, as it would in a real CRM.

use std::fmt::Write as _;

use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::copy::{put, put_opt, Copier};
use super::words::{COMPANY_SUFFIXES, COMPANY_WORDS, INDUSTRIES, SIZES};
use super::{Ctx, Rng};

/// Writes `ctx.companies` companies, drawing from the shared `rng`.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, rng: &mut Rng) -> Result<u64> {
    let (com0, ind0) = (ctx.ids.companies, ctx.ids.industries);
    let created = &ctx.created;
    let n_ind = INDUSTRIES.len() as u64;
    let mut c =
        Copier::start(conn, "companies", "id, name, industry_id, size, website, created_at, updated_at").await?;
    for i in 0..ctx.companies {
        let word = rng.pick(COMPANY_WORDS);
        let suffix = rng.pick(COMPANY_SUFFIXES);
        let name =
            if i < COMPANY_WORDS.len() as u64 { format!("{word} {suffix}") } else { format!("{word} {suffix} {}", i) };
        let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        let website =
            if rng.chance(85) && !slug.is_empty() { Some(format!("https://{slug}.example.com")) } else { None };
        write!(c.buf, "{}\t", com0 + 1 + i)?;
        put(&mut c.buf, &name);
        write!(c.buf, "\t{}\t", ind0 + 1 + rng.below(n_ind))?;
        put(&mut c.buf, rng.pick::<&str>(SIZES));
        c.buf.push('\t');
        put_opt(&mut c.buf, website.as_deref());
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    c.finish().await
}
