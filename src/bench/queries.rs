//! `closer bench --only queries`: the repository's list, count, search,
//! deep-page, timeline and detail queries, warm, 30 runs each.

use std::time::Instant;

use color_eyre::eyre::Result;

use super::percentiles;
use crate::db::prospects::{ProspectFilter, ProspectSort};
use crate::db::{Db, EnumKind};

async fn time<F, Fut, T>(runs: usize, mut f: F) -> Result<(f64, f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    f().await?; // warm
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        samples.push(t.elapsed());
    }
    Ok(percentiles(&mut samples))
}

pub async fn queries(db: &Db) -> Result<()> {
    println!("\nrepository queries, warm, 30 runs each (p50 / p99 / max ms):");
    let status = db
        .enums
        .find(EnumKind::ProspectStatus, "contacted")
        .unwrap_or(&db.enums.labels(EnumKind::ProspectStatus)[0])
        .to_string();
    let cases: Vec<(String, ProspectFilter, ProspectSort)> = vec![
        ("first page, by last contact".into(), ProspectFilter::default(), ProspectSort::LastContacted),
        ("first page, by name".into(), ProspectFilter::default(), ProspectSort::Name),
        (
            format!("first page, status = {status}"),
            ProspectFilter { status: Some(status.clone()), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "first page, active + industry".into(),
            ProspectFilter { active: Some(true), industry_id: Some(1), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'a' (very common)".into(),
            ProspectFilter { search: "a".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'wang' (4%)".into(),
            ProspectFilter { search: "wang".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'acme' (company)".into(),
            ProspectFilter { search: "acme".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'li.na123' (rare)".into(),
            ProspectFilter { search: "li.na123".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
        (
            "search 'zzzz' (no match)".into(),
            ProspectFilter { search: "zzzz".into(), ..Default::default() },
            ProspectSort::LastContacted,
        ),
    ];
    for (name, filter, sort) in &cases {
        let page = time(30, || db.list_prospects(filter, *sort, 0, 50)).await?;
        let count = time(30, || db.count_prospects(filter)).await?;
        println!(
            "  {name:<34} page of 50: {:>7.2} / {:>7.2} / {:>7.2}    count: {:>7.2} / {:>7.2} / {:>7.2}",
            page.0, page.1, page.2, count.0, count.1, count.2
        );
    }
    let total = db.count_prospects(&ProspectFilter::default()).await?;
    let all = ProspectFilter::default();
    let deep = time(30, || db.list_prospects(&all, ProspectSort::LastContacted, total - 50, 50)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "last page by plain offset", deep.0, deep.1, deep.2);
    let deep = time(30, || db.list_prospects_in(&all, ProspectSort::LastContacted, total - 50, 50, total)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "last page read from the end (G)", deep.0, deep.1, deep.2);
    let mid = time(30, || db.list_prospects_in(&all, ProspectSort::LastContacted, total / 2, 50, total)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "middle page (worst case)", mid.0, mid.1, mid.2);
    let pid: i32 = sqlx::query_scalar("SELECT prospect_id FROM interactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(&db.pool)
        .await?;
    let tl = time(30, || db.timeline(pid, 0, 100)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "timeline (100 newest)", tl.0, tl.1, tl.2);
    let det = time(30, || db.prospect_detail(pid)).await?;
    println!("  {:<34} {:>7.2} / {:>7.2} / {:>7.2}", "prospect with company+industry", det.0, det.1, det.2);
    Ok(())
}
