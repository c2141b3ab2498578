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
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap())
            }
            // Ctrl-S and Ctrl-s are one key: terminals report Ctrl with the lower case.
            c if c.chars().count() == 1 && mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.chars().next().unwrap().to_ascii_lowercase())
            }
            // Shift-g is G: terminals report the capital, without Shift.
            c if c.chars().count() == 1 && mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.chars().next().unwrap().to_ascii_uppercase())
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap()),
            _ => return Err(format!("unknown key {s:?}")),
        };
        let spec = Self { code, mods };
        // A key no terminal reports as written (Shift with Ctrl or Alt and a
        // character, Shift-Space, Shift-BackTab) would never act.
        if Self::from_event(&KeyEvent::new(code, mods)) != spec {
            return Err(format!("key {s:?} cannot be told apart by terminals: drop the Shift-"));
        }
        Ok(spec)
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

impl KeySpec {
    /// A printable key without Ctrl or Alt: text in a field.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
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
            let command = Command::from_name(name).ok_or_else(|| match closest(name) {
                Some(near) => format!("unknown key `ui.keys.{name}`: no such command (did you mean `{near}`?)"),
                None => format!("unknown key `ui.keys.{name}`: no such command"),
            })?;
            let mut parsed = Vec::new();
            for s in specs {
                let spec = KeySpec::parse(s).map_err(|e| format!("`ui.keys.{name}`: {e}"))?;
                // In a form or the editor a printable key is text: it could never act.
                if matches!(command.scope(), Scope::Form | Scope::Editor) && spec.is_text() {
                    return Err(format!(
                        "`ui.keys.{name}`: {s:?} is a printable key, which types text in a form or the editor; \
                         use Ctrl-, Alt-, a function key or a named key such as Enter"
                    ));
                }
                // Keys that edit the text stay with the text.
                if let Some(what) = editing_key(command.scope(), &spec) {
                    return Err(format!("`ui.keys.{name}`: {s:?} {what}; choose another key"));
                }
                if parsed.contains(&spec) {
                    continue; // written twice: one key
                }
                if let Some(other) = by_key.insert((command.scope(), spec_id(&spec)), command) {
                    if other != command {
                        return Err(format!("`ui.keys.{name}`: key {s:?} is also bound to `{}`", other.name()));
                    }
                }
                parsed.push(spec);
            }
            by_command.insert(command, parsed);
        }
        // The ways out of (and to save) a view, form, editor or question.
        for c in [
            Command::Quit,
            Command::Back,
            Command::AnswerYes,
            Command::FormSave,
            Command::FormCancel,
            Command::EditorSave,
            Command::EditorClose,
            Command::AnswerNo,
        ] {
            if by_command.get(&c).is_none_or(|k: &Vec<KeySpec>| k.is_empty()) {
                return Err(format!("`ui.keys.{}` needs at least one key: {}", c.name(), c.description()));
            }
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
        KeySpec::from_event(ev).is_text()
    }

    pub fn keys_for(&self, command: Command) -> &[KeySpec] {
        self.by_command.get(&command).map(Vec::as_slice).unwrap_or(&[])
    }

    /// "Ctrl-S save · Esc close": each command's keys and a word or two
    /// (its config name without the scope's prefix), for a popup's key line.
    pub fn hints(&self, commands: &[Command]) -> String {
        commands.iter().map(|c| format!("{} {}", self.label(*c), c.hint())).collect::<Vec<_>>().join(" · ")
    }

    /// The keys of several commands that do one thing here, each once:
    /// "Enter/y" for import, even when both are bound to Enter.
    pub fn label_any(&self, commands: &[Command]) -> String {
        let mut seen: Vec<KeySpec> = Vec::new();
        for c in commands {
            for k in self.keys_for(*c) {
                if !seen.contains(k) {
                    seen.push(*k);
                }
            }
        }
        if seen.is_empty() {
            return "unbound".into();
        }
        seen.iter().map(|k| k.to_string()).collect::<Vec<_>>().join("/")
    }

    /// The keys of a command that still act while a text field has the
    /// keyboard (not the printable ones, which type): "Down", not "j/Down".
    pub fn label_outside_text(&self, command: Command) -> String {
        let keys: Vec<String> = self.keys_for(command).iter().filter(|k| !k.is_text()).map(|k| k.to_string()).collect();
        if keys.is_empty() {
            return "unbound".into();
        }
        keys.join("/")
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

/// Why a key cannot be bound in `scope`: it edits the text there. A form
/// field moves and deletes with ←/→ and Backspace; the draft editor
/// (tui-textarea) also takes Enter, Tab, the arrows, paging and its Emacs
/// keys (undo is Ctrl-U, redo Ctrl-R).
fn editing_key(scope: Scope, spec: &KeySpec) -> Option<&'static str> {
    let none = spec.mods.is_empty();
    let field = matches!(spec.code, KeyCode::Backspace | KeyCode::Left | KeyCode::Right) && none;
    match scope {
        Scope::Form if field => Some("edits the field"),
        Scope::Editor if none => matches!(
            spec.code,
            KeyCode::Backspace
                | KeyCode::Delete
                | KeyCode::Enter
                | KeyCode::Tab
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Up
                | KeyCode::Down
                | KeyCode::Home
                | KeyCode::End
                | KeyCode::PageUp
                | KeyCode::PageDown
        )
        .then_some("edits or moves in the draft's text"),
        Scope::Editor if spec.mods == KeyModifiers::CONTROL => match spec.code {
            KeyCode::Char(
                'h' | 'd' | 'm' | 'k' | 'j' | 'w' | 'f' | 'b' | 'p' | 'n' | 'a' | 'e' | 'u' | 'r' | 'y' | 'v',
            ) => Some("is one of the draft editor's own text keys (Ctrl-U undo, Ctrl-R redo, Emacs moves)"),
            _ => None,
        },
        _ => None,
    }
}

/// The command name nearest to a mistyped one, if any is near.
fn closest(name: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
                prev = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    }
    Command::ALL.iter().map(|c| (distance(name, c.name()), c.name())).filter(|(d, _)| *d <= 2).min().map(|(_, n)| n)
}

fn spec_id(spec: &KeySpec) -> String {
    format!("{:?}|{:?}", spec.code, spec.mods)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &str, keys: &[&str]) -> Result<KeyBindings, String> {
        let mut table = crate::config::Config::defaults().ui.keys;
        table.insert(name.into(), keys.iter().map(|k| k.to_string()).collect());
        KeyBindings::from_config(&table)
    }

    #[test]
    fn a_printable_key_cannot_act_in_a_form_or_the_editor() {
        let e = with("editor_save", &["a"]).unwrap_err();
        assert!(e.contains("editor_save") && e.contains("printable"), "{e}");
        assert!(with("form_next", &["j"]).is_err());
        // A question has no text field: y and n are answers.
        assert!(with("answer_yes", &["Enter", "o"]).is_ok());
        assert!(with("editor_save", &["F10"]).is_ok());
    }

    #[test]
    fn keys_that_edit_text_stay_with_the_text() {
        for (name, key) in [
            ("editor_close", "Backspace"),
            ("editor_copy", "Ctrl-u"),
            ("editor_save", "Enter"),
            ("form_cancel", "Backspace"),
            ("form_next", "Right"),
        ] {
            let e = with(name, &[key]).unwrap_err();
            assert!(e.contains(name) && e.contains("choose another key"), "{e}");
        }
        // Enter confirms a form; Ctrl-S is no text key.
        assert!(with("form_confirm", &["Enter"]).is_ok());
        assert!(with("editor_copy", &["Ctrl-o"]).is_ok());
    }

    #[test]
    fn shift_and_a_letter_is_the_capital_and_a_key_written_twice_is_one() {
        let keys = with("quit", &["Shift-q"]).unwrap();
        let q = KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::SHIFT);
        assert_eq!(keys.command_for(&q), Some(Command::Quit));
        assert_eq!(keys.label(Command::Quit), "Q");
        // Shift-g is G, which `bottom` has.
        let e = with("down", &["Shift-g", "Down"]).unwrap_err();
        assert!(e.contains("bottom"), "{e}");
        assert_eq!(with("down", &["j", "j", "Down"]).unwrap().label(Command::Down), "j/Down");
        assert!(KeySpec::parse("F0").is_err() && KeySpec::parse("F25").is_err() && KeySpec::parse("F12").is_ok());
        // Never reported as written: refused, not accepted and dead.
        for dead in ["Ctrl-Shift-q", "Shift-Space", "Shift-BackTab"] {
            assert!(KeySpec::parse(dead).is_err(), "{dead}");
        }
        assert!(KeySpec::parse("Shift-Tab").is_ok() && KeySpec::parse("Shift-Up").is_ok());
        assert_eq!(KeySpec::parse("Alt-Shift-x").unwrap(), KeySpec::parse("Alt-X").unwrap());
    }

    #[test]
    fn a_mistyped_command_name_gets_a_suggestion() {
        let e = with("form_sav", &["Ctrl-s"]).unwrap_err();
        assert!(e.contains("did you mean `form_save`"), "{e}");
        let e = with("launch_rockets", &["Ctrl-r"]).unwrap_err();
        assert!(e.contains("no such command") && !e.contains("did you mean"), "{e}");
    }

    #[test]
    fn the_ways_out_cannot_be_left_without_a_key() {
        for name in ["form_cancel", "answer_no", "answer_yes", "editor_close", "quit", "back", "form_save"] {
            let e = with(name, &[]).unwrap_err();
            assert!(e.contains(name) && e.contains("at least one key"), "{e}");
        }
        // Other commands may be left unbound.
        assert_eq!(with("research", &[]).unwrap().label(Command::Research), "unbound");
    }

    #[test]
    fn labels_name_each_key_once_and_skip_typing_keys_in_text() {
        let keys = with("answer_yes", &["Enter", "y"]).unwrap();
        assert_eq!(keys.label_any(&[Command::FormConfirm, Command::AnswerYes]), "Enter/y");
        assert_eq!(keys.label_outside_text(Command::Down), "Down");
        assert_eq!(keys.label(Command::Down), "j/Down");
        // Shown as habit writes it; read either way.
        assert_eq!(keys.label(Command::FormSave), "Ctrl-S");
        assert_eq!(KeySpec::parse("Ctrl-S").unwrap(), KeySpec::parse("Ctrl-s").unwrap());
    }
}
