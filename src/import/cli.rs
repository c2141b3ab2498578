//! `closer import`: the command line around [`super::run`]. The summary
//! goes to standard output, a progress line to standard error when it is a
//! terminal. Exit status: 0 when every row was accepted, 2 when some were
//! rejected (the rest were imported), 1 when the import failed as a whole
//! (nothing was changed), 130 when interrupted (nothing was changed).

use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use color_eyre::eyre::Result;

use super::columns::{fields, template_header, PROSPECT_TEMPLATE_LEN};
use super::report::{render, thousands};
use super::source::parse_delimiter;
use super::{Encoding, Entity, Input, OnDuplicate, Options, Phase, Progress};
use crate::config::Config;
use crate::setup::{self, Target};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum, required_unless_present = "template")]
    pub entity: Option<Entity>,
    /// The CSV file, or - for standard input.
    #[arg(value_name = "FILE", required_unless_present = "template")]
    pub file: Option<String>,
    /// Print the CSV template (the header row) for prospects, interactions or events, and exit.
    #[arg(long, value_enum, value_name = "ENTITY", conflicts_with_all = ["entity", "file"])]
    pub template: Option<Entity>,
    /// Check everything and print what a real run would do; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A row whose key is already stored: skip it, or update the stored row from the file's non-empty cells.
    #[arg(long, value_enum, default_value = "skip")]
    pub on_duplicate: OnDuplicate,
    /// Field delimiter (one character, or tab, comma, semicolon, pipe). Default: detected from the header.
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// The file's encoding.
    #[arg(long, value_enum, default_value = "utf8")]
    pub encoding: Encoding,
}

pub async fn run(config: &Config, target: &Target, args: ImportArgs) -> Result<()> {
    if let Some(entity) = args.template {
        print!("{}", template(entity));
        if std::io::stderr().is_terminal() {
            eprintln!("{}", template_notes(entity));
        }
        return Ok(());
    }
    let (Some(entity), Some(file)) = (args.entity, args.file) else {
        unreachable!("clap requires ENTITY and FILE without --template")
    };
    let (db, _) = setup::open(target, config).await?;
    let options = Options {
        entity,
        dry_run: args.dry_run,
        on_duplicate: args.on_duplicate,
        delimiter: args.delimiter,
        encoding: args.encoding,
    };
    let input = if file == "-" { Input::Stdin } else { Input::Path(file.into()) };
    let tty = std::io::stderr().is_terminal();
    let progress: Option<super::ProgressFn> = tty.then(|| {
        Arc::new(|p: Progress| {
            let line = match (p.phase, p.total) {
                (Phase::Reading, Some(t)) if t > 0 => {
                    format!("reading… {:>3}% · {} rows", (p.bytes * 100 / t).min(100), thousands(p.rows))
                }
                (Phase::Reading, _) => format!("reading… {} rows", thousands(p.rows)),
                (Phase::Writing, _) => format!("writing {} rows…", thousands(p.rows)),
            };
            eprint!("\r\x1b[2K{line}");
            let _ = std::io::stderr().flush();
        }) as super::ProgressFn
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let result = tokio::select! {
        r = super::run(&db, input, &options, progress, cancel.clone()) => r,
        _ = tokio::signal::ctrl_c() => {
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            if tty { eprintln!(); }
            eprintln!("closer: interrupted; nothing was imported (the import is one transaction)");
            std::process::exit(130);
        }
    };
    if tty {
        eprint!("\r\x1b[2K");
    }
    let summary = result?;
    print!("{}", render(&summary));
    if summary.rejected > 0 {
        let _ = std::io::stdout().flush();
        std::process::exit(2);
    }
    Ok(())
}

/// The template: the header row of canonical column names.
pub fn template(entity: Entity) -> String {
    format!("{}\n", template_header(entity).join(","))
}

/// What the template's columns take (shown on a terminal, after the template).
fn template_notes(entity: Entity) -> String {
    let specs = fields(entity);
    let n = if entity == Entity::Prospects { PROSPECT_TEMPLATE_LEN } else { specs.len() };
    let aliases: Vec<String> = specs[..n]
        .iter()
        .filter(|s| !s.aliases.is_empty())
        .map(|s| format!("  {}: also {}", s.name, s.aliases.join(", ")))
        .collect();
    let rules = match entity {
        Entity::Prospects => {
            "Required: full_name (or first_name and last_name) and email; a new prospect also needs a company.\n\
             Duplicates: by email, trimmed and case-insensitive. Status: one of the database's labels, any case.\n\
             Dates: YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], UTC. is_active: true/false, yes/no, 1/0."
        }
        Entity::Interactions => {
            "Required: email (of a stored prospect), type, date, subject.\n\
             Duplicates: same prospect, type, date and subject. event: an event id, or type | date | location."
        }
        Entity::Events => {
            "Required: type, date, location. Duplicates: same type, date and location.\n\
             target_industries, target_roles, solutions_featured: JSON, or names separated by ;"
        }
    };
    format!("\n(template above; columns match by name, any case and spacing)\n{rules}\n{}", aliases.join("\n"))
}
