//! `closer export`: prospects, interactions, drafts or events as CSV or
//! JSON, with the prospect list's filters, in the import templates'
//! columns (drafts have no import; theirs say whose and which event), so
//! export → import into an empty database gives back the same rows.
//! Files Closer writes are created with mode 0600: they hold people's data.

pub mod format;

use std::io::Write;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{bail, eyre, Result, WrapErr};

pub use format::{Cell, Format, RowWriter};

use crate::config::Config;
use crate::db::export::{EventKey, ExportFilter};
use crate::db::{Db, EnumKind};
use crate::import::columns::template_header;
use crate::import::Entity;
use crate::setup::{self, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportEntity {
    Prospects,
    Interactions,
    Drafts,
    Events,
}

impl ExportEntity {
    pub fn name(self) -> &'static str {
        match self {
            ExportEntity::Prospects => "prospects",
            ExportEntity::Interactions => "interactions",
            ExportEntity::Drafts => "drafts",
            ExportEntity::Events => "events",
        }
    }

    /// The column names: the import template's, or (drafts) their own.
    pub fn header(self) -> &'static [&'static str] {
        static PROSPECTS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        static INTERACTIONS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        static EVENTS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        match self {
            ExportEntity::Prospects => PROSPECTS.get_or_init(|| template_header(Entity::Prospects)),
            ExportEntity::Interactions => INTERACTIONS.get_or_init(|| template_header(Entity::Interactions)),
            ExportEntity::Events => EVENTS.get_or_init(|| template_header(Entity::Events)),
            ExportEntity::Drafts => &[
                "id",
                "email",
                "full_name",
                "company",
                "draft_type",
                "status",
                "event",
                "content",
                "created_at",
                "updated_at",
            ],
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub entity: ExportEntity,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Prospects, interactions: the prospect's status (this database's labels, any case).
    /// Drafts, events: their own status.
    #[arg(long)]
    pub status: Option<String>,
    /// Prospects, interactions: name, email or company contains. Drafts: text, prospect or company.
    /// Events: type, location or description.
    #[arg(long, default_value = "")]
    pub search: String,
    /// An industry, by name (any case) or id. Events: their target industries mention it.
    #[arg(long)]
    pub industry: Option<String>,
    /// Only active prospects (`--active`, `--active true`) or inactive ones (`--active false`).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub active: Option<bool>,
    /// Write to this file (created with mode 0600) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(config: &Config, target: &Target, args: ExportArgs) -> Result<()> {
    let (db, _) = setup::open(target, config).await?;
    let filter = resolve_filter(&db, args.entity, &args).await?;
    match &args.output {
        Some(path) => {
            let file = create_private(path, false)?;
            let n = write(&db, args.entity, &filter, args.format, std::io::BufWriter::new(file)).await?;
            eprintln!("exported {n} {} to {}", args.entity.name(), path.display());
        }
        None => {
            let stdout = std::io::stdout();
            write(&db, args.entity, &filter, args.format, std::io::BufWriter::new(stdout.lock())).await?;
        }
    }
    Ok(())
}

/// Turns the command line's filters into the database's: a status label of
/// this database, an industry id. Unknown values are errors naming the choices.
pub async fn resolve_filter(db: &Db, entity: ExportEntity, args: &ExportArgs) -> Result<ExportFilter> {
    let mut f = ExportFilter::default();
    let per_prospect = matches!(entity, ExportEntity::Prospects | ExportEntity::Interactions);
    if entity == ExportEntity::Events && args.active.is_some() {
        bail!("--active selects prospects; events have no active flag");
    }
    f.prospects.active = args.active;
    if let Some(s) = &args.status {
        if per_prospect {
            let label = db.enums.find(EnumKind::ProspectStatus, s).ok_or_else(|| {
                eyre!(
                    "unknown status {s:?}: this database's labels are {}",
                    db.enums.labels(EnumKind::ProspectStatus).join(", ")
                )
            })?;
            f.prospects.status = Some(label.to_string());
        } else {
            f.status = Some(s.trim().to_string());
        }
    }
    if per_prospect {
        f.prospects.search = args.search.clone();
    } else {
        f.search = args.search.clone();
    }
    if let Some(want) = &args.industry {
        let industries = db.industries().await?;
        let found = industries
            .iter()
            .find(|i| i.name.trim().to_lowercase() == want.trim().to_lowercase())
            .or_else(|| want.trim().parse::<i32>().ok().and_then(|id| industries.iter().find(|i| i.id == id)));
        match (entity, found) {
            (ExportEntity::Events, Some(i)) => f.industry_name = Some(i.name.clone()),
            (ExportEntity::Events, None) => f.industry_name = Some(want.trim().to_string()),
            (_, Some(i)) => f.prospects.industry_id = Some(i.id),
            (_, None) => {
                let names: Vec<String> =
                    industries.iter().take(30).map(|i| crate::sanitize::line(&i.name).into_owned()).collect();
                bail!("unknown industry {want:?}: this database's industries are {}", names.join(", "))
            }
        }
    }
    Ok(f)
}

fn event_cell(e: EventKey) -> Cell {
    match (e.event_type, e.event_date, e.event_location) {
        (Some(t), Some(d), Some(l)) => Cell::Line(format!("{t} | {} | {l}", format::timestamp(&d))),
        _ => Cell::Null,
    }
}

/// Streams the rows into `out`; returns how many were written.
pub async fn write<W: Write>(
    db: &Db,
    entity: ExportEntity,
    filter: &ExportFilter,
    format: Format,
    out: W,
) -> Result<u64> {
    let mut w = RowWriter::new(out, format, entity.header())?;
    let n = match entity {
        ExportEntity::Prospects => {
            db.export_prospects(filter, |p| {
                Ok(w.row(&[
                    Cell::Line(p.full_name),
                    Cell::Line(p.email),
                    Cell::Line(p.company),
                    Cell::Line(p.industry),
                    Cell::Line(p.size),
                    Cell::opt(p.website),
                    Cell::opt(p.linkedin_url),
                    Cell::opt(p.location),
                    Cell::Line(p.status),
                    Cell::Bool(p.is_active),
                    Cell::opt_time(p.last_contacted_at),
                ])?)
            })
            .await?
        }
        ExportEntity::Interactions => {
            db.export_interactions(filter, |x| {
                Ok(w.row(&[
                    Cell::Line(x.email),
                    Cell::Line(x.interaction_type),
                    Cell::Time(x.interaction_date),
                    Cell::Line(x.subject),
                    Cell::Text(x.content),
                    Cell::opt(x.sentiment),
                    Cell::opt_text(x.outcome),
                    event_cell(x.event),
                ])?)
            })
            .await?
        }
        ExportEntity::Drafts => {
            db.export_drafts(filter, |d| {
                Ok(w.row(&[
                    Cell::Int(d.id as i64),
                    Cell::Line(d.email),
                    Cell::Line(d.full_name),
                    Cell::Line(d.company),
                    Cell::Line(d.draft_type),
                    Cell::Line(d.status),
                    event_cell(d.event),
                    Cell::Text(d.content),
                    Cell::Time(d.created_at),
                    Cell::Time(d.updated_at),
                ])?)
            })
            .await?
        }
        ExportEntity::Events => {
            db.export_events(filter, |e| {
                Ok(w.row(&[
                    Cell::Line(e.event_type),
                    Cell::Time(e.event_date),
                    Cell::Line(e.location),
                    Cell::Text(e.description),
                    Cell::Line(e.status),
                    Cell::opt_json(e.target_industries),
                    Cell::opt_json(e.target_roles),
                    Cell::opt_json(e.solutions_featured),
                ])?)
            })
            .await?
        }
    };
    w.finish().wrap_err("writing the export")?;
    Ok(n)
}

/// Creates `path` for writing with mode 0600 (only its owner can read it).
/// With `new_only`, an existing file is an error; otherwise it is
/// truncated and its mode set to 0600 too.
pub fn create_private(path: &Path, new_only: bool) -> Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).mode(0o600);
    if new_only {
        opts.create_new(true);
    } else {
        opts.create(true).truncate(true);
    }
    let file = opts.open(path).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Writes an export to a new file under `dir` (created 0700), named for
/// the entity and the time; returns the path and the row count. The TUI's
/// `E` uses this.
pub async fn to_data_dir(
    db: &Db,
    dir: &Path,
    entity: ExportEntity,
    filter: &ExportFilter,
    format: Format,
) -> Result<(PathBuf, u64)> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let mut path = dir.join(format!("{}-{stamp}.{}", entity.name(), format.extension()));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{}-{stamp}-{n}.{}", entity.name(), format.extension()));
    }
    let file = create_private(&path, true)?;
    let rows = write(db, entity, filter, format, std::io::BufWriter::new(file)).await?;
    Ok((path, rows))
}
