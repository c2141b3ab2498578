//! Which column of the file holds which field. Headers are matched by name,
//! ignoring case, spaces, underscores, hyphens and dots ("E-mail", "email",
//! "Email Address"), with the aliases CRMs, event tools and LinkedIn
//! exports use. The templates (`closer import --template`) list the
//! canonical names, which are also what `closer export` writes.

use super::Entity;

/// One field an import understands.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The canonical column name (template and export header).
    pub name: &'static str,
    /// Other header names that mean this field.
    pub aliases: &'static [&'static str],
}

const fn f(name: &'static str, aliases: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, aliases }
}

/// Prospect fields, in template order. `first_name`/`last_name` are not in
/// the template: they are read when the file has no full-name column.
pub const PROSPECT_FIELDS: &[FieldSpec] = &[
    f("full_name", &["name", "full name", "contact", "contact name", "prospect", "prospect name", "person"]),
    f("email", &["e-mail", "email address", "e-mail address", "mail", "work email", "business email"]),
    f("company", &["company name", "organization", "organisation", "account", "account name", "employer"]),
    f("industry", &["sector", "company industry", "vertical"]),
    f("size", &["company size", "employees", "headcount", "number of employees"]),
    f("website", &["company website", "web", "homepage", "site", "company url", "domain"]),
    f("linkedin_url", &["linkedin", "linkedin profile", "linkedin profile url", "profile url", "linkedin link"]),
    f("location", &["city", "address", "region", "country"]),
    f("status", &["stage", "lead status", "prospect status"]),
    f("is_active", &["active"]),
    f("last_contacted_at", &["last contacted", "last contact", "last contact date", "last contacted date"]),
    f("first_name", &["first", "given name", "firstname"]),
    f("last_name", &["last", "surname", "family name", "lastname"]),
];

/// How many of [`PROSPECT_FIELDS`] are in the template (the rest are extras).
pub const PROSPECT_TEMPLATE_LEN: usize = 11;

pub const INTERACTION_FIELDS: &[FieldSpec] = &[
    f("email", &["e-mail", "prospect email", "contact email", "email address"]),
    f("type", &["interaction type", "interaction_type", "kind", "channel"]),
    f("date", &["interaction date", "interaction_date", "when", "datetime", "timestamp"]),
    f("subject", &["title", "topic"]),
    f("content", &["body", "notes", "note", "text", "message", "details"]),
    f("sentiment", &[]),
    f("outcome", &["result", "next step", "next steps"]),
    f("event", &["event id", "event_id"]),
];

pub const EVENT_FIELDS: &[FieldSpec] = &[
    f("type", &["event type", "event_type", "kind", "name", "event", "event name"]),
    f("date", &["event date", "event_date", "when", "start", "start date", "datetime"]),
    f("location", &["city", "venue", "place", "where"]),
    f("description", &["details", "summary", "about"]),
    f("status", &["event status"]),
    f("target_industries", &["industries", "target industry"]),
    f("target_roles", &["roles", "target role", "audience"]),
    f("solutions_featured", &["solutions", "featured solutions", "solution"]),
];

pub fn fields(entity: Entity) -> &'static [FieldSpec] {
    match entity {
        Entity::Prospects => PROSPECT_FIELDS,
        Entity::Interactions => INTERACTION_FIELDS,
        Entity::Events => EVENT_FIELDS,
    }
}

/// The template's header row (canonical names, in order).
pub fn template_header(entity: Entity) -> Vec<&'static str> {
    let all = fields(entity);
    let n = if entity == Entity::Prospects { PROSPECT_TEMPLATE_LEN } else { all.len() };
    all[..n].iter().map(|f| f.name).collect()
}

/// A header reduced to letters and digits, lower case.
pub fn normalise(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The file's header row mapped onto an entity's fields.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// For each of the entity's fields, the column index that holds it.
    pub index: Vec<Option<usize>>,
    /// Number of columns in the header.
    pub width: usize,
    /// (header as written, field) for each recognised column.
    pub used: Vec<(String, &'static str)>,
    /// Headers that mean nothing to this import (or repeat a field).
    pub ignored: Vec<String>,
}

impl Mapping {
    pub fn has(&self, field: usize) -> bool {
        self.index[field].is_some()
    }
}

/// Maps a header row. Errors when a required column is missing (one
/// sentence naming what was looked for and what was found).
pub fn map_header(entity: Entity, headers: &[String]) -> Result<Mapping, String> {
    let specs = fields(entity);
    let mut index = vec![None; specs.len()];
    let mut used = Vec::new();
    let mut ignored = Vec::new();
    for (col, h) in headers.iter().enumerate() {
        let key = normalise(h);
        let field = specs
            .iter()
            .position(|s| normalise(s.name) == key || s.aliases.iter().any(|a| normalise(a) == key))
            .filter(|_| !key.is_empty());
        match field {
            Some(i) if index[i].is_none() => {
                index[i] = Some(col);
                used.push((h.clone(), specs[i].name));
            }
            _ => {
                if !h.trim().is_empty() {
                    ignored.push(h.clone());
                }
            }
        }
    }
    let m = Mapping { index, width: headers.len(), used, ignored };
    let missing: Vec<&str> = required(entity)
        .iter()
        .filter(|group| group.iter().all(|name| !m.has(position(entity, name))))
        .map(|group| group[0])
        .collect();
    if !missing.is_empty() {
        let looked: Vec<String> = missing
            .iter()
            .map(|name| {
                let s = &specs[position(entity, name)];
                let mut all = vec![s.name];
                all.extend(s.aliases.iter().take(4));
                format!("{} ({})", name, all.join(", "))
            })
            .collect();
        let found: Vec<String> =
            headers.iter().take(12).map(|h| format!("{:?}", crate::sanitize::line(&truncate(h, 40)))).collect();
        return Err(format!(
            "no {} column in the header row. Looked for {}; found {}{}",
            missing.join(" or "),
            looked.join("; "),
            if found.is_empty() { "nothing".to_string() } else { found.join(", ") },
            if headers.len() > 12 { ", …" } else { "" }
        ));
    }
    Ok(m)
}

/// Required columns: each group is satisfied by any one of its fields.
fn required(entity: Entity) -> &'static [&'static [&'static str]] {
    match entity {
        Entity::Prospects => &[&["full_name", "first_name", "last_name"], &["email"]],
        Entity::Interactions => &[&["email"], &["type"], &["date"], &["subject"]],
        Entity::Events => &[&["type"], &["date"], &["location"]],
    }
}

/// The index of a field by canonical name (panics on a typo: a bug).
pub fn position(entity: Entity, name: &str) -> usize {
    fields(entity).iter().position(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aliases_and_case() {
        let m = map_header(Entity::Prospects, &h(&["Full Name", "E-Mail", "Company Name", "LinkedIn URL", "Phone"]))
            .unwrap();
        assert_eq!(m.index[position(Entity::Prospects, "full_name")], Some(0));
        assert_eq!(m.index[position(Entity::Prospects, "email")], Some(1));
        assert_eq!(m.index[position(Entity::Prospects, "company")], Some(2));
        assert_eq!(m.index[position(Entity::Prospects, "linkedin_url")], Some(3));
        assert_eq!(m.ignored, vec!["Phone".to_string()]);
    }

    #[test]
    fn first_and_last_name_stand_for_the_name() {
        assert!(map_header(Entity::Prospects, &h(&["First Name", "Last Name", "Email Address"])).is_ok());
    }

    #[test]
    fn missing_columns_are_named() {
        let e = map_header(Entity::Prospects, &h(&["name", "phone"])).unwrap_err();
        assert!(e.starts_with("no email column"), "{e}");
        let e = map_header(Entity::Prospects, &h(&["phone"])).unwrap_err();
        assert!(e.contains("full_name or email"), "{e}");
    }

    #[test]
    fn templates() {
        assert_eq!(template_header(Entity::Prospects)[..3], ["full_name", "email", "company"]);
        assert_eq!(template_header(Entity::Prospects).len(), 11);
        for e in [Entity::Prospects, Entity::Interactions, Entity::Events] {
            // Every template column maps to itself.
            let header: Vec<String> = template_header(e).iter().map(|s| s.to_string()).collect();
            let m = map_header(e, &header).unwrap();
            assert!(m.ignored.is_empty());
        }
    }
}
