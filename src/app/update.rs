//! [`App::update`]: the one place state changes. It takes an action and
//! returns the requests to send to the I/O layer; it never does I/O itself,
//! so it is tested without a terminal or a database.

use crossterm::event::{KeyEvent, KeyEventKind};

use super::action::{Action, Loaded};
use super::io::{Request, Write};
use super::state::*;
use super::{App, Command};
use crate::db::prospects::ProspectFilter;
use crate::db::EnumKind;

impl App {
    pub fn update(&mut self, action: Action) -> Vec<Request> {
        let mut out = Vec::new();
        let view_before = self.state.view;
        match action {
            Action::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, &mut out),
            Action::Key(_) => {}
            Action::ImportProgress(p) => self.on_import_progress(p),
            Action::Mouse(m) => self.on_mouse(m, &mut out),
            Action::Resize(w, h) => {
                self.state.size = (w, h);
                self.ensure_visible(&mut out);
            }
            // News from src/app/live.rs answers no request: in_flight stays.
            Action::Loaded(loaded) if matches!(*loaded, Loaded::Changed(_) | Loaded::Notice(_)) => match *loaded {
                Loaded::Changed(change) => self.on_change(change, &mut out),
                Loaded::Notice(text) => self.state.status.message = Some(text),
                _ => {}
            },
            Action::Loaded(loaded) => {
                self.state.status.in_flight = self.state.status.in_flight.saturating_sub(1);
                self.on_loaded(*loaded, &mut out);
            }
            Action::Failed { request, error, retryable } => {
                self.state.status.in_flight = self.state.status.in_flight.saturating_sub(1);
                self.on_failed(*request, error, retryable, &mut out);
            }
            Action::Connection { up } => {
                let was_down = !self.state.status.connected;
                self.state.status.connected = up;
                if up && was_down {
                    self.state.status.message = Some("database reconnected".into());
                    self.state.status.error = None;
                    self.reload_all(&mut out);
                }
                // The monitor says "up" once per outage: queued saves go now,
                // even if another answer already showed the database is back.
                if up {
                    self.resend_pending(&mut out);
                }
            }
            Action::Job(update) => {
                self.after_job(&update, &mut out);
                self.on_job(update, &mut out)
            }
            Action::Tick => {
                self.state.status.expire(std::time::Instant::now());
            }
            Action::Quit => self.state.should_quit = true,
        }
        self.state.status.stamp(std::time::Instant::now());
        if view_before == View::Costs && self.state.view != View::Costs {
            out.push(Request::WatchUsage { on: false });
        }
        self.state.status.in_flight += out.len();
        out
    }

    /// The first requests after start-up.
    pub fn start(&mut self) -> Vec<Request> {
        // Events too: the interaction and draft forms offer them.
        // The status bar's prospect count comes with the list's own count
        // (the list starts unfiltered): one count fewer at start.
        let mut out = vec![Request::Industries, Request::ListRecoveries, Request::Events];
        self.reset_prospects(&mut out);
        self.state.status.in_flight += out.len();
        out
    }

    fn on_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        self.state.status.message = None;
        if self.state.popup.is_some() {
            return self.popup_key(key, out);
        }
        if self.state.searching && self.state.view == View::Drafts && self.drafts_search_key(key, out) {
            return;
        }
        if self.state.searching && self.state.view != View::Drafts && self.search_key(key, out) {
            return;
        }
        let Some(command) = self.keys.command_for(&key) else { return self.unbound_key(key, out) };
        self.command(command, out);
    }

    pub fn command(&mut self, command: Command, out: &mut Vec<Request>) {
        use Command::*;
        if self.day_command(command, out)
            || self.match_command(command, out)
            || self.transfer_command(command, out)
            || self.cost_command(command, out)
            || self.job_command(command, out)
            || self.draft_command(command, out)
        {
            self.ensure_visible(out);
            return;
        }
        let s = &mut self.state;
        match command {
            Quit => s.should_quit = true,
            Help => s.popup = Some(Popup::Help { scroll: 0 }),
            Back => {
                if !s.prospects.filter.search.is_empty() && s.view == View::Prospects {
                    s.prospects.filter.search.clear();
                    self.reset_prospects(out);
                } else if s.pane != Pane::List {
                    s.pane = Pane::List;
                }
            }
            ViewProspects => self.switch_view(View::Prospects, out),
            ViewEvents => self.switch_view(View::Events, out),
            ViewSolutions => self.switch_view(View::Solutions, out),
            ViewCosts => self.switch_view(View::Costs, out),
            // Handled by draft_command where they apply.
            ViewDrafts | NewDraft | ProspectDrafts | DeleteDraft | FilterType => {}
            Research | AiDraft | BulkResearch | ViewJobs | CancelJob | CostRange => {}
            // Handled by match_command.
            MatchEvent | ApproveInvitations | ResearchHistory => {}
            Import | Export => {} // handled by transfer_command
            // The popups' own scopes: never looked up for the views.
            FormSave | FormCancel | FormNext | FormPrev | FormConfirm | FormClear => {}
            EditorSave | EditorClose | EditorType | EditorStatus | EditorEvent | EditorPreview | EditorCopy
            | EditorToFile | EditorMarkSent => {}
            AnswerYes | AnswerNo | AnswerSave | AnswerDiscard | AnswerRestore | AnswerWithDrafts | AnswerTheirs
            | AnswerMine | AnswerBoth | AnswerSwitch => {}
            // Handled by day_command (Today, marks, undo).
            ViewToday | Mark | MarkAll | ExportMarked | Undo | Snooze | MarkSent => {}
            NextPane | PrevPane => {
                let panes = s.view.panes();
                let i = panes.iter().position(|p| *p == s.pane).unwrap_or(0);
                let n = panes.len();
                s.pane = panes[if command == NextPane { (i + 1) % n } else { (i + n - 1) % n }];
            }
            Down => self.move_by(1, out),
            Up => self.move_by(-1, out),
            PageDown => self.move_by(self.page_rows() as isize, out),
            PageUp => self.move_by(-(self.page_rows() as isize), out),
            Top => self.move_by(isize::MIN / 2, out),
            Bottom => self.move_by(isize::MAX / 2, out),
            Open => self.open(out),
            Search => {
                s.view = View::Prospects;
                s.pane = Pane::List;
                s.searching = true;
            }
            FilterStatus => {
                let labels = s.enums.labels(EnumKind::ProspectStatus).to_vec();
                s.prospects.filter.status = cycle_option(&labels, s.prospects.filter.status.as_ref());
                self.reset_prospects(out);
            }
            FilterActive => {
                s.prospects.filter.active = match s.prospects.filter.active {
                    None => Some(true),
                    Some(true) => Some(false),
                    Some(false) => None,
                };
                self.reset_prospects(out);
            }
            FilterIndustry if s.view == View::Solutions => {
                let ids: Vec<i32> = s.industries.iter().map(|i| i.id).collect();
                s.solutions.industry_id = cycle_option(&ids, s.solutions.industry_id.as_ref());
                s.solutions.selected = 0;
                out.push(Request::Catalog { industry_id: s.solutions.industry_id });
            }
            FilterIndustry => {
                let ids: Vec<i32> = s.industries.iter().map(|i| i.id).collect();
                s.prospects.filter.industry_id = cycle_option(&ids, s.prospects.filter.industry_id.as_ref());
                self.reset_prospects(out);
            }
            CycleSort => {
                s.prospects.sort = s.prospects.sort.next();
                self.reset_prospects(out);
            }
            ClearFilters => {
                s.prospects.filter = ProspectFilter::default();
                s.prospects.sort = Default::default();
                self.reset_prospects(out);
            }
            SetStatus => {
                if let Some(p) = self.selected_prospect() {
                    let options = self.state.enums.labels(EnumKind::ProspectStatus).to_vec();
                    let selected = options.iter().position(|o| *o == p.status).unwrap_or(0);
                    self.state.popup = Some(Popup::Picker(Picker {
                        title: format!("Status of {}", crate::sanitize::line(&p.full_name)),
                        options,
                        selected,
                        purpose: PickPurpose::ProspectStatus { prospect_id: p.id },
                    }));
                }
            }
            ToggleActive => {
                if let Some(p) = self.selected_prospect() {
                    self.write(Write::SetActive { prospect_id: p.id, active: !p.is_active }, out);
                }
            }
            NewProspect => self.open_prospect_form(None),
            EditProspect => {
                if self.state.panel.detail.is_some() {
                    let d = self.state.panel.detail.clone();
                    self.open_prospect_form(d.as_ref());
                } else {
                    self.state.status.message = Some("select a prospect first (its detail is still loading)".into());
                }
            }
            EditCompany => self.open_company_form(),
            NewInteraction => self.open_interaction_form(out),
            Refresh => self.reload_all(out),
        }
        self.ensure_visible(out);
    }

    pub(super) fn switch_view(&mut self, view: View, out: &mut Vec<Request>) {
        let s = &mut self.state;
        s.view = view;
        s.pane = Pane::List;
        s.searching = false;
        match view {
            View::Events if !s.events.loaded => out.push(Request::Events),
            View::Solutions if !s.solutions.loaded => {
                out.push(Request::Catalog { industry_id: s.solutions.industry_id })
            }
            View::Costs => {
                self.load_costs(out);
                out.push(Request::WatchUsage { on: true });
            }
            // Pages that arrived while another view (Today) was shown did
            // not select a prospect: the detail follows the list now.
            View::Prospects => self.after_prospect_move(out),
            _ => {}
        }
    }

    pub(super) fn open(&mut self, out: &mut Vec<Request>) {
        let s = &mut self.state;
        match (s.view, s.pane) {
            (View::Prospects, Pane::List) => s.pane = Pane::Detail,
            // The detail lists the prospect's drafts: one opens in the
            // editor, several open the Drafts view narrowed to them.
            (View::Prospects, Pane::Detail) => match s.panel.drafts.as_slice() {
                [] => s.status.message = Some("no drafts yet for this prospect".into()),
                [one] => out.push(Request::OpenDraft { id: one.id }),
                _ => self.command(Command::ProspectDrafts, out),
            },
            (View::Prospects, Pane::Timeline) => {
                if let Some(item) = s.panel.timeline.get(s.panel.timeline_selected) {
                    s.popup = Some(Popup::Interaction { id: item.id, interaction: None, scroll: 0 });
                    out.push(Request::Interaction { id: item.id });
                }
            }
            (View::Events | View::Solutions, Pane::List) => s.pane = Pane::Detail,
            _ => {}
        }
    }

    pub(super) fn selected_prospect(&self) -> Option<crate::db::models::ProspectListItem> {
        if self.state.view == View::Today {
            return self.today_selected_prospect();
        }
        if self.state.view != View::Prospects {
            return None;
        }
        self.state.prospects.selected_row().cloned()
    }

    pub(super) fn write(&mut self, w: Write, out: &mut Vec<Request>) {
        let w = self.undoable(w);
        self.state.status.message = Some(format!("saving: {}…", w.describe()));
        out.push(Request::Write(w));
    }
}

/// None → first → … → last → None.
pub(super) fn cycle_option<T: Clone + PartialEq>(options: &[T], current: Option<&T>) -> Option<T> {
    match current {
        None => options.first().cloned(),
        Some(c) => options.iter().position(|o| o == c).and_then(|i| options.get(i + 1).cloned()),
    }
}
