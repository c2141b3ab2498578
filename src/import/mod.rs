//! `closer import`: prospects, interactions and events from CSV files as
//! people really have them (a BOM, Windows line endings, `;` or tab
//! delimiters, Latin-1, quoted newlines, formula-protected cells), checked
//! row by row, de-duplicated, and written in one transaction.
//!
//! The file is read on a blocking thread ([`reader`]) and streamed in
//! chunks into a COPY to a staging table; the set-based classification and
//! writes live in [`crate::db::import`]. A dry run does everything but the
//! writes and rolls back, so its summary is exactly what a real run does.

pub mod cli;
pub mod columns;
pub mod fields;
mod reader;
pub mod report;
pub mod rows;
pub mod source;

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::db::import::{self as stage, MAX_LISTED};
use crate::db::Db;
pub use source::Encoding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Prospects,
    Interactions,
    Events,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Entity::Prospects => "prospects",
            Entity::Interactions => "interactions",
            Entity::Events => "events",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// Leave the stored row as it is.
    #[default]
    Skip,
    /// Fill the stored row's columns from the file's non-empty cells.
    Update,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub entity: Entity,
    pub dry_run: bool,
    pub on_duplicate: OnDuplicate,
    /// None: detected from the header row.
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
}

impl Options {
    pub fn new(entity: Entity) -> Self {
        Self { entity, dry_run: false, on_duplicate: OnDuplicate::Skip, delimiter: None, encoding: Encoding::Utf8 }
    }
}

/// Where the CSV comes from.
pub enum Input {
    Path(PathBuf),
    Stdin,
    Reader(Box<dyn Read + Send>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Reading,
    Writing,
}

/// How far an import is (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub rows: u64,
    pub bytes: u64,
    /// The file's size, when known (not for standard input).
    pub total: Option<u64>,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub reason: String,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub entity: Option<Entity>,
    pub dry_run: bool,
    pub update: bool,
    /// Data rows read (blank rows are not counted).
    pub rows: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duplicates_in_file: u64,
    pub duplicates_in_db: u64,
    pub rejected: u64,
    /// The rejected rows in line order (at most [`MAX_LISTED`]).
    pub rejections: Vec<Rejection>,
    pub companies_created: u64,
    pub industries_created: u64,
    pub delimiter: char,
    /// (header as written, field it was read as).
    pub columns: Vec<(String, String)>,
    pub ignored_columns: Vec<String>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Summary {
    /// Rows skipped as duplicates (in the file, or already stored and not updated).
    pub fn skipped(&self) -> u64 {
        self.duplicates_in_file + self.duplicates_in_db + self.unchanged
    }
}

/// Imports `input` into `db`. `cancel` stops it (nothing is written);
/// `progress` is called every few thousand rows and once when writing.
pub async fn run(
    db: &Db,
    input: Input,
    options: &Options,
    progress: Option<ProgressFn>,
    cancel: Arc<AtomicBool>,
) -> Result<Summary> {
    let started = Instant::now();
    let (reader, total_bytes): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::Path(path) => {
            let file = std::fs::File::open(&path).wrap_err_with(|| format!("cannot open {}", path.display()))?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                bail!("{} is a directory, not a CSV file", path.display());
            }
            (Box::new(file), Some(meta.len()))
        }
        Input::Stdin => (Box::new(std::io::stdin()), None),
        Input::Reader(r) => (r, None),
    };
    let (tx, mut rx) = mpsc::channel(4);
    let job = reader::ReadJob {
        input: reader,
        total_bytes,
        options: options.clone(),
        enums: db.enums.clone(),
        progress: progress.clone(),
        cancel: cancel.clone(),
    };
    let reading = tokio::task::spawn_blocking(move || reader::read(job, tx));
    let (mapping, delimiter) = match rx.recv().await {
        Some(reader::Msg::Header { mapping, delimiter }) => (mapping, delimiter),
        Some(reader::Msg::Failed(e)) => bail!("{e}"),
        _ => bail!("the import stopped before reading the header"),
    };

    let mut tx = db.pool.begin().await.wrap_err("cannot start the import's transaction")?;
    stage::create_staging(&mut tx, options.entity).await?;
    let (mut rows, mut rejected) = (0u64, 0u64);
    let mut rejections: Vec<(u64, String)> = Vec::new();
    {
        let mut copy = tx.copy_in_raw(stage::staging(options.entity).1).await?;
        loop {
            match rx.recv().await {
                Some(reader::Msg::Chunk { copy: text, rows: n, rejected: r, rejections: mut list }) => {
                    rows += n + r;
                    rejected += r;
                    rejections.append(&mut list);
                    if !text.is_empty() {
                        copy.send(text.as_bytes()).await.wrap_err("sending rows to the database")?;
                    }
                }
                Some(reader::Msg::Done) => break,
                Some(reader::Msg::Failed(e)) => {
                    let _ = copy.abort(e.clone()).await;
                    return Err(eyre!("{e}"));
                }
                Some(reader::Msg::Header { .. }) | None => {
                    let _ = copy.abort("reader stopped").await;
                    bail!("the import stopped while reading the file");
                }
            }
        }
        copy.finish().await.wrap_err("staging the rows")?;
    }
    reading.await?;
    if let Some(p) = &progress {
        p(Progress { phase: Phase::Writing, rows, bytes: total_bytes.unwrap_or(0), total: total_bytes });
    }
    let update = options.on_duplicate == OnDuplicate::Update;
    let plan = stage::apply(&mut tx, options.entity, update, options.dry_run, &db.enums).await?;
    if cancel.load(Ordering::SeqCst) {
        tx.rollback().await?;
        bail!("cancelled");
    }
    if options.dry_run {
        tx.rollback().await?;
    } else {
        // Announced like every write of Closer's, so this and other Closers
        // show it as theirs, not as "another program's".
        let tables: &[&str] = match options.entity {
            Entity::Prospects => &["prospects", "companies", "industries"],
            Entity::Interactions => &["interactions", "prospects"],
            Entity::Events => &["events"],
        };
        crate::db::notify::send(db, &mut tx, tables, None).await?;
        tx.commit().await.wrap_err("committing the import")?;
    }

    rejected += plan.rejected_count;
    let listed = merge_by_line(rejections, plan.rejected);
    let summary = Summary {
        entity: Some(options.entity),
        dry_run: options.dry_run,
        update,
        rows,
        new: plan.new,
        updated: plan.updated,
        unchanged: plan.unchanged,
        duplicates_in_file: plan.duplicates_in_file,
        duplicates_in_db: plan.duplicates_in_db,
        rejected,
        rejections: listed.into_iter().map(|(line, reason)| Rejection { line, reason }).collect(),
        companies_created: plan.companies_created,
        industries_created: plan.industries_created,
        delimiter: delimiter as char,
        columns: mapping.used.iter().map(|(h, f)| (h.clone(), f.to_string())).collect(),
        ignored_columns: mapping.ignored.clone(),
        elapsed: started.elapsed(),
    };
    // Counts only: rows hold people's data, which stays out of the log.
    tracing::info!(
        entity = options.entity.name(),
        dry_run = options.dry_run,
        rows,
        new = summary.new,
        updated = summary.updated,
        skipped = summary.skipped(),
        rejected,
        ms = summary.elapsed.as_millis() as u64,
        "import finished"
    );
    Ok(summary)
}

fn merge_by_line(a: Vec<(u64, String)>, b: Vec<(u64, String)>) -> Vec<(u64, String)> {
    let mut all = a;
    all.extend(b);
    all.sort_by_key(|(line, _)| *line);
    all.truncate(MAX_LISTED);
    all
}
