//! Saving drafts (items 6 and 8): stored bytes kept when nothing was edited,
//! discarded text never sent, conflicts after a resend asked again, and a
//! draft marked sent through a conflict.

use closer::app::action::Action;
use closer::app::editor::EditorPrompt;
use closer::db::drafts::DraftInput;
use closer::db::{Db, OpenOptions};
use crossterm::event::KeyCode;

use super::{app_with, assert_screen_clean, editor, first_draft, open_draft, temp_dir};
use crate::support::{self, ch, ctrl, key, press, typed};

/// Item 8: opening a draft with tabs and CRs and saving it unedited (or
/// with only its type changed) keeps the stored bytes.
#[tokio::test]
async fn an_unedited_draft_saves_byte_for_byte() {
    let (db, _) = support::demo_db(10).await;
    let dir = temp_dir("bytes");
    let draft = first_draft(&db).await;
    let stored = "Dear\tteam,\r\nline two\rbare CR\r\n\ttabbed \u{1b}[31mred\u{1b}[0m end";
    sqlx::query("UPDATE outreach_drafts SET content = $2 WHERE id = $1")
        .bind(draft.id)
        .bind(stored)
        .execute(&db.pool)
        .await
        .unwrap();
    let (mut app, io) = app_with(&db, &dir).await;
    open_draft(&mut app, &io, draft.id).await;
    assert!(!editor(&app).is_modified(), "opening changes nothing");
    assert_screen_clean(&app);
    press(&mut app, &io, [ctrl('s')]).await;
    assert_eq!(db.draft(draft.id).await.unwrap().unwrap().content, stored);
    press(&mut app, &io, [ctrl('t'), ctrl('s')]).await;
    let after = db.draft(draft.id).await.unwrap().unwrap();
    assert_ne!(after.draft_type, draft.draft_type, "the type changed");
    assert_eq!(after.content, stored, "the text did not");
}

/// Item 6: "discard" at Unsaved changes drops the queued save too, so the
/// discarded text never lands when the database comes back.
#[tokio::test]
async fn discarded_text_is_not_sent_when_the_database_returns() {
    let (_, direct_url) = support::demo_db(10).await;
    let mut proxy = support::Proxy::start().await;
    let url = proxy.url(&support::database_name(&direct_url));
    let opts = OpenOptions { max_connections: 2, connect_timeout: std::time::Duration::from_secs(2) };
    let (db, _) = Db::open(&url, &opts).await.unwrap();
    let (direct, _) = Db::open(&direct_url, &OpenOptions::default()).await.unwrap();
    let draft = first_draft(&direct).await;
    let dir = temp_dir("discard");
    let (mut app, io) = app_with(&db, &dir).await;

    // A new draft and an edit of an existing one, both queued offline, then discarded.
    for existing in [false, true] {
        if existing {
            open_draft(&mut app, &io, draft.id).await;
        } else {
            press(&mut app, &io, [ch('1'), ch('d')]).await;
        }
        press(&mut app, &io, typed(" DISCARDED TEXT")).await;
        proxy.cut();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        press(&mut app, &io, [ctrl('s')]).await;
        assert!(editor(&app).waiting_for_database, "{:?}", editor(&app).message);
        assert_eq!(app.state.pending_writes.len(), 1);
        press(&mut app, &io, [key(KeyCode::Esc), ch('d')]).await;
        assert!(app.state.popup.is_none());
        assert!(app.state.pending_writes.is_empty(), "the queued save is dropped");
        proxy.restore().await;
        let requests = app.update(Action::Connection { up: true });
        io.settle(&mut app, requests).await;
        let landed: i64 = sqlx::query_scalar("SELECT count(*) FROM outreach_drafts WHERE content LIKE '%DISCARDED%'")
            .fetch_one(&direct.pool)
            .await
            .unwrap();
        assert_eq!(landed, 0, "discarded text reached the database (existing draft: {existing})");
    }
    let files: Vec<_> = std::fs::read_dir(dir.join("recovery")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(files.iter().all(|f| !f.file_name().to_string_lossy().ends_with(".json")), "{files:?}");
}

/// Item 6: a queued save that meets someone else's change after the
/// reconnect offers the choice again, even with the editor closed.
#[tokio::test]
async fn a_conflict_after_a_resend_asks_again() {
    let (_, direct_url) = support::demo_db(10).await;
    let mut proxy = support::Proxy::start().await;
    let url = proxy.url(&support::database_name(&direct_url));
    let opts = OpenOptions { max_connections: 2, connect_timeout: std::time::Duration::from_secs(2) };
    let (db, _) = Db::open(&url, &opts).await.unwrap();
    let (direct, _) = Db::open(&direct_url, &OpenOptions::default()).await.unwrap();
    let draft = first_draft(&direct).await;
    let (mut app, io) = app_with(&db, &temp_dir("resend")).await;
    open_draft(&mut app, &io, draft.id).await;
    press(&mut app, &io, typed(" QUEUED")).await;
    proxy.cut();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    press(&mut app, &io, [ctrl('s')]).await;
    assert_eq!(app.state.pending_writes.len(), 1);
    // The editor goes away (as when another view replaced it) with the save still queued.
    app.state.popup = None;
    let input = DraftInput {
        prospect_id: draft.prospect_id,
        event_id: draft.event_id,
        draft_type: draft.draft_type.clone(),
        content: "SOMEONE ELSE".into(),
        status: draft.status.clone(),
    };
    direct.save_draft(draft.id, &input, draft.updated_at).await.unwrap();
    proxy.restore().await;
    let requests = app.update(Action::Connection { up: true });
    io.settle(&mut app, requests).await;
    let e = editor(&app);
    let EditorPrompt::Conflict(theirs) = &e.prompt else { panic!("the choice is offered: {:?}", e.prompt) };
    assert_eq!(theirs.content, "SOMEONE ELSE");
    assert!(e.text().contains(" QUEUED"), "{}", e.text());
    assert_eq!(direct.draft(draft.id).await.unwrap().unwrap().content, "SOMEONE ELSE", "nothing overwritten");
}

/// F5, y, then a conflict, then "mine": the draft is still marked sent and
/// the email logged, not quietly only saved.
#[tokio::test]
async fn mark_sent_survives_a_conflict_resolved_as_mine() {
    let (db, url) = support::demo_db(10).await;
    let (mut app, io) = app_with(&db, &temp_dir("sent-mine")).await;
    let draft: closer::db::models::OutreachDraft = {
        let id: i32 = sqlx::query_scalar("SELECT min(id) FROM outreach_drafts WHERE status <> 'sent'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.draft(id).await.unwrap().unwrap()
    };
    open_draft(&mut app, &io, draft.id).await;
    press(&mut app, &io, typed("Hello there. ")).await;
    press(&mut app, &io, [ctrl('s')]).await;
    let (other, _) = Db::open(&url, &OpenOptions::default()).await.unwrap();
    let current = other.draft(draft.id).await.unwrap().unwrap();
    let theirs = DraftInput {
        prospect_id: current.prospect_id,
        event_id: current.event_id,
        draft_type: current.draft_type.clone(),
        content: "THEIRS".into(),
        status: current.status.clone(),
    };
    other.save_draft(draft.id, &theirs, current.updated_at).await.unwrap();
    press(&mut app, &io, [key(KeyCode::F(5)), ch('y')]).await;
    assert!(matches!(editor(&app).prompt, EditorPrompt::Conflict(_)), "{:?}", editor(&app).prompt);
    press(&mut app, &io, [ch('m')]).await;
    assert_eq!(db.draft(draft.id).await.unwrap().unwrap().status, "sent");
    let logged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM interactions WHERE prospect_id = $1 AND outcome = 'sent from Closer'")
            .bind(draft.prospect_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(logged, 1);
}
