//! The Today view's part of [`App::update`]: loading the list, moving
//! through it, and each row's next step in one key (open, write a draft by
//! hand or by LLM, log a call or email, mark a draft sent, snooze).

use chrono::NaiveDate;

use super::day::{DayPick, DayRequest, QueueTarget, TodayState};
use super::forms::{Field, Form, FormKind};
use super::io::Request;
use super::state::{Pane, PickPurpose, Picker, Popup, View};
use super::{App, Command};
use crate::calendar::{add_business_days, next_monday, short};
use crate::db::followups::{ItemKind, Rules, TodayItem, TodayList};
use crate::db::models::ProspectListItem;
use crate::llm::JobKind;

impl TodayState {
    pub fn items(&self) -> &[TodayItem] {
        self.list.as_ref().map(|l| l.items.as_slice()).unwrap_or(&[])
    }

    pub fn selected_item(&self) -> Option<&TodayItem> {
        self.items().get(self.selected)
    }

    /// The display row of item `i`: items plus one header line per group above it.
    pub fn display_index(&self, i: usize) -> usize {
        let items = self.items();
        if items.is_empty() {
            return 0;
        }
        let headers = items[..=i.min(items.len().saturating_sub(1))]
            .iter()
            .enumerate()
            .filter(|(k, it)| *k == 0 || items[k - 1].group != it.group)
            .count();
        i + headers
    }

    /// Moves the selection by `delta` items and keeps it (and its group's
    /// header, for the first item of a group) within `rows` visible rows.
    pub fn move_by(&mut self, delta: isize, rows: usize) {
        let len = self.items().len();
        if len == 0 {
            self.selected = 0;
            self.scroll = 0;
            return;
        }
        self.selected = (self.selected as isize).saturating_add(delta).clamp(0, len as isize - 1) as usize;
        let row = self.display_index(self.selected);
        let first_of_group =
            self.selected == 0 || self.items()[self.selected - 1].group != self.items()[self.selected].group;
        let top = if first_of_group { row - 1 } else { row };
        let rows = rows.max(1);
        if top < self.scroll {
            self.scroll = top;
        } else if row >= self.scroll + rows {
            self.scroll = row + 1 - rows;
        }
    }

    /// Anything overdue or due today.
    pub fn anything_due(&self) -> bool {
        self.list.as_ref().is_some_and(|l| l.counts.overdue + l.counts.today > 0)
    }
}

impl App {
    /// The date the rules are evaluated on: the local date (or a fixed one in tests).
    pub fn today_date(&self) -> NaiveDate {
        self.state.day.today.as_of.unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    pub(super) fn load_today(&mut self, out: &mut Vec<Request>) {
        let Some(cfg) = self.state.day.followup.as_ref() else { return };
        let rules = Rules::new(cfg, &self.state.enums, self.today_date());
        let t = &mut self.state.day.today;
        t.generation += 1;
        t.loading = true;
        out.push(Request::Day(DayRequest::Load { generation: t.generation, rules: Box::new(rules) }));
    }

    pub(super) fn reload_today_if_shown(&mut self, out: &mut Vec<Request>) {
        if self.state.view == View::Today {
            self.load_today(out);
        }
    }

    pub(super) fn today_loaded(&mut self, generation: u64, list: TodayList) {
        let t = &mut self.state.day.today;
        if generation != t.generation {
            return;
        }
        // Keep the selection on the same item when it is still there.
        let key = t.selected_item().map(|i| i.snooze_key());
        t.list = Some(list);
        t.loading = false;
        t.selected = key.and_then(|k| t.items().iter().position(|i| i.snooze_key() == k)).unwrap_or(t.selected);
        let rows = super::layout::today_rows(self.state.size);
        let t = &mut self.state.day.today;
        t.move_by(0, rows);
        if std::mem::take(&mut t.open_when_due) && t.anything_due() {
            self.state.view = View::Today;
            self.state.pane = Pane::List;
        }
    }

    /// The prospect of the selected row (for S, A, l, e on Today).
    pub(super) fn today_selected_prospect(&self) -> Option<ProspectListItem> {
        self.state.day.today.selected_item().and_then(|i| i.prospect.clone())
    }

    pub(super) fn today_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        if command == Command::ViewToday {
            let s = &mut self.state;
            s.view = View::Today;
            s.pane = Pane::List;
            s.searching = false;
            self.load_today(out);
            return true;
        }
        if self.state.view != View::Today {
            return false;
        }
        // Moving is the views' one mechanism (paging::move_by, Today's rows).
        let item = self.state.day.today.selected_item().cloned();
        let prospect = item.as_ref().and_then(|i| i.prospect.clone());
        match command {
            Command::Refresh => self.load_today(out),
            Command::Open => match &item {
                Some(i) if i.kind == ItemKind::EventInvitations => self.open_event(i.event_id, out),
                Some(i) if i.draft_id.is_some() => out.push(Request::OpenDraft { id: i.draft_id.unwrap_or(0) }),
                Some(i) => self.open_prospect(i.prospect.as_ref(), out),
                None => {}
            },
            Command::MarkSent => match item.as_ref().and_then(|i| i.draft_id) {
                Some(id) => {
                    self.state.day.today.send_on_open = Some(id);
                    out.push(Request::OpenDraft { id });
                }
                None => self.say("mark sent: select a draft row (send or review)"),
            },
            Command::NewDraft => match &prospect {
                Some(p) => out.push(Request::NewDraft { prospect_id: p.id }),
                None => self.say(&format!(
                    "select a prospect's row; {} drafts invitations for an event",
                    self.keys.label(Command::AiDraft)
                )),
            },
            Command::Research => match &prospect {
                Some(p) => out.push(Request::StartJobs(vec![JobKind::Research { prospect_id: p.id }])),
                None => self.say("select a prospect's row"),
            },
            Command::AiDraft => match &item {
                Some(TodayItem {
                    kind: ItemKind::EventInvitations, event_id: Some(id), industry_ids, title, ..
                }) => {
                    let target = QueueTarget::Invitations {
                        event_id: *id,
                        industry_ids: industry_ids.clone(),
                        title: title.clone().unwrap_or_default(),
                    };
                    self.say("estimating the cost…");
                    out.push(Request::Day(DayRequest::Estimate { target, drafts: true }));
                }
                Some(TodayItem { prospect: Some(p), .. }) => out.push(Request::StartJobs(vec![JobKind::Draft {
                    prospect_id: p.id,
                    event_id: None,
                    draft_type: "offer_email".into(),
                }])),
                _ => {}
            },
            Command::ProspectDrafts => match &prospect {
                Some(p) => self.show_drafts_of(p.id, out),
                None => self.say("select a prospect's row"),
            },
            Command::EditProspect | Command::EditCompany => self.say(&format!(
                "{} opens the prospect; {} and {} edit it there",
                self.keys.label(Command::Open),
                self.keys.label(Command::EditProspect),
                self.keys.label(Command::EditCompany)
            )),
            Command::Snooze => match &item {
                Some(i) => self.open_snooze(i),
                None => self.say("nothing selected to snooze"),
            },
            _ => return false,
        }
        true
    }

    fn say(&mut self, message: &str) {
        self.state.status.message = Some(message.to_string());
    }

    /// Shows the prospect in the Prospects view (searched by email) with its detail.
    fn open_prospect(&mut self, p: Option<&ProspectListItem>, out: &mut Vec<Request>) {
        let Some(p) = p else { return };
        self.state.prospects.filter =
            crate::db::prospects::ProspectFilter { search: p.email.clone(), ..Default::default() };
        self.state.view = View::Prospects;
        self.state.pane = Pane::Detail;
        self.state.searching = false;
        self.reset_prospects(out);
        self.state.status.message = Some(format!(
            "{} · {} clears the search, {} goes back to Today",
            crate::sanitize::line(&p.full_name),
            self.keys.label(Command::Back),
            self.keys.label(Command::ViewToday)
        ));
    }

    fn open_event(&mut self, id: Option<i32>, out: &mut Vec<Request>) {
        let Some(id) = id else { return };
        let ev = &mut self.state.events;
        match ev.events.iter().position(|e| e.id == id) {
            Some(i) => {
                ev.selected = i;
                ev.detail_scroll = 0;
                self.state.view = View::Events;
                self.state.pane = Pane::List;
                out.push(Request::Attendees { event_id: id });
            }
            None => self.say("that event is not loaded yet; r reloads"),
        }
    }

    fn open_snooze(&mut self, item: &TodayItem) {
        let today = self.today_date();
        let label = match (&item.prospect, &item.title) {
            (_, Some(t)) if item.kind == ItemKind::EventInvitations => crate::sanitize::line(t).into_owned(),
            (Some(p), _) => crate::sanitize::line(&p.full_name).into_owned(),
            _ => item.kind.label().to_string(),
        };
        let options = vec![
            format!("1 day (until {})", short(add_business_days(today, 1))),
            format!("3 days (until {})", short(add_business_days(today, 3))),
            format!("next week (until {})", short(next_monday(today))),
            "a date…".to_string(),
        ];
        self.state.popup = Some(Popup::Picker(Picker {
            title: format!("Snooze {} {label}", item.kind.label()),
            options,
            selected: 0,
            purpose: PickPurpose::Day(DayPick::Snooze { key: item.snooze_key(), label }),
        }));
    }

    /// A snooze length was picked (1 and 3 days count business days).
    pub(super) fn snooze_picked(&mut self, key: String, label: String, choice: &str, out: &mut Vec<Request>) {
        let today = self.today_date();
        let until = if choice.starts_with("1 day") {
            add_business_days(today, 1)
        } else if choice.starts_with("3 days") {
            add_business_days(today, 3)
        } else if choice.starts_with("next week") {
            next_monday(today)
        } else {
            let field = Field::text("until", "Until", add_business_days(today, 5).format("%Y-%m-%d").to_string())
                .with_hint("YYYY-MM-DD: the day it shows again");
            self.state.popup = Some(Popup::Form(Box::new(Form::new(
                FormKind::SnoozeDate { key, label: label.clone() },
                format!("Snooze {label} until"),
                vec![field],
            ))));
            return;
        };
        out.push(Request::Day(DayRequest::Snooze { key, until, today, label }));
    }

    /// The snooze date form was submitted.
    pub(super) fn submit_snooze_date(&mut self, out: &mut Vec<Request>) {
        let today = self.today_date();
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        let FormKind::SnoozeDate { key, label } = form.kind.clone() else { return };
        let text = form.field("until").value.trim().to_string();
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(until) if until > today => {
                self.state.popup = None;
                out.push(Request::Day(DayRequest::Snooze { key, until, today, label }));
            }
            Ok(_) => form.set_error("until: choose a day after today"),
            Err(_) => form.set_error(&format!("until: {text:?} is not a date (YYYY-MM-DD, e.g. 2026-07-01)")),
        }
    }

    /// A draft opened for "mark sent" asks at once, in the editor.
    pub(super) fn after_draft_opened(&mut self) {
        let Some(id) = self.state.day.today.send_on_open.take() else { return };
        if matches!(&self.state.popup, Some(Popup::Editor(e)) if e.draft_id == Some(id)) {
            self.editor_mark_sent();
        }
    }
}

/// Start-up, before the first frame: with `followup.start_view` "when_due"
/// Closer opens on Today if anything is overdue or due today ("today":
/// always; "prospects": never). A database slower than two seconds here
/// opens on Prospects, and the list loads in the background.
pub async fn open_on_start(app: &mut App, io: &super::io::Io) {
    let Some(cfg) = app.state.day.followup.clone() else { return };
    match cfg.start_view.as_str() {
        "prospects" => return,
        "today" => app.state.view = View::Today,
        _ => app.state.day.today.open_when_due = true,
    }
    let mut out = Vec::new();
    app.load_today(&mut out);
    for request in out {
        match tokio::time::timeout(std::time::Duration::from_secs(2), io.answer(request.clone())).await {
            Ok(answer) => {
                for r in app.update(answer) {
                    io.send(r);
                }
            }
            Err(_) => {
                app.state.day.today.open_when_due = false;
                app.state.status.in_flight += 1;
                io.send(request);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::followups::{Counts, Group};

    fn item(group: Group, n: i32) -> TodayItem {
        TodayItem {
            kind: ItemKind::DraftReview,
            group,
            due: NaiveDate::from_ymd_opt(2026, 6, 15).unwrap(),
            reason: String::new(),
            prospect: None,
            draft_id: Some(n),
            event_id: None,
            title: None,
            count: None,
            industry_ids: vec![],
        }
    }

    #[test]
    fn group_headers_count_as_rows_when_scrolling() {
        let mut t = TodayState::default();
        let items =
            vec![item(Group::Overdue, 1), item(Group::Overdue, 2), item(Group::Today, 3), item(Group::ThisWeek, 4)];
        t.list = Some(TodayList { as_of: None, counts: Counts::default(), items });
        // Display: [Overdue] 1 2 [Today] 3 [This week] 4
        assert_eq!((0..4).map(|i| t.display_index(i)).collect::<Vec<_>>(), vec![1, 2, 4, 6]);
        t.move_by(3, 3);
        assert_eq!((t.selected, t.scroll), (3, 4), "the last item and its header are visible");
        t.move_by(-1, 3);
        assert_eq!((t.selected, t.scroll), (2, 3), "the first item of a group shows its header");
        t.move_by(-10, 3);
        assert_eq!((t.selected, t.scroll), (0, 0));
        t.list = None;
        t.move_by(1, 3);
        assert_eq!((t.selected, t.scroll), (0, 0), "an empty list never panics");
    }
}
