//! Interactions: about ten per prospect (none for 8% of them), each a call,
//! email, meeting or event with notes in several languages. One note carries
//! terminal control sequences, so that Closer's inert display of pasted
//! text is exercised by the demo data itself.
//!
//! Each prospect's interactions come from its own `Rng`, seeded by the
//! prospect's number, not from the shared one: the plan is generated twice
//! (once for `last_contacted_at` in `prospects.rs`, once here for the rows)
//! without holding a million interactions in memory.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::copy::{put, put_opt, ts, Copier};
use super::words::{OUTCOMES, SENTENCES, SENTIMENTS, SUBJECTS};
use super::{Ctx, Rng};

/// Per-prospect plan, derived from (seed, prospect index): how many
/// interactions, the rng that writes them, and their dates, newest first.
pub(super) fn interaction_plan(seed: u64, p: u64, anchor: NaiveDateTime) -> (u64, Rng, Vec<NaiveDateTime>) {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(p).wrapping_mul(0x2545F4914F6CDD1D));
    // 0..=20 interactions, mean 10; 8% of prospects never contacted.
    let n = if rng.chance(8) { 0 } else { 1 + rng.below(19) + rng.below(2) };
    let mut dates: Vec<NaiveDateTime> =
        (0..n).map(|_| anchor - Duration::minutes(rng.below(60 * 24 * 540) as i64 + 60)).collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    (n, rng, dates)
}

/// Writes every prospect's interactions; those of the "event" type refer to
/// one of `past_events`.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, past_events: &[u64]) -> Result<u64> {
    let pro0 = ctx.ids.prospects;
    let itypes = &ctx.itypes;
    let mut next_id = ctx.ids.interactions;
    let mut c = Copier::start(
        conn,
        "interactions",
        "id, prospect_id, event_id, interaction_type, interaction_date, subject, content, sentiment, outcome, created_at, updated_at",
    )
    .await?;
    let mut content = String::new();
    for p in 0..ctx.prospects {
        let (_, mut prng, dates) = interaction_plan(ctx.seed, p, ctx.anchor);
        for (k, date) in dates.iter().enumerate() {
            next_id += 1;
            let itype = &itypes[prng.below(itypes.len() as u64) as usize];
            let event = if Some(itype) == ctx.event_itype.as_ref() && !past_events.is_empty() {
                Some(*prng.pick(past_events))
            } else {
                None
            };
            content.clear();
            let sentences = 1 + prng.below(6) + if prng.chance(2) { 200 } else { 0 };
            for _ in 0..sentences {
                content.push_str(prng.pick::<&str>(SENTENCES));
                content.push(' ');
            }
            if p == 0 && k == 0 {
                // One pasted email carries terminal control sequences: Closer must show them inertly.
                content.push_str("\r\n-- pasted from mail client: \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m");
            }
            write!(c.buf, "{}\t{}\t", next_id, pro0 + 1 + p)?;
            put_opt(&mut c.buf, event.map(|e| e.to_string()).as_deref());
            c.buf.push('\t');
            put(&mut c.buf, itype);
            write!(c.buf, "\t{}\t", ts(*date))?;
            put(&mut c.buf, prng.pick::<&str>(SUBJECTS));
            c.buf.push('\t');
            put(&mut c.buf, content.trim_end());
            c.buf.push('\t');
            put_opt(&mut c.buf, prng.chance(75).then(|| *prng.pick(SENTIMENTS)));
            c.buf.push('\t');
            put_opt(&mut c.buf, prng.chance(60).then(|| *prng.pick(OUTCOMES)));
            write!(c.buf, "\t{0}\t{0}", ts(*date))?;
            c.end_row().await?;
        }
    }
    c.finish().await
}
