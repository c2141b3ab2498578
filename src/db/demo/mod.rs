//! Demo data: a realistic, deterministic sales dataset, loaded with COPY in
//! one transaction (all or nothing). The same seed and anchor date give the
//! same rows. Interactions and usage logs scale to ~10 per prospect, so
//! `--prospects 100000` writes about 1,000,000 of each.
//!
//! The data is a fixture: tests, snapshots and the benchmark rely on its
//! exact rows, and `tests/it/demo.rs` pins a digest of every table. So
//! `load` threads one `Rng` through the tables in a fixed order
//! (companies, prospects, drafts, research, usage logs); a new draw, or a
//! table written in another order, changes every row after it.
//!
//! One file per table group, each writing its rows from a shared [`Ctx`]:
//! `catalogue` (industries, solutions and which suit which), `companies`,
//! `prospects`, `events`, `interactions`, `drafts`, `research`, `usage`;
//! the word lists they draw from are in `words`, the COPY writer in `copy`.

mod catalogue;
mod companies;
mod copy;
mod drafts;
mod events;
mod interactions;
mod prospects;
mod research;
mod rng;
mod usage;
mod words;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use color_eyre::eyre::Result;
use sqlx::PgConnection;

pub use rng::Rng;

use super::{Db, EnumKind};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub prospects: u32,
    pub seed: u64,
    /// "Today" for the dataset: events before it are past, after it upcoming.
    pub anchor: NaiveDateTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub industries: u64,
    pub solutions: u64,
    pub companies: u64,
    pub prospects: u64,
    pub events: u64,
    pub interactions: u64,
    pub drafts: u64,
    pub research: u64,
    pub usage_logs: u64,
}

/// Every table `load` writes to; it locks them all, so that nothing else
/// inserts rows (and takes ids) while it runs.
const TABLES: &str = "industries, companies, prospects, solutions, industry_solutions, events, interactions, \
                      outreach_drafts, prospect_research, llm_usage_logs";

/// The tables with a serial `id`.
const WITH_IDS: [&str; 9] = [
    "industries",
    "companies",
    "prospects",
    "solutions",
    "events",
    "interactions",
    "outreach_drafts",
    "prospect_research",
    "llm_usage_logs",
];

/// The largest id in each table before the load. New rows are numbered on
/// from it, so demo data can be added beside rows already there, and the
/// rows refer to each other without asking the database for ids.
struct Ids {
    industries: u64,
    companies: u64,
    prospects: u64,
    solutions: u64,
    events: u64,
    interactions: u64,
    drafts: u64,
    research: u64,
    usage_logs: u64,
}

/// What every table's writer needs, fixed before the first row is written.
/// The one thing that changes as rows are written, the shared `Rng`, is
/// passed beside it, so each writer's signature says whether it draws.
struct Ctx {
    seed: u64,
    /// "Today" for the dataset; see [`DemoOptions::anchor`].
    anchor: NaiveDateTime,
    /// How many prospects, companies and events to write.
    prospects: u64,
    companies: u64,
    events: u64,
    /// `created_at` and `updated_at` of the reference rows: 400 days before
    /// the anchor, so that everything else happened after them.
    created: String,
    ids: Ids,
    /// Enum labels as this database spells them (they differ between
    /// databases; see `db::enums`).
    statuses: Vec<String>,
    pricing: Vec<String>,
    itypes: Vec<String>,
    /// The interaction type for attending an event, if the database has one.
    event_itype: Option<String>,
}

async fn max_id(conn: &mut PgConnection, table: &str) -> Result<u64> {
    let max: i32 = sqlx::query_scalar(&format!("SELECT COALESCE(max(id), 0) FROM {table}")).fetch_one(conn).await?;
    Ok(max as u64)
}

impl Ids {
    async fn read(conn: &mut PgConnection) -> Result<Self> {
        Ok(Self {
            industries: max_id(conn, "industries").await?,
            companies: max_id(conn, "companies").await?,
            prospects: max_id(conn, "prospects").await?,
            solutions: max_id(conn, "solutions").await?,
            events: max_id(conn, "events").await?,
            interactions: max_id(conn, "interactions").await?,
            drafts: max_id(conn, "outreach_drafts").await?,
            research: max_id(conn, "prospect_research").await?,
            usage_logs: max_id(conn, "llm_usage_logs").await?,
        })
    }
}

/// Writes `opts.prospects` prospects and everything around them, in one
/// transaction, and returns how many rows went into each table.
pub async fn load(db: &Db, opts: &DemoOptions) -> Result<DemoSummary> {
    let mut rng = Rng::new(opts.seed);
    let n = opts.prospects as u64;

    let mut tx = db.pool.begin().await?;
    sqlx::query(&format!("LOCK TABLE {TABLES} IN EXCLUSIVE MODE")).execute(&mut *tx).await?;
    let ctx = Ctx {
        seed: opts.seed,
        anchor: opts.anchor,
        prospects: n,
        // One company per ten prospects, at least 20.
        companies: (n / 10).max(20),
        events: (20 + n / 1000).min(200),
        created: copy::ts(opts.anchor - Duration::days(400)),
        ids: Ids::read(&mut tx).await?,
        statuses: db.enums.labels(EnumKind::ProspectStatus).to_vec(),
        pricing: db.enums.labels(EnumKind::PricingModels).to_vec(),
        itypes: db.enums.labels(EnumKind::InteractionTypes).to_vec(),
        event_itype: db.enums.find(EnumKind::InteractionTypes, "event").map(str::to_owned),
    };

    // The order matters: companies, prospects, drafts, research and usage
    // logs draw from `rng` in turn (see the module comment).
    let mut summary = DemoSummary {
        industries: catalogue::industries(&mut tx, &ctx).await?,
        solutions: catalogue::solutions(&mut tx, &ctx).await?,
        ..DemoSummary::default()
    };
    catalogue::industry_solutions(&mut tx, &ctx).await?;
    summary.companies = companies::write(&mut tx, &ctx, &mut rng).await?;
    summary.prospects = prospects::write(&mut tx, &ctx, &mut rng).await?;
    let past_events;
    (summary.events, past_events) = events::write(&mut tx, &ctx).await?;
    summary.interactions = interactions::write(&mut tx, &ctx, &past_events).await?;
    summary.drafts = drafts::write(&mut tx, &ctx, &past_events, &mut rng).await?;
    summary.research = research::write(&mut tx, &ctx, &mut rng).await?;
    summary.usage_logs = usage::write(&mut tx, &ctx, &mut rng).await?;

    // The app inserts with the sequences: move them past the ids used here.
    for t in WITH_IDS {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM {t}), 1))"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    for t in ["prospects", "companies", "interactions", "llm_usage_logs", "outreach_drafts", "prospect_research"] {
        // VACUUM too: it sets the visibility map, so index-only scans work at once.
        sqlx::query(&format!("VACUUM ANALYZE {t}")).execute(&db.pool).await?;
    }
    Ok(summary)
}

/// Today at midnight UTC: the default anchor, so a dataset is stable within a day.
pub fn today_anchor() -> NaiveDateTime {
    let today: NaiveDate = chrono::Utc::now().date_naive();
    today.and_hms_opt(0, 0, 0).unwrap()
}
