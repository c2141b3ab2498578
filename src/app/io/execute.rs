//! What each request does: the one match from a [`Request`] to the
//! database (or file, or job queue) call that answers it.

use color_eyre::eyre::{self, Result};

use crate::app::action::Loaded;
use crate::app::editor::{PlaceholderContext, Recovery};
use crate::app::recovery::file_name;
use crate::db::drafts::SaveOutcome;
use crate::llm::JobKind;

use super::{write_private, Io, Request, Write};

impl Io {
    /// `retry`: an earlier attempt failed for the connection, and may have
    /// committed anyway.
    pub(super) async fn execute(&self, request: &Request, retry: bool) -> Result<Loaded> {
        let db = &self.db;
        Ok(match request {
            // A search keystroke: the page and the number of matches, one statement.
            Request::ProspectPage { generation, page, page_size, filter, sort, .. }
                if !filter.search.trim().is_empty() =>
            {
                let found = db.search_page(filter, *sort, page * page_size, *page_size).await?;
                Loaded::SearchPage { generation: *generation, page: *page, rows: found.rows, total: found.total }
            }
            Request::CompletePath { .. } | Request::Import { .. } | Request::ExportList { .. } => {
                self.transfer(request).await?
            }
            Request::ProspectPage { generation, page, page_size, filter, sort, total } => {
                let rows = match total {
                    Some(t) => db.list_prospects_in(filter, *sort, page * page_size, *page_size, *t).await?,
                    None => db.list_prospects(filter, *sort, page * page_size, *page_size).await?,
                };
                Loaded::ProspectPage { generation: *generation, page: *page, rows }
            }
            Request::ProspectCount { generation, filter } => {
                Loaded::ProspectCount { generation: *generation, total: db.count_prospects(filter).await? }
            }
            Request::Detail { prospect_id } => {
                let id = *prospect_id;
                // One query each, at once (src/db/panel.rs).
                let (detail, research, drafts) =
                    tokio::try_join!(db.prospect_detail(id), db.research_for_prospect(id), db.drafts_for_prospect(id))?;
                Loaded::Detail { prospect_id: id, detail, research, drafts }
            }
            Request::Timeline { prospect_id, limit } => {
                let id = *prospect_id;
                let (items, total) = db.timeline_with_total(id, *limit).await?;
                Loaded::Timeline { prospect_id: id, items, total }
            }
            Request::Interaction { id } => Loaded::Interaction(db.interaction(*id).await?),
            Request::Events => {
                let (upcoming, past) = tokio::try_join!(db.events(true, 500), db.events(false, 500))?;
                Loaded::Events { upcoming, past }
            }
            Request::Attendees { event_id } => {
                Loaded::Attendees { event_id: *event_id, attendees: db.event_attendees(*event_id, 200).await? }
            }
            Request::Catalog { industry_id } => Loaded::Catalog(db.catalog(*industry_id).await?),
            Request::Industries => Loaded::Industries(db.industries().await?),
            // The status bar shows the prospect count only: counting the
            // million-row tables too would slow every start without indexes.
            Request::Counts => Loaded::Counts(crate::db::Counts {
                prospects: db.count_prospects(&Default::default()).await?,
                ..Default::default()
            }),
            Request::Costs { generation, range, by } => {
                // The totals are the breakdown's sums: one scan fewer. The
                // month's spend is reused while no row was added (a range
                // change does not need it again).
                let high_water = db.usage_high_water().await?;
                // Closer's rollups when the database has them (src/db/rollups.rs).
                if let Some(d) = db.usage_from_rollups(range, *by).await? {
                    let totals = d.totals();
                    let (breakdown, daily, month_cost) = (d.breakdown, d.daily, d.month_cost);
                    return Ok(Loaded::Costs {
                        generation: *generation,
                        totals,
                        breakdown,
                        daily,
                        month_cost,
                        high_water,
                    });
                }
                let month = chrono::Utc::now().format("%Y-%m").to_string();
                let cached = self.month_cache.lock().expect("not poisoned").clone();
                let month_query = async {
                    match cached {
                        Some((hw, m, cost)) if hw == high_water && m == month => Ok(cost),
                        _ => db.month_to_date_cost().await,
                    }
                };
                let (breakdown, daily, month_cost) =
                    tokio::try_join!(db.usage_breakdown(range, *by), db.usage_daily_cost(range), month_query)?;
                *self.month_cache.lock().expect("not poisoned") = Some((high_water, month, month_cost));
                let totals = crate::db::rollup_dashboard::totals_of(&breakdown);
                Loaded::Costs { generation: *generation, totals, breakdown, daily, month_cost, high_water }
            }
            Request::WatchUsage { on } => {
                self.watch_usage(*on);
                Loaded::Nothing
            }
            Request::Drafts { generation, filter } => {
                let (items, total, (statuses, types)) =
                    tokio::try_join!(db.list_drafts(filter, 0, 500), db.count_drafts(filter), db.draft_values())?;
                Loaded::Drafts { generation: *generation, items, total, statuses, types }
            }
            Request::OpenDraft { id } => match db.draft(*id).await? {
                Some(draft) => {
                    let context = self.placeholder_context(draft.prospect_id, draft.event_id).await?;
                    Loaded::DraftOpened { draft: Some(Box::new(draft)), prospect_id: None, context }
                }
                None => Loaded::Written { message: format!("draft #{id} no longer exists"), prospect_id: None },
            },
            Request::NewDraft { prospect_id } => {
                let context = self.placeholder_context(*prospect_id, None).await?;
                Loaded::DraftOpened { draft: None, prospect_id: Some(*prospect_id), context }
            }
            Request::Recovery { .. } | Request::Withdraw { .. } => Loaded::Nothing, // see immediate()
            Request::ListRecoveries => {
                crate::app::recovery::remove_stale_temps(&self.recovery_dir());
                let mut found = Vec::new();
                if let Ok(mut dir) = tokio::fs::read_dir(self.recovery_dir()).await {
                    while let Some(entry) = dir.next_entry().await? {
                        if entry.path().extension().is_some_and(|e| e == "json") {
                            let bytes = tokio::fs::read(entry.path()).await?;
                            match serde_json::from_slice::<Recovery>(&bytes) {
                                Ok(mut r) => {
                                    // The file's own name is the key that removes it.
                                    if let Some(stem) = entry.path().file_stem().and_then(|s| s.to_str()) {
                                        r.key = stem.to_string();
                                    }
                                    found.push(r)
                                }
                                Err(e) => {
                                    tracing::warn!(path = %entry.path().display(), %e, "unreadable recovery file")
                                }
                            }
                        }
                    }
                }
                found.sort_by_key(|r| std::cmp::Reverse(r.written_at));
                Loaded::Recoveries(found)
            }
            Request::Export { name, content } => {
                let dir = self.data_dir.join("exports");
                tokio::fs::create_dir_all(&dir).await?;
                let path = dir.join(file_name(name));
                write_private(&path, content.as_bytes()).await?;
                Loaded::Written { message: format!("written to {}", path.display()), prospect_id: None }
            }
            Request::Clipboard { command, content } => {
                let mut parts = command.split_whitespace();
                let program = parts.next().ok_or_else(|| eyre::eyre!("ui.clipboard_command is empty"))?;
                let mut child = tokio::process::Command::new(program)
                    .args(parts)
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| eyre::eyre!("cannot run clipboard command {program:?}: {e}"))?;
                use tokio::io::AsyncWriteExt;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(content.as_bytes()).await?;
                }
                let status = child.wait().await?;
                if !status.success() {
                    eyre::bail!("clipboard command {program:?} failed ({status})");
                }
                Loaded::Written { message: "copied to the clipboard".into(), prospect_id: None }
            }
            Request::StartJobs(kinds) => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let mut queued = 0;
                for k in kinds {
                    runner.submit(k.clone()).map_err(|e| eyre::eyre!("{e}"))?;
                    queued += 1;
                }
                Loaded::Written {
                    message: format!("queued {queued} LLM job(s): the Jobs view shows them"),
                    prospect_id: None,
                }
            }
            Request::EstimateBulk { filter } => {
                let today = chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight");
                let (count, researched_today) =
                    tokio::try_join!(db.count_prospects(filter), db.count_researched_since(filter, today))?;
                let (per_call, source) = self.cost_per_call(crate::llm::pipeline::RESEARCH_WORKFLOW).await?;
                Loaded::BulkEstimate {
                    filter: filter.clone(),
                    count,
                    researched_today,
                    cost: per_call * count as f64,
                    source,
                }
            }
            Request::BulkResearch { filter, drafts } => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let ids = db.prospect_ids(filter, 100_000).await?;
                let (queued, stopped) = submit_all(runner, ids, *drafts, None, "offer_email");
                if let Some(e) = stopped {
                    return Ok(Loaded::Written {
                        message: format!("queued {queued}; stopped: {e}"),
                        prospect_id: None,
                    });
                }
                Loaded::Written {
                    message: format!(
                        "queued {} for {queued} prospects: the Jobs view shows progress",
                        if *drafts { "drafts" } else { "research" }
                    ),
                    prospect_id: None,
                }
            }
            Request::CancelJob { id } => {
                let runner = self.jobs.as_ref().map_err(|e| eyre::eyre!("{e}"))?;
                let message = if runner.cancel(*id) {
                    format!("cancelled job {id}")
                } else {
                    format!("job {id} had already finished")
                };
                Loaded::Written { message, prospect_id: None }
            }
            r @ (Request::EstimateMatch { .. }
            | Request::EventInvitations { .. }
            | Request::ApproveInvitations { .. }) => {
                crate::app::matching::execute(db, self.jobs.as_ref(), r.clone()).await?
            }
            Request::Write(w) => self.write(w, retry).await?,
            Request::Day(r) => self.day_request(r).await?,
        })
    }

    /// What one call of `workflow` is likely to cost, and where the figure
    /// comes from: the configured model's own recent calls (another model's
    /// prices would say nothing about this one), else its price at typical
    /// token counts.
    pub(super) async fn cost_per_call(&self, workflow: &str) -> Result<(f64, String)> {
        Ok(match &self.estimate {
            Some((model, typical)) => match self.db.average_cost(workflow, model, 30).await? {
                Some((avg, n)) => (avg, format!("{model}'s average over its last {n} {workflow} call(s)")),
                None => match typical {
                    Some(c) => (*c, format!("~2,900 tokens a call at {model}'s price")),
                    None => (0.0, format!("no price known for {model}")),
                },
            },
            None => (0.0, "LLM jobs are not set up".to_string()),
        })
    }

    async fn placeholder_context(&self, prospect_id: i32, event_id: Option<i32>) -> Result<PlaceholderContext> {
        let db = &self.db;
        let detail = db.prospect_detail(prospect_id).await?;
        let event = match event_id {
            Some(id) => db.event(id).await?,
            None => None,
        };
        // The values go into text that is copied, written to files, logged
        // as sent and pasted into emails: cleaned like anything shown.
        let clean = |s: &str| crate::sanitize::line(s).into_owned();
        Ok(PlaceholderContext {
            full_name: detail.as_ref().map(|d| clean(&d.prospect.full_name)).unwrap_or_default(),
            company: detail.as_ref().map(|d| clean(&d.company.name)).unwrap_or_default(),
            event: event.as_ref().map(|e| clean(&format!("{} in {}", e.event_type, e.location))),
            event_date: event.as_ref().map(|e| e.event_date.format("%Y-%m-%d").to_string()),
            location: detail.and_then(|d| d.prospect.location).map(|l| clean(&l)),
        })
    }

    async fn write(&self, w: &Write, retry: bool) -> Result<Loaded> {
        let db = &self.db;
        let message = w.describe();
        let prospect_id = match w {
            Write::SetStatus { prospect_id, status } => Some(db.set_prospect_status(*prospect_id, status).await?.id),
            Write::SetActive { prospect_id, active } => Some(db.set_prospect_active(*prospect_id, *active).await?.id),
            Write::SaveProspect { id, expected, input, company } => {
                Some(db.save_prospect(*id, expected.as_ref(), input, company, retry).await?.id)
            }
            Write::UpdateCompany { id, input } => {
                db.update_company(*id, input).await?;
                None
            }
            Write::CreateInteraction(input) => Some(db.create_interaction(input).await?.prospect_id),
            Write::SaveDraft { key, draft_id, input, expected, mark_sent } => {
                let outcome = match (draft_id, expected) {
                    (None, _) => SaveOutcome::Saved(db.create_draft(input).await?),
                    (Some(id), Some(expected)) if *mark_sent => {
                        // What was sent is the filled text, not the template.
                        let ctx = self.placeholder_context(input.prospect_id, input.event_id).await?;
                        let filled = crate::app::editor::render_placeholders(&input.content, &ctx);
                        let (subject, body) = crate::app::editor::sent_message(&filled, &input.content)
                            .ok_or_else(|| eyre::eyre!("nothing to send: the draft is empty or only placeholders"))?;
                        db.mark_draft_sent(*id, input, *expected, &subject, &body).await?
                    }
                    (Some(id), Some(expected)) => db.save_draft(*id, input, *expected).await?,
                    (Some(id), None) => eyre::bail!("draft #{id} was opened without its version"),
                };
                // The recovery file is the app's to remove: only it knows
                // whether the editor's text still equals what was saved.
                return Ok(Loaded::DraftSaved { key: key.clone(), outcome: Box::new(outcome), mark_sent: *mark_sent });
            }
            Write::DeleteDraft { id, key } => {
                db.delete_draft(*id).await?;
                self.recovery.submit(key, None);
                None
            }
            Write::Change(c) => return self.change(c).await,
        };
        let done = if matches!(w, Write::DeleteDraft { .. }) { "done" } else { "saved" };
        Ok(Loaded::Written { message: format!("{done}: {message}"), prospect_id })
    }
}

/// Queues a research job (or, with `drafts`, a draft of `draft_type`) per
/// prospect, in order. Returns how many were queued, and why it stopped
/// early if it did (the queue refused one).
pub(super) fn submit_all(
    runner: &crate::llm::JobRunner,
    ids: impl IntoIterator<Item = i32>,
    drafts: bool,
    event_id: Option<i32>,
    draft_type: &str,
) -> (i64, Option<String>) {
    let mut queued = 0;
    for id in ids {
        let kind = if drafts {
            JobKind::Draft { prospect_id: id, event_id, draft_type: draft_type.into() }
        } else {
            JobKind::Research { prospect_id: id }
        };
        if let Err(e) = runner.submit(kind) {
            return (queued, Some(e.to_string()));
        }
        queued += 1;
    }
    (queued, None)
}
