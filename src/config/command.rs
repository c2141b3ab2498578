//! The commands a user can bind to keys. This one table feeds the key map
//! (config.toml `[ui.keys]`), the help overlay and the footer hints, so the
//! three can never disagree.

macro_rules! commands {
    ($($scope:ident { $($variant:ident => $name:literal, $desc:literal;)* })*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Command { $($($variant),*),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$($(Command::$variant),*),*];

            /// The name used in config.toml.
            pub fn name(self) -> &'static str {
                match self { $($(Command::$variant => $name),*),* }
            }

            /// What it does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $($(Command::$variant => $desc),*),* }
            }

            /// Where the command's keys apply.
            pub fn scope(self) -> Scope {
                match self { $($(Command::$variant => Scope::$scope),*),* }
            }

            /// A word or two for key lines: the name without its scope's prefix.
            pub fn hint(self) -> String {
                let name = self.name();
                let short = ["form_", "editor_", "answer_"].iter().find_map(|p| name.strip_prefix(p)).unwrap_or(name);
                short.replace('_', " ")
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($($name => Some(Command::$variant),)*)* _ => None }
            }
        }
    };
}

/// Where a key applies. A key means one command per scope: `Esc` is "back"
/// in the views, "cancel" in a form and "no" in a question. In a text field,
/// typing comes first: a printable key without Ctrl/Alt is text there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The views and the popups that only scroll or pick (help, pickers).
    Main,
    /// Forms, the search box and the import path.
    Form,
    /// The draft editor (keys it does not claim edit the text).
    Editor,
    /// A question a popup asks: confirm, unsaved drafts, conflicts, import.
    Answer,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Main, Scope::Form, Scope::Editor, Scope::Answer];

    /// The help overlay's heading for the scope.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Main => "In the views (and to move in lists and text that only scrolls)",
            Scope::Form => "In forms, the search box and the import path (typing edits the field; \u{2190}/\u{2192}/Space change a choice)",
            Scope::Editor => "In the draft editor (other keys edit the text: Ctrl-U/Ctrl-R undo/redo, Alt-F/Alt-B words)",
            Scope::Answer => "When a popup asks a question",
        }
    }
}

commands! {
    Main {
    Quit => "quit", "Quit Closer";
    Back => "back", "Close the popup or view; clear the search";
    Help => "help", "Show or hide this help";
    Refresh => "refresh", "Reload from the database";
    Down => "down", "Move down";
    Up => "up", "Move up";
    Top => "top", "Go to the first row";
    Bottom => "bottom", "Go to the last row";
    PageDown => "page_down", "Page down";
    PageUp => "page_up", "Page up";
    Open => "open", "Open the selected row";
    NextPane => "next_pane", "Focus the next pane";
    PrevPane => "prev_pane", "Focus the previous pane";
    ViewToday => "view_today", "Show Today: follow-ups, drafts and events due";
    ViewProspects => "view_prospects", "Show prospects";
    ViewEvents => "view_events", "Show events";
    ViewSolutions => "view_solutions", "Show the solutions catalog";
    ViewCosts => "view_costs", "Show the LLM cost dashboard";
    ViewDrafts => "view_drafts", "Show every outreach draft";
    ViewJobs => "view_jobs", "Show background LLM jobs";
    Search => "search", "Search prospects by name, email or company";
    FilterStatus => "filter_status", "Cycle the status filter";
    FilterActive => "filter_active", "Cycle the active filter (all, active, inactive)";
    FilterIndustry => "filter_industry", "Cycle the industry filter";
    FilterType => "filter_type", "Cycle the draft type filter";
    CycleSort => "cycle_sort", "Cycle the sort (last contacted, least recent, name, status, company)";
    ClearFilters => "clear_filters", "Clear search, filters and sort";
    SetStatus => "set_status", "Change the selected prospect's status";
    ToggleActive => "toggle_active", "Toggle the selected prospect's active flag";
    NewProspect => "new_prospect", "Add a prospect";
    EditProspect => "edit_prospect", "Edit the selected prospect";
    EditCompany => "edit_company", "Edit the selected prospect's company";
    NewInteraction => "new_interaction", "Log an interaction with the selected prospect";
    Mark => "mark", "Mark or unmark the selected prospect for a bulk action";
    MarkAll => "mark_all", "Mark every prospect in the current filter";
    ExportMarked => "export_marked", "Export the marked prospects to a CSV file";
    Undo => "undo", "Undo the last status, active or bulk change";
    NewDraft => "new_draft", "Write a new draft for the selected prospect";
    ProspectDrafts => "prospect_drafts", "Show the selected prospect's drafts";
    DeleteDraft => "delete_draft", "Delete the selected draft (asks first)";
    MarkSent => "mark_sent", "(Today) Mark the selected draft sent (opens it and asks)";
    Snooze => "snooze", "(Today) Snooze the selected item: 1 day, 3 days, next week or a date";
    Research => "research", "Research the selected prospect with the LLM (background)";
    AiDraft => "ai_draft", "Have the LLM write a draft for the selected prospect (background)";
    BulkResearch => "bulk_research", "Research every prospect in the current filter (shows the cost first)";
    ResearchHistory => "research_history", "Show every research run of the prospect, newest first";
    CancelJob => "cancel_job", "Cancel the selected background job";
    MatchEvent => "match_event", "Match prospects to the event and draft invitations (cost first)";
    ApproveInvitations => "approve_invitations", "Approve the event's selected invitations at once";
    CostRange => "cost_range", "Choose the cost dashboard's dates";
    Import => "import", "Import prospects from a CSV file (shows a dry run first)";
    Export => "export", "Export the filtered prospects list to a CSV file (in the data directory)";
    }
    Form {
    FormSave => "form_save", "Save the form";
    FormCancel => "form_cancel", "Close the form (asks once more when something changed)";
    FormNext => "form_next", "Next field (the import path: complete the file name)";
    FormPrev => "form_prev", "Previous field";
    FormConfirm => "form_confirm", "Next field; saves on the last one; a new line in a long text";
    FormClear => "form_clear", "Clear the field";
    }
    Editor {
    EditorSave => "editor_save", "Save the draft";
    EditorClose => "editor_close", "Close the editor (asks if anything is unsaved); leave the preview";
    EditorType => "editor_type", "Cycle the draft's type";
    EditorStatus => "editor_status", "Cycle the draft's status";
    EditorEvent => "editor_event", "Link an event (a searchable list, upcoming first)";
    EditorPreview => "editor_preview", "Preview the draft as it will be sent";
    EditorCopy => "editor_copy", "Copy the filled draft to the clipboard";
    EditorToFile => "editor_to_file", "Write the filled draft to a file";
    EditorMarkSent => "editor_mark_sent", "Mark the draft sent (asks first)";
    }
    Answer {
    AnswerYes => "answer_yes", "Yes";
    AnswerNo => "answer_no", "No, cancel, decide later";
    AnswerSave => "answer_save", "Save (closing an editor with unsaved changes)";
    AnswerDiscard => "answer_discard", "Discard (asks twice for unsaved drafts)";
    AnswerRestore => "answer_restore", "Restore the unsaved draft into the editor";
    AnswerWithDrafts => "answer_with_drafts", "Yes, and draft outreach too";
    AnswerTheirs => "answer_theirs", "Keep their version (a draft changed by someone else)";
    AnswerMine => "answer_mine", "Keep mine (saves over theirs)";
    AnswerBoth => "answer_both", "Keep both in the editor, to merge by hand";
    AnswerSwitch => "answer_switch", "Import: switch between updating and skipping duplicates";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_default_key() {
        let config = crate::config::Config::defaults();
        let keys = config.key_bindings();
        for c in Command::ALL {
            assert!(!keys.keys_for(*c).is_empty(), "{} has no key in config.toml", c.name());
        }
    }

    #[test]
    fn a_command_name_says_its_scope_and_its_hint_drops_it() {
        for c in Command::ALL {
            let prefix = match c.scope() {
                Scope::Main => None,
                Scope::Form => Some("form_"),
                Scope::Editor => Some("editor_"),
                Scope::Answer => Some("answer_"),
            };
            if let Some(p) = prefix {
                assert!(c.name().starts_with(p), "{} is in {:?}", c.name(), c.scope());
                assert!(!c.hint().contains(p.trim_end_matches('_')), "{}", c.hint());
            }
        }
        assert_eq!(Command::EditorMarkSent.hint(), "mark sent");
        assert_eq!(Command::NewDraft.hint(), "new draft");
    }
}
