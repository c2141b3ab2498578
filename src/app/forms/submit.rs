//! Ctrl-S on a form: checks every field before any write, then sends one
//! write (a prospect with its company and industry is one transaction).

use crate::app::forms::FormKind;
use crate::app::io::{CompanyRef, IndustryRef, Request, Write};
use crate::app::state::*;
use crate::app::App;
use crate::db::companies::CompanyInput;
use crate::db::interactions::InteractionInput;
use crate::db::prospects::ProspectInput;

use super::interaction::{chosen_event, NO_CHOICE};

impl App {
    pub(in crate::app) fn submit_form(&mut self, out: &mut Vec<Request>) {
        if matches!(&self.state.popup, Some(Popup::Form(f)) if f.kind == FormKind::CostRange) {
            return self.submit_cost_range(out);
        }
        if let Some(Popup::Form(f)) = &self.state.popup {
            if let FormKind::AiDraft { prospect_id } = f.kind {
                return self.submit_ai_draft(prospect_id, out);
            }
        }
        if matches!(&self.state.popup, Some(Popup::Form(f)) if matches!(f.kind, FormKind::Match { .. })) {
            return self.submit_match_form(out);
        }
        if matches!(&self.state.popup, Some(Popup::Form(f)) if matches!(f.kind, FormKind::SnoozeDate { .. })) {
            return self.submit_snooze_date(out);
        }
        let Some(Popup::Form(form)) = self.state.popup.as_mut() else { return };
        if form.saving {
            return;
        }
        for f in form.fields.iter_mut() {
            f.error = None;
        }
        let industry_id = |name: &str| self.state.industries.iter().find(|i| i.name == name).map(|i| i.id);
        let write = match &form.kind {
            FormKind::CostRange | FormKind::AiDraft { .. } | FormKind::Match { .. } | FormKind::SnoozeDate { .. } => {
                return; // handled above
            }
            FormKind::NewProspect | FormKind::EditProspect { .. } => {
                let input = ProspectInput {
                    full_name: form.field("full_name").value.clone(),
                    email: form.field("email").value.clone(),
                    linkedin_url: form.field("linkedin_url").optional(),
                    location: form.field("location").optional(),
                    company_id: 0,
                    is_active: form.field("is_active").as_bool(),
                    status: form.field("status").value.clone(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                let company_name = form.field("company").value.trim().to_string();
                if company_name.is_empty() {
                    form.set_error("company: a company is required");
                    return;
                }
                for key in ["company", "industry", "size"] {
                    if let Err((_, msg)) = crate::db::companies::check_name(key, form.field(key).value.trim()) {
                        form.set_error(&format!("{key}: {msg}"));
                        return;
                    }
                }
                let company = match &form.kind {
                    FormKind::EditProspect { company_id, company_name: original, .. } if *original == company_name => {
                        CompanyRef::Existing(*company_id)
                    }
                    _ => {
                        let industry_name = form.field("industry").value.trim().to_string();
                        let industry = match industry_id(&industry_name) {
                            Some(id) => IndustryRef::Existing(id),
                            None if !industry_name.is_empty() => IndustryRef::New(industry_name),
                            None => {
                                form.set_error("industry: choose an industry");
                                return;
                            }
                        };
                        let size = form.field("size").value.trim().to_string();
                        CompanyRef::ByName {
                            name: company_name,
                            industry,
                            size: if size.is_empty() { "unknown".into() } else { size },
                        }
                    }
                };
                let (id, expected) = match &form.kind {
                    FormKind::EditProspect { id, original, .. } => (Some(*id), Some((**original).clone())),
                    _ => (None, None),
                };
                Write::SaveProspect { id, expected, input, company }
            }
            FormKind::EditCompany { id } => {
                let Some(industry_id) = industry_id(&form.field("industry").value) else {
                    form.set_error("industry: choose an industry");
                    return;
                };
                let input = CompanyInput {
                    name: form.field("name").value.clone(),
                    industry_id,
                    size: form.field("size").value.clone(),
                    website: form.field("website").optional(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                Write::UpdateCompany { id: *id, input }
            }
            FormKind::NewInteraction { prospect_id } => {
                let date_text = form.field("interaction_date").value.trim().to_string();
                let Ok(date) = chrono::NaiveDateTime::parse_from_str(&date_text, "%Y-%m-%d %H:%M").or_else(|_| {
                    chrono::NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                }) else {
                    form.set_error("interaction_date: write the date as YYYY-MM-DD HH:MM");
                    return;
                };
                let event_id = chosen_event(&self.state.events.events, &form.field("event").value);
                let input = InteractionInput {
                    prospect_id: *prospect_id,
                    event_id,
                    interaction_type: form.field("interaction_type").value.clone(),
                    interaction_date: date,
                    subject: form.field("subject").value.clone(),
                    content: form.field("content").value.clone(),
                    sentiment: Some(form.field("sentiment").value.clone()).filter(|s| s != NO_CHOICE),
                    outcome: form.field("outcome").optional(),
                };
                if let Err((key, msg)) = input.validate() {
                    form.set_error(&format!("{key}: {msg}"));
                    return;
                }
                Write::CreateInteraction(input)
            }
        };
        form.saving = true;
        form.message = Some("saving…".into());
        self.write(write, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testkit::{app, ch, ctrl, press};
    use crossterm::event::KeyCode;

    fn type_into(a: &mut App, field: &str, text: &str) {
        let Some(Popup::Form(form)) = a.state.popup.as_mut() else { panic!("a form") };
        form.focus = form.fields.iter().position(|f| f.key == field).expect(field);
        form.focused_mut().clear();
        for c in text.chars() {
            a.update(ch(c));
        }
    }

    fn field_error(a: &App, field: &str) -> Option<String> {
        let Some(Popup::Form(form)) = &a.state.popup else { panic!("a form") };
        form.fields.iter().find(|f| f.key == field).and_then(|f| f.error.clone())
    }

    #[test]
    fn a_new_prospect_is_checked_field_by_field_before_any_write() {
        let mut a = app((120, 40));
        a.update(ch('n'));
        assert!(a.update(ctrl('s')).is_empty(), "nothing is written");
        assert!(field_error(&a, "full_name").is_some());
        // Typed text is text, even where a letter is a command (j, q).
        type_into(&mut a, "full_name", "Jaq Quinn");
        type_into(&mut a, "email", "jaq.example.com");
        assert!(a.update(ctrl('s')).is_empty());
        assert!(field_error(&a, "email").is_some_and(|e| e.contains('@')));
        type_into(&mut a, "email", "jaq@example.com");
        assert!(a.update(ctrl('s')).is_empty(), "a company is required");
        type_into(&mut a, "company", "Quinn & Co");
        // No industry exists yet: the field is text, and names a new one.
        type_into(&mut a, "industry", "Robotics");
        type_into(&mut a, "size", &"9".repeat(300));
        assert!(a.update(ctrl('s')).is_empty(), "a 300-character size is refused at the field");
        assert!(field_error(&a, "size").is_some());
        type_into(&mut a, "size", "11-50");
        let out = a.update(ctrl('s'));
        let [Request::Write(Write::SaveProspect { id: None, expected: None, input, company })] = out.as_slice() else {
            panic!("one write: {out:?}")
        };
        assert_eq!(input.full_name, "Jaq Quinn");
        assert_eq!(
            *company,
            CompanyRef::ByName {
                name: "Quinn & Co".into(),
                industry: IndustryRef::New("Robotics".into()),
                size: "11-50".into()
            }
        );
        // Saving: a second Ctrl-S does not send it twice.
        assert!(a.update(ctrl('s')).is_empty());
    }

    #[test]
    fn cancelling_a_changed_form_asks_once_more() {
        let mut a = app((120, 40));
        a.update(ch('n'));
        a.update(press(KeyCode::Esc));
        assert!(a.state.popup.is_none(), "an untouched form closes at once");
        a.update(ch('n'));
        a.update(ch('A'));
        a.update(press(KeyCode::Esc));
        let Some(Popup::Form(form)) = &a.state.popup else { panic!("kept open") };
        assert_eq!(form.field("full_name").value, "A", "nothing typed is lost");
        assert!(form.message.as_deref().is_some_and(|m| m.contains("Esc again")), "{:?}", form.message);
        // Typing on answers "no": the question goes, and Esc asks afresh.
        a.update(ch('b'));
        let Some(Popup::Form(form)) = &a.state.popup else { panic!("kept open") };
        assert_eq!(form.message, None, "no stale question");
        a.update(press(KeyCode::Esc));
        assert!(a.state.popup.is_some(), "asks again");
        a.update(press(KeyCode::Esc));
        assert!(a.state.popup.is_none());
    }
}
