//! `[followup]` (the Today view's due rules) and `[status_flow]` (automatic
//! status moves). Status labels in both are matched against the database's
//! own labels ignoring case and punctuation (`CONTACTED` finds `contacted`),
//! so the documented defaults work on a database with lower-case labels; a
//! label the database lacks simply has no effect.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupConfig {
    /// "when_due" (Today when anything is overdue or due today), "today" or "prospects".
    pub start_view: String,
    /// "This week": items due within this many business days after today.
    pub upcoming_business_days: u32,
    /// Drafts waiting for review are listed once this many days have passed.
    pub review_after_days: u32,
    /// Upcoming events within this many days are checked for missing invitations.
    pub event_days: u32,
    /// Draft statuses that mean "approved, ready to send" (case-insensitive).
    pub approved_statuses: Vec<String>,
    /// Draft statuses that mean "waiting for a person's review" (case-insensitive).
    pub review_statuses: Vec<String>,
    /// Event statuses whose events are skipped (case-insensitive).
    pub skip_event_statuses: Vec<String>,
    /// Rows the Today view loads (most urgent first); the counts cover all.
    pub max_rows: u32,
    /// Business days from the last contact to the next follow-up, per status label.
    pub cadence: BTreeMap<String, Cadence>,
}

/// A status's cadence: a number of business days, or "never".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Cadence {
    Days(u32),
    Word(String),
}

impl Cadence {
    /// The business days, or None for "never".
    pub fn days(&self) -> Option<u32> {
        match self {
            Cadence::Days(n) => Some(*n),
            Cadence::Word(_) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusFlowConfig {
    pub research_saved: FlowRule,
    pub contacted: FlowRule,
    pub meeting: FlowRule,
}

/// One automatic move: prospects whose status is one of `from` move to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowRule {
    pub enabled: bool,
    /// Interaction types (labels) whose logging triggers the move.
    #[serde(default)]
    pub on: Vec<String>,
    pub from: Vec<String>,
    pub to: String,
}

impl FollowupConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !["when_due", "today", "prospects"].contains(&self.start_view.as_str()) {
            return Err("`followup.start_view` must be \"when_due\", \"today\" or \"prospects\"".into());
        }
        if self.upcoming_business_days > 60 {
            return Err("`followup.upcoming_business_days` must be at most 60".into());
        }
        if self.event_days > 365 {
            return Err("`followup.event_days` must be at most 365".into());
        }
        if self.max_rows == 0 {
            return Err("`followup.max_rows` must be at least 1".into());
        }
        for (label, c) in &self.cadence {
            match c {
                Cadence::Days(n) if *n > 260 => {
                    return Err(format!("`followup.cadence.{label}` must be at most 260 business days (a year)"))
                }
                Cadence::Word(w) if w != "never" => {
                    return Err(format!("`followup.cadence.{label}` must be a number of business days or \"never\""))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl StatusFlowConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (name, rule) in
            [("research_saved", &self.research_saved), ("contacted", &self.contacted), ("meeting", &self.meeting)]
        {
            if rule.to.trim().is_empty() {
                return Err(format!("`status_flow.{name}.to` must name a status"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Cadence, Config};

    #[test]
    fn cadence_labels_are_open_and_values_checked() {
        let c =
            Config::from_str("[followup.cadence]\nCLOSED_WON = 20\nNEW = \"never\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.followup.cadence["CLOSED_WON"], Cadence::Days(20));
        assert_eq!(c.followup.cadence["NEW"].days(), None);
        assert_eq!(c.followup.cadence["CONTACTED"], Cadence::Days(3), "defaults stay");
        for (text, needle) in [
            ("[followup.cadence]\nNEW = \"soon\"\n", "followup.cadence.NEW"),
            ("[followup]\nstart_view = \"events\"\n", "followup.start_view"),
            ("[status_flow.meeting]\nto = \"\"\n", "status_flow.meeting.to"),
            ("[status_flow.research_saved]\non = [\"EMAIL\"]\n", "status_flow.research_saved.on"),
        ] {
            let err = Config::from_str(text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(err.contains(needle) && err.contains("c.toml"), "{text:?}: {err}");
        }
    }
}
