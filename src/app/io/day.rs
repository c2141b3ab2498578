//! The I/O layer's part of the day's work: the Today list (with the
//! person's snoozes from the data directory), marking a whole filter,
//! estimating and queueing LLM jobs within the budget, exporting marked
//! prospects, and the undoable changes with their progress.

use std::sync::Arc;

use color_eyre::eyre::{self, Result};

use super::{write_private, Io};
use crate::app::action::{Action, Loaded};
use crate::app::day::{Change, DayLoaded, DayRequest, QueueTarget};
use crate::app::flow::Move;
use crate::calendar::{plural, thousands};
use crate::db::bulk::{Changed, UndoOutcome};
use crate::sanitize;

/// At most this many prospects are marked or queued at once.
const MAX_MARKED: i64 = 1_000_000;

/// How long the first of a burst of automatic moves waits for the others.
const MOVE_BATCH: std::time::Duration = std::time::Duration::from_millis(50);

/// (from, to, why): moves that are the same move.
type MoveKey = (Vec<String>, String, String);

/// The I/O layer's own state for the day's work.
#[derive(Debug, Clone, Default)]
pub(super) struct DayIo {
    /// Open batches of automatic moves: (from, to, why) → prospects.
    moves: Arc<std::sync::Mutex<std::collections::HashMap<MoveKey, Vec<i32>>>>,
}

fn day(d: DayLoaded) -> Loaded {
    Loaded::Day(Box::new(d))
}

/// "Ana Lima, Bo Chen, Cy Diaz and 1,197 more" (sanitised).
fn whom(names: &[String], total: usize) -> String {
    let shown: Vec<String> = names.iter().map(|n| sanitize::line(n).into_owned()).collect();
    let more = total.saturating_sub(shown.len());
    if more == 0 {
        shown.join(", ")
    } else {
        format!("{} and {} more", shown.join(", "), thousands(more as i64))
    }
}

impl Io {
    /// Sends progress while a long change runs (only when it has several chunks).
    fn progress(&self, what: String) -> impl Fn(usize, usize) + Send + Sync {
        let tx = self.tx.clone();
        move |done, total| {
            if total > crate::db::bulk::CHUNK && done < total {
                let p = DayLoaded::Progress { what: what.clone(), done, total };
                let _ = tx.send(Action::Loaded(Box::new(day(p))));
            }
        }
    }

    fn snooze_file(&self) -> std::path::PathBuf {
        crate::snooze::path(&self.data_dir, &self.db.display_url)
    }

    pub(super) async fn day_request(&self, request: &DayRequest) -> Result<Loaded> {
        let db = &self.db;
        Ok(match request {
            DayRequest::Load { generation, rules } => {
                let file = self.snooze_file();
                let snoozes = tokio::task::spawn_blocking(move || crate::snooze::load(&file)).await?;
                let mut rules = (**rules).clone();
                rules.snoozed = snoozes.active(rules.as_of);
                day(DayLoaded::Today { generation: *generation, list: db.today(&rules).await? })
            }
            DayRequest::Snooze { key, until, today, label } => {
                let (file, database, key2, until2, today2) =
                    (self.snooze_file(), db.display_url.clone(), key.clone(), *until, *today);
                tokio::task::spawn_blocking(move || crate::snooze::snooze(&file, &database, &key2, until2, today2))
                    .await??;
                day(DayLoaded::Done {
                    message: format!("snoozed {} until {}", sanitize::line(label), crate::calendar::short(*until)),
                })
            }
            DayRequest::MarkAll { generation, filter } => {
                day(DayLoaded::MarkedAll { generation: *generation, ids: db.prospect_ids(filter, MAX_MARKED).await? })
            }
            DayRequest::Estimate { target, drafts } => {
                let count = match target {
                    QueueTarget::Marked(ids) => ids.len() as i64,
                    QueueTarget::Invitations { event_id, industry_ids, .. } => {
                        db.uninvited(*event_id, industry_ids, MAX_MARKED).await?.len() as i64
                    }
                };
                let workflow = if *drafts {
                    crate::llm::pipeline::DRAFT_WORKFLOW
                } else {
                    crate::llm::pipeline::RESEARCH_WORKFLOW
                };
                let (per_call, source) = self.cost_per_call(workflow).await?;
                let month_spent = db.month_to_date_cost().await?;
                day(DayLoaded::Estimate {
                    target: target.clone(),
                    drafts: *drafts,
                    count,
                    per_call,
                    source,
                    month_spent,
                })
            }
            DayRequest::Queue { target, drafts, limit } => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let (ids, event_id, draft_type) = match target {
                    QueueTarget::Marked(ids) => (ids.to_vec(), None, "offer_email"),
                    QueueTarget::Invitations { event_id, industry_ids, .. } => {
                        (db.uninvited(*event_id, industry_ids, MAX_MARKED).await?, Some(*event_id), "event_invitation")
                    }
                };
                let (queued, stopped) =
                    super::execute::submit_all(runner, ids.into_iter().take(*limit), *drafts, event_id, draft_type);
                if let Some(e) = stopped {
                    return Ok(day(DayLoaded::Done { message: format!("queued {queued}; stopped: {e}") }));
                }
                let what = if *drafts { "drafts" } else { "research" };
                day(DayLoaded::Done {
                    message: format!(
                        "queued {what} for {}; the Jobs view shows progress",
                        plural(queued, "prospect", "prospects")
                    ),
                })
            }
            DayRequest::ExportMarked { ids } => {
                let rows = db.export_rows(ids).await?;
                let mut csv = String::from("id,full_name,email,company,industry,status,is_active,last_contacted_at\n");
                for r in &rows {
                    let cells = [
                        r.id.to_string(),
                        sanitize::csv_cell(&r.full_name),
                        sanitize::csv_cell(&r.email),
                        sanitize::csv_cell(&r.company_name),
                        sanitize::csv_cell(&r.industry_name),
                        sanitize::csv_cell(&r.status),
                        r.is_active.to_string(),
                        r.last_contacted_at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default(),
                    ];
                    csv.push_str(&cells.join(","));
                    csv.push('\n');
                }
                let dir = self.data_dir.join("exports");
                tokio::fs::create_dir_all(&dir).await?;
                let path = dir.join(format!("marked-{}.csv", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
                write_private(&path, csv.as_bytes()).await?;
                day(DayLoaded::Done {
                    message: format!(
                        "exported {} to {}",
                        plural(rows.len() as i64, "prospect", "prospects"),
                        path.display()
                    ),
                })
            }
        })
    }

    /// Automatic moves arriving together (a research job finishing every
    /// few milliseconds) are made as one statement and one commit, and
    /// undone as one step: the first opens a batch for the same move and
    /// waits [`MOVE_BATCH`]; the others join it and answer nothing. A
    /// failed move is reported, not retried (the work it follows is saved).
    async fn batched_move(&self, prospect_id: i32, mv: &Move) -> Loaded {
        let nothing =
            || day(DayLoaded::Changed { message: None, error: false, undo: None, spent: None, prospect_id: None });
        let key = (mv.from.clone(), mv.to.clone(), mv.why.clone());
        {
            let mut open = self.day.moves.lock().expect("not poisoned");
            if let Some(ids) = open.get_mut(&key) {
                ids.push(prospect_id);
                return nothing();
            }
            open.insert(key.clone(), vec![prospect_id]);
        }
        tokio::time::sleep(MOVE_BATCH).await;
        let ids = self.day.moves.lock().expect("not poisoned").remove(&key).unwrap_or_default();
        let c = match self.db.move_status(&ids, &mv.from, &mv.to).await {
            Ok(c) => c,
            Err(e) => {
                let error = crate::db::url::mask(&format!("{e:#}"));
                tracing::warn!(rows = ids.len(), %error, "status move failed");
                let message = Some(format!("status not moved to {} ({}): {error}", mv.to, mv.why));
                return day(DayLoaded::Changed { message, error: true, undo: None, spent: None, prospect_id: None });
            }
        };
        if c.ids.is_empty() {
            return nothing();
        }
        let from = if c.old_status.iter().all(|s| *s == c.old_status[0]) {
            format!("{} ", sanitize::line(&c.old_status[0]))
        } else {
            String::new()
        };
        let message = format!("{} moved {from}→ {} ({})", whom(&c.names, c.ids.len()), mv.to, mv.why);
        let one = (c.ids.len() == 1).then(|| c.ids[0]);
        let undo = c.status_undo(message.clone());
        day(DayLoaded::Changed { message: Some(message), error: false, undo, spent: None, prospect_id: one })
    }

    /// An undoable change. Its answer names whom it changed.
    pub(super) async fn change(&self, change: &Change) -> Result<Loaded> {
        let db = &self.db;
        let changed = |message: String, undo, prospect_id| {
            day(DayLoaded::Changed { message: Some(message), error: false, undo, spent: None, prospect_id })
        };
        Ok(match change {
            Change::SetStatus { ids, status } => {
                let progress = self.progress(format!("setting {status}"));
                let c = db.set_status_many(ids, status, &progress).await?;
                let (n, first) = (c.ids.len(), ids.first().copied());
                let message = match (ids.len(), &c) {
                    (1, Changed { names, old_status, .. }) if n == 1 => {
                        format!("{}: {} → {status}", whom(names, 1), sanitize::line(&old_status[0]))
                    }
                    (1, _) => format!("prospect #{} already is {status}", first.unwrap_or(0)),
                    (total, _) => {
                        let mut m = format!("set {status} on {}", plural(n as i64, "prospect", "prospects"));
                        if n > 0 {
                            m.push_str(&format!(" ({})", whom(&c.names, n)));
                        }
                        if total > n {
                            m.push_str(&format!("; {} already had it", thousands((total - n) as i64)));
                        }
                        m
                    }
                };
                let undo = c.status_undo(message.clone());
                changed(message, undo, first.filter(|_| ids.len() == 1))
            }
            Change::SetActive { ids, active } => {
                let word = if *active { "active" } else { "inactive" };
                let progress = self.progress(format!("marking {word}"));
                let c = db.set_active_many(ids, *active, &progress).await?;
                let (n, first) = (c.ids.len(), ids.first().copied());
                let message = match ids.len() {
                    1 if n == 1 => format!("{} marked {word}", whom(&c.names, 1)),
                    1 => format!("prospect #{} already is {word}", first.unwrap_or(0)),
                    total => {
                        let mut m = format!("marked {} {word}", plural(n as i64, "prospect", "prospects"));
                        if n > 0 {
                            m.push_str(&format!(" ({})", whom(&c.names, n)));
                        }
                        if total > n {
                            m.push_str(&format!("; {} already were", thousands((total - n) as i64)));
                        }
                        m
                    }
                };
                let undo = c.active_undo(message.clone());
                changed(message, undo, first.filter(|_| ids.len() == 1))
            }
            Change::Move { prospect_id, mv } => return Ok(self.batched_move(*prospect_id, mv).await),
            Change::LogInteraction { input, mv } => {
                let x = db.create_interaction(input).await?;
                let mut message =
                    format!("logged {} {:?}", sanitize::line(&x.interaction_type), sanitize::line(&x.subject));
                // The interaction is saved: a failed move is reported, never retried with it.
                let mut undo = None;
                if let Some(mv) = mv {
                    match db.move_status(&[x.prospect_id], &mv.from, &mv.to).await {
                        Ok(c) if !c.ids.is_empty() => {
                            message = format!(
                                "{message} · {} moved {} → {}",
                                whom(&c.names, 1),
                                sanitize::line(&c.old_status[0]),
                                mv.to
                            );
                            undo = c.status_undo(message.clone());
                        }
                        Ok(_) => {}
                        Err(e) => {
                            message =
                                format!("{message} · status not moved: {}", crate::db::url::mask(&format!("{e:#}")))
                        }
                    }
                }
                changed(message, undo, Some(x.prospect_id))
            }
            Change::Undo(record) => {
                let progress = self.progress("undoing".into());
                let (message, error) = match db.undo(record, &progress).await? {
                    UndoOutcome::Undone(_) => (format!("undone: {}", record.what), false),
                    UndoOutcome::ChangedSince { changed, names } => (
                        format!(
                            "cannot undo \"{}\": {} changed since ({})",
                            record.what,
                            plural(changed, "prospect", "prospects"),
                            whom(&names, changed as usize)
                        ),
                        true,
                    ),
                };
                let prospect_id = (record.len() == 1).then(|| record.ids[0]);
                day(DayLoaded::Changed {
                    message: Some(message),
                    error,
                    undo: None,
                    spent: Some(Arc::clone(record)),
                    prospect_id,
                })
            }
        })
    }
}
