//! The LLM cost dashboard: its state (range, breakdown dimension,
//! drill-down, custom dates) and the part of [`App::update`] that changes it,
//! with live reloads.

use super::forms::{Field, Form, FormKind};
use super::io::Request;
use super::state::{Popup, View};
use super::{App, Command};
use crate::db::usage::{UsageBucket, UsageRange, UsageTotals};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CostRange {
    Today,
    Days7,
    #[default]
    Days30,
    ThisMonth,
    All,
    /// Dates chosen by the user (`=` on the dashboard).
    Custom,
}

impl CostRange {
    /// The ranges `o` cycles through (Custom is reached with `=`).
    pub const ALL: [CostRange; 5] =
        [CostRange::Today, CostRange::Days7, CostRange::Days30, CostRange::ThisMonth, CostRange::All];

    pub fn label(self) -> &'static str {
        match self {
            CostRange::Today => "today",
            CostRange::Days7 => "7 days",
            CostRange::Days30 => "30 days",
            CostRange::ThisMonth => "this month",
            CostRange::All => "all time",
            CostRange::Custom => "custom",
        }
    }

    /// The time range for `now` (Custom: the dates in `custom`).
    pub fn range(self, now: chrono::NaiveDateTime) -> UsageRange {
        use chrono::{Datelike, Duration};
        let today = now.date().and_hms_opt(0, 0, 0).unwrap();
        let since = match self {
            CostRange::Today => Some(today),
            CostRange::Days7 => Some(today - Duration::days(6)),
            CostRange::Days30 => Some(today - Duration::days(29)),
            CostRange::ThisMonth => Some(today.with_day(1).unwrap()),
            CostRange::All | CostRange::Custom => None,
        };
        UsageRange { since, ..Default::default() }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CostsState {
    pub range: CostRange,
    /// First and last day (both inclusive) of the custom range.
    pub custom: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    /// The breakdown table's dimension (Tab cycles model → workflow → node).
    pub by: Breakdown,
    /// Drill-down: the rest of the view narrowed to one model or workflow.
    pub model: Option<String>,
    pub workflow: Option<String>,
    pub loading: bool,
    pub totals: Option<UsageTotals>,
    pub breakdown: Vec<UsageBucket>,
    pub daily: Vec<(String, f64)>,
    pub month_cost: f64,
    pub selected: usize,
    /// The newest usage row seen; a larger one means new rows to show.
    pub high_water: Option<i32>,
    /// The newest request's number: an answer for a range, dimension or
    /// drill-down the user has since left is never drawn.
    pub generation: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Breakdown {
    #[default]
    Model,
    Workflow,
    Node,
}

impl Breakdown {
    pub fn group(self) -> crate::db::usage::UsageGroup {
        match self {
            Breakdown::Model => crate::db::usage::UsageGroup::Model,
            Breakdown::Workflow => crate::db::usage::UsageGroup::Workflow,
            Breakdown::Node => crate::db::usage::UsageGroup::Node,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Breakdown::Model => "model",
            Breakdown::Workflow => "workflow",
            Breakdown::Node => "workflow/node",
        }
    }

    pub fn next(self) -> Self {
        match self {
            Breakdown::Model => Breakdown::Workflow,
            Breakdown::Workflow => Breakdown::Node,
            Breakdown::Node => Breakdown::Model,
        }
    }
}

impl CostsState {
    /// The rows the dashboard aggregates now: range plus drill-down.
    pub fn usage_range(&self, now: chrono::NaiveDateTime) -> UsageRange {
        let mut r = if self.range == CostRange::Custom {
            UsageRange {
                since: self.custom.0.map(|d| d.and_hms_opt(0, 0, 0).unwrap()),
                until: self.custom.1.and_then(|d| d.succ_opt()).map(|d| d.and_hms_opt(0, 0, 0).unwrap()),
                ..Default::default()
            }
        } else {
            self.range.range(now)
        };
        r.model = self.model.clone();
        r.workflow = self.workflow.clone();
        r
    }
}

impl App {
    pub(super) fn load_costs(&mut self, out: &mut Vec<Request>) {
        self.state.costs.loading = true;
        self.state.costs.generation += 1;
        let now = chrono::Utc::now().naive_utc();
        let c = &self.state.costs;
        out.push(Request::Costs { generation: c.generation, range: c.usage_range(now), by: c.by.group() });
    }

    /// Dashboard commands; returns true when the command was handled here.
    pub(super) fn cost_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        if self.state.view != View::Costs {
            return command == Command::CostRange && {
                self.state.status.message =
                    Some(format!("open the cost dashboard ({}) first", self.keys.label(Command::ViewCosts)));
                true
            };
        }
        let c = &mut self.state.costs;
        match command {
            Command::CycleSort => {
                let i = CostRange::ALL.iter().position(|r| *r == c.range).map(|i| i + 1).unwrap_or(0);
                c.range = CostRange::ALL[i % CostRange::ALL.len()];
            }
            Command::NextPane | Command::PrevPane => {
                c.by = c.by.next();
                c.selected = 0;
            }
            Command::Open => {
                let Some(row) = c.breakdown.get(c.selected) else { return true };
                // Drilling in narrows to the row and breaks it down one level
                // further (a model by workflow, a workflow by node).
                match c.by {
                    super::state::Breakdown::Model => {
                        c.model = Some(row.key.clone());
                        c.by = super::state::Breakdown::Workflow;
                    }
                    super::state::Breakdown::Workflow => {
                        c.workflow = Some(row.key.clone());
                        c.by = super::state::Breakdown::Node;
                    }
                    super::state::Breakdown::Node => {
                        c.workflow = Some(row.key.split('/').next().unwrap_or(&row.key).to_string())
                    }
                }
                c.selected = 0;
            }
            Command::Back if c.model.is_some() || c.workflow.is_some() => {
                c.model = None;
                c.workflow = None;
                c.by = super::state::Breakdown::Model;
                c.selected = 0;
            }
            Command::Refresh => {}
            Command::CostRange => {
                let fmt =
                    |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
                let fields = vec![
                    Field::text("since", "From", fmt(c.custom.0))
                        .with_hint("YYYY-MM-DD, inclusive; empty: from the first row"),
                    Field::text("until", "To", fmt(c.custom.1)).with_hint("YYYY-MM-DD, inclusive; empty: up to now"),
                ];
                self.state.popup =
                    Some(Popup::Form(Box::new(Form::new(FormKind::CostRange, "Cost dashboard range", fields))));
                return true;
            }
            _ => return false,
        }
        if command != Command::Refresh {
            // Figures for the range, dimension or drill-down just left must
            // not stand under the new title while the new ones load.
            self.state.costs.totals = None;
        }
        self.load_costs(out);
        true
    }

    /// The custom-range form was submitted.
    pub(super) fn submit_cost_range(&mut self, out: &mut Vec<Request>) {
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        let parse = |key: &'static str, form: &Form| -> Result<Option<chrono::NaiveDate>, String> {
            let v = form.field(key).value.trim();
            if v.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).map_err(|_| {
                let shaped = v.len() == 10 && v.chars().enumerate().all(|(i, c)| (i == 4 || i == 7) == (c == '-'));
                if shaped && v.chars().all(|c| c.is_ascii_digit() || c == '-') {
                    format!("{key}: {v} is not a day of the calendar")
                } else {
                    format!("{key}: write the date as YYYY-MM-DD")
                }
            })
        };
        let since = match parse("since", form) {
            Ok(d) => d,
            Err(e) => return form.set_error(&e),
        };
        let until = match parse("until", form) {
            Ok(d) => d,
            Err(e) => return form.set_error(&e),
        };
        if let (Some(s), Some(u)) = (since, until) {
            if u < s {
                return form.set_error("until: must not be before the first day");
            }
        }
        self.state.popup = None;
        self.state.costs.custom = (since, until);
        self.state.costs.range = CostRange::Custom;
        self.state.costs.selected = 0;
        self.state.costs.totals = None;
        self.load_costs(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::{Action, Loaded};
    use crate::db::usage::UsageTotals;

    fn answer(generation: u64, calls: i64) -> Action {
        Action::Loaded(Box::new(Loaded::Costs {
            generation,
            totals: UsageTotals { calls, ..Default::default() },
            breakdown: vec![],
            daily: vec![],
            month_cost: 0.0,
            high_water: None,
        }))
    }

    fn generation_of(requests: &[Request]) -> u64 {
        requests
            .iter()
            .find_map(|r| match r {
                Request::Costs { generation, .. } => Some(*generation),
                _ => None,
            })
            .expect("a cost request")
    }

    /// Fast `o` presses: the answers arrive out of order, and only the one
    /// for the range on screen may be drawn.
    #[test]
    fn an_answer_for_a_range_the_user_left_is_never_drawn() {
        let mut app = App::new(&crate::config::Config::defaults(), Default::default(), "db".into(), (120, 40));
        app.update(Action::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('4'))));
        let o = || Action::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('o')));
        let first = generation_of(&app.update(o()));
        let second = generation_of(&app.update(o()));
        let range = app.state.costs.range;
        // The newest answer first, then the stale one.
        app.update(answer(second, 22));
        app.update(answer(first, 11));
        assert_eq!(app.state.costs.totals.as_ref().map(|t| t.calls), Some(22));
        assert_eq!(app.state.costs.range, range);
        assert!(!app.state.costs.loading);
        // And the stale one alone never clears "loading" for the newer one.
        let third = generation_of(&app.update(o()));
        app.update(answer(second, 33));
        assert!(app.state.costs.loading, "still waiting for {third}");
        assert_eq!(app.state.costs.totals, None, "the old range's figures are not shown under the new title");
    }

    #[test]
    fn custom_dates_are_inclusive_and_impossible_days_are_named() {
        let mut app = App::new(&crate::config::Config::defaults(), Default::default(), "db".into(), (120, 40));
        let key = |c| Action::Key(crossterm::event::KeyEvent::from(c));
        let typed = |app: &mut App, s: &str| {
            for c in s.chars() {
                app.update(key(crossterm::event::KeyCode::Char(c)));
            }
        };
        app.update(key(crossterm::event::KeyCode::Char('4')));
        app.update(key(crossterm::event::KeyCode::Char('=')));
        typed(&mut app, "2026-11-01");
        app.update(key(crossterm::event::KeyCode::Tab));
        typed(&mut app, "2026-11-31");
        app.update(key(crossterm::event::KeyCode::Enter));
        let Some(Popup::Form(form)) = &app.state.popup else { panic!("the form stays open") };
        let until = form.fields.iter().find(|f| f.key == "until").unwrap();
        assert_eq!(until.error.as_deref(), Some("2026-11-31 is not a day of the calendar"));
        for _ in 0..2 {
            app.update(key(crossterm::event::KeyCode::Backspace));
        }
        typed(&mut app, "30");
        app.update(key(crossterm::event::KeyCode::Enter));
        assert!(app.state.popup.is_none());
        let r = app.state.costs.usage_range(chrono::Utc::now().naive_utc());
        assert_eq!(r.until.map(|d| d.to_string()), Some("2026-12-01 00:00:00".into()), "the 30th is included");
    }
}
