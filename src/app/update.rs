//! [`App::update`]: the one place state changes. It takes an action and
//! returns the requests to send to the I/O layer; it never does I/O itself,
//! so it is tested without a terminal or a database.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::action::{Action, Loaded};
use super::form::{Field, FieldKind, Form, FormKind};
use super::io::{CompanyRef, IndustryRef, Request, Write};
use super::layout;
use super::state::*;
use super::{App, Command};
use crate::db::companies::CompanyInput;
use crate::db::interactions::InteractionInput;
use crate::db::prospects::{ProspectFilter, ProspectInput};
use crate::db::EnumKind;

/// Pages kept around the selection; the rest are dropped to keep memory flat.
const PAGES_KEPT: i64 = 2;
const TIMELINE_PAGE: i64 = 100;

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
                self.on_failed(*request, error, retryable);
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

    fn switch_view(&mut self, view: View, out: &mut Vec<Request>) {
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

    fn page_rows(&self) -> usize {
        match (self.state.view, self.state.pane) {
            (View::Prospects, Pane::Timeline) => layout::timeline_rows(self.state.size),
            (View::Prospects, _) => layout::prospect_list_rows(self.state.size),
            _ => layout::master_rows(self.state.size),
        }
        .max(1)
    }

    fn move_by(&mut self, delta: isize, out: &mut Vec<Request>) {
        let s = &mut self.state;
        let clamp = |cur: usize, len: usize| -> usize {
            if len == 0 {
                0
            } else {
                (cur as isize).saturating_add(delta).clamp(0, len as isize - 1) as usize
            }
        };
        match (s.view, s.pane) {
            (View::Prospects, Pane::List) => {
                s.prospects.selected = clamp(s.prospects.selected, s.prospects.len());
                self.after_prospect_move(out);
            }
            (View::Prospects, Pane::Detail) => {
                s.panel.detail_scroll = clamp(s.panel.detail_scroll as usize, 2000) as u16;
            }
            (View::Prospects, Pane::Timeline) => {
                let len = s.panel.timeline.len();
                s.panel.timeline_selected = clamp(s.panel.timeline_selected, len);
                // Near the end of what is loaded: load more.
                let p = &s.panel;
                if p.timeline_selected + 5 >= p.timeline.len()
                    && (p.timeline.len() as i64) < p.timeline_total
                    && !p.timeline_loading
                {
                    if let Some(id) = p.prospect_id {
                        s.panel.timeline_loading = true;
                        s.panel.timeline_limit += TIMELINE_PAGE;
                        out.push(Request::Timeline { prospect_id: id, limit: s.panel.timeline_limit });
                    }
                }
            }
            (View::Prospects, Pane::Matches) => {} // not a pane of this view
            (View::Events, Pane::List) => {
                s.events.selected = clamp(s.events.selected, s.events.events.len());
                s.events.detail_scroll = 0;
                let moved = s.events.events.get(s.events.selected).map(|e| e.id);
                if let Some(id) = moved.filter(|id| s.events.attendees.as_ref().map(|a| a.0) != Some(*id)) {
                    out.push(Request::Attendees { event_id: id });
                    self.event_selected(out);
                }
            }
            (View::Events, _) => s.events.detail_scroll = clamp(s.events.detail_scroll as usize, 2000) as u16,
            (View::Solutions, Pane::List) => {
                s.solutions.selected = clamp(s.solutions.selected, s.solutions.entries.len());
                s.solutions.detail_scroll = 0;
            }
            (View::Solutions, _) => s.solutions.detail_scroll = clamp(s.solutions.detail_scroll as usize, 2000) as u16,
            (View::Costs, _) => s.costs.selected = clamp(s.costs.selected, s.costs.breakdown.len()),
            (View::Drafts, _) => s.drafts.selected = clamp(s.drafts.selected, s.drafts.items.len()),
            (View::Jobs, _) => s.jobs.selected = clamp(s.jobs.selected, s.jobs.jobs.len()),
            (View::Today, _) => s.day.today.move_by(delta, layout::today_rows(s.size)),
        }
    }

    /// After the prospect selection moved: keep it visible, load its pages
    /// and (if it is a different prospect) its detail and timeline.
    fn after_prospect_move(&mut self, out: &mut Vec<Request>) {
        self.ensure_visible(out);
        let id = self.state.prospects.selected_row().map(|r| r.id);
        if id != self.state.panel.prospect_id {
            self.select_prospect(id, out);
        }
    }

    fn select_prospect(&mut self, id: Option<i32>, out: &mut Vec<Request>) {
        let p = &mut self.state.panel;
        *p = ProspectPanel { prospect_id: id, timeline_limit: TIMELINE_PAGE, ..Default::default() };
        if let Some(id) = id {
            p.detail_loading = true;
            p.timeline_loading = true;
            out.push(Request::Detail { prospect_id: id });
            out.push(Request::Timeline { prospect_id: id, limit: TIMELINE_PAGE });
        }
    }

    /// Keeps the selection on screen and requests the pages that are visible.
    fn ensure_visible(&mut self, out: &mut Vec<Request>) {
        let rows = layout::prospect_list_rows(self.state.size);
        let l = &mut self.state.prospects;
        if l.selected < l.scroll {
            l.scroll = l.selected;
        } else if l.selected >= l.scroll + rows {
            l.scroll = l.selected + 1 - rows;
        }
        let first = (l.scroll as i64) / l.page_size;
        let last = ((l.scroll + rows) as i64) / l.page_size;
        for page in first..=last {
            let beyond = l.total.map(|t| page * l.page_size >= t.max(1)).unwrap_or(page > first);
            if !beyond && !l.pages.contains_key(&page) && !l.requested.contains(&page) {
                l.requested.insert(page);
                out.push(Request::ProspectPage {
                    generation: l.generation,
                    page,
                    page_size: l.page_size,
                    filter: l.filter.clone(),
                    sort: l.sort,
                    total: l.total,
                });
            }
        }
        l.pages.retain(|p, _| *p >= first - PAGES_KEPT && *p <= last + PAGES_KEPT);
        // The end of a search's "at least" count is on screen: ask for the exact one.
        if l.total_at_least && !l.count_pending && l.total.is_some_and(|t| (l.scroll + rows) as i64 >= t) {
            l.count_pending = true;
            out.push(Request::ProspectCount { generation: l.generation, filter: l.filter.clone() });
        }
    }

    /// Filter or sort changed: start a new generation from the top.
    pub(super) fn reset_prospects(&mut self, out: &mut Vec<Request>) {
        let l = &mut self.state.prospects;
        l.generation += 1;
        l.pages.clear();
        l.requested.clear();
        l.total = None;
        l.total_at_least = false;
        l.count_pending = false;
        l.selected = 0;
        l.scroll = 0;
        // A search's first page brings its count (one statement per keystroke).
        if l.filter.search.trim().is_empty() {
            out.push(Request::ProspectCount { generation: l.generation, filter: l.filter.clone() });
        }
        self.ensure_visible(out);
    }

    pub(super) fn reload_all(&mut self, out: &mut Vec<Request>) {
        let keep = self.state.prospects.selected;
        self.reset_prospects(out);
        self.state.prospects.selected = keep;
        self.ensure_visible(out);
        out.push(Request::Counts);
        out.push(Request::Industries);
        if let Some(id) = self.state.panel.prospect_id {
            out.push(Request::Detail { prospect_id: id });
            out.push(Request::Timeline { prospect_id: id, limit: self.state.panel.timeline_limit.max(TIMELINE_PAGE) });
        }
        if self.state.events.loaded {
            out.push(Request::Events);
        }
        if self.state.solutions.loaded {
            out.push(Request::Catalog { industry_id: self.state.solutions.industry_id });
        }
        if self.state.view == View::Costs {
            self.load_costs(out);
        }
    }

    fn open(&mut self, out: &mut Vec<Request>) {
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

    fn selected_prospect(&self) -> Option<crate::db::models::ProspectListItem> {
        if self.state.view == View::Today {
            return self.today_selected_prospect();
        }
        if self.state.view != View::Prospects {
            return None;
        }
        self.state.prospects.selected_row().cloned()
    }

    fn write(&mut self, w: Write, out: &mut Vec<Request>) {
        let w = self.undoable(w);
        self.state.status.message = Some(format!("saving: {}…", w.describe()));
        out.push(Request::Write(w));
    }

    /// Returns true when the search box consumed the key.
    fn search_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) -> bool {
        let s = &mut self.state;
        match key.code {
            KeyCode::Esc => {
                s.searching = false;
                s.prospects.filter.search.clear();
                self.reset_prospects(out);
            }
            KeyCode::Enter => s.searching = false,
            KeyCode::Backspace => {
                s.prospects.filter.search.pop();
                self.reset_prospects(out);
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                s.prospects.filter.search.clear();
                self.reset_prospects(out);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                s.prospects.filter.search.push(c);
                self.reset_prospects(out);
            }
            KeyCode::Down | KeyCode::Up | KeyCode::PageDown | KeyCode::PageUp => return false,
            _ => return key.modifiers.contains(KeyModifiers::CONTROL) && key.code != KeyCode::Char('c'),
        }
        true
    }

    fn popup_key(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        self.popup_key_inner(key, out);
        // Keep the scroll of a long interaction within its lines.
        if let Some(Popup::Interaction { interaction: Some(x), scroll, .. }) = self.state.popup.as_mut() {
            let lines = x.content.split(['\n', '\r']).count().saturating_sub(1);
            *scroll = (*scroll).min(lines.min(u16::MAX as usize) as u16);
        }
    }

    fn popup_key_inner(&mut self, key: KeyEvent, out: &mut Vec<Request>) {
        match self.state.popup {
            Some(Popup::Editor(_)) => return self.editor_key(key, out),
            Some(Popup::Recover { .. }) => return self.recover_key(key, out),
            Some(Popup::Confirm { action: ConfirmAction::Day(_), .. }) => return self.day_confirm_key(key, out),
            Some(Popup::Confirm { .. }) => return self.confirm_key(key, out),
            Some(Popup::Import(_)) => return self.import_key(key, out),
            _ => {}
        }
        let command = self.keys.command_for(&key);
        let Some(popup) = self.state.popup.as_mut() else { return };
        match popup {
            Popup::Help { scroll } | Popup::Interaction { scroll, .. } | Popup::ResearchHistory { scroll } => {
                match command {
                    Some(Command::Down) => *scroll = scroll.saturating_add(1),
                    Some(Command::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Command::PageDown) => *scroll = scroll.saturating_add(20),
                    Some(Command::PageUp) => *scroll = scroll.saturating_sub(20),
                    Some(Command::Top) => *scroll = 0,
                    Some(Command::Bottom) => *scroll = u16::MAX / 2,
                    Some(Command::Back | Command::Help | Command::Open | Command::Quit) => self.state.popup = None,
                    _ => {}
                }
            }
            Popup::Picker(p) => match command {
                Some(Command::Down) => p.selected = (p.selected + 1).min(p.options.len().saturating_sub(1)),
                Some(Command::Up) => p.selected = p.selected.saturating_sub(1),
                Some(Command::Top) => p.selected = 0,
                Some(Command::Bottom) => p.selected = p.options.len().saturating_sub(1),
                Some(Command::Open) => {
                    let choice = p.options.get(p.selected).cloned();
                    let purpose = p.purpose.clone();
                    self.state.popup = None;
                    match (choice, purpose) {
                        (Some(status), PickPurpose::ProspectStatus { prospect_id }) => {
                            self.write(Write::SetStatus { prospect_id, status }, out)
                        }
                        (Some(choice), PickPurpose::Day(pick)) => self.day_picked(pick, choice, out),
                        _ => {}
                    }
                }
                Some(Command::Back | Command::Quit) => self.state.popup = None,
                _ => {}
            },
            Popup::Editor(_) | Popup::Recover { .. } | Popup::Confirm { .. } | Popup::Import(_) => {}
            Popup::Form(form) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => {
                        if form.is_modified() && !form.confirm_discard {
                            form.confirm_discard = true;
                            form.message = Some("unsaved changes: Esc again to discard, Ctrl-S to save".into());
                        } else {
                            self.state.popup = None;
                        }
                        return;
                    }
                    KeyCode::Char('s') if ctrl => return self.submit_form(out),
                    KeyCode::Enter if form.focused_mut().kind == FieldKind::MultiLine => {
                        form.focused_mut().insert('\n')
                    }
                    KeyCode::Enter if form.focus + 1 == form.fields.len() => return self.submit_form(out),
                    KeyCode::Enter | KeyCode::Tab | KeyCode::Down => form.next(),
                    KeyCode::BackTab | KeyCode::Up => form.prev(),
                    KeyCode::Left => form.focused_mut().left(),
                    KeyCode::Right => form.focused_mut().right(),
                    KeyCode::Backspace => form.focused_mut().backspace(),
                    KeyCode::Char('u') if ctrl => form.focused_mut().clear(),
                    KeyCode::Char(c) if !ctrl => form.focused_mut().insert(c),
                    _ => {}
                }
                form.confirm_discard = false;
            }
        }
    }

    fn on_mouse(&mut self, m: MouseEvent, out: &mut Vec<Request>) {
        match m.kind {
            MouseEventKind::ScrollDown => {
                if self.state.popup.is_some() {
                    self.popup_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), out);
                } else {
                    self.move_by(3, out)
                }
            }
            MouseEventKind::ScrollUp => {
                if self.state.popup.is_some() {
                    self.popup_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE), out);
                } else {
                    self.move_by(-3, out)
                }
            }
            MouseEventKind::Down(_) if self.state.popup.is_none() && self.state.view == View::Prospects => {
                // A click on a row of the prospects table selects it.
                let a = layout::areas(ratatui::layout::Rect::new(0, 0, self.state.size.0, self.state.size.1));
                let list = layout::prospect_areas(a.main).list;
                let top = list.y + 3;
                if m.column >= list.x
                    && m.column < list.x + list.width
                    && m.row >= top
                    && m.row < list.y + list.height - 1
                {
                    let index = self.state.prospects.scroll + (m.row - top) as usize;
                    if index < self.state.prospects.len() {
                        self.state.pane = Pane::List;
                        self.state.prospects.selected = index;
                        self.after_prospect_move(out);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
        self.matching_observe(&loaded, out);
        let s = &mut self.state;
        // A database answer proves the connection; a file written does not.
        if !matches!(
            loaded,
            Loaded::Nothing | Loaded::Superseded | Loaded::Recoveries(_) | Loaded::PathCompleted { .. }
        ) {
            s.status.connected = true;
        }
        match loaded {
            l @ (Loaded::PathCompleted { .. } | Loaded::Imported { .. }) => self.on_transfer_loaded(l, out),
            Loaded::ProspectPage { generation, page, rows } => {
                if generation != s.prospects.generation {
                    return; // an answer for an old filter
                }
                s.prospects.requested.remove(&page);
                s.prospects.pages.insert(page, rows);
                let id = s.prospects.selected_row().map(|r| r.id);
                if s.view == View::Prospects && id != s.panel.prospect_id {
                    self.select_prospect(id, out);
                }
                self.ensure_visible(out);
            }
            Loaded::SearchPage { generation, page, rows, total } => {
                let l = &mut s.prospects;
                if generation == l.generation {
                    use crate::db::prospect_page::Total;
                    match total {
                        Total::Exact(n) => (l.total, l.total_at_least) = (Some(n), false),
                        Total::AtLeast(n) if l.total.is_none() || l.total_at_least => {
                            l.total = Some(l.total.unwrap_or(0).max(n));
                            l.total_at_least = true;
                        }
                        Total::AtLeast(_) => {}
                    }
                }
                self.on_loaded(Loaded::ProspectPage { generation, page, rows }, out);
            }
            Loaded::ProspectCount { generation, total } => {
                if generation == s.prospects.generation {
                    if s.prospects.filter == ProspectFilter::default() {
                        s.status.prospects_total = Some(total);
                    }
                    s.prospects.total_at_least = false;
                    s.prospects.total = Some(total);
                    if s.prospects.selected >= total as usize {
                        s.prospects.selected = (total as usize).saturating_sub(1);
                    }
                }
            }
            Loaded::Detail { prospect_id, detail, research, drafts } => {
                if s.panel.prospect_id == Some(prospect_id) {
                    s.panel.detail = detail;
                    s.panel.research = research;
                    s.panel.drafts = drafts;
                    s.panel.detail_loading = false;
                }
            }
            Loaded::Timeline { prospect_id, items, total } => {
                if s.panel.prospect_id == Some(prospect_id) {
                    s.panel.timeline = items;
                    s.panel.timeline_total = total;
                    s.panel.timeline_loading = false;
                    s.panel.timeline_selected = s.panel.timeline_selected.min(s.panel.timeline.len().saturating_sub(1));
                }
            }
            Loaded::Interaction(x) => {
                if let (Some(Popup::Interaction { id, interaction, .. }), Some(x)) = (s.popup.as_mut(), x) {
                    if *id == x.id {
                        *interaction = Some(x);
                    }
                }
            }
            Loaded::Events { upcoming, past } => {
                s.events.upcoming_count = upcoming.len();
                s.events.events = upcoming.into_iter().chain(past).collect();
                s.events.loaded = true;
                s.events.selected = s.events.selected.min(s.events.events.len().saturating_sub(1));
                if let Some(e) = s.events.events.get(s.events.selected) {
                    out.push(Request::Attendees { event_id: e.id });
                }
                self.event_selected(out);
                let options = self.event_options();
                if let Some(Popup::Form(form)) = self.state.popup.as_mut() {
                    if let Some(f) = form.fields.iter_mut().find(|f| f.key == "event") {
                        f.set_options(options);
                    }
                }
            }
            Loaded::Attendees { event_id, attendees } => {
                if s.events.events.get(s.events.selected).map(|e| e.id) == Some(event_id) {
                    s.events.attendees = Some((event_id, attendees));
                }
            }
            Loaded::Catalog(entries) => {
                s.solutions.entries = entries;
                s.solutions.loaded = true;
                s.solutions.selected = s.solutions.selected.min(s.solutions.entries.len().saturating_sub(1));
            }
            Loaded::Industries(list) => s.industries = list,
            Loaded::Superseded | Loaded::Nothing | Loaded::Changed(_) | Loaded::Notice(_) => {}
            Loaded::BulkEstimate { filter, count, researched_today, cost, source } => {
                self.bulk_estimate(filter, count, researched_today, cost, source)
            }
            l @ (Loaded::MatchEstimate { .. } | Loaded::EventInvitations { .. }) => self.on_match_loaded(l, out),
            l @ (Loaded::Drafts { .. }
            | Loaded::DraftOpened { .. }
            | Loaded::DraftSaved { .. }
            | Loaded::Recoveries(_)) => {
                let (sent, saved) = (Self::sent_draft(&l), matches!(l, Loaded::DraftSaved { .. }));
                self.on_draft_loaded(l, out);
                self.after_draft_loaded(sent, saved, out);
            }
            Loaded::Day(d) => self.on_day_loaded(*d, out),
            Loaded::Counts(c) => s.status.prospects_total = Some(c.prospects),
            Loaded::Costs { generation, .. } if generation != s.costs.generation => {}
            Loaded::Costs { totals, breakdown, daily, month_cost, high_water, .. } => {
                s.costs.totals = Some(totals);
                s.costs.breakdown = breakdown;
                s.costs.daily = daily;
                s.costs.month_cost = month_cost;
                s.costs.high_water = high_water;
                s.costs.loading = false;
                s.costs.selected = s.costs.selected.min(s.costs.breakdown.len().saturating_sub(1));
            }
            Loaded::UsageChanged => {
                if s.view == View::Costs && !s.costs.loading {
                    self.load_costs(out);
                }
            }
            Loaded::Written { message, prospect_id } => {
                s.status.message = Some(message);
                s.status.error = None;
                if matches!(&s.popup, Some(Popup::Form(f)) if f.saving) {
                    s.popup = None;
                }
                // Show the write at once: reload the list page and the detail.
                let keep = s.prospects.selected;
                let gen = s.prospects.generation + 1;
                s.prospects.generation = gen;
                s.prospects.requested.clear();
                let pages: Vec<i64> = s.prospects.pages.keys().copied().collect();
                for page in pages {
                    s.prospects.requested.insert(page);
                    out.push(Request::ProspectPage {
                        generation: gen,
                        page,
                        page_size: s.prospects.page_size,
                        filter: s.prospects.filter.clone(),
                        sort: s.prospects.sort,
                        // The write may have changed the size: read by plain offset.
                        total: None,
                    });
                }
                out.push(Request::ProspectCount { generation: gen, filter: s.prospects.filter.clone() });
                out.push(Request::Counts);
                s.prospects.selected = keep;
                if let Some(id) = prospect_id.filter(|id| Some(*id) == s.panel.prospect_id) {
                    out.push(Request::Detail { prospect_id: id });
                    out.push(Request::Timeline { prospect_id: id, limit: s.panel.timeline_limit.max(TIMELINE_PAGE) });
                }
            }
        }
    }

    fn on_failed(&mut self, request: Request, error: String, retryable: bool) {
        if self.on_transfer_failed(&request, &error) {
            self.state.status.connected &= !retryable;
            return;
        }
        let s = &mut self.state;
        if retryable {
            s.status.connected = false;
        }
        match &request {
            Request::ProspectPage { generation, page, .. } if *generation == s.prospects.generation => {
                // Asked again when visible after the reconnect.
                s.prospects.requested.remove(page);
            }
            Request::Write(w @ Write::SaveDraft { key, .. }) => {
                let key = key.clone();
                let w = w.clone();
                self.on_draft_save_failed(key, w, &error, retryable);
                return;
            }
            Request::Write(w) => {
                let msg = format!("not saved ({}): {error}", w.describe());
                if let Some(Popup::Form(form)) = s.popup.as_mut() {
                    form.saving = false;
                    form.set_error(&error);
                    return;
                }
                s.status.error = Some(msg);
                return;
            }
            Request::Detail { .. } => s.panel.detail_loading = false,
            Request::Timeline { .. } => s.panel.timeline_loading = false,
            Request::Costs { generation, .. } if *generation == s.costs.generation => s.costs.loading = false,
            _ => {}
        }
        s.status.error =
            Some(if retryable { format!("database unreachable, reconnecting… ({error})") } else { error });
    }

    fn open_prospect_form(&mut self, detail: Option<&crate::db::models::ProspectDetail>) {
        let statuses = self.state.enums.labels(EnumKind::ProspectStatus).to_vec();
        let industries: Vec<String> = self.state.industries.iter().map(|i| i.name.clone()).collect();
        let (kind, title, p) = match detail {
            Some(d) => (
                FormKind::EditProspect {
                    id: d.prospect.id,
                    company_id: d.company.id,
                    company_name: d.company.name.clone(),
                },
                format!("Edit {}", crate::sanitize::line(&d.prospect.full_name)),
                Some(d),
            ),
            None => (FormKind::NewProspect, "New prospect".to_string(), None),
        };
        let get = |f: fn(&crate::db::models::ProspectDetail) -> String| p.map(f).unwrap_or_default();
        let fields = vec![
            Field::text("full_name", "Name", get(|d| d.prospect.full_name.clone())),
            Field::text("email", "Email", get(|d| d.prospect.email.clone())),
            Field::text("linkedin_url", "LinkedIn", get(|d| d.prospect.linkedin_url.clone().unwrap_or_default())),
            Field::text("location", "Location", get(|d| d.prospect.location.clone().unwrap_or_default())),
            Field::text("company", "Company", get(|d| d.company.name.clone()))
                .with_hint("an existing company's name, or a new one"),
            // A database with no industry yet (a new, empty one) gets a text
            // field: the industry is created with the company.
            if industries.is_empty() {
                Field::text("industry", "Industry", "").with_hint("for a new company; none exist yet, so type one")
            } else {
                Field::choice("industry", "Industry", industries, get(|d| d.industry.name.clone()))
                    .with_hint("for a new company")
            },
            Field::text("size", "Size", get(|d| d.company.size.clone())).with_hint("for a new company, e.g. 51-200"),
            Field::choice("status", "Status", statuses, get(|d| d.prospect.status.clone())),
            Field::boolean("is_active", "Active", p.map(|d| d.prospect.is_active).unwrap_or(true)),
        ];
        self.state.popup = Some(Popup::Form(Box::new(Form::new(kind, title, fields))));
    }

    fn open_company_form(&mut self) {
        let Some(d) = self.state.panel.detail.clone() else {
            self.state.status.message = Some("select a prospect first".into());
            return;
        };
        let industries: Vec<String> = self.state.industries.iter().map(|i| i.name.clone()).collect();
        let fields = vec![
            Field::text("name", "Name", d.company.name.clone()),
            Field::choice("industry", "Industry", industries, d.industry.name.clone()),
            Field::text("size", "Size", d.company.size.clone()),
            Field::text("website", "Website", d.company.website.clone().unwrap_or_default()),
        ];
        let title = format!("Edit company {}", crate::sanitize::line(&d.company.name));
        self.state.popup =
            Some(Popup::Form(Box::new(Form::new(FormKind::EditCompany { id: d.company.id }, title, fields))));
    }

    fn open_interaction_form(&mut self, out: &mut Vec<Request>) {
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
            Field::multiline("content", "Content", "").with_hint("Enter starts a new line · Tab next field"),
            Field::choice("sentiment", "Sentiment", SENTIMENTS.iter().map(|s| s.to_string()).collect(), NO_CHOICE),
            Field::text("outcome", "Outcome", ""),
            Field::choice("event", "Event", events, NO_CHOICE).with_hint("←/→ choose; upcoming events first"),
        ];
        let title = format!("Log interaction with {}", crate::sanitize::line(&p.full_name));
        self.state.popup =
            Some(Popup::Form(Box::new(Form::new(FormKind::NewInteraction { prospect_id: p.id }, title, fields))));
    }

    fn submit_form(&mut self, out: &mut Vec<Request>) {
        if matches!(&self.state.popup, Some(Popup::Form(f)) if f.kind == FormKind::CostRange) {
            return self.submit_cost_range(out);
        }
        if let Some(Popup::Form(f)) = &self.state.popup {
            if let FormKind::AiDraft { prospect_id } = f.kind {
                return self.submit_ai_draft(prospect_id, out);
            }
        }
        if matches!(&self.state.popup, Some(Popup::Form(f)) if matches!(f.kind, FormKind::Match { .. })) {
            return self.submit_match_form(out);
        }
        if matches!(&self.state.popup, Some(Popup::Form(f)) if matches!(f.kind, FormKind::SnoozeDate { .. })) {
            return self.submit_snooze_date(out);
        }
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        if form.saving {
            return;
        }
        for f in form.fields.iter_mut() {
            f.error = None;
        }
        let industry_id = |name: &str| self.state.industries.iter().find(|i| i.name == name).map(|i| i.id);
        let write = match &form.kind {
            FormKind::CostRange | FormKind::AiDraft { .. } | FormKind::Match { .. } | FormKind::SnoozeDate { .. } => {
                return; // handled above
            }
            FormKind::NewProspect | FormKind::EditProspect { .. } => {
                let input = ProspectInput {
                    full_name: form.field("full_name").value.clone(),
                    email: form.field("email").value.clone(),
                    linkedin_url: form.field("linkedin_url").optional(),
                    location: form.field("location").optional(),
                    company_id: 0,
                    is_active: form.field("is_active").as_bool(),
                    status: form.field("status").value.clone(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                let company_name = form.field("company").value.trim().to_string();
                if company_name.is_empty() {
                    form.set_error("company: a company is required");
                    return;
                }
                for key in ["company", "industry", "size"] {
                    if let Err((_, msg)) = crate::db::companies::check_name(key, form.field(key).value.trim()) {
                        form.set_error(&format!("{key}: {msg}"));
                        return;
                    }
                }
                let company = match &form.kind {
                    FormKind::EditProspect { company_id, company_name: original, .. } if *original == company_name => {
                        CompanyRef::Existing(*company_id)
                    }
                    _ => {
                        let industry_name = form.field("industry").value.trim().to_string();
                        let industry = match industry_id(&industry_name) {
                            Some(id) => IndustryRef::Existing(id),
                            None if !industry_name.is_empty() => IndustryRef::New(industry_name),
                            None => {
                                form.set_error("industry: choose an industry");
                                return;
                            }
                        };
                        let size = form.field("size").value.trim().to_string();
                        CompanyRef::ByName {
                            name: company_name,
                            industry,
                            size: if size.is_empty() { "unknown".into() } else { size },
                        }
                    }
                };
                let id = match form.kind {
                    FormKind::EditProspect { id, .. } => Some(id),
                    _ => None,
                };
                Write::SaveProspect { id, input, company }
            }
            FormKind::EditCompany { id } => {
                let Some(industry_id) = industry_id(&form.field("industry").value) else {
                    form.set_error("industry: choose an industry");
                    return;
                };
                let input = CompanyInput {
                    name: form.field("name").value.clone(),
                    industry_id,
                    size: form.field("size").value.clone(),
                    website: form.field("website").optional(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                Write::UpdateCompany { id: *id, input }
            }
            FormKind::NewInteraction { prospect_id } => {
                let date_text = form.field("interaction_date").value.trim().to_string();
                let Ok(date) = chrono::NaiveDateTime::parse_from_str(&date_text, "%Y-%m-%d %H:%M").or_else(|_| {
                    chrono::NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                }) else {
                    form.set_error("interaction_date: write the date as YYYY-MM-DD HH:MM");
                    return;
                };
                let event_id = chosen_event(&self.state.events.events, &form.field("event").value);
                let input = InteractionInput {
                    prospect_id: *prospect_id,
                    event_id,
                    interaction_type: form.field("interaction_type").value.clone(),
                    interaction_date: date,
                    subject: form.field("subject").value.clone(),
                    content: form.field("content").value.clone(),
                    sentiment: Some(form.field("sentiment").value.clone()).filter(|s| s != NO_CHOICE),
                    outcome: form.field("outcome").optional(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                Write::CreateInteraction(input)
            }
        };
        form.saving = true;
        form.message = Some("saving…".into());
        self.write(write, out);
    }
}

/// What a choice field shows for "nothing chosen".
const NO_CHOICE: &str = "(none)";
const SENTIMENTS: &[&str] = &[NO_CHOICE, "positive", "neutral", "negative", "mixed"];

impl App {
    /// The event choices: none, then upcoming events (soonest first), then past ones.
    pub(super) fn event_options(&self) -> Vec<String> {
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
pub(super) fn chosen_event(events: &[crate::db::models::Event], choice: &str) -> Option<i32> {
    events.iter().find(|e| event_choice(e) == choice).map(|e| e.id)
}

fn event_choice(e: &crate::db::models::Event) -> String {
    format!("#{} {} {}", e.id, e.event_date.format("%Y-%m-%d"), crate::sanitize::line(&e.event_type))
}

/// None → first → … → last → None.
pub(super) fn cycle_option<T: Clone + PartialEq>(options: &[T], current: Option<&T>) -> Option<T> {
    match current {
        None => options.first().cloned(),
        Some(c) => options.iter().position(|o| o == c).and_then(|i| options.get(i + 1).cloned()),
    }
}
