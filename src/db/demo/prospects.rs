//! Prospects: the people Closer is about. Names come in many scripts, most
//! have a company, a city and a LinkedIn page but not all, and statuses lean
//! towards the early stages of the pipeline. `last_contacted_at` agrees with
//! the prospect's newest interaction, which `interactions.rs` writes later
//! from the same per-prospect plan.

use std::fmt::Write as _;

use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::copy::{put, put_opt, ts, Copier};
use super::interactions::interaction_plan;
use super::words::{CITIES, FIRST_LAST};
use super::{Ctx, Rng};

/// Writes `ctx.prospects` prospects, drawing from the shared `rng`.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, rng: &mut Rng) -> Result<u64> {
    let (pro0, com0) = (ctx.ids.prospects, ctx.ids.companies);
    let created = &ctx.created;
    let statuses = &ctx.statuses;
    let mut c = Copier::start(
        conn,
        "prospects",
        "id, full_name, email, linkedin_url, location, company_id, last_contacted_at, is_active, status, created_at, updated_at",
    )
    .await?;
    for p in 0..ctx.prospects {
        let (name, local, _) = rng.pick(FIRST_LAST);
        let (_, _, dates) = interaction_plan(ctx.seed, p, ctx.anchor);
        let company = com0 + 1 + rng.below(ctx.companies);
        // Skew statuses towards the early stages, as a real pipeline is.
        let s = (rng.below(statuses.len() as u64) * rng.below(statuses.len() as u64 + 1)) / statuses.len() as u64;
        let status = &statuses[s as usize % statuses.len()];
        let last = dates.first().map(|d| {
            // The original tool often stored a date at midnight.
            if rng.chance(50) {
                d.date().and_hms_opt(0, 0, 0).unwrap()
            } else {
                *d
            }
        });
        let display = if p < FIRST_LAST.len() as u64 { name.to_string() } else { format!("{name} {}", p) };
        write!(c.buf, "{}\t", pro0 + 1 + p)?;
        put(&mut c.buf, &display);
        c.buf.push('\t');
        put(&mut c.buf, &format!("{local}{}@{}.example.com", p, ["mail", "corp", "biz"][p as usize % 3]));
        c.buf.push('\t');
        put_opt(
            &mut c.buf,
            rng.chance(70).then(|| format!("https://www.linkedin.com/in/{}-{p}", local.replace('.', "-"))).as_deref(),
        );
        c.buf.push('\t');
        put_opt(&mut c.buf, rng.chance(80).then(|| *rng.pick(CITIES)));
        write!(c.buf, "\t{company}\t")?;
        put_opt(&mut c.buf, last.map(ts).as_deref());
        write!(c.buf, "\t{}\t", if rng.chance(88) { "t" } else { "f" })?;
        put(&mut c.buf, status);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    c.finish().await
}
