//! Placeholders in a draft (`{first_name}`, `{company}`, `{event}`, …):
//! what they stand for, filling them for the preview, the copy and the
//! sent text, and naming the ones still without a value.

use serde::{Deserialize, Serialize};

/// What placeholders in a draft stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceholderContext {
    pub full_name: String,
    pub company: String,
    pub event: Option<String>,
    pub event_date: Option<String>,
    pub location: Option<String>,
}

impl PlaceholderContext {
    pub fn first_name(&self) -> &str {
        self.full_name.split_whitespace().next().unwrap_or("")
    }

    pub fn last_name(&self) -> &str {
        self.full_name.split_whitespace().skip(1).last().unwrap_or("")
    }
}

/// Fills `{first_name}`, `{last_name}`, `{full_name}`, `{company}`,
/// `{event}`, `{event_date}` and `{location}`. Unknown or empty ones are
/// left as written, so the preview shows what still needs a value.
pub fn render_placeholders(text: &str, ctx: &PlaceholderContext) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let value = match name {
            "first_name" => Some(ctx.first_name().to_string()),
            "last_name" => Some(ctx.last_name().to_string()),
            "full_name" | "name" => Some(ctx.full_name.clone()),
            "company" => Some(ctx.company.clone()),
            "event" => ctx.event.clone(),
            "event_date" => ctx.event_date.clone(),
            "location" => ctx.location.clone(),
            _ => None,
        }
        .filter(|v| !v.is_empty());
        match value {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders still unfilled in `text` (no value known), each once.
pub fn unfilled_placeholders(text: &str, ctx: &PlaceholderContext) -> Vec<String> {
    let filled = render_placeholders(text, ctx);
    let mut out: Vec<String> = Vec::new();
    let mut rest = filled.as_str();
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        let known = matches!(
            name,
            "first_name" | "last_name" | "full_name" | "name" | "company" | "event" | "event_date" | "location"
        );
        let p = format!("{{{name}}}");
        if known && !out.contains(&p) {
            out.push(p);
        }
        rest = &after[end + 1..];
    }
    out
}

/// The message a draft becomes when sent: the subject from its first
/// non-empty line (a `Subject:` line loses its prefix and leaves the body),
/// and the body. None when there is nothing to send: empty, or nothing but
/// placeholders.
pub fn sent_message(filled: &str, template: &str) -> Option<(String, String)> {
    let words: String = {
        let mut s = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            s.push_str(&rest[..start]);
            match rest[start..].find('}') {
                Some(end) => rest = &rest[start + end + 1..],
                None => {
                    rest = &rest[start..];
                    break;
                }
            }
        }
        s.push_str(rest);
        s
    };
    if words.trim().is_empty() {
        return None;
    }
    let mut lines = filled.lines();
    let first = lines.by_ref().find(|l| !l.trim().is_empty())?.trim();
    let take = |s: &str| s.chars().take(255).collect::<String>();
    let lower = first.to_lowercase();
    if lower.starts_with("subject:") {
        let subject = first["subject:".len()..].trim();
        let body = lines.collect::<Vec<_>>().join("\n").trim_start_matches('\n').to_string();
        Some((take(if subject.is_empty() { "Outreach" } else { subject }), body))
    } else {
        Some((take(first), filled.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_render_and_unknown_ones_stay() {
        let ctx = PlaceholderContext {
            full_name: "Ada María Lovelace".into(),
            company: "株式会社テスト".into(),
            event: Some("Summit".into()),
            ..Default::default()
        };
        assert_eq!(
            render_placeholders("Hi {first_name} {last_name} of {company}, see you at {event} {event_date} {x", &ctx),
            "Hi Ada Lovelace of 株式会社テスト, see you at Summit {event_date} {x"
        );
    }

    #[test]
    fn what_is_sent_and_what_is_missing() {
        let ctx = PlaceholderContext { full_name: "Ada Lovelace".into(), company: "ACME".into(), ..Default::default() };
        let t = "subject:  Hi {first_name}\n\nDear {first_name} at {company}, see {event} {unknown}";
        let filled = render_placeholders(t, &ctx);
        let (subject, body) = sent_message(&filled, t).unwrap();
        assert_eq!(subject, "Hi Ada");
        assert_eq!(body, "Dear Ada at ACME, see {event} {unknown}");
        assert_eq!(unfilled_placeholders(t, &ctx), vec!["{event}".to_string()]);
        assert_eq!(sent_message("Ada", "{first_name}"), None, "placeholders only");
        assert_eq!(sent_message("  \n ", "  \n "), None, "empty");
        let (subject, body) = sent_message("Hello\nworld", "Hello\nworld").unwrap();
        assert_eq!((subject.as_str(), body.as_str()), ("Hello", "Hello\nworld"));
    }
}
