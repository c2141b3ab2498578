//! Reading one cell: the checks every entity shares (length, email, date,
//! yes/no, JSON lists) with reasons a person can act on. Values quoted in a
//! reason are sanitised and shortened: a 400 KB cell or an escape sequence
//! must not flood or drive the terminal that prints the summary.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::columns::truncate;

/// VARCHAR(255) counts characters.
pub const MAX_CHARS: usize = 255;

/// A value shown inside a reason: sanitised, at most 60 characters,
/// quoted, and saying so when control characters had to be removed (else
/// `invalid email "a@b.com"` would puzzle).
pub fn shown(value: &str) -> String {
    let short = truncate(value, 60);
    let clean = crate::sanitize::line(&short);
    let note = if clean != short.replace(['\n', '\r', '\t'], " ") { " (control characters not shown)" } else { "" };
    format!("\"{clean}\"{note}")
}

/// A single-line cell: trimmed, line breaks and tabs inside it turned into
/// spaces (a name or a company spans one line), empty as None, and a
/// leading `'` that protects a formula (`'=`, `'+`, `'-`, `'@`, as Closer's
/// own export writes) removed, so export → import gives back the text.
pub fn cell(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let t = unprotect(t);
    if t.contains(['\n', '\r', '\t']) {
        let joined = t.replace("\r\n", " ").replace(['\n', '\r', '\t'], " ");
        return Some(joined);
    }
    Some(t.to_string())
}

/// A multi-line text cell (content, description, outcome): kept as
/// written except that Windows line endings become `\n`; empty as None.
pub fn text(raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    let t = unprotect(raw);
    Some(if t.contains('\r') { t.replace("\r\n", "\n") } else { t.to_string() })
}

fn unprotect(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

/// Checks what PostgreSQL cannot store (NUL) and VARCHAR(255).
pub fn limited(field: &str, value: String) -> Result<String, String> {
    let n = value.chars().count();
    if n > MAX_CHARS {
        return Err(format!("{field} is {n} characters long (at most {MAX_CHARS})"));
    }
    no_nul(field, value)
}

pub fn no_nul(field: &str, value: String) -> Result<String, String> {
    if value.contains('\0') {
        return Err(format!("{field} contains a NUL character, which PostgreSQL cannot store"));
    }
    Ok(value)
}

/// An email: one @ with text on both sides, a dot in the domain, no
/// spaces or control characters, at most 255 characters.
pub fn email(value: &str) -> Result<String, String> {
    let bad = || format!("invalid email {}", shown(value));
    let v = limited("email", value.to_string())?;
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    let domain_ok = !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty() || !domain_ok || v.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
        return Err(bad());
    }
    Ok(v)
}

/// A date and time, read as UTC: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.f]]`,
/// the same with `T`, or RFC 3339 with an offset (converted to UTC).
/// Returns the time and whether only a date was given.
pub fn datetime(field: &str, value: &str) -> Result<(NaiveDateTime, bool), String> {
    let v = value.trim();
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return Ok((t, false));
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok((t.naive_utc(), false));
    }
    if let Ok(t) = DateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Ok((t.naive_utc(), false));
    }
    let v = v.strip_suffix('Z').unwrap_or(v);
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok((t, false));
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, fmt) {
            return Ok((d.and_hms_opt(0, 0, 0).expect("midnight"), true));
        }
    }
    Err(format!("{field} {} is not a date Closer reads (write YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], UTC)", shown(value)))
}

/// yes/no in the spellings spreadsheets use.
pub fn boolean(field: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "active" | "x" | "✓" => Ok(true),
        "false" | "f" | "no" | "n" | "0" | "inactive" => Ok(false),
        _ => Err(format!("{field} {} is not yes/no (write true or false)", shown(value))),
    }
}

/// A JSON cell (target industries, roles, featured solutions): JSON as
/// written when it starts with `[` or `{` or is a JSON string or `null`;
/// otherwise a list of names separated by `;` (or `,`), as a JSON array.
pub fn json_list(field: &str, value: &str) -> Result<Value, String> {
    let v = value.trim();
    if v.starts_with(['[', '{', '"']) || v == "null" {
        return serde_json::from_str(v).map_err(|e| format!("{field} is not valid JSON ({e}): {}", shown(value)));
    }
    let sep = if v.contains(';') { ';' } else { ',' };
    let items: Vec<Value> =
        v.split(sep).map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string())).collect();
    Ok(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(cell("  x "), Some("x".into()));
        assert_eq!(cell("   "), None);
        assert_eq!(cell("'=SUM(A1)"), Some("=SUM(A1)".into()));
        assert_eq!(cell("'-5"), Some("-5".into()));
        assert_eq!(cell("'quoted"), Some("'quoted".into()));
        assert_eq!(cell("Multi\r\nLine\tx"), Some("Multi Line x".into()));
        assert_eq!(text("a\r\nb"), Some("a\nb".into()));
    }

    #[test]
    fn emails() {
        assert!(email("ana@example.com").is_ok());
        for bad in ["ana", "@x.com", "ana@", "ana@x", "a b@x.com", "a@b@c.com", "ana@x..com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@x.com", "a".repeat(300))).unwrap_err().contains("at most 255"));
    }

    #[test]
    fn dates() {
        let d = |s| datetime("date", s).map(|(t, _)| t.format("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(d("2026-03-01"), Ok("2026-03-01 00:00:00".into()));
        assert_eq!(d("2026-03-01 09:30"), Ok("2026-03-01 09:30:00".into()));
        assert_eq!(d("2026-03-01T09:30:15Z"), Ok("2026-03-01 09:30:15".into()));
        assert_eq!(d("2026-03-01T09:30:15+02:00"), Ok("2026-03-01 07:30:15".into()));
        assert!(d("03/01/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(datetime("date", "2026-03-01").unwrap().1);
    }

    #[test]
    fn lists() {
        assert_eq!(json_list("x", "a; b").unwrap(), serde_json::json!(["a", "b"]));
        assert_eq!(json_list("x", "a, b").unwrap(), serde_json::json!(["a", "b"]));
        assert_eq!(json_list("x", "[{\"s\": 1}]").unwrap(), serde_json::json!([{"s": 1}]));
        assert_eq!(json_list("x", "null").unwrap(), Value::Null);
        assert!(json_list("x", "[oops").is_err());
    }

    #[test]
    fn shown_values_are_safe() {
        let s = shown(&format!("\u{1b}]0;pwned\u{7}{}", "x".repeat(1000)));
        assert!(!s.contains('\u{1b}') && s.chars().count() < 100, "{s}");
        assert!(s.ends_with("(control characters not shown)"), "{s}");
        assert_eq!(shown("plain"), "\"plain\"");
    }
}
