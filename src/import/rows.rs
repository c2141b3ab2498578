//! One CSV record checked into the row the database side stages, or the
//! reason it is rejected (a sentence naming the field and the value).

use csv::StringRecord;

use super::columns::{position, Mapping};
use super::fields::{boolean, cell, datetime, email, json_list, limited, no_nul, shown, text};
use super::Entity;
use crate::db::import::{EventRef, EventRow, InteractionRow, ProspectRow};
use crate::db::{EnumKind, EnumLabels};

/// A checked row, ready to stage.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Prospect(ProspectRow),
    Interaction(InteractionRow),
    Event(EventRow),
}

impl Checked {
    pub fn copy(&self, buf: &mut String) {
        match self {
            Checked::Prospect(r) => r.copy(buf),
            Checked::Interaction(r) => r.copy(buf),
            Checked::Event(r) => r.copy(buf),
        }
    }
}

/// Reads the fields of one record through the header mapping.
struct Cells<'a> {
    entity: Entity,
    mapping: &'a Mapping,
    record: &'a StringRecord,
}

impl Cells<'_> {
    fn raw(&self, name: &str) -> Option<&str> {
        self.mapping.index[position(self.entity, name)].and_then(|i| self.record.get(i))
    }

    /// A trimmed single-line value, None when empty or absent.
    fn get(&self, name: &str) -> Option<String> {
        self.raw(name).and_then(cell)
    }

    /// A single-line value checked against VARCHAR(255).
    fn short(&self, name: &str) -> Result<Option<String>, String> {
        self.get(name).map(|v| limited(name, v)).transpose()
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.short(name)?.ok_or_else(|| format!("missing required field: {name}"))
    }

    /// A multi-line TEXT value (no length limit).
    fn long(&self, name: &str) -> Result<Option<String>, String> {
        self.raw(name).and_then(text).map(|v| no_nul(name, v)).transpose()
    }
}

/// Checks one record. `line` is where the record starts in the file.
pub fn check(
    entity: Entity,
    mapping: &Mapping,
    line: u64,
    record: &StringRecord,
    enums: &EnumLabels,
) -> Result<Checked, String> {
    if record.len() > mapping.width && record.iter().skip(mapping.width).any(|f| !f.trim().is_empty()) {
        return Err(format!(
            "has {} fields but the header has {} (an unquoted delimiter in a value?)",
            record.len(),
            mapping.width
        ));
    }
    let c = Cells { entity, mapping, record };
    Ok(match entity {
        Entity::Prospects => Checked::Prospect(prospect(&c, line, enums)?),
        Entity::Interactions => Checked::Interaction(interaction(&c, line, enums)?),
        Entity::Events => Checked::Event(event(&c, line)?),
    })
}

fn label(enums: &EnumLabels, kind: EnumKind, field: &str, value: &str) -> Result<String, String> {
    enums.find(kind, value).map(str::to_owned).ok_or_else(|| {
        format!("unknown {field} {}: this database's labels are {}", shown(value), enums.labels(kind).join(", "))
    })
}

fn prospect(c: &Cells<'_>, line: u64, enums: &EnumLabels) -> Result<ProspectRow, String> {
    let email = email(&c.get("email").ok_or("missing required field: email")?)?;
    let full_name = match c.get("full_name") {
        Some(n) => Some(n),
        None => {
            let parts: Vec<String> = [c.get("first_name"), c.get("last_name")].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
    }
    .map(|n| limited("full_name", n))
    .transpose()?;
    Ok(ProspectRow {
        line,
        full_name,
        email,
        linkedin_url: c.short("linkedin_url")?,
        location: c.short("location")?,
        company: c.short("company")?,
        industry: c.short("industry")?,
        size: c.short("size")?,
        website: c.short("website")?,
        status: c.get("status").map(|s| label(enums, EnumKind::ProspectStatus, "status", &s)).transpose()?,
        is_active: c.get("is_active").map(|v| boolean("is_active", &v)).transpose()?,
        last_contacted_at: c
            .get("last_contacted_at")
            .map(|v| datetime("last_contacted_at", &v).map(|d| d.0))
            .transpose()?,
    })
}

fn interaction(c: &Cells<'_>, line: u64, enums: &EnumLabels) -> Result<InteractionRow, String> {
    let email = email(&c.get("email").ok_or("missing required field: email")?)?;
    let interaction_type = label(enums, EnumKind::InteractionTypes, "type", &c.required("type")?)?;
    let (date, _) = datetime("date", &c.required("date")?)?;
    let event = match c.get("event") {
        None => None,
        Some(raw) => {
            let r = event_ref(&raw)?;
            Some((raw, r))
        }
    };
    Ok(InteractionRow {
        line,
        email,
        interaction_type,
        date,
        subject: c.required("subject")?,
        content: c.long("content")?,
        sentiment: c.short("sentiment")?,
        outcome: c.long("outcome")?,
        event,
    })
}

/// `12`, `#12`, or `type | date | location` (`·` also separates, as the
/// app shows events).
pub fn event_ref(raw: &str) -> Result<EventRef, String> {
    let v = raw.trim();
    if let Ok(id) = v.trim_start_matches('#').parse::<i32>() {
        return Ok(EventRef::Id(id));
    }
    let sep = if v.contains('|') { '|' } else { '·' };
    let parts: Vec<&str> = v.split(sep).map(str::trim).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("event {} is neither an event id nor type | date | location", shown(raw)));
    }
    let (date, date_only) = datetime("event date", parts[1])?;
    Ok(EventRef::Key { event_type: parts[0].to_string(), date, date_only, location: parts[2].to_string() })
}

fn event(c: &Cells<'_>, line: u64) -> Result<EventRow, String> {
    let json = |name: &str| -> Result<Option<serde_json::Value>, String> {
        c.raw(name).and_then(cell).map(|v| no_nul(name, v).and_then(|v| json_list(name, &v))).transpose()
    };
    Ok(EventRow {
        line,
        event_type: c.required("type")?,
        date: datetime("date", &c.required("date")?)?.0,
        location: c.required("location")?,
        description: c.long("description")?,
        status: c.short("status")?,
        target_industries: json("target_industries")?,
        target_roles: json("target_roles")?,
        solutions_featured: json("solutions_featured")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_references() {
        assert_eq!(event_ref("#12"), Ok(EventRef::Id(12)));
        assert_eq!(event_ref(" 7 "), Ok(EventRef::Id(7)));
        match event_ref("Conference | 2026-03-01 09:00 | Berlin").unwrap() {
            EventRef::Key { event_type, location, date_only, .. } => {
                assert_eq!((event_type.as_str(), location.as_str(), date_only), ("Conference", "Berlin", false))
            }
            other => panic!("{other:?}"),
        }
        assert!(event_ref("Conference · 2026-03-01 · Berlin").is_ok());
        assert!(event_ref("the big one").is_err());
    }
}
