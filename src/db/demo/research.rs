//! Prospect research for a quarter of the prospects. `key_insights` and
//! `recommended_solutions` take every JSON shape the original tool wrote
//! (array, object, string, JSON null, SQL NULL), and some rows have no
//! confidence score, so that Closer's research view is tested against all.

use std::fmt::Write as _;

use chrono::Duration;
use color_eyre::eyre::Result;
use serde_json::{json, Value};
use sqlx::PgConnection;

use super::copy::{put, put_json, put_opt, ts, Copier};
use super::words::SOLUTIONS;
use super::{Ctx, Rng};

/// Writes research for prospects numbered 1, 5, 9, ..., drawing scores and
/// dates from the shared `rng`.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, rng: &mut Rng) -> Result<u64> {
    let (pro0, sol0) = (ctx.ids.prospects, ctx.ids.solutions);
    let anchor = ctx.anchor;
    let mut c = Copier::start(
        conn,
        "prospect_research",
        "id, prospect_id, research_summary, key_insights, recommended_solutions, confidence_score, created_at, updated_at",
    )
    .await?;
    let mut id = ctx.ids.research;
    for p in (0..ctx.prospects).filter(|p| p % 4 == 1) {
        id += 1;
        let s = (p as usize * 7) % SOLUTIONS.len();
        let insights = match p % 5 {
            0 => Some(json!([
                "Cloud-first mandate from the board",
                "Legacy Oracle estate up for renewal",
                "Hiring data engineers"
            ])),
            1 => Some(
                json!([{"insight": "Expanding to APAC", "source": "press release"}, {"insight": "New CTO since March"}]),
            ),
            2 => Some(json!({"pain_points": ["cost", "latency"], "tech_stack": ["Java", "Oracle", "VMware"]})),
            3 => Some(json!("Growing fast; infrastructure team of 4 is stretched.")),
            _ => {
                if p % 8 == 1 {
                    Some(Value::Null)
                } else {
                    None
                }
            }
        };
        let recs = match p % 3 {
            0 => Some(
                json!([{"id": sol0 + 1 + s as u64, "name": SOLUTIONS[s].0, "reason": "Matches their migration plans"}]),
            ),
            1 => Some(json!([SOLUTIONS[s].0, SOLUTIONS[(s + 1) % SOLUTIONS.len()].0])),
            _ => Some(json!({"solution": SOLUTIONS[s].0})),
        };
        let confidence = (p % 7 != 6).then(|| 0.35 + (rng.below(60) as f64) / 100.0);
        let when = ts(anchor - Duration::hours(rng.below(24 * 120) as i64));
        write!(c.buf, "{id}\t{}\t", pro0 + 1 + p)?;
        put(&mut c.buf, "Mid-market company modernising its infrastructure; strong fit for managed data services and cost optimisation. Decision makers are cost-sensitive and need security evidence early.");
        c.buf.push('\t');
        put_json(&mut c.buf, &insights);
        c.buf.push('\t');
        put_json(&mut c.buf, &recs);
        c.buf.push('\t');
        put_opt(&mut c.buf, confidence.map(|c| format!("{c:.2}")).as_deref());
        write!(c.buf, "\t{when}\t{when}")?;
        c.end_row().await?;
    }
    c.finish().await
}
