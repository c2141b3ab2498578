//! Colours from config; NO_COLOR (https://no-color.org) turns them all off.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    pub accent: String,
    pub selection_fg: String,
    pub selection_bg: String,
    pub border: String,
    pub focused_border: String,
    pub muted: String,
    pub error: String,
    pub ok: String,
    pub warning: String,
}

impl ThemeConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("accent", &self.accent),
            ("selection_fg", &self.selection_fg),
            ("selection_bg", &self.selection_bg),
            ("border", &self.border),
            ("focused_border", &self.focused_border),
            ("muted", &self.muted),
            ("error", &self.error),
            ("ok", &self.ok),
            ("warning", &self.warning),
        ] {
            Color::from_str(value).map_err(|_| format!("`ui.theme.{key}`: unknown colour {value:?}"))?;
        }
        Ok(())
    }
}

/// Resolved styles used by every pane.
#[derive(Debug, Clone)]
pub struct Theme {
    pub accent: Style,
    pub selection: Style,
    pub border: Style,
    pub focused_border: Style,
    pub muted: Style,
    pub error: Style,
    pub ok: Style,
    pub warning: Style,
    pub title: Style,
}

impl Theme {
    pub fn from_config(c: &ThemeConfig, no_color: bool) -> Self {
        if no_color {
            return Self::monochrome();
        }
        let col = |s: &str| Color::from_str(s).unwrap_or(Color::Reset);
        Self {
            accent: Style::new().fg(col(&c.accent)),
            selection: Style::new().fg(col(&c.selection_fg)).bg(col(&c.selection_bg)),
            border: Style::new().fg(col(&c.border)),
            focused_border: Style::new().fg(col(&c.focused_border)),
            muted: Style::new().fg(col(&c.muted)),
            error: Style::new().fg(col(&c.error)),
            ok: Style::new().fg(col(&c.ok)),
            warning: Style::new().fg(col(&c.warning)),
            title: Style::new().fg(col(&c.accent)).add_modifier(Modifier::BOLD),
        }
    }

    /// No colours at all: selection and focus are shown by reverse video and bold.
    pub fn monochrome() -> Self {
        let plain = Style::new();
        Self {
            accent: plain,
            selection: plain.add_modifier(Modifier::REVERSED),
            border: plain,
            focused_border: plain.add_modifier(Modifier::BOLD),
            muted: plain,
            error: plain.add_modifier(Modifier::BOLD),
            ok: plain,
            warning: plain.add_modifier(Modifier::BOLD),
            title: plain.add_modifier(Modifier::BOLD),
        }
    }
}
