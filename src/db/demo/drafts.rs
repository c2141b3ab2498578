//! Outreach drafts for every other prospect, in each draft type and each
//! status, including the legacy statuses the original tool wrote, so that
//! the drafts view meets all of them.

use std::fmt::Write as _;

use chrono::Duration;
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::copy::{put, put_opt, ts, Copier};
use super::words::{DRAFT_STATUSES, DRAFT_TYPES, SOLUTIONS};
use super::{Ctx, Rng};

/// Writes a draft for each even-numbered prospect, drawing its date from the
/// shared `rng`. Event invitations invite to the last event, the furthest
/// upcoming one.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, past_events: &[u64], rng: &mut Rng) -> Result<u64> {
    let (pro0, ev0) = (ctx.ids.prospects, ctx.ids.events);
    let anchor = ctx.anchor;
    let mut c = Copier::start(
        conn,
        "outreach_drafts",
        "id, prospect_id, event_id, draft_type, content, status, created_at, updated_at",
    )
    .await?;
    let mut id = ctx.ids.drafts;
    for p in (0..ctx.prospects).filter(|p| p % 2 == 0) {
        id += 1;
        let dtype = DRAFT_TYPES[(p / 2) as usize % DRAFT_TYPES.len()];
        let status = DRAFT_STATUSES[(p / 2) as usize % DRAFT_STATUSES.len()];
        let event = (dtype == "event_invitation" && !past_events.is_empty()).then(|| ev0 + ctx.events);
        let body = format!(
            "Hi {{first_name}},\n\nI noticed {{company}} is scaling its data platform. Teams like yours cut \
             infrastructure spend by 20-40% with {}.\n\nWould you have 20 minutes next week?\n\nBest,\nSam",
            SOLUTIONS[p as usize % SOLUTIONS.len()].0
        );
        let when = ts(anchor - Duration::hours(rng.below(24 * 90) as i64));
        write!(c.buf, "{id}\t{}\t", pro0 + 1 + p)?;
        put_opt(&mut c.buf, event.map(|e| e.to_string()).as_deref());
        c.buf.push('\t');
        put(&mut c.buf, dtype);
        c.buf.push('\t');
        put(&mut c.buf, &body);
        c.buf.push('\t');
        put(&mut c.buf, status);
        write!(c.buf, "\t{when}\t{when}")?;
        c.end_row().await?;
    }
    c.finish().await
}
