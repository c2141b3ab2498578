//! The I/O layer: every database call runs on a tokio task and comes back
//! to the event loop as an [`Action`]. The event loop never awaits a query.
//! Writes that fail because the connection is down are retried with
//! backoff, then reported as failed; none is dropped silently.

use std::time::Duration;

use color_eyre::eyre::{self, Result};
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Loaded};
use crate::db::companies::CompanyInput;
use crate::db::interactions::InteractionInput;
use crate::db::prospects::{ProspectFilter, ProspectInput, ProspectSort};
use crate::db::usage::{UsageGroup, UsageRange};
use crate::db::Db;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    ProspectPage { generation: u64, page: i64, page_size: i64, filter: ProspectFilter, sort: ProspectSort },
    ProspectCount { generation: u64, filter: ProspectFilter },
    Detail { prospect_id: i32 },
    Timeline { prospect_id: i32, limit: i64 },
    Interaction { id: i32 },
    Events,
    Attendees { event_id: i32 },
    Catalog,
    Industries,
    Counts,
    Costs { range: UsageRange },
    Write(Write),
}

/// The company a prospect form names: an existing one, or one to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyRef {
    Existing(i32),
    ByName { name: String, industry_id: i32, size: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    SetStatus { prospect_id: i32, status: String },
    SetActive { prospect_id: i32, active: bool },
    SaveProspect { id: Option<i32>, input: ProspectInput, company: CompanyRef },
    UpdateCompany { id: i32, input: CompanyInput },
    CreateInteraction(InteractionInput),
}

impl Request {
    /// Requests with the same key answer the same question ("the detail
    /// pane", "page 3 of the list"); only the newest one is worth running.
    /// Holding `j` sends one per row passed; the older ones are skipped
    /// before they take a connection, so the queue never grows.
    fn supersede_key(&self) -> Option<String> {
        Some(match self {
            Request::ProspectPage { page, .. } => format!("page:{page}"),
            Request::ProspectCount { .. } => "count".into(),
            Request::Detail { .. } => "detail".into(),
            Request::Timeline { .. } => "timeline".into(),
            Request::Interaction { .. } => "interaction".into(),
            Request::Attendees { .. } => "attendees".into(),
            Request::Costs { .. } => "costs".into(),
            _ => return None,
        })
    }
}

impl Write {
    pub fn describe(&self) -> String {
        match self {
            Write::SetStatus { status, .. } => format!("set status to {status}"),
            Write::SetActive { active, .. } => format!("mark {}", if *active { "active" } else { "inactive" }),
            Write::SaveProspect { id: None, input, .. } => format!("add prospect {}", input.full_name),
            Write::SaveProspect { input, .. } => format!("save prospect {}", input.full_name),
            Write::UpdateCompany { input, .. } => format!("save company {}", input.name),
            Write::CreateInteraction(i) => format!("log interaction {:?}", i.subject),
        }
    }
}

#[derive(Clone)]
pub struct Io {
    db: Db,
    tx: UnboundedSender<Action>,
    monitor_running: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The newest sequence number sent per supersede key.
    latest: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    seq: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// One permit per pooled connection: a request waits here, not inside
    /// the pool, so that it can still be skipped when superseded.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Delays between attempts of a write whose connection failed.
const WRITE_BACKOFF_MS: [u64; 5] = [250, 500, 1000, 2000, 4000];

impl Io {
    pub fn new(db: Db, tx: UnboundedSender<Action>) -> Self {
        let permits =
            std::sync::Arc::new(tokio::sync::Semaphore::new(db.pool.options().get_max_connections().max(1) as usize));
        Self {
            db,
            tx,
            monitor_running: Default::default(),
            latest: Default::default(),
            seq: Default::default(),
            permits,
        }
    }

    pub fn send(&self, request: Request) {
        let this = self.clone();
        let key = request.supersede_key();
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(k) = &key {
            self.latest.lock().expect("not poisoned").insert(k.clone(), seq);
        }
        tokio::spawn(async move {
            let _permit = this.permits.clone().acquire_owned().await;
            let superseded =
                key.as_ref().is_some_and(|k| this.latest.lock().expect("not poisoned").get(k) != Some(&seq));
            if superseded {
                let _ = this.tx.send(Action::Loaded(Box::new(Loaded::Superseded)));
                return;
            }
            let is_write = matches!(request, Request::Write(_));
            let mut attempt = 0;
            loop {
                match this.execute(&request).await {
                    Ok(loaded) => {
                        let _ = this.tx.send(Action::Loaded(Box::new(loaded)));
                        return;
                    }
                    Err(e) => {
                        let retryable = is_connection_error(&e);
                        if retryable {
                            let _ = this.tx.send(Action::Connection { up: false });
                            this.watch_connection();
                        }
                        if is_write && retryable && attempt < WRITE_BACKOFF_MS.len() {
                            tokio::time::sleep(Duration::from_millis(WRITE_BACKOFF_MS[attempt])).await;
                            attempt += 1;
                            continue;
                        }
                        let error = crate::db::url::mask(&format!("{e:#}"));
                        tracing::warn!(?request, %error, "request failed");
                        let _ = this.tx.send(Action::Failed { request: Box::new(request), error, retryable });
                        return;
                    }
                }
            }
        });
    }

    /// Runs one request to completion and returns its answer as an action
    /// (benchmarks and tests drive the app this way, without a terminal).
    pub async fn answer(&self, request: Request) -> Action {
        match self.execute(&request).await {
            Ok(loaded) => Action::Loaded(Box::new(loaded)),
            Err(e) => {
                let retryable = is_connection_error(&e);
                Action::Failed { request: Box::new(request), error: crate::db::url::mask(&format!("{e:#}")), retryable }
            }
        }
    }

    /// Feeds `requests` and every follow-up request to the app until it
    /// asks for nothing more. Requests run concurrently, as in the app.
    pub async fn settle(&self, app: &mut super::App, requests: Vec<Request>) {
        let mut pending = requests;
        while !pending.is_empty() {
            let answers = futures_util::future::join_all(pending.drain(..).map(|r| self.answer(r))).await;
            for a in answers {
                pending.extend(app.update(a));
            }
        }
    }

    /// Pings with backoff until the database answers, then says so once.
    fn watch_connection(&self) {
        use std::sync::atomic::Ordering;
        if self.monitor_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(250);
            loop {
                tokio::time::sleep(delay).await;
                if this.db.ping().await {
                    this.monitor_running.store(false, Ordering::SeqCst);
                    let _ = this.tx.send(Action::Connection { up: true });
                    return;
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        });
    }

    async fn execute(&self, request: &Request) -> Result<Loaded> {
        let db = &self.db;
        Ok(match request {
            Request::ProspectPage { generation, page, page_size, filter, sort } => {
                let rows = db.list_prospects(filter, *sort, page * page_size, *page_size).await?;
                Loaded::ProspectPage { generation: *generation, page: *page, rows }
            }
            Request::ProspectCount { generation, filter } => {
                Loaded::ProspectCount { generation: *generation, total: db.count_prospects(filter).await? }
            }
            Request::Detail { prospect_id } => {
                let id = *prospect_id;
                let (detail, research, drafts) =
                    tokio::try_join!(db.prospect_detail(id), db.research_for_prospect(id), db.drafts_for_prospect(id))?;
                Loaded::Detail { prospect_id: id, detail, research, drafts }
            }
            Request::Timeline { prospect_id, limit } => {
                let id = *prospect_id;
                let (items, total) = tokio::try_join!(db.timeline(id, 0, *limit), db.count_interactions(id))?;
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
            Request::Catalog => Loaded::Catalog(db.catalog(None).await?),
            Request::Industries => Loaded::Industries(db.industries().await?),
            Request::Counts => Loaded::Counts(db.counts().await?),
            Request::Costs { range } => {
                let (totals, by_model, by_day, month_cost) = tokio::try_join!(
                    db.usage_totals(*range),
                    db.usage_breakdown(*range, UsageGroup::Model),
                    db.usage_breakdown(*range, UsageGroup::Day),
                    db.month_to_date_cost()
                )?;
                Loaded::Costs { totals, by_model, by_day, month_cost }
            }
            Request::Write(w) => self.write(w).await?,
        })
    }

    async fn write(&self, w: &Write) -> Result<Loaded> {
        let db = &self.db;
        let message = w.describe();
        let prospect_id = match w {
            Write::SetStatus { prospect_id, status } => Some(db.set_prospect_status(*prospect_id, status).await?.id),
            Write::SetActive { prospect_id, active } => Some(db.set_prospect_active(*prospect_id, *active).await?.id),
            Write::SaveProspect { id, input, company } => {
                let company_id = match company {
                    CompanyRef::Existing(id) => *id,
                    CompanyRef::ByName { name, industry_id, size } => {
                        let found = db.companies(name, 50).await?;
                        match found.iter().find(|c| c.name.eq_ignore_ascii_case(name.trim())) {
                            Some(c) => c.id,
                            None => {
                                let input = CompanyInput {
                                    name: name.clone(),
                                    industry_id: *industry_id,
                                    size: size.clone(),
                                    website: None,
                                };
                                db.create_company(&input).await?.id
                            }
                        }
                    }
                };
                let input = ProspectInput { company_id, ..input.clone() };
                Some(match id {
                    Some(id) => db.update_prospect(*id, &input).await?.id,
                    None => db.create_prospect(&input).await?.id,
                })
            }
            Write::UpdateCompany { id, input } => {
                db.update_company(*id, input).await?;
                None
            }
            Write::CreateInteraction(input) => Some(db.create_interaction(input).await?.prospect_id),
        };
        Ok(Loaded::Written { message: format!("saved: {message}"), prospect_id })
    }
}

/// True when the error means "the database is unreachable", not "the query is wrong".
pub fn is_connection_error(e: &eyre::Report) -> bool {
    e.chain().any(|cause| match cause.downcast_ref::<sqlx::Error>() {
        Some(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)) => true,
        Some(sqlx::Error::Protocol(_)) => true,
        Some(sqlx::Error::Database(d)) => {
            d.code().map(|c| c.starts_with("08") || c == "57P01" || c == "57P03").unwrap_or(false)
        }
        _ => false,
    })
}
