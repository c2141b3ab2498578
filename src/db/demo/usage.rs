//! LLM usage logs: ten calls per prospect over the last ~180 days, more of
//! them recent, across several models with their real prices, and a few
//! slow outliers, so that the cost view and its percentiles have something
//! to show. (The column `worfklow_name` is misspelt in the original schema.)

use std::fmt::Write as _;

use chrono::Duration;
use color_eyre::eyre::Result;
use sqlx::PgConnection;

use super::copy::{ts, Copier};
use super::words::{MODELS, WORKFLOWS};
use super::{Ctx, Rng};

/// Writes `10 * ctx.prospects` usage logs, drawing everything from the
/// shared `rng`.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx, rng: &mut Rng) -> Result<u64> {
    let us0 = ctx.ids.usage_logs;
    let anchor = ctx.anchor;
    let total_weight: u64 = MODELS.iter().map(|m| m.4).sum();
    let mut c = Copier::start(
        conn,
        "llm_usage_logs",
        "id, worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens, latency_ms, cost, created_at, updated_at",
    )
    .await?;
    for i in 0..ctx.prospects * 10 {
        let (wf, nodes) = WORKFLOWS[if rng.chance(55) {
            0
        } else if rng.chance(80) {
            1
        } else {
            2
        }];
        let node = rng.pick(nodes);
        let mut w = rng.below(total_weight);
        let model = MODELS
            .iter()
            .find(|m| {
                if w < m.4 {
                    true
                } else {
                    w -= m.4;
                    false
                }
            })
            .unwrap();
        let prompt = 400 + rng.below(3600) as i64;
        let completion = 50 + rng.below(900) as i64;
        let latency = (model.3 as f64 * (0.4 + rng.unit() * 1.2) + (completion as f64) * 2.0) as i64;
        let latency = if rng.chance(1) { latency * 8 } else { latency };
        let cost = (prompt as f64 * model.1 + completion as f64 * model.2) / 1_000_000.0;
        // Usage grows over time: more recent days have more calls.
        let age_min = (rng.unit().powf(1.6) * 60.0 * 24.0 * 180.0) as i64;
        let when = ts(anchor - Duration::minutes(age_min));
        write!(
            c.buf,
            "{}\t{wf}\t{node}\t{}\t{prompt}\t{completion}\t{}\t{latency}\t{cost:.8}\t{when}\t{when}",
            us0 + 1 + i,
            model.0,
            prompt + completion
        )?;
        c.end_row().await?;
    }
    c.finish().await
}
