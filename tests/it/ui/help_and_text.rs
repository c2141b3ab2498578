//! Every command in the help with hints using the bound keys, and hostile
//! text that never reaches the terminal.

use closer::app::action::Action;
use closer::app::{App, Command};
use closer::config::Config;
use closer::ui::{buffer_text, render_to_buffer};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::support::screen;

#[test]
fn every_command_is_in_the_help_and_hints_use_the_bound_keys() {
    let mut config = Config::defaults();
    config.ui.keys.insert("search".into(), vec!["Ctrl-f".into()]);
    let app = App::new(&config, Default::default(), "db".into(), (120, 72));
    let mut app = app;
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE)));
    let text = screen(&app);
    for c in Command::ALL {
        assert!(text.contains(c.description()), "help lists {}", c.name());
    }
    assert!(text.contains("Ctrl-f"), "the help shows the configured key");
    app.state.popup = None;
    let text = screen(&app);
    assert!(text.lines().last().unwrap().contains("Ctrl-f search"), "hints use the configured key");
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
