//! Small forms (add/edit prospect, edit company, log interaction): a list
//! of fields with a one-line editor each. Validation errors are shown next
//! to the field they concern. Typed text stays in the form until it is
//! saved or the user discards it explicitly.
//!
//! This file is the form itself; the files beside it build each form
//! and turn a submitted one into a write.

mod interaction;
mod prospect;
mod submit;

pub(super) use interaction::{chosen_event, NO_CHOICE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Text over several lines: Enter starts a new line, Tab moves on.
    MultiLine,
    /// One of a fixed list; Left/Right/Space cycle.
    Choice(Vec<String>),
    Bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Stable key used by validation messages (`email: ...`).
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub kind: FieldKind,
    pub error: Option<String>,
    pub hint: Option<String>,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        Self { key, label, cursor: value.chars().count(), value, kind: FieldKind::Text, error: None, hint: None }
    }

    pub fn multiline(key: &'static str, label: &'static str, value: impl Into<String>) -> Self {
        Self { kind: FieldKind::MultiLine, ..Self::text(key, label, value) }
    }

    pub fn is_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text | FieldKind::MultiLine)
    }

    /// Replaces a choice's options, keeping the value when it is still one.
    pub fn set_options(&mut self, options: Vec<String>) {
        if !options.contains(&self.value) {
            self.value = options.first().cloned().unwrap_or_default();
        }
        self.cursor = options.iter().position(|o| *o == self.value).unwrap_or(0);
        self.kind = FieldKind::Choice(options);
    }

    pub fn choice(key: &'static str, label: &'static str, options: Vec<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        let value = if options.contains(&value) { value } else { options.first().cloned().unwrap_or_default() };
        // A choice's cursor is its option's index: two options may read alike.
        let cursor = options.iter().position(|o| *o == value).unwrap_or(0);
        Self { key, label, value, cursor, kind: FieldKind::Choice(options), error: None, hint: None }
    }

    pub fn boolean(key: &'static str, label: &'static str, value: bool) -> Self {
        Self {
            key,
            label,
            value: if value { "yes" } else { "no" }.into(),
            cursor: 0,
            kind: FieldKind::Bool,
            error: None,
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn as_bool(&self) -> bool {
        self.value == "yes"
    }

    /// Optional text: empty means None.
    pub fn optional(&self) -> Option<String> {
        let v = self.value.trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    fn byte_index(&self) -> usize {
        self.value.char_indices().nth(self.cursor).map(|(i, _)| i).unwrap_or(self.value.len())
    }

    pub fn insert(&mut self, c: char) {
        if !self.is_text() {
            if c == ' ' {
                self.cycle(1);
            }
            return;
        }
        let i = self.byte_index();
        self.value.insert(i, c);
        self.cursor += 1;
        self.error = None;
    }

    pub fn backspace(&mut self) {
        if self.is_text() && self.cursor > 0 {
            self.cursor -= 1;
            let i = self.byte_index();
            self.value.remove(i);
            self.error = None;
        }
    }

    pub fn clear(&mut self) {
        if self.is_text() {
            self.value.clear();
            self.cursor = 0;
        }
    }

    pub fn left(&mut self) {
        match self.kind {
            FieldKind::Text | FieldKind::MultiLine => self.cursor = self.cursor.saturating_sub(1),
            _ => self.cycle(-1),
        }
    }

    pub fn right(&mut self) {
        match self.kind {
            FieldKind::Text | FieldKind::MultiLine => self.cursor = (self.cursor + 1).min(self.value.chars().count()),
            _ => self.cycle(1),
        }
    }

    fn cycle(&mut self, step: isize) {
        match &self.kind {
            FieldKind::Bool => self.value = if self.as_bool() { "no" } else { "yes" }.into(),
            FieldKind::Choice(options) if !options.is_empty() => {
                let at = |i: usize| options.get(i).is_some_and(|o| *o == self.value);
                let i = if at(self.cursor) {
                    self.cursor
                } else {
                    options.iter().position(|o| *o == self.value).unwrap_or(0)
                };
                let n = options.len() as isize;
                self.cursor = ((i as isize + step).rem_euclid(n)) as usize;
                self.value = options[self.cursor].clone();
            }
            _ => {}
        }
    }
}

/// What a form saves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    NewProspect,
    EditProspect {
        id: i32,
        company_id: i32,
        company_name: String,
        /// The fields as the form opened with them: a save over someone
        /// else's later change to one of them is refused, not silently undone.
        original: Box<crate::db::prospects::ProspectInput>,
    },
    EditCompany {
        id: i32,
    },
    NewInteraction {
        prospect_id: i32,
    },
    CostRange,
    /// Which draft the LLM should write (W): type and event.
    AiDraft {
        prospect_id: i32,
    },
    /// Event matching's options for one run (the estimate is the form's message).
    Match {
        event_id: i32,
    },
    /// Snooze a Today item until a date (app::today).
    SnoozeDate {
        key: String,
        label: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The values when opened, to know whether closing would lose text.
    pristine: Vec<String>,
    /// Set after a first Esc on a changed form: a second Esc discards.
    pub confirm_discard: bool,
    /// Set while the save is in flight.
    pub saving: bool,
    pub message: Option<String>,
}

impl Form {
    pub fn new(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Self {
        let pristine = fields.iter().map(|f| f.value.clone()).collect();
        Self {
            kind,
            title: title.into(),
            fields,
            focus: 0,
            pristine,
            confirm_discard: false,
            saving: false,
            message: None,
        }
    }

    pub fn is_modified(&self) -> bool {
        self.fields.iter().zip(&self.pristine).any(|(f, p)| f.value != *p)
    }

    pub fn field(&self, key: &str) -> &Field {
        self.fields.iter().find(|f| f.key == key).expect("form field exists")
    }

    pub fn focused_mut(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    /// Shows a validation error next to its field (`key: message`) and focuses it.
    pub fn set_error(&mut self, error: &str) {
        if let Some((key, msg)) = error.split_once(": ") {
            if let Some(i) = self.fields.iter().position(|f| f.key == key) {
                self.fields[i].error = Some(msg.to_string());
                self.focus = i;
                self.message = None;
                return;
            }
        }
        self.message = Some(error.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_is_unicode_safe() {
        let mut f = Field::text("n", "Name", "王伟");
        f.left();
        f.insert('🎉');
        assert_eq!(f.value, "王🎉伟");
        f.backspace();
        f.backspace();
        assert_eq!(f.value, "伟");
        f.right();
        f.insert('x');
        assert_eq!(f.value, "伟x");
    }

    #[test]
    fn a_choice_moves_past_options_that_read_alike() {
        let options: Vec<String> = ["Retail", "Public", "Public", "Energy"].iter().map(|s| s.to_string()).collect();
        let mut f = Field::choice("industry", "Industry", options, "Public");
        f.right();
        assert_eq!((f.value.as_str(), f.cursor), ("Public", 2));
        f.right();
        assert_eq!(f.value, "Energy", "not stuck on the twin");
        f.right();
        assert_eq!(f.value, "Retail");
        f.left();
        assert_eq!(f.value, "Energy");
    }

    #[test]
    fn errors_go_next_to_their_field() {
        let mut form = Form::new(
            FormKind::NewProspect,
            "t",
            vec![Field::text("full_name", "Name", "a"), Field::text("email", "Email", "b")],
        );
        assert!(!form.is_modified());
        form.fields[1].insert('c');
        assert!(form.is_modified());
        form.set_error("email: needs an @");
        assert_eq!(form.focus, 1);
        assert_eq!(form.fields[1].error.as_deref(), Some("needs an @"));
        form.set_error("something else");
        assert_eq!(form.message.as_deref(), Some("something else"));
    }
}
