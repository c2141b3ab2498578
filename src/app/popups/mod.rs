//! Popups: the one on top owns the keyboard. Each has its own file here,
//! holding its state, the keys it answers (looked up in the key map, in
//! the scope it belongs to) and the key line it shows; `ui/` draws them.

pub mod confirm;
pub mod editor;
pub mod event_picker;
pub mod form;
pub mod help;
pub mod import;
pub mod picker;
pub mod reader;
pub mod recover;

use crossterm::event::KeyEvent;

pub use confirm::ConfirmAction;
pub use picker::{PickPurpose, Picker};

use crate::app::editor::{DraftEditor, Recovery};
use crate::app::forms::Form;
use crate::app::io::Request;
use crate::app::App;
use crate::db::models::Interaction;

#[derive(Debug, Clone)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    /// A full interaction; `None` while loading.
    Interaction {
        id: i32,
        interaction: Option<Interaction>,
        scroll: u16,
    },
    Picker(Picker),
    Form(Box<Form>),
    Editor(Box<DraftEditor>),
    /// Unsaved drafts found at start-up: restore, discard or decide later.
    Recover {
        records: Vec<Recovery>,
        selected: usize,
        /// Discard was pressed once: a second one discards for good.
        confirm_discard: bool,
        /// Opened by "new draft" for this prospect (with what its
        /// placeholders stand for): "later" writes that new draft instead.
        new_draft: Option<Box<(i32, crate::app::editor::PlaceholderContext)>>,
    },
    Confirm {
        message: String,
        action: ConfirmAction,
    },
    /// Every research run of the selected prospect, newest first.
    ResearchHistory {
        scroll: u16,
    },
    /// `I`: a CSV file's path, its dry run, the import and its summary.
    Import(Box<import::ImportPopup>),
}

/// What the keys do in `popup` now, from the key map: the key bar shows it
/// while the popup is open (the views' keys do not act then).
pub fn key_line(popup: &Popup, keys: &crate::config::KeyBindings) -> String {
    use crate::app::Command::*;
    match popup {
        Popup::Help { .. } | Popup::Interaction { .. } | Popup::ResearchHistory { .. } => reader::key_line(keys),
        Popup::Picker(_) => format!(
            "{} {} move · {} choose · {} cancel",
            keys.label(Down),
            keys.label(Up),
            keys.label(Open),
            keys.label(Back)
        ),
        Popup::Form(f) => form::key_line(keys, f),
        Popup::Editor(e) => match &e.prompt {
            crate::app::editor::EditorPrompt::PickEvent(_) => event_picker::key_line(keys),
            crate::app::editor::EditorPrompt::None if e.preview => editor::preview_key_line(keys),
            prompt => editor::prompt_line(keys, prompt).unwrap_or_else(|| editor::key_line(keys)),
        },
        Popup::Recover { confirm_discard, new_draft, .. } => {
            recover::key_line(keys, *confirm_discard, new_draft.is_some())
        }
        Popup::Confirm { action, .. } => action.key_line(keys),
        Popup::Import(p) => import::key_line(keys, p),
    }
}

impl App {
    /// Hands a key to the popup on top.
    pub(in crate::app) fn popup_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        match self.state.popup {
            Some(Popup::Editor(_)) => self.editor_key(key, out),
            Some(Popup::Recover { .. }) => self.recover_key(key, out),
            Some(Popup::Confirm { .. }) => self.confirm_key(key, out),
            Some(Popup::Import(_)) => self.import_key(key, out),
            Some(Popup::Form(_)) => self.form_key(key, out),
            Some(Popup::Picker(_)) => self.picker_key(key, out),
            Some(Popup::Help { .. } | Popup::Interaction { .. } | Popup::ResearchHistory { .. }) => {
                self.reader_key(key)
            }
            None => {}
        }
    }
}
