//! Hostile data in every table: escape sequences (OSC title and clipboard
//! writes, CSI, C1), bidi, zero-width and tag characters, 400 KB texts, JSON
//! of every shape with hostile keys, and numbers no honest writer would
//! store (negative, NaN, infinite, prompt tokens above the total). Every
//! pane is drawn over it at several sizes; no frame may panic, and no cell
//! may hold a character that would reach the terminal as a control.

use closer::app::io::Io;
use closer::app::state::{Popup, View};
use closer::app::App;
use closer::config::Config;
use closer::db::Db;
use crossterm::event::KeyCode;

use crate::support::{self, ch, key, press};

/// One string with every trick: the payloads of the sequences say PWNED, so
/// a sequence that is only half removed shows up as text.
pub const HOSTILE: &str = "A\u{1b}]0;PWNED\u{7}B\u{1b}]52;c;UFdORUQ=\u{7}C\u{9d}0;PWNED\u{9c}D\u{1b}[2J\u{1b}[31mE\
\u{202E}F\u{2066}G\u{200B}H\u{FEFF}I\u{2028}J\u{E0050}K\u{8}\u{7f}L\u{85}M\tN\rO 王 👋 \u{1b}P1;PWNED\u{1b}\\Z";

/// `HOSTILE` cut to fit a VARCHAR(255) column.
fn short() -> String {
    HOSTILE.chars().take(255).collect()
}

fn long() -> String {
    let mut s = String::new();
    while s.len() < 400 * 1024 {
        s.push_str(HOSTILE);
        s.push('\n');
    }
    s
}

fn json_shapes() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!({ HOSTILE: HOSTILE, "n": {HOSTILE: [HOSTILE, 1, null, true]} }),
        json!([HOSTILE, {"name": HOSTILE, "reason": HOSTILE}, {"id": -1, "name": HOSTILE}, [[[HOSTILE]]]]),
        json!(HOSTILE),
        json!(null),
        json!(12345678901234567890u64),
        json!(-1.5e300),
        json!({}),
        json!([]),
    ]
}

/// Loads the hostile rows into an empty Closer database.
pub async fn load(db: &Db) {
    let p = &db.pool;
    let (s, l) = (short(), long());
    let industry: i32 = sqlx::query_scalar(
        "INSERT INTO industries (name, created_at, updated_at) VALUES ($1, now(), now()) RETURNING id",
    )
    .bind(&s)
    .fetch_one(p)
    .await
    .unwrap();
    let company: i32 = sqlx::query_scalar(
        "INSERT INTO companies (name, industry_id, size, website, created_at, updated_at)
         VALUES ($1, $2, $1, $1, now(), now()) RETURNING id",
    )
    .bind(&s)
    .bind(industry)
    .fetch_one(p)
    .await
    .unwrap();
    let shapes = json_shapes();
    let mut prospects = Vec::new();
    let mut events = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        let contacted = match i % 3 {
            0 => Some("9999-12-31 23:59:59"),
            1 => None,
            _ => Some("0001-01-01 00:00:00"),
        };
        let id: i32 = sqlx::query_scalar(
            "INSERT INTO prospects (full_name, email, linkedin_url, location, company_id, last_contacted_at,
                                    is_active, status, created_at, updated_at)
             VALUES ($1, $1, $1, $1, $2, $3::timestamp, $4, 'NEW', now(), now()) RETURNING id",
        )
        .bind(&s)
        .bind(company)
        .bind(contacted)
        .bind(i % 2 == 0)
        .fetch_one(p)
        .await
        .unwrap();
        prospects.push(id);
        let event: i32 = sqlx::query_scalar(
            "INSERT INTO events (event_type, event_date, description, location, target_industries, target_roles,
                                 solutions_featured, status, created_at, updated_at)
             VALUES ($1, now() + ($4 || ' days')::interval, $2, $1, $3, $3, $3, $1, now(), now()) RETURNING id",
        )
        .bind(&s)
        .bind(&l)
        .bind(shape)
        .bind(((i as i64) - 3).to_string())
        .fetch_one(p)
        .await
        .unwrap();
        events.push(event);
        let solution: i32 = sqlx::query_scalar(
            "INSERT INTO solutions (name, category, description, use_cases, keywords, pricing_model,
                                    created_at, updated_at)
             VALUES ($1, $1, $2, $3, $3, 'SUBSCRIPTION', now(), now()) RETURNING id",
        )
        .bind(&s)
        .bind(&l)
        .bind(shape)
        .fetch_one(p)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO industry_solutions (industry_id, solution_id, created_at, updated_at)
             VALUES ($1, $2, now(), now())",
        )
        .bind(industry)
        .bind(solution)
        .execute(p)
        .await
        .unwrap();
        for t in ["EMAIL", "MEETING", "CALL"] {
            sqlx::query(
                "INSERT INTO interactions (prospect_id, event_id, interaction_type, interaction_date, subject, content,
                                           sentiment, outcome, created_at, updated_at)
                 VALUES ($1, $2, $3::interaction_types, now(), $4, $5, $4, $5, now(), now())",
            )
            .bind(id)
            .bind(event)
            .bind(t)
            .bind(&s)
            .bind(&l)
            .execute(p)
            .await
            .unwrap();
        }
        sqlx::query(
            "INSERT INTO outreach_drafts (prospect_id, event_id, draft_type, content, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $3, now(), now())",
        )
        .bind(id)
        .bind(event)
        .bind(&s)
        .bind(&l)
        .execute(p)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO prospect_research (prospect_id, research_summary, key_insights, recommended_solutions,
                                            confidence_score, created_at, updated_at)
             VALUES ($1, $2, $3, $3, $4, now(), now())",
        )
        .bind(id)
        .bind(&l)
        .bind(shape)
        .bind([f64::NAN, f64::INFINITY, -1.0, 1e308, 0.5][i % 5])
        .execute(p)
        .await
        .unwrap();
    }
    // Usage rows whose numbers disagree with each other and with sense.
    let rows: [(i32, i32, i32, i32, f64); 7] = [
        (2_000_000_000, 5, 10, 100, 0.01),
        (2_000_000_000, -7, 3, -50, -5.0),
        (-1, -1, -1, 0, f64::NAN),
        (0, 0, 0, i32::MAX, f64::INFINITY),
        (5, 5, 10, i32::MIN, f64::NEG_INFINITY),
        (i32::MAX, i32::MAX, i32::MIN, 1, 1e300),
        (1, 1, 2, 1, 0.0),
    ];
    for (i, (prompt, completion, total, latency, cost)) in rows.iter().enumerate() {
        sqlx::query(
            "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens,
                                         total_tokens, latency_ms, cost, created_at, updated_at)
             VALUES ($1, $1, $2, $3, $4, $5, $6, $7, now() - ($8 || ' hours')::interval, now())",
        )
        .bind(&s)
        .bind(if i % 2 == 0 { s.clone() } else { format!("model-{i}") })
        .bind(prompt)
        .bind(completion)
        .bind(total)
        .bind(latency)
        .bind(cost)
        .bind((i * 5).to_string())
        .execute(p)
        .await
        .unwrap();
    }
}

/// Fails on any cell a terminal would take as a control, or any text that
/// only a half-removed escape sequence would leave.
fn assert_clean(app: &App, what: &str) -> String {
    let (w, h) = app.state.size;
    let buf = closer::ui::render_to_buffer(app, w, h);
    for (i, cell) in buf.content().iter().enumerate() {
        let bad: Vec<char> = cell.symbol().chars().filter(|c| unsafe_char(*c)).collect();
        assert!(bad.is_empty(), "{what} at {w}x{h}: cell {i} holds {bad:?}\n{}", closer::ui::buffer_text(&buf));
    }
    let text = closer::ui::buffer_text(&buf);
    for leftover in ["PWNED", "]0;", "52;c", "[31m", "[2J"] {
        assert!(!text.contains(leftover), "{what} at {w}x{h}: {leftover:?} on screen\n{text}");
    }
    text
}

/// The test's own list, independent of the sanitiser it checks.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
        || ('\u{E0000}'..='\u{E007F}').contains(&c)
}

#[tokio::test]
async fn every_pane_draws_hostile_rows_safely() {
    let (db, _) = support::fresh_db().await;
    load(&db).await;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = std::env::temp_dir().join(format!("closer-it-hostile-{}", std::process::id()));
    let io = Io::new(db.clone(), tx).with_data_dir(dir);
    for size in [(120u16, 40u16), (80, 24), (60, 15)] {
        let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), size);
        let first = app.start();
        io.settle(&mut app, first).await;
        if matches!(app.state.popup, Some(Popup::Recover { .. })) {
            press(&mut app, &io, [key(KeyCode::Esc)]).await;
        }
        assert!(app.state.prospects.total.unwrap_or(0) > 0, "the hostile prospects load");
        let text = assert_clean(&app, "prospects");
        assert!(text.contains("ABCD"), "the hostile rows are on screen, cleaned:\n{text}");
        for (keys, what) in [
            (vec![key(KeyCode::Tab)], "detail"),
            (vec![key(KeyCode::Tab)], "timeline"),
            (vec![key(KeyCode::Enter)], "interaction popup"),
            (vec![key(KeyCode::Esc), ch('j'), ch('j')], "next prospects"),
            (vec![ch('?')], "help"),
            (vec![key(KeyCode::Esc), ch('e')], "prospect form"),
            (vec![key(KeyCode::Esc), ch('c')], "company form"),
            (vec![key(KeyCode::Esc), ch('l')], "interaction form"),
            (vec![key(KeyCode::Esc), ch('S')], "status picker"),
            (vec![key(KeyCode::Esc), ch('2')], "events"),
            (vec![ch('j'), ch('j'), ch('j')], "more events"),
            (vec![key(KeyCode::Tab)], "event detail"),
            (vec![ch('3')], "solutions"),
            (vec![ch('j'), ch('i')], "solutions by industry"),
            (vec![ch('4')], "costs"),
            (vec![ch('o'), ch('o'), ch('o')], "costs, all time"),
            (vec![key(KeyCode::Tab)], "costs by workflow"),
            (vec![key(KeyCode::Enter)], "costs drilled in"),
            (vec![ch('5')], "drafts"),
            (vec![ch('j')], "next draft"),
            (vec![key(KeyCode::Enter)], "draft editor"),
            (vec![key(KeyCode::F(2))], "draft preview"),
            (vec![key(KeyCode::Esc), key(KeyCode::Esc), ch('0')], "today"),
            (vec![ch('j'), ch('z')], "today, snooze picker"),
            (vec![key(KeyCode::Esc), ch('6')], "jobs"),
        ] {
            press(&mut app, &io, keys).await;
            let text = assert_clean(&app, what);
            if what == "costs, all time" && size.0 >= 80 {
                assert!(text.contains("calls"), "the odd usage rows are summed and drawn:\n{text}");
            }
        }
        assert_eq!(app.state.view, View::Jobs);
    }
}

/// Summed prompt tokens above the summed total (a shared database may hold
/// them) once made the cost view's bar ask for a capacity overflow.
#[tokio::test]
async fn the_cost_view_survives_prompt_tokens_above_the_total() {
    let (db, _) = support::fresh_db().await;
    sqlx::query(
        "INSERT INTO llm_usage_logs (worfklow_name, node_name, model, prompt_tokens, completion_tokens, total_tokens,
                                     latency_ms, cost, created_at, updated_at)
         VALUES ('w', 'n', 'm', 900, 5, 10, 100, 0.5, now(), now())",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let io = Io::new(db.clone(), tx);
    let mut app = App::new(&Config::defaults(), db.enums.clone(), "db".into(), (120, 40));
    let first = app.start();
    io.settle(&mut app, first).await;
    press(&mut app, &io, [ch('4')]).await;
    let text = assert_clean(&app, "costs");
    assert!(text.contains("1 calls"), "{text}");
}
