//! Events: conferences, webinars and the like, about three quarters past
//! and one quarter upcoming relative to the anchor, so that both the
//! "upcoming" view and interactions at past events have rows. No
//! randomness: events depend only on their number and the anchor.

use std::fmt::Write as _;

use chrono::Duration;
use color_eyre::eyre::Result;
use serde_json::{json, Value};
use sqlx::PgConnection;

use super::copy::{put, put_json, ts, Copier};
use super::words::{CITIES, EVENT_TYPES, INDUSTRIES, ROLES, SOLUTIONS};
use super::Ctx;

/// Writes `ctx.events` events; returns their count and the ids of those
/// before the anchor, which interactions and drafts may refer to.
pub(super) async fn write(conn: &mut PgConnection, ctx: &Ctx) -> Result<(u64, Vec<u64>)> {
    let ev0 = ctx.ids.events;
    let n_ev = ctx.events;
    let anchor = ctx.anchor;
    let created = &ctx.created;
    let mut c = Copier::start(
        conn,
        "events",
        "id, event_type, event_date, description, location, target_industries, target_roles, solutions_featured, status, created_at, updated_at",
    )
    .await?;
    let mut past_events = Vec::new();
    for e in 0..n_ev {
        let offset_days = e as i64 * 540 / n_ev as i64 - 420; // ~3/4 past, 1/4 upcoming
        let date = (anchor + Duration::days(offset_days)).date().and_hms_opt(9 + (e % 8) as u32, 0, 0).unwrap();
        let kind = EVENT_TYPES[e as usize % EVENT_TYPES.len()];
        let city = CITIES[e as usize % CITIES.len()];
        let ind_a = INDUSTRIES[e as usize % INDUSTRIES.len()];
        let ind_b = INDUSTRIES[(e as usize + 5) % INDUSTRIES.len()];
        let target_industries = match e % 4 {
            0 => Some(json!([ind_a, ind_b])),
            1 => Some(json!([{"industry": ind_a, "priority": "high"}])),
            2 => Some(json!(ind_a)),
            _ => None,
        };
        let target_roles = if e % 5 == 4 {
            Some(Value::Null)
        } else {
            Some(json!([ROLES[e as usize % ROLES.len()], ROLES[(e as usize + 2) % ROLES.len()]]))
        };
        let s1 = SOLUTIONS[e as usize % SOLUTIONS.len()].0;
        let s2 = SOLUTIONS[(e as usize * 7 + 3) % SOLUTIONS.len()].0;
        let featured = match e % 3 {
            0 => Some(json!([s1, s2])),
            1 => Some(json!([{"solution": s1}, {"solution": s2}])),
            _ => Some(json!({"headline": s1})),
        };
        let status = if date < anchor {
            if e % 9 == 0 {
                "cancelled"
            } else {
                "completed"
            }
        } else if e % 2 == 0 {
            "registration_open"
        } else {
            "planned"
        };
        if date < anchor {
            past_events.push(ev0 + 1 + e);
        }
        let description = format!(
            "{} {kind} in {city} on {} for {ind_a} leaders: keynotes, customer stories and hands-on labs.",
            ["Spring", "Summer", "Autumn", "Winter"][e as usize % 4],
            s1
        );
        write!(c.buf, "{}\t", ev0 + 1 + e)?;
        put(&mut c.buf, kind);
        write!(c.buf, "\t{}\t", ts(date))?;
        put(&mut c.buf, &description);
        c.buf.push('\t');
        put(&mut c.buf, city);
        c.buf.push('\t');
        put_json(&mut c.buf, &target_industries);
        c.buf.push('\t');
        put_json(&mut c.buf, &target_roles);
        c.buf.push('\t');
        put_json(&mut c.buf, &featured);
        c.buf.push('\t');
        put(&mut c.buf, status);
        write!(c.buf, "\t{created}\t{created}")?;
        c.end_row().await?;
    }
    Ok((c.finish().await?, past_events))
}
