//! generate_invitations: one `event_invitation` draft (status `draft`, the
//! event's id set) per selected prospect, written by the outreach
//! workflow's drafting node so prompts and validation are shared. A
//! prospect who got a draft for the event meanwhile (another run, another
//! Closer) is skipped before the call and again at the write, which is
//! atomic, so no one is ever invited twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use futures_util::{FutureExt, StreamExt};

use super::{Progress, Ranked, INVITATION_TYPE, INVITE_NODE, MATCH_WORKFLOW};
use crate::db::drafts::DraftInput;
use crate::llm::pipeline::{DraftRequest, JobError, Pipeline, Spend};

pub(super) const INVITED_MEANWHILE: &str = "already invited (by another run meanwhile)";

pub(super) struct InviteOutcome {
    pub written: usize,
    pub stopped: Option<String>,
}

enum Written {
    Draft(i32),
    Note(String),
}

pub(super) async fn generate_invitations(
    p: &Pipeline,
    event_id: i32,
    ranked: &mut [Ranked],
    concurrency: usize,
    spend: &mut Spend,
    progress: &(dyn Fn(&Progress) + Send + Sync),
) -> InviteOutcome {
    let selected: Vec<(usize, i32, String)> = ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| r.selected)
        .map(|(i, r)| (i, r.prospect_id, r.reason.clone()))
        .collect();
    let total = selected.len();
    let stop = AtomicBool::new(false);
    let stopped: Mutex<Option<String>> = Mutex::new(None);
    let calls = selected.into_iter().map(|(i, prospect_id, reason)| {
        let (stop, stopped) = (&stop, &stopped);
        async move {
            let mut own = Spend::default();
            if stop.load(Ordering::SeqCst) {
                return (i, Written::Note("not written: the run stopped".into()), own);
            }
            let result = invite_one(p, event_id, prospect_id, &reason, &mut own).await;
            let w = match result {
                Ok(w) => w,
                Err(e @ JobError::BudgetReached { .. }) => {
                    stopped.lock().expect("not poisoned").get_or_insert_with(|| e.to_string());
                    stop.store(true, Ordering::SeqCst);
                    Written::Note("not written: the monthly budget is spent".into())
                }
                Err(e) => {
                    tracing::warn!(prospect_id, event_id, error = %e, "event_matching: invitation not written");
                    Written::Note(format!("failed: {e}"))
                }
            };
            (i, w, own)
        }
        // Boxed: the compiler cannot otherwise prove the stream Send for a spawned job.
        .boxed()
    });
    let mut stream = futures_util::stream::iter(calls).buffer_unordered(concurrency.max(1));
    let (mut written, mut done) = (0, 0);
    while let Some((i, w, own)) = stream.next().await {
        spend.calls += own.calls;
        spend.cost += own.cost;
        done += 1;
        match w {
            Written::Draft(id) => {
                ranked[i].draft_id = Some(id);
                written += 1;
            }
            Written::Note(n) => ranked[i].invitation_note = Some(n),
        }
        progress(&Progress { node: INVITE_NODE, done, total, spend: *spend });
    }
    drop(stream);
    InviteOutcome { written, stopped: stopped.into_inner().expect("not poisoned") }
}

async fn invite_one(
    p: &Pipeline,
    event_id: i32,
    prospect_id: i32,
    reason: &str,
    spend: &mut Spend,
) -> Result<Written, JobError> {
    // Invited since the candidates were found: no call, no second draft.
    if p.db.is_invited(prospect_id, event_id).await? {
        return Ok(Written::Note(INVITED_MEANWHILE.into()));
    }
    let request = DraftRequest {
        workflow: MATCH_WORKFLOW,
        node: INVITE_NODE,
        prospect_id,
        event_id: Some(event_id),
        draft_type: INVITATION_TYPE,
        why: Some(reason),
    };
    let content = p.write_draft(&request, spend).await?;
    let input = DraftInput {
        prospect_id,
        event_id: Some(event_id),
        draft_type: INVITATION_TYPE.into(),
        content,
        status: "draft".into(),
    };
    Ok(match p.db.create_invitation(&input).await? {
        Some(d) => Written::Draft(d.id),
        None => Written::Note(INVITED_MEANWHILE.into()),
    })
}
