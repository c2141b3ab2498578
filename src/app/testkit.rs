//! What the unit tests beside the app's logic share: an app over the
//! default config, key presses and list rows. No database, no terminal: a
//! state bug fails here in milliseconds.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::App;
use crate::db::models::ProspectListItem;

pub fn app(size: (u16, u16)) -> App {
    App::new(&crate::config::Config::defaults(), Default::default(), "db".into(), size)
}

pub fn press(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    press(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn row(id: i32) -> ProspectListItem {
    ProspectListItem {
        id,
        full_name: format!("Prospect {id}"),
        email: format!("p{id}@example.com"),
        status: "NEW".into(),
        is_active: true,
        last_contacted_at: None,
        company_id: 1,
        company_name: "Acme".into(),
        industry_name: "Software".into(),
        has_research: false,
    }
}
