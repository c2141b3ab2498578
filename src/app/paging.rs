//! The prospects list as a window over 100,000 rows: moving the selection,
//! keeping it on screen, asking for the pages that come into view and
//! dropping the far ones, and starting over when the filter changes.

use crate::app::io::Request;
use crate::app::layout;
use crate::app::state::*;
use crate::app::App;

/// Pages kept around the selection; the rest are dropped to keep memory flat.
const PAGES_KEPT: i64 = 2;
/// Timeline rows loaded at a time.
pub(in crate::app) const TIMELINE_PAGE: i64 = 100;

impl App {
    pub(in crate::app) fn page_rows(&self) -> usize {
        match (self.state.view, self.state.pane) {
            (View::Prospects, Pane::Timeline) => layout::timeline_rows(self.state.size),
            (View::Prospects, _) => layout::prospect_list_rows(self.state.size),
            (View::Today, _) => layout::today_rows(self.state.size),
            _ => layout::master_rows(self.state.size),
        }
        .max(1)
    }

    pub(in crate::app) fn move_by(&mut self, delta: isize, out: &mut Vec<Request>) {
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
    pub(in crate::app) fn after_prospect_move(&mut self, out: &mut Vec<Request>) {
        self.ensure_visible(out);
        let id = self.state.prospects.selected_row().map(|r| r.id);
        if id != self.state.panel.prospect_id {
            self.select_prospect(id, out);
        }
    }

    pub(in crate::app) fn select_prospect(&mut self, id: Option<i32>, out: &mut Vec<Request>) {
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
    pub(in crate::app) fn ensure_visible(&mut self, out: &mut Vec<Request>) {
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
                out.push(page_request(l, page, l.total));
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
    pub(in crate::app) fn reset_prospects(&mut self, out: &mut Vec<Request>) {
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

    pub(in crate::app) fn reload_all(&mut self, out: &mut Vec<Request>) {
        let keep = self.state.prospects.selected;
        self.reset_prospects(out);
        self.state.prospects.selected = keep;
        self.ensure_visible(out);
        out.push(Request::Counts);
        out.push(Request::Industries);
        self.reload_panel_of(self.state.panel.prospect_id, out);
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
}

/// The request for one page of the list as it is filtered and sorted now;
/// `total` lets a page near the end be read from the end (None: by offset).
fn page_request(l: &ProspectList, page: i64, total: Option<i64>) -> Request {
    Request::ProspectPage {
        generation: l.generation,
        page,
        page_size: l.page_size,
        filter: l.filter.clone(),
        sort: l.sort,
        total,
    }
}

impl App {
    /// Reads the loaded pages again under a new generation, keeping the
    /// selection and the old rows on screen until the new ones arrive.
    /// `resized`: what changed may have moved rows in or out of the list, so
    /// pages are read by plain offset and the count is asked again.
    pub(in crate::app) fn reload_loaded_pages(&mut self, resized: bool, out: &mut Vec<Request>) {
        let l = &mut self.state.prospects;
        l.generation += 1;
        l.requested.clear();
        for page in l.pages.keys().copied().collect::<Vec<_>>() {
            l.requested.insert(page);
            out.push(page_request(l, page, if resized { None } else { l.total }));
        }
        if resized {
            out.push(Request::ProspectCount { generation: l.generation, filter: l.filter.clone() });
        }
    }

    /// The detail and timeline again, when the prospect shown is `id`.
    pub(in crate::app) fn reload_panel_of(&mut self, id: Option<i32>, out: &mut Vec<Request>) {
        let p = &self.state.panel;
        if let Some(id) = id.filter(|id| Some(*id) == p.prospect_id) {
            out.push(Request::Detail { prospect_id: id });
            out.push(Request::Timeline { prospect_id: id, limit: p.timeline_limit.max(TIMELINE_PAGE) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::{Action, Loaded};
    use crate::app::testkit::{app, ch, press, row};

    fn pages(requests: &[Request]) -> Vec<(u64, i64)> {
        requests
            .iter()
            .filter_map(|r| match r {
                Request::ProspectPage { generation, page, .. } => Some((*generation, *page)),
                _ => None,
            })
            .collect()
    }

    fn answer(generation: u64, page: i64, size: i64, total: i64) -> Action {
        let first = (page * size) as i32;
        let rows = (first..(first + size as i32).min(total as i32)).map(|i| row(i + 1)).collect();
        Action::Loaded(Box::new(Loaded::ProspectPage { generation, page, rows }))
    }

    fn count(generation: u64, total: i64) -> Action {
        Action::Loaded(Box::new(Loaded::ProspectCount { generation, total }))
    }

    #[test]
    fn start_asks_for_the_first_page_and_the_count() {
        let mut a = app((100, 30));
        let out = a.start();
        let g = a.state.prospects.generation;
        assert_eq!(pages(&out), vec![(g, 0)]);
        assert!(out.iter().any(|r| matches!(r, Request::ProspectCount { generation, .. } if *generation == g)));
    }

    #[test]
    fn an_answer_for_an_old_filter_is_dropped() {
        let mut a = app((100, 30));
        a.start();
        let old = a.state.prospects.generation;
        let size = a.state.prospects.page_size;
        // Clearing the filters starts a new generation from the top.
        let out = a.update(ch('x'));
        let new = a.state.prospects.generation;
        assert!(new > old);
        assert_eq!(pages(&out), vec![(new, 0)]);
        a.update(answer(old, 0, size, 500));
        assert!(a.state.prospects.pages.is_empty(), "the old generation's page is not shown");
        a.update(answer(new, 0, size, 500));
        assert_eq!(a.state.prospects.row(0).map(|r| r.id), Some(1));
        // Its first row is selected: the detail and timeline are asked for.
        assert_eq!(a.state.panel.prospect_id, Some(1));
    }

    #[test]
    fn moving_keeps_the_selection_on_screen_and_pages_follow_it() {
        let mut a = app((100, 30));
        a.start();
        let g = a.state.prospects.generation;
        let size = a.state.prospects.page_size;
        let total = size * 40;
        a.update(count(g, total));
        a.update(answer(g, 0, size, total));
        let rows = layout::prospect_list_rows(a.state.size);
        for _ in 0..rows + 3 {
            a.update(ch('j'));
        }
        let l = &a.state.prospects;
        assert_eq!(l.selected, rows + 3);
        assert!(l.scroll <= l.selected && l.selected < l.scroll + rows, "the selection is visible");
        // The last row: its page is asked for, and none in between.
        let out = a.update(press(crossterm::event::KeyCode::End));
        assert_eq!(a.state.prospects.selected as i64, total - 1);
        assert_eq!(pages(&out), vec![(g, 39)]);
        a.update(answer(g, 39, size, total));
        // Far pages are dropped: memory stays flat however far one scrolls.
        assert!(!a.state.prospects.pages.contains_key(&0), "{:?}", a.state.prospects.pages.keys());
        // Moving up past the first row stops at it.
        for _ in 0..3 {
            a.update(press(crossterm::event::KeyCode::Home));
        }
        assert_eq!(a.state.prospects.selected, 0);
    }

    #[test]
    fn a_count_smaller_than_the_selection_pulls_it_back() {
        let mut a = app((100, 30));
        a.start();
        let g = a.state.prospects.generation;
        let size = a.state.prospects.page_size;
        a.update(count(g, 500));
        a.update(answer(g, 0, size, 500));
        a.update(press(crossterm::event::KeyCode::End));
        // Someone deleted rows meanwhile.
        a.update(count(g, 10));
        assert_eq!(a.state.prospects.selected, 9);
    }
}
