//! Every command in the help with hints using the bound keys, and hostile
//! text that never reaches the terminal.

use closer::app::action::Action;
use closer::app::state::Popup;
use closer::app::{App, Command};
use closer::config::Config;
use closer::ui::{buffer_text, render_to_buffer};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::support::screen;

#[test]
fn every_command_is_in_the_help_and_hints_use_the_bound_keys() {
    let mut config = Config::defaults();
    config.ui.keys.insert("search".into(), vec!["Ctrl-f".into()]);
    // A popup's keys are commands too: rebound, its key line follows.
    config.ui.keys.insert("form_save".into(), vec!["Ctrl-w".into()]);
    config.ui.keys.insert("editor_preview".into(), vec!["F9".into()]);
    let app = App::new(&config, Default::default(), "db".into(), (120, 72));
    let mut app = app;
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)));
    // The help scrolls: read it page by page.
    let mut text = String::new();
    for _ in 0..10 {
        text.push_str(&screen(&app));
        app.update(Action::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
    }
    for c in Command::ALL {
        assert!(text.contains(c.description()), "help lists {}", c.name());
    }
    assert!(text.contains("Ctrl-F"), "the help shows the configured key");
    assert!(text.contains("Ctrl-W") && text.contains("F9"), "and the configured popup keys");
    app.state.popup = None;
    let text = screen(&app);
    assert!(text.lines().last().unwrap().contains("Ctrl-F search"), "hints use the configured key");
    // A form's key line and its save key come from the key map.
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)));
    let text = screen(&app);
    assert!(text.contains("Ctrl-W save"), "{text}");
    assert!(!text.contains("Ctrl-S"), "no stale key named: {text}");
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("the form stays open") };
    let errors = |f: &closer::app::forms::Form| f.fields.iter().filter(|x| x.error.is_some()).count();
    assert!(errors(form) == 0 && !form.saving, "Ctrl-S is no longer save");
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)));
    let Some(Popup::Form(form)) = &app.state.popup else { panic!("an empty form stays open") };
    assert!(errors(form) > 0, "Ctrl-W submitted: the form says what is missing");
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    use closer::db::models::ProspectListItem;
    let mut app = App::new(&Config::defaults(), Default::default(), "db".into(), (100, 30));
    let evil = "A\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}B\rC\u{202E}D";
    app.state.prospects.total = Some(1);
    app.state.prospects.page_size = 50;
    app.state.prospects.pages.insert(
        0,
        vec![ProspectListItem {
            id: 1,
            full_name: evil.into(),
            email: "e@x".into(),
            status: "NEW".into(),
            is_active: true,
            last_contacted_at: None,
            company_id: 1,
            company_name: "王伟 محمد 🎉".into(),
            industry_name: "x".into(),
            has_research: false,
        }],
    );
    let buf = render_to_buffer(&app, 100, 30);
    for cell in buf.content() {
        assert!(!cell.symbol().chars().any(|c| c.is_control() || c == '\u{202E}'), "{:?}", cell.symbol());
    }
    let text = buffer_text(&buf);
    assert!(text.contains("AB CD"), "{text}");
    assert!(!text.contains("pwned") && !text.contains("ZXZpbA"));
    // Wide characters keep the columns: the status column starts at the same x on every row.
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("NEW") || l.contains("Status")).collect();
    let col = |l: &str| {
        unicode_width::UnicodeWidthStr::width(
            &l[..l.find(if l.contains("Status") { "Status" } else { "NEW" }).unwrap()],
        )
    };
    assert_eq!(col(lines[0]), col(lines[1]), "{lines:?}");
}
