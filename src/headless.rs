//! `closer research ID...` and `closer draft ID`: the background workflows
//! from the command line, for scripts and cron. A progress bar goes to
//! standard error (when it is a terminal); results go to standard output;
//! the exit status is non-zero when any job fails.

use std::io::{IsTerminal, Write};

use color_eyre::eyre::{bail, eyre, Result};

use crate::config::Config;
use crate::db::Db;
use crate::llm::{start_jobs, JobKind, JobState};

pub async fn run(config: &Config, db: Db, kinds: Vec<JobKind>) -> Result<()> {
    let research_move =
        crate::app::flow::resolve(&config.status_flow, &db.enums, &crate::app::flow::Trigger::ResearchSaved);
    let mut jobs = start_jobs(config, db.clone()).map_err(|e| eyre!(e))?;
    let total = kinds.len();
    for k in kinds {
        jobs.runner.submit(k).map_err(|e| eyre!(e))?;
    }
    let tty = std::io::stderr().is_terminal();
    let (mut done, mut failed, mut calls, mut cost) = (0usize, 0usize, 0u32, 0.0f64);
    while done + failed < total {
        let Some(u) = jobs.updates.recv().await else { break };
        match &u.state {
            JobState::Done(what) => {
                done += 1;
                if tty {
                    eprint!("\r{:60}\r", "");
                }
                print!("{}", written(&db, &u.kind, what).await);
                println!("    {} · {} call(s) · ${:.6}", u.kind.label(), u.calls, u.cost);
                // Research saved moves the prospect on ([status_flow.research_saved]).
                if let (JobKind::Research { prospect_id }, Some(mv)) = (&u.kind, &research_move) {
                    match db.move_status(&[*prospect_id], &mv.from, &mv.to).await {
                        Ok(c) if !c.ids.is_empty() => println!(
                            "prospect #{prospect_id}: status {} → {} ({})",
                            crate::sanitize::line(&c.old_status[0]),
                            mv.to,
                            mv.why
                        ),
                        Ok(_) => {}
                        Err(e) => println!("prospect #{prospect_id}: status not moved: {e}"),
                    }
                }
            }
            JobState::Failed(e) => {
                failed += 1;
                println!(
                    "{}{} FAILED: {} · {} call(s) · ${:.6}",
                    who(&u.kind),
                    u.kind.label(),
                    crate::sanitize::line(e),
                    u.calls,
                    u.cost
                );
            }
            JobState::Cancelled => failed += 1,
            _ => {}
        }
        if u.state.is_finished() {
            calls += u.calls;
            cost += u.cost;
        }
        if tty {
            let width = 30;
            let filled = (done + failed) * width / total.max(1);
            eprint!(
                "\r[{}{}] {}/{} · {} failed · ${:.4} ",
                "#".repeat(filled),
                "-".repeat(width - filled),
                done + failed,
                total,
                failed,
                cost
            );
            let _ = std::io::stderr().flush();
        }
    }
    if tty {
        eprintln!();
    }
    println!("{done} done, {failed} failed, {calls} LLM call(s), ${cost:.6}");
    if failed > 0 {
        bail!("{failed} of {total} job(s) failed");
    }
    Ok(())
}

/// A prospect named on the command line: its id, or its email address
/// (trimmed, any case). Several prospects with one address are listed so
/// the caller can choose by id.
pub async fn resolve(db: &Db, who: &str) -> Result<i32> {
    let who = who.trim();
    if let Ok(id) = who.parse::<i32>() {
        return match db.prospect(id).await? {
            Some(_) => Ok(id),
            None => bail!("no prospect #{id}"),
        };
    }
    if !who.contains('@') {
        bail!("{who:?} is neither a prospect id nor an email address");
    }
    let ids = db.prospect_ids_by_email(who).await?;
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => bail!("no prospect has the email address {}", crate::sanitize::line(who)),
        many => bail!(
            "{} prospects have the email address {}: use an id ({})",
            many.len(),
            crate::sanitize::line(who),
            many.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A draft type nothing knows would make a draft no filter or workflow
/// expects: refused unless `force`.
pub async fn check_draft_type(db: &Db, draft_type: &str, force: bool) -> Result<()> {
    let known = crate::db::drafts::DRAFT_TYPES.contains(&draft_type);
    if known || force {
        return Ok(());
    }
    let (_, stored) = db.draft_values().await?;
    if stored.iter().any(|t| t == draft_type) {
        return Ok(());
    }
    bail!(
        "unknown draft type {:?}: Closer knows {}{}; --force writes it anyway",
        crate::sanitize::line(draft_type),
        crate::db::drafts::DRAFT_TYPES.join(", "),
        if stored.is_empty() { String::new() } else { format!(", and this database has {}", stored.join(", ")) }
    )
}

/// What a finished job wrote, for standard output: whom it was for and
/// the research summary or the draft's text.
async fn written(db: &Db, kind: &JobKind, what: &str) -> String {
    let Some(pid) = kind.prospect_id() else {
        // Event matching reports on many prospects: its own summary says what it wrote.
        return format!("{}\n", crate::sanitize::line(what));
    };
    let name = match db.prospect(pid).await {
        Ok(Some(p)) => format!("{} (#{pid})", crate::sanitize::line(&p.full_name)),
        _ => format!("prospect #{pid}"),
    };
    let body = match (kind, crate::llm::jobs::written_draft(what)) {
        (JobKind::Draft { .. }, Some(id)) => db.draft(id).await.ok().flatten().map(|d| d.content),
        (JobKind::Research { .. }, _) => {
            db.research_for_prospect(pid).await.ok().and_then(|r| r.into_iter().next()).map(|r| r.research_summary)
        }
        _ => None,
    };
    let body = body
        .map(|b| crate::sanitize::multiline(&b).lines().map(|l| format!("    {l}\n")).collect::<String>())
        .unwrap_or_default();
    format!("{name}: {}\n{body}", crate::sanitize::line(what))
}

/// "prospect #12: " for a job about one prospect.
fn who(kind: &JobKind) -> String {
    kind.prospect_id().map(|id| format!("prospect #{id}: ")).unwrap_or_default()
}
