//! Helpers shared by the panes.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use serde_json::Value;

use crate::app::App;
use crate::sanitize;

pub fn block<'a>(title: impl Into<String>, focused: bool, app: &App) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { app.theme.focused_border } else { app.theme.border })
        .title(Span::styled(format!(" {} ", title.into()), if focused { app.theme.title } else { Style::new() }))
}

/// "label: value" with the label muted; the value is sanitised.
pub fn field<'a>(label: &str, value: &str, app: &App) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:>10}: "), app.theme.muted),
        Span::raw(sanitize::line(value).into_owned()),
    ])
}

pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

pub fn date(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into())
}

/// Any JSON shape as short readable lines: strings as they are, objects as
/// `key: value`, arrays one item per line. Never fails on an odd shape.
pub fn json_lines(v: &Option<Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().map(json_inline).collect(),
        // Keys are data too: sanitised like the values.
        Some(Value::Object(map)) => {
            map.iter().map(|(k, v)| format!("{}: {}", sanitize::line(k), json_inline(v))).collect()
        }
        Some(other) => vec![json_inline(other)],
    }
}

pub fn json_inline(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Array(items) => items.iter().map(json_inline).collect::<Vec<_>>().join(", "),
        Value::Object(map) => {
            // A recommended solution: {"id":…, "name":…, "reason":…}.
            let name = map.get("name").or_else(|| map.get("solution")).or_else(|| map.get("insight"));
            match (name, map.get("reason")) {
                (Some(Value::String(n)), Some(Value::String(r))) => format!("{n} — {r}"),
                (Some(Value::String(n)), _) if map.len() == 1 => n.clone(),
                _ => map.iter().map(|(k, v)| format!("{k}: {}", json_inline(v))).collect::<Vec<_>>().join(", "),
            }
        }
        other => other.to_string(),
    };
    sanitize::line(&s).into_owned()
}

/// Clears a popup's area. A wide character (CJK, emoji) just left of the
/// popup would be drawn by the terminal across the popup's border, since the
/// cell under its second half is never sent; it is blanked first.
pub fn clear_popup(frame: &mut ratatui::Frame, rect: ratatui::layout::Rect) {
    use unicode_width::UnicodeWidthStr;
    let buf = frame.buffer_mut();
    if rect.x > buf.area.x {
        for y in rect.y..rect.y.saturating_add(rect.height).min(buf.area.bottom()) {
            let cell = &mut buf[(rect.x - 1, y)];
            if cell.symbol().width() > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    frame.render_widget(ratatui::widgets::Clear, rect);
}

/// An integer with thousands separators (one implementation, in `calendar`).
pub use crate::calendar::thousands;

/// Where the database is, in few words: `host/database` (the managed
/// cluster's socket shows as `local/database`). Never a user or password.
pub fn short_database(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else { return sanitize::line(url).into_owned() };
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let after_user = main.rsplit_once('@').map(|(_, h)| h).unwrap_or(main);
    let (host, db) = after_user.split_once('/').unwrap_or((after_user, ""));
    let socket = query.split('&').any(|kv| kv.starts_with("host=/"));
    let host = if socket || host.is_empty() { "local" } else { host };
    let place = if db.is_empty() { host.to_string() } else { format!("{host}/{db}") };
    sanitize::line(&place).into_owned()
}

/// Fitting text into cells (one implementation, in `cells`).
pub use crate::cells::{fit, pad};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_never_cover_a_popup_border() {
        use ratatui::backend::TestBackend;
        use ratatui::widgets::{Block, Borders, Paragraph};
        for x in [3u16, 4, 5, 6] {
            let mut term = ratatui::Terminal::new(TestBackend::new(30, 4)).unwrap();
            term.draw(|f| {
                f.render_widget(
                    Paragraph::new("王王王王王王王王王王王王王王王\n王王王王王王王王王王王王王王王"),
                    f.area(),
                );
                let rect = ratatui::layout::Rect::new(x, 0, 10, 4);
                clear_popup(f, rect);
                f.render_widget(Block::default().borders(Borders::ALL), rect);
            })
            .unwrap();
            let buf = term.backend().buffer();
            for y in 1..3 {
                assert_eq!(buf[(x, y)].symbol(), "│", "left border at x={x}, y={y}");
            }
        }
    }

    #[test]
    fn numbers_and_places_read_short() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(
            short_database("postgres://me:***@db.example.com:5432/sales?sslmode=require"),
            "db.example.com:5432/sales"
        );
        assert_eq!(short_database("postgres://postgres@localhost/closer?host=/var/lib/closer/pg/run"), "local/closer");
    }

    #[test]
    fn json_keys_and_values_are_sanitised() {
        let v: Value = serde_json::json!({
            "\u{1b}]0;PWNED\u{7}key": "\u{9b}31mvalue",
            "nested": {"\u{202E}k": ["\u{200B}x"]},
        });
        let lines = json_lines(&Some(v));
        for l in &lines {
            assert!(!l.chars().any(sanitize::is_unsafe), "{l:?}");
            assert!(!l.contains("PWNED"), "{l:?}");
        }
        assert!(lines.contains(&"key: value".to_string()), "{lines:?}");
        assert!(lines.contains(&"nested: k: x".to_string()), "{lines:?}");
    }
}
