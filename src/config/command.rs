//! The commands a user can bind to keys. This one table feeds the key map
//! (config.toml `[ui.keys]`), the help overlay and the footer hints, so the
//! three can never disagree.

macro_rules! commands {
    ($($variant:ident => $name:literal, $desc:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Command { $($variant),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant),*];

            /// The name used in config.toml.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            /// What it does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc),* }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit => "quit", "Quit Closer";
    Back => "back", "Close the popup or view; clear the search";
    Help => "help", "Show or hide this help";
    Down => "down", "Move down";
    Up => "up", "Move up";
    Top => "top", "Go to the first row";
    Bottom => "bottom", "Go to the last row";
    PageDown => "page_down", "Page down";
    PageUp => "page_up", "Page up";
    Open => "open", "Open the selected row";
    NextPane => "next_pane", "Focus the next pane";
    PrevPane => "prev_pane", "Focus the previous pane";
    Search => "search", "Search prospects by name, email or company";
    FilterStatus => "filter_status", "Cycle the status filter";
    FilterActive => "filter_active", "Cycle the active filter (all, active, inactive)";
    FilterIndustry => "filter_industry", "Cycle the industry filter";
    CycleSort => "cycle_sort", "Cycle the sort (last contacted, least recent, name, status, company)";
    ClearFilters => "clear_filters", "Clear search, filters and sort";
    SetStatus => "set_status", "Change the selected prospect's status";
    ToggleActive => "toggle_active", "Toggle the selected prospect's active flag";
    NewProspect => "new_prospect", "Add a prospect";
    EditProspect => "edit_prospect", "Edit the selected prospect";
    NewInteraction => "new_interaction", "Log an interaction with the selected prospect";
    EditCompany => "edit_company", "Edit the selected prospect's company";
    Refresh => "refresh", "Reload from the database";
    ViewProspects => "view_prospects", "Show prospects";
    ViewEvents => "view_events", "Show events";
    ViewSolutions => "view_solutions", "Show the solutions catalog";
    ViewCosts => "view_costs", "Show the LLM cost dashboard";
    ViewDrafts => "view_drafts", "Show every outreach draft";
    CostRange => "cost_range", "Choose the cost dashboard's dates";
    NewDraft => "new_draft", "Write a new draft for the selected prospect";
    ProspectDrafts => "prospect_drafts", "Show the selected prospect's drafts";
    DeleteDraft => "delete_draft", "Delete the selected draft (asks first)";
    FilterType => "filter_type", "Cycle the draft type filter";
    Research => "research", "Research the selected prospect with the LLM (background)";
    AiDraft => "ai_draft", "Have the LLM write a draft for the selected prospect (background)";
    BulkResearch => "bulk_research", "Research every prospect in the current filter (shows the cost first)";
    ViewJobs => "view_jobs", "Show background LLM jobs";
    CancelJob => "cancel_job", "Cancel the selected background job";
    MatchEvent => "match_event", "Match prospects to the event and draft invitations (cost first)";
    ApproveInvitations => "approve_invitations", "Approve the event's selected invitations at once";
    ResearchHistory => "research_history", "Show every research run of the prospect, newest first";
    Import => "import", "Import prospects from a CSV file (shows a dry run first)";
    Export => "export", "Export the filtered prospects list to a CSV file (in the data directory)";
    ViewToday => "view_today", "Show Today: follow-ups, drafts and events due";
    Mark => "mark", "Mark or unmark the selected prospect for a bulk action";
    MarkAll => "mark_all", "Mark every prospect in the current filter";
    ExportMarked => "export_marked", "Export the marked prospects to a CSV file";
    Undo => "undo", "Undo the last status, active or bulk change";
    Snooze => "snooze", "(Today) Snooze the selected item: 1 day, 3 days, next week or a date";
    MarkSent => "mark_sent", "(Today) Mark the selected draft sent (opens it and asks)";
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
}
