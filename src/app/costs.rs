//! The part of [`App::update`] that concerns the LLM cost dashboard: range,
//! breakdown dimension, drill-down, custom dates and live reloads.

use super::form::{Field, Form, FormKind};
use super::io::Request;
use super::state::{CostRange, Popup, View};
use super::{App, Command};

impl App {
    pub(super) fn load_costs(&mut self, out: &mut Vec<Request>) {
        self.state.costs.loading = true;
        let now = chrono::Utc::now().naive_utc();
        let c = &self.state.costs;
        out.push(Request::Costs { range: c.usage_range(now), by: c.by.group() });
    }

    /// Dashboard commands; returns true when the command was handled here.
    pub(super) fn cost_command(&mut self, command: Command, out: &mut Vec<Request>) -> bool {
        if self.state.view != View::Costs {
            return command == Command::CostRange && {
                self.state.status.message = Some("open the cost dashboard (4) first".into());
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
                match c.by {
                    super::state::Breakdown::Model => c.model = Some(row.key.clone()),
                    super::state::Breakdown::Workflow => c.workflow = Some(row.key.clone()),
                    super::state::Breakdown::Node => {
                        c.workflow = Some(row.key.split('/').next().unwrap_or(&row.key).to_string())
                    }
                }
                c.selected = 0;
            }
            Command::Back if c.model.is_some() || c.workflow.is_some() => {
                c.model = None;
                c.workflow = None;
                c.selected = 0;
            }
            Command::Refresh => {}
            Command::CostRange => {
                let fmt =
                    |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
                let fields = vec![
                    Field::text("since", "From", fmt(c.custom.0))
                        .with_hint("YYYY-MM-DD, inclusive; empty: from the first row"),
                    Field::text("until", "Until", fmt(c.custom.1)).with_hint("YYYY-MM-DD, exclusive; empty: up to now"),
                ];
                self.state.popup =
                    Some(Popup::Form(Box::new(Form::new(FormKind::CostRange, "Cost dashboard range", fields))));
                return true;
            }
            _ => return false,
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
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{key}: write the date as YYYY-MM-DD"))
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
            if u <= s {
                return form.set_error("until: must be after the start date");
            }
        }
        self.state.popup = None;
        self.state.costs.custom = (since, until);
        self.state.costs.range = CostRange::Custom;
        self.state.costs.selected = 0;
        self.load_costs(out);
    }
}
