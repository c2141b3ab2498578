//! Everything that touches PostgreSQL lives under this module: opening and
//! checking a database, the managed cluster, the repository functions and
//! the demo data. Every SQL value is a bind parameter.

pub mod bulk;
pub mod cluster;
pub mod companies;
pub mod demo;
pub mod drafts;
pub mod enums;
pub mod events;
pub mod export;
mod followup_queries;
pub mod followups;
pub mod import;
pub mod indexes;
pub mod interactions;
pub mod invitations;
pub mod latency_hist;
pub mod matching;
pub mod models;
pub mod notify;
pub mod optimize;
pub mod panel;
pub mod prospect_page;
pub mod prospect_save;
pub mod prospects;
pub mod research;
pub mod rollup_dashboard;
mod rollup_months;
pub mod rollups;
pub mod schema;
pub mod solutions;
pub mod target_industries;
pub mod url;
pub mod usage;

use std::str::FromStr;
use std::time::Duration;

use color_eyre::eyre::{eyre, Result, WrapErr};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

pub use enums::{EnumKind, EnumLabels};
pub use schema::{SchemaMismatch, SchemaState};

/// The SQL for "now" in the stored convention: UTC, without time zone.
pub(crate) const NOW: &str = "(now() AT TIME ZONE 'UTC')";

/// An open, checked database. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: PgPool,
    /// The labels this database's enum types carry, read from pg_enum.
    pub enums: EnumLabels,
    /// The URL with any password masked, for the status bar and logs.
    pub display_url: String,
    /// This Closer's name in its change notices (src/db/notify.rs).
    pub instance: String,
}

/// What [`Db::open`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The database was empty; Closer created the schema.
    Created,
    /// The schema was there; Closer used it as it is.
    Existing { warnings: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self { max_connections: 8, connect_timeout: Duration::from_secs(5) }
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Db {
    /// Connects, checks the schema, creates it on an empty database, and
    /// loads the enum labels. A database with part of the schema is refused
    /// with a [`SchemaMismatch`] that names what is missing; nothing is written.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<(Self, Opened)> {
        let display_url = url::mask(url);
        url::validate(url).map_err(|e| eyre!("database URL {e}"))?;
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| eyre!("database URL {display_url}: {}", url::mask(&e.to_string())))?
            .options([("timezone", "UTC"), ("application_name", "closer")])
            .log_statements(tracing::log::LevelFilter::Trace);
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.connect_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| {
                eyre!(
                    "cannot connect to {display_url}: {}\nCheck that the server is running and the URL is right, \
                     or unset DATABASE_URL to use Closer's own database.",
                    url::mask(&e.to_string())
                )
            })?;

        let opened = match schema::inspect(&pool).await.wrap_err("cannot read the database's schema")? {
            SchemaState::Empty => {
                MIGRATOR.run(&pool).await.wrap_err("cannot create the schema")?;
                Opened::Created
            }
            SchemaState::Complete { warnings } => {
                if Self::created_by_closer(&pool).await? {
                    // Our own database: apply any newer migrations (idempotent).
                    MIGRATOR.run(&pool).await.wrap_err("cannot update the schema")?;
                }
                for w in &warnings {
                    tracing::warn!("schema: {w}");
                }
                Opened::Existing { warnings }
            }
            SchemaState::Mismatch(problems) => return Err(SchemaMismatch(problems).into()),
        };
        let enums = EnumLabels::load(&pool).await?;
        Ok((Self { pool, enums, display_url, instance: notify::new_instance_id() }, opened))
    }

    /// Whether Closer created this schema (its migrations table is there),
    /// as opposed to the original tool's database opened as it is.
    pub(crate) async fn created_by_closer(conn: impl sqlx::PgExecutor<'_>) -> Result<bool> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations')",
        )
        .fetch_one(conn)
        .await?;
        Ok(exists)
    }

    /// Counts of the main tables, for the status bar and `closer db status`.
    pub async fn counts(&self) -> Result<Counts> {
        let row: (i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM prospects), (SELECT count(*) FROM companies),
                    (SELECT count(*) FROM interactions), (SELECT count(*) FROM events),
                    (SELECT count(*) FROM llm_usage_logs)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts { prospects: row.0, companies: row.1, interactions: row.2, events: row.3, usage_logs: row.4 })
    }

    /// True when the server answers now.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub prospects: i64,
    pub companies: i64,
    pub interactions: i64,
    pub events: i64,
    pub usage_logs: i64,
}

/// Creates `database` in the server at `admin_url` if it does not exist.
pub async fn create_database_if_missing(admin_url: &str, database: &str) -> Result<()> {
    let mut conn = PgConnectOptions::from_str(admin_url)?.connect().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(database)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        // Identifiers cannot be bound; quote it the way PostgreSQL does.
        let sql = format!("CREATE DATABASE {}", quote_ident(database));
        sqlx::query(&sql).execute(&mut conn).await?;
    }
    Ok(())
}

/// Quotes an SQL identifier (for the few statements that cannot bind one).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Escapes LIKE wildcards so user text matches literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
