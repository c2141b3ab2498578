//! Automatic status moves (`[status_flow]`): which move an event triggers,
//! resolved against the database's own labels. Pure, so the rules are
//! tested without a database: a label the database lacks skips the move,
//! and a move never goes backwards (every `from` label kept comes before
//! `to` in the database's order of prospect_status).

use crate::config::{FlowRule, StatusFlowConfig};
use crate::db::followups::normalise;
use crate::db::{EnumKind, EnumLabels};

/// What happened to a prospect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    ResearchSaved,
    DraftSent,
    /// An interaction of this type (a label) was logged.
    Logged(String),
}

/// A move to make: prospects whose status is one of `from` go to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: Vec<String>,
    pub to: String,
    /// Why, for the status bar: "research saved", "draft sent", "CALL logged".
    pub why: String,
}

pub fn resolve(flow: &StatusFlowConfig, enums: &EnumLabels, trigger: &Trigger) -> Option<Move> {
    let (rule, why) = match trigger {
        Trigger::ResearchSaved => (&flow.research_saved, "research saved".to_string()),
        Trigger::DraftSent => (&flow.contacted, "draft sent".to_string()),
        Trigger::Logged(itype) => {
            let hit = |r: &FlowRule| r.enabled && r.on.iter().any(|o| normalise(o) == normalise(itype));
            let rule = [&flow.contacted, &flow.meeting].into_iter().find(|r| hit(r))?;
            (rule, format!("{} logged", crate::sanitize::line(itype)))
        }
    };
    if !rule.enabled {
        return None;
    }
    let labels = enums.labels(EnumKind::ProspectStatus);
    let to = enums.find(EnumKind::ProspectStatus, &rule.to)?.to_string();
    let to_index = labels.iter().position(|l| *l == to)?;
    let mut from = Vec::new();
    for f in &rule.from {
        let Some(label) = enums.find(EnumKind::ProspectStatus, f) else { continue };
        let index = labels.iter().position(|l| l == label)?;
        if index < to_index && !from.iter().any(|x| x == label) {
            from.push(label.to_string());
        }
    }
    (!from.is_empty()).then_some(Move { from, to, why })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn labels(list: &[&str]) -> EnumLabels {
        EnumLabels::from_lists(list, &["ON_DEMAND"], &["EMAIL", "MEETING", "CALL", "EVENT", "LINKEDIN"])
    }

    #[test]
    fn the_documented_moves() {
        let flow = Config::defaults().status_flow;
        let e = labels(&["NEW", "RESEARCHED", "CONTACTED", "ENGAGED", "QUALIFIED", "INACTIVE"]);
        let m = resolve(&flow, &e, &Trigger::ResearchSaved).unwrap();
        assert_eq!((m.from, m.to), (vec!["NEW".to_string()], "RESEARCHED".to_string()));
        let m = resolve(&flow, &e, &Trigger::DraftSent).unwrap();
        assert_eq!((m.from, m.to.as_str()), (vec!["NEW".to_string(), "RESEARCHED".to_string()], "CONTACTED"));
        for t in ["EMAIL", "CALL", "LINKEDIN"] {
            assert_eq!(resolve(&flow, &e, &Trigger::Logged(t.into())).unwrap().to, "CONTACTED", "{t}");
        }
        let m = resolve(&flow, &e, &Trigger::Logged("MEETING".into())).unwrap();
        assert_eq!((m.from, m.to.as_str()), (vec!["CONTACTED".to_string()], "ENGAGED"));
        assert_eq!(resolve(&flow, &e, &Trigger::Logged("EVENT".into())), None, "no rule for events");
    }

    #[test]
    fn other_labels_never_backwards_and_disabled() {
        let mut flow = Config::defaults().status_flow;
        // Lower-case labels are the same labels; a database without RESEARCHED skips that move.
        let e = labels(&["new", "contacted", "engaged"]);
        assert_eq!(resolve(&flow, &e, &Trigger::ResearchSaved), None);
        let m = resolve(&flow, &e, &Trigger::DraftSent).unwrap();
        assert_eq!((m.from, m.to.as_str()), (vec!["new".to_string()], "contacted"));
        // A rule that would move backwards keeps only the labels before its target.
        flow.contacted.from = vec!["QUALIFIED".into(), "NEW".into()];
        let e = labels(&["NEW", "RESEARCHED", "CONTACTED", "ENGAGED", "QUALIFIED", "INACTIVE"]);
        assert_eq!(resolve(&flow, &e, &Trigger::DraftSent).unwrap().from, vec!["NEW".to_string()]);
        flow.contacted.from = vec!["QUALIFIED".into()];
        assert_eq!(resolve(&flow, &e, &Trigger::DraftSent), None, "QUALIFIED never moves back to CONTACTED");
        flow.meeting.enabled = false;
        assert_eq!(resolve(&flow, &e, &Trigger::Logged("MEETING".into())), None);
    }
}
