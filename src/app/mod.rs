//! Application state, the actions that change it, and the I/O layer that
//! answers its requests. The event loop that drives it is `crate::runtime`.

pub mod action;
/// The commands live with the key map that binds them (config), below the app.
pub use crate::config::command;
mod answers;
mod costs;
pub mod day;
mod drafts;
pub mod editor;
pub mod flow;
pub mod forms;
pub mod io;
mod jobs;
pub mod layout;
pub mod live;
mod marks;
pub mod matching;
mod mouse;
mod paging;
pub mod placeholders;
pub mod popups;
pub mod recovery;
mod search;
pub mod state;
#[cfg(test)]
pub(crate) mod testkit;
pub mod today;
pub mod transfer;
mod undo;
mod update;

use crossterm::event::Event as TermEvent;
use tokio::sync::mpsc;

pub use action::Action;
pub use command::Command;
pub use state::AppState;

use crate::config::{Config, KeyBindings, Theme};
use crate::db::EnumLabels;

/// The state plus what it is read with (keys, theme).
pub struct App {
    pub state: AppState,
    pub keys: KeyBindings,
    pub theme: Theme,
    /// Event matching's options from config (`[matching]`), the form's defaults.
    pub match_defaults: crate::llm::matching::MatchOptions,
}

impl App {
    /// Applies an action and hands the requests it leads to to the I/O layer.
    pub fn dispatch(&mut self, action: Action, io: &io::Io) {
        for request in self.update(action) {
            io.send(request);
        }
    }

    /// Applies every answer that has arrived, without waiting for more.
    pub fn drain(&mut self, answers: &mut mpsc::UnboundedReceiver<Action>, io: &io::Io) {
        while let Ok(action) = answers.try_recv() {
            self.dispatch(action, io);
        }
    }

    pub fn new(config: &Config, enums: EnumLabels, database: String, size: (u16, u16)) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let mut state = AppState { enums, size, monthly_budget: config.llm.monthly_budget_usd, ..Default::default() };
        state.prospects.page_size = config.ui.page_size as i64;
        state.status.database = database;
        state.status.connected = true;
        state.clipboard_command = config.ui.clipboard_command.clone();
        state.day.followup = Some(config.followup.clone());
        state.day.flow = Some(config.status_flow.clone());
        Self {
            state,
            keys: config.key_bindings(),
            theme: config.theme(no_color),
            match_defaults: crate::llm::matching::MatchOptions::from_config(&config.matching),
        }
    }
}

/// Turns a terminal event into an action.
pub fn action_for(event: TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(k) => Some(Action::Key(k)),
        TermEvent::Mouse(m) => Some(Action::Mouse(m)),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}
