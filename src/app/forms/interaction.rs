//! The "log an interaction" form: its fields, and the event choices it
//! offers (upcoming first), named so a choice maps back to its event.

use crate::app::forms::{Field, Form, FormKind};
use crate::app::io::Request;
use crate::app::state::*;
use crate::app::{App, Command};
use crate::db::EnumKind;

/// What a choice field shows for "nothing chosen".
pub(in crate::app) const NO_CHOICE: &str = "(none)";
const SENTIMENTS: &[&str] = &[NO_CHOICE, "positive", "neutral", "negative", "mixed"];

impl App {
    pub(in crate::app) fn open_interaction_form(&mut self, out: &mut Vec<Request>) {
        let Some(p) = self.selected_prospect() else { return };
        let types = self.state.enums.labels(EnumKind::InteractionTypes).to_vec();
        if !self.state.events.loaded {
            // The event choice fills in when they arrive (Loaded::Events).
            out.push(Request::Events);
        }
        let events = self.event_options();
        let now = chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M").to_string();
        let fields = vec![
            Field::choice("interaction_type", "Type", types, ""),
            Field::text("interaction_date", "Date (UTC)", now).with_hint("YYYY-MM-DD HH:MM"),
            Field::text("subject", "Subject", ""),
            Field::multiline("content", "Content", "").with_hint(format!(
                "{} starts a new line · {} next field",
                self.keys.label(Command::FormConfirm),
                self.keys.label(Command::FormNext)
            )),
            Field::choice("sentiment", "Sentiment", SENTIMENTS.iter().map(|s| s.to_string()).collect(), NO_CHOICE),
            Field::text("outcome", "Outcome", ""),
            Field::choice("event", "Event", events, NO_CHOICE).with_hint("←/→ choose; upcoming events first"),
        ];
        let title = format!("Log interaction with {}", crate::sanitize::line(&p.full_name));
        self.state.popup =
            Some(Popup::Form(Box::new(Form::new(FormKind::NewInteraction { prospect_id: p.id }, title, fields))));
    }

    /// The event choices: none, then upcoming events (soonest first), then past ones.
    pub(in crate::app) fn event_options(&self) -> Vec<String> {
        let e = &self.state.events;
        let mut options = vec![NO_CHOICE.to_string()];
        if !e.loaded {
            options[0] = "(none; events are loading…)".into();
        }
        options.extend(e.events.iter().map(event_choice));
        options
    }
}

/// The event a choice made with [`App::event_options`] names, if any.
pub(in crate::app) fn chosen_event(events: &[crate::db::models::Event], choice: &str) -> Option<i32> {
    events.iter().find(|e| event_choice(e) == choice).map(|e| e.id)
}

pub(in crate::app) fn event_choice(e: &crate::db::models::Event) -> String {
    format!("#{} {} {}", e.id, e.event_date.format("%Y-%m-%d"), crate::sanitize::line(&e.event_type))
}
