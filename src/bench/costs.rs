//! `closer bench --only costs`: the cost dashboard over llm_usage_logs, first
//! render and range change, for every range.

use std::time::Instant;

use color_eyre::eyre::Result;

use super::percentiles;
use crate::app::action::Action;
use crate::app::io::Io;
use crate::db::usage::UsageGroup;
use crate::db::Db;

pub async fn costs(db: &Db) -> Result<()> {
    println!("\ncost dashboard over llm_usage_logs, per range: first render (a fresh start: month-to-date spend computed too)");
    println!("and a range change (month spend reused while no row was added); p50 / max ms:");
    let now = chrono::Utc::now().naive_utc();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM llm_usage_logs").fetch_one(&db.pool).await?;
    for range in crate::app::state::CostRange::ALL {
        let r = range.range(now);
        let n: i64 = {
            let mut q = sqlx::QueryBuilder::new("SELECT count(*) FROM llm_usage_logs WHERE TRUE");
            if let Some(s) = r.since {
                q.push(" AND created_at >= ").push_bind(s);
            }
            q.build_query_scalar().fetch_one(&db.pool).await?
        };
        let request = || crate::app::io::Request::Costs { generation: 0, range: r.clone(), by: UsageGroup::Model };
        let mut cold = Vec::new();
        for _ in 0..5 {
            let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
            let io = Io::new(db.clone(), tx);
            let t = Instant::now();
            if let Action::Failed { error, .. } = io.answer(request()).await {
                color_eyre::eyre::bail!("{error}");
            }
            cold.push(t.elapsed());
        }
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let io = Io::new(db.clone(), tx);
        io.answer(request()).await;
        let mut warm = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            io.answer(request()).await;
            warm.push(t.elapsed());
        }
        let c = percentiles(&mut cold);
        let w = percentiles(&mut warm);
        println!(
            "  {:<10} ({n:>7} of {rows} rows): first render {:>6.1} / {:>6.1}    range change {:>6.1} / {:>6.1}",
            range.label(),
            c.0,
            c.2,
            w.0,
            w.2
        );
    }
    Ok(())
}
