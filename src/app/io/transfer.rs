//! The I/O of the import popup and the `E` export: completing a path,
//! running an import (its progress comes back as actions while it runs),
//! writing an export under the data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use color_eyre::eyre::Result;

use super::{Io, Request};
use crate::app::action::{Action, Loaded};
use crate::import::{Input, Progress, ProgressFn};

/// Candidates listed under the path when Tab finds several.
const MAX_CANDIDATES: usize = 200;

impl Io {
    pub(super) async fn transfer(&self, request: &Request) -> Result<Loaded> {
        Ok(match request {
            Request::CompletePath { input } => {
                let input = input.clone();
                let (completed, candidates) = tokio::task::spawn_blocking({
                    let input = input.clone();
                    move || complete_path(&input)
                })
                .await?;
                Loaded::PathCompleted { input, completed, candidates }
            }
            Request::Import { path, options, cancel } => {
                let tx = self.tx.clone();
                let progress: ProgressFn = Arc::new(move |p: Progress| {
                    let _ = tx.send(Action::ImportProgress(p));
                });
                let summary =
                    crate::import::run(&self.db, Input::Path(expand(path)), options, Some(progress), cancel.flag())
                        .await?;
                Loaded::Imported { dry_run: options.dry_run, summary: Box::new(summary) }
            }
            Request::ExportList { entity, filter } => {
                let dir = self.data_dir.join("exports");
                let (path, rows) =
                    crate::export::to_data_dir(&self.db, &dir, *entity, filter, crate::export::Format::Csv).await?;
                Loaded::Written {
                    message: format!("exported {rows} {} to {}", entity.name(), path.display()),
                    prospect_id: None,
                }
            }
            other => unreachable!("not a transfer request: {other:?}"),
        })
    }
}

/// `~/x` → the home directory's `x`.
pub fn expand(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => dirs::home_dir().map(|h| h.join(rest)).unwrap_or_else(|| PathBuf::from(path)),
        None if path == "~" => dirs::home_dir().unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    }
}

/// Completes the last part of `input` as far as the directory's entries
/// agree; returns the new input and, when several entries match, their
/// names (directories end with `/`). Hidden entries only for a `.` prefix.
pub fn complete_path(input: &str) -> (String, Vec<String>) {
    let (dir_typed, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir: PathBuf = if dir_typed.is_empty() { PathBuf::from(".") } else { expand(dir_typed) };
    let Ok(entries) = std::fs::read_dir(&dir) else { return (input.to_string(), Vec::new()) };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false) || is_dir_link(&dir.join(&name));
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .take(MAX_CANDIDATES * 10)
        .collect();
    names.sort();
    match names.len() {
        0 => (input.to_string(), Vec::new()),
        1 => (format!("{dir_typed}{}", names[0]), Vec::new()),
        _ => {
            let common = common_prefix(&names);
            names.truncate(MAX_CANDIDATES);
            (format!("{dir_typed}{common}"), names)
        }
    }
}

fn is_dir_link(p: &Path) -> bool {
    std::fs::metadata(p).map(|m| m.is_dir()).unwrap_or(false)
}

fn common_prefix(names: &[String]) -> String {
    let mut prefix: &str = &names[0];
    for n in &names[1..] {
        let len: usize = prefix.chars().zip(n.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
        prefix = &prefix[..len];
    }
    prefix.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_files_and_directories() {
        let dir = std::env::temp_dir().join(format!("closer-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("leads-dir")).unwrap();
        std::fs::write(dir.join("leads-2026.csv"), "x").unwrap();
        std::fs::write(dir.join("leads-2025.csv"), "x").unwrap();
        std::fs::write(dir.join(".hidden.csv"), "x").unwrap();
        std::fs::write(dir.join("other.csv"), "x").unwrap();
        let base = format!("{}/", dir.display());
        let (c, cands) = complete_path(&format!("{base}le"));
        assert_eq!(c, format!("{base}leads-"));
        assert_eq!(cands, vec!["leads-2025.csv", "leads-2026.csv", "leads-dir/"]);
        assert_eq!(complete_path(&format!("{base}o")).0, format!("{base}other.csv"));
        assert_eq!(complete_path(&format!("{base}leads-d")).0, format!("{base}leads-dir/"));
        assert!(complete_path(&base).1.iter().all(|n| !n.starts_with('.')));
        assert_eq!(complete_path(&format!("{base}zz")), (format!("{base}zz"), vec![]));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
