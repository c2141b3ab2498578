//! Answers from the I/O layer: a loaded page, detail, list or write result
//! folded into the state (answers for an old filter or range are dropped),
//! and failures turned into messages, retries or a reconnect.

use crate::app::action::Loaded;
use crate::app::io::{Request, Write};
use crate::app::state::*;
use crate::app::App;
use crate::db::prospects::ProspectFilter;

impl App {
    pub(in crate::app) fn on_loaded(&mut self, loaded: Loaded, out: &mut Vec<Request>) {
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
                // Show the write at once: reload the list pages and the detail
                // (and the Drafts view, where a draft was just deleted).
                self.reload_loaded_pages(true, out);
                if self.state.view == View::Drafts {
                    self.reload_drafts(out);
                }
                out.push(Request::Counts);
                self.reload_panel_of(prospect_id, out);
            }
        }
    }

    pub(in crate::app) fn on_failed(
        &mut self,
        request: Request,
        error: String,
        retryable: bool,
        out: &mut Vec<Request>,
    ) {
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
                // Refused as changed meanwhile: the detail shows the new
                // values, and a reopened form starts from them.
                if let (Write::SaveProspect { id: Some(id), .. }, false) = (w, retryable) {
                    out.push(Request::Detail { prospect_id: *id });
                }
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
}

#[cfg(test)]
mod tests {
    use crate::app::action::{Action, Loaded};
    use crate::app::io::Request;
    use crate::app::state::View;
    use crate::app::testkit::app;

    #[test]
    fn a_write_shows_at_once_where_the_user_is() {
        let mut a = app((100, 30));
        a.state.view = View::Drafts;
        let done =
            || Action::Loaded(Box::new(Loaded::Written { message: "done: delete draft #3".into(), prospect_id: None }));
        let out = a.update(done());
        assert!(out.iter().any(|r| matches!(r, Request::Drafts { .. })), "the deleted draft leaves the list: {out:?}");
        assert_eq!(a.state.status.message.as_deref(), Some("done: delete draft #3"));
        a.state.view = View::Prospects;
        let out = a.update(done());
        assert!(!out.iter().any(|r| matches!(r, Request::Drafts { .. })));
        assert!(out.iter().any(|r| matches!(r, Request::ProspectCount { .. })), "the list's count again");
    }
}
