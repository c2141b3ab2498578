//! Which industries an event targets. `events.target_industries` holds
//! whatever the writing code put there (a list of names, a list of objects
//! with `name` or `industry`, a bare string, JSON null or SQL NULL): names
//! are gathered from any of these and matched to the industries table
//! ignoring case and punctuation.

use serde_json::Value;

use super::followups::normalise;

/// Industry names in `target_industries`, whatever its shape: a string (or
/// several separated by commas), a list of strings, a list of objects with
/// `name` or `industry` (or any string values), nested lists, null.
pub fn industry_names(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_names(v, &mut out, 0);
    out
}

fn collect_names(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
        Value::Array(items) => items.iter().for_each(|i| collect_names(i, out, depth + 1)),
        Value::Object(map) => {
            let mut named = false;
            for key in ["name", "industry", "industry_name", "industries"] {
                if let Some(v) = map.get(key) {
                    named = true;
                    collect_names(v, out, depth + 1);
                }
            }
            if !named {
                map.values().filter(|v| v.is_string()).for_each(|v| collect_names(v, out, depth + 1));
            }
        }
        _ => {}
    }
}

/// The ids of the industries `target_industries` names (ignoring case and
/// punctuation; a string that matches none is tried split at commas).
pub fn match_industries(v: &Value, industries: &[(i32, String)]) -> Vec<i32> {
    let mut ids = Vec::new();
    let mut find = |name: &str| -> bool {
        let n = normalise(name);
        let hit = industries.iter().find(|(_, i)| !n.is_empty() && normalise(i) == n).map(|(id, _)| *id);
        if let Some(id) = hit {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        hit.is_some()
    };
    for name in industry_names(v) {
        if !find(&name) {
            for part in name.split([',', ';']) {
                find(part);
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn industry_names_in_every_shape() {
        let industries = vec![
            (1, "Financial Services".to_string()),
            (2, "Retail & E-commerce".to_string()),
            (3, "Health, Care".into()),
        ];
        for (v, want) in [
            (json!(["Financial Services", "retail & e-commerce"]), vec![1, 2]),
            (
                json!([{"name": "Financial Services"}, {"industry": "Retail & E-commerce", "priority": "high"}]),
                vec![1, 2],
            ),
            (json!("Financial Services"), vec![1]),
            (json!("Financial Services, Retail & E-commerce"), vec![1, 2]),
            (json!("Health, Care"), vec![3]),
            (json!({"primary": "financial services"}), vec![1]),
            (json!({"industries": ["Retail & E-commerce"]}), vec![2]),
            (json!(null), vec![]),
            (json!(42), vec![]),
            (json!([["Financial Services"], null, 3]), vec![1]),
            (json!(["Mining"]), vec![]),
        ] {
            assert_eq!(match_industries(&v, &industries), want, "{v}");
        }
    }
}
