//! Which database to open, and opening it: --database-url, then
//! DATABASE_URL, then `database.url` in config, else the managed cluster
//! (started, and on first use filled with demo data).

use std::path::PathBuf;
use std::time::Duration;

use color_eyre::eyre::Result;

use crate::config::Config;
use crate::db::cluster::{self, Cluster};
use crate::db::{demo, Db, OpenOptions, Opened};

#[derive(Debug, Clone)]
pub enum Target {
    Url(String),
    Managed(Cluster),
}

impl Target {
    pub fn resolve(cli_url: Option<&str>, config: &Config) -> Result<Self> {
        let from_env = std::env::var("DATABASE_URL").ok();
        let url = cli_url
            .map(str::to_owned)
            .or(from_env)
            .filter(|u| !u.trim().is_empty())
            .or_else(|| (!config.database.url.is_empty()).then(|| config.database.url.clone()));
        match url {
            Some(u) => Ok(Self::Url(u)),
            None => Ok(Self::Managed(managed_cluster(config)?)),
        }
    }
}

pub fn managed_cluster(config: &Config) -> Result<Cluster> {
    let dir = (!config.database.data_dir.is_empty()).then(|| PathBuf::from(&config.database.data_dir));
    Cluster::for_user(dir.as_deref())
}

/// What happened while opening, for the user to read once.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    pub notes: Vec<String>,
}

pub async fn open(target: &Target, config: &Config) -> Result<(Db, OpenReport)> {
    let opts = OpenOptions {
        max_connections: config.database.max_connections,
        connect_timeout: Duration::from_secs(config.database.connect_timeout_secs),
    };
    let mut report = OpenReport::default();
    match target {
        Target::Url(url) => {
            let (db, opened) = Db::open(url, &opts).await?;
            if opened == Opened::Created {
                report.notes.push(format!("created Closer's schema in {}", db.display_url));
            }
            Ok((db, report))
        }
        Target::Managed(cluster) => {
            let c = cluster.clone();
            let fresh = tokio::task::spawn_blocking(move || c.ensure_running()).await??;
            if fresh {
                report.notes.push(format!("initialised Closer's own PostgreSQL in {}", cluster.root.display()));
            }
            db_create(cluster).await?;
            let (db, opened) = Db::open(&cluster.url(cluster::DATABASE), &opts).await?;
            let n = config.database.demo_prospects_on_first_start;
            if opened == Opened::Created && n > 0 {
                let s = demo::load(&db, &demo::DemoOptions { prospects: n, seed: 42, anchor: demo::today_anchor() })
                    .await?;
                // The one message that matters on a first start goes first.
                report.notes.insert(
                    0,
                    format!(
                        "first start: Closer's own database, filled with demo data ({} prospects); \
                         DATABASE_URL points Closer at your team's server",
                        s.prospects
                    ),
                );
            }
            Ok((db, report))
        }
    }
}

async fn db_create(cluster: &Cluster) -> Result<()> {
    crate::db::create_database_if_missing(&cluster.url("postgres"), cluster::DATABASE).await
}
