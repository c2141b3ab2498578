//! Marks and bulk actions on the prospects list (k9s and lazygit habits):
//! Space marks a row, `*` marks every row of the current filter (however
//! many), Esc clears. With marks, S sets the status and A the active flag of
//! all of them (one transaction, undoable as one step), B queues LLM
//! research or drafts for them (cost estimate first, within the monthly
//! budget), Ctrl-e exports them.

use super::day::{Change, DayConfirm, DayPick, DayRequest, QueueTarget};
use super::io::{Request, Write};
use super::state::{ConfirmAction, Pane, PickPurpose, Picker, Popup, View};
use super::{App, Command};
use crate::calendar::{plural, thousands};
use crate::db::EnumKind;

impl App {
    pub(super) fn marks_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        let on_list = self.state.view == View::Prospects && self.state.pane == Pane::List;
        let marked = !self.state.day.marks.is_empty();
        match command {
            Command::Mark if on_list => {
                if let Some(p) = self.state.prospects.selected_row() {
                    let (id, name) = (p.id, crate::sanitize::line(&p.full_name).into_owned());
                    let marks = &mut self.state.day.marks.ids;
                    let verb = if marks.remove(&id) {
                        "unmarked"
                    } else {
                        marks.insert(id);
                        "marked"
                    };
                    self.state.status.message = Some(format!("{name} {verb} · {}", self.marks_summary()));
                    self.move_prospects_down(out);
                }
            }
            Command::MarkAll if on_list => {
                let l = &self.state.prospects;
                self.state.day.marks.pending = Some(l.generation);
                self.state.status.message = Some("marking every prospect in the filter…".into());
                out.push(Request::Day(DayRequest::MarkAll { generation: l.generation, filter: l.filter.clone() }));
            }
            Command::Mark | Command::MarkAll => {
                self.state.status.message =
                    Some(format!("marks are made on the prospects list ({})", self.keys.label(Command::ViewProspects)));
            }
            Command::Back if marked && on_list && !self.state.searching => {
                let n = self.state.day.marks.ids.len() as i64;
                self.state.day.marks.ids.clear();
                self.state.day.marks.pending = None;
                self.state.status.message = Some(format!("cleared {}", plural(n, "mark", "marks")));
            }
            Command::SetStatus if marked && self.state.view == View::Prospects => {
                let options = self.state.enums.labels(EnumKind::ProspectStatus).to_vec();
                self.state.popup = Some(Popup::Picker(Picker {
                    title: format!("Status of {}", self.marked_label()),
                    options,
                    selected: 0,
                    purpose: PickPurpose::Day(DayPick::BulkStatus),
                }));
            }
            Command::ToggleActive if marked && self.state.view == View::Prospects => {
                self.state.popup = Some(Popup::Picker(Picker {
                    title: format!("Set {}", self.marked_label()),
                    options: vec!["inactive".into(), "active".into()],
                    selected: 0,
                    purpose: PickPurpose::Day(DayPick::BulkActive),
                }));
            }
            Command::BulkResearch if marked && self.state.view == View::Prospects => {
                self.state.status.message = Some("estimating the cost…".into());
                let target = QueueTarget::Marked(self.state.day.marks.sorted());
                out.push(Request::Day(DayRequest::Estimate { target, drafts: false }));
            }
            Command::ExportMarked if marked => {
                out.push(Request::Day(DayRequest::ExportMarked { ids: self.state.day.marks.sorted() }));
            }
            Command::ExportMarked => {
                self.state.status.message = Some("nothing marked: Space marks a prospect, * marks the filter".into());
            }
            _ => return false,
        }
        true
    }

    fn marked_label(&self) -> String {
        format!("{} marked", plural(self.state.day.marks.ids.len() as i64, "prospect", "prospects"))
    }

    fn marks_summary(&self) -> String {
        format!(
            "{} marked ({} status · {} active · {} research/drafts · {} export · {} clears)",
            thousands(self.state.day.marks.ids.len() as i64),
            self.keys.label(Command::SetStatus),
            self.keys.label(Command::ToggleActive),
            self.keys.label(Command::BulkResearch),
            self.keys.label(Command::ExportMarked),
            self.keys.label(Command::Back)
        )
    }

    fn move_prospects_down(&mut self, out: &mut Vec<Request>) {
        self.command(Command::Down, out);
    }

    pub(super) fn marked_all(&mut self, generation: u64, ids: Vec<i32>) {
        let marks = &mut self.state.day.marks;
        if marks.pending != Some(generation) || generation != self.state.prospects.generation {
            return; // the filter changed meanwhile: these are not the rows on screen
        }
        marks.pending = None;
        let n = ids.len() as i64;
        marks.ids.extend(ids);
        self.state.status.message = Some(format!("marked {} in the filter · {}", thousands(n), self.marks_summary()));
    }

    /// A bulk status or active value was picked for the marked prospects.
    pub(super) fn bulk_picked(&mut self, pick: DayPick, choice: String, out: &mut Vec<Request>) {
        let ids = self.state.day.marks.sorted();
        let change = match pick {
            DayPick::BulkStatus => Change::SetStatus { ids, status: choice },
            DayPick::BulkActive => Change::SetActive { ids, active: choice == "active" },
            DayPick::Snooze { .. } => return,
        };
        self.state.status.message = Some(format!("{}…", change.describe()));
        out.push(Request::Write(Write::Change(change)));
    }

    /// The estimate for queueing LLM jobs arrived: ask, showing the cost and the budget.
    pub(super) fn queue_estimate(
        &mut self,
        target: QueueTarget,
        count: i64,
        per_call: f64,
        source: String,
        month_spent: f64,
    ) {
        if self.state.popup.is_some() {
            return;
        }
        let whom = match &target {
            QueueTarget::Marked(_) => format!("{} marked", plural(count, "prospect", "prospects")),
            QueueTarget::Invitations { title, .. } => format!(
                "{} without an invitation to {}",
                plural(count, "prospect", "prospects"),
                crate::sanitize::line(title)
            ),
        };
        if count == 0 {
            self.state.status.message = Some(format!("nobody to queue: {whom}"));
            return;
        }
        let budget = self.state.monthly_budget;
        let left = (budget - month_spent).max(0.0);
        let fit = if budget > 0.0 && per_call > 0.0 { ((left / per_call).floor() as i64).min(count) } else { count };
        let cost = per_call * count as f64;
        let mut message = format!("{whom}: estimated ${cost:.2} ({source}).");
        if budget > 0.0 {
            message.push_str(&format!(" This month: ${month_spent:.2} of ${budget:.2} spent."));
            if fit < count {
                message.push_str(&format!(" Only {} fit in the budget; that many are queued.", thousands(fit)));
            }
        }
        if fit == 0 {
            self.state.status.error = Some(format!("{message} Nothing queued: the monthly budget is spent."));
            return;
        }
        self.state.popup = Some(Popup::Confirm {
            message,
            action: ConfirmAction::Day(DayConfirm::Queue { target, limit: fit as usize }),
        });
    }
}
