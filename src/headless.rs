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
                println!(
                    "prospect #{}: {} → {} · {} call(s) · ${:.6}",
                    u.kind.prospect_id(),
                    u.kind.label(),
                    crate::sanitize::line(what),
                    u.calls,
                    u.cost
                );
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
                    "prospect #{}: {} FAILED: {} · {} call(s) · ${:.6}",
                    u.kind.prospect_id(),
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
