//! Key bindings: config names like "Ctrl-d" parsed into crossterm key events,
//! mapped to the commands in [`super::command::Command`]. The help overlay and the
//! footer hints read the same table, so they can never disagree with the keys.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{Command, Scope};

/// One key with modifiers, as written in config.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("Ctrl-").or_else(|| rest.strip_prefix("C-")) {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Alt-").or_else(|| rest.strip_prefix("M-")) {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap())
            }
            // Ctrl-S and Ctrl-s are one key: terminals report Ctrl with the lower case.
            c if c.chars().count() == 1 && mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.chars().next().unwrap().to_ascii_lowercase())
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap()),
            _ => return Err(format!("unknown key {s:?}")),
        };
        Ok(Self { code, mods })
    }

    /// Normalises a terminal key event so it compares equal to a parsed spec
    /// (terminals report `G` as Shift+'G'; the shift is implied by the char).
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Self { code: ev.code, mods }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            write!(f, "Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            write!(f, "Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "Space"),
            // Shown as habit writes it (Ctrl-S); read either way.
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => write!(f, "Shift-Tab"),
            KeyCode::PageDown => write!(f, "PgDn"),
            KeyCode::PageUp => write!(f, "PgUp"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Command ↔ keys, both ways. A key is unique within its command's
/// [`Scope`], so `Esc` can be "back", "cancel the form" and "no".
#[derive(Debug, Clone)]
pub struct KeyBindings {
    by_key: BTreeMap<(Scope, String), Command>,
    by_command: BTreeMap<Command, Vec<KeySpec>>,
}

impl KeyBindings {
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut by_key = BTreeMap::new();
        let mut by_command = BTreeMap::new();
        for (name, specs) in keys {
            let command =
                Command::from_name(name).ok_or_else(|| format!("unknown key `ui.keys.{name}`: no such command"))?;
            let mut parsed = Vec::new();
            for s in specs {
                let spec = KeySpec::parse(s).map_err(|e| format!("`ui.keys.{name}`: {e}"))?;
                if let Some(other) = by_key.insert((command.scope(), spec_id(&spec)), command) {
                    if other != command {
                        return Err(format!("`ui.keys.{name}`: key {s:?} is also bound to `{}`", other.name()));
                    }
                }
                parsed.push(spec);
            }
            by_command.insert(command, parsed);
        }
        Ok(Self { by_key, by_command })
    }

    /// The views' command for a key.
    pub fn command_for(&self, ev: &KeyEvent) -> Option<Command> {
        self.command_in(Scope::Main, ev)
    }

    /// The command a key means in `scope`.
    pub fn command_in(&self, scope: Scope, ev: &KeyEvent) -> Option<Command> {
        self.by_key.get(&(scope, spec_id(&KeySpec::from_event(ev)))).copied()
    }

    /// Whether the key is text in a field (a printable key without Ctrl or
    /// Alt): typing wins over single-letter commands there.
    pub fn is_text(ev: &KeyEvent) -> bool {
        matches!(ev.code, KeyCode::Char(_)) && !ev.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    pub fn keys_for(&self, command: Command) -> &[KeySpec] {
        self.by_command.get(&command).map(Vec::as_slice).unwrap_or(&[])
    }

    /// "Ctrl-S save · Esc close": each command's keys and a word or two
    /// (its config name without the scope's prefix), for a popup's key line.
    pub fn hints(&self, commands: &[Command]) -> String {
        commands.iter().map(|c| format!("{} {}", self.label(*c), c.hint())).collect::<Vec<_>>().join(" · ")
    }

    /// The keys of a command joined for display, e.g. "j/Down".
    pub fn label(&self, command: Command) -> String {
        let keys = self.keys_for(command);
        if keys.is_empty() {
            return "unbound".into();
        }
        keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join("/")
    }
}

fn spec_id(spec: &KeySpec) -> String {
    format!("{:?}|{:?}", spec.code, spec.mods)
}
