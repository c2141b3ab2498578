//! The prospect and company forms: filled from the detail (or empty for a
//! new prospect), with the industry as a choice when any exist.

use crate::app::forms::{Field, Form, FormKind};
use crate::app::state::*;
use crate::app::App;
use crate::db::EnumKind;

impl App {
    pub(in crate::app) fn open_prospect_form(&mut self, detail: Option<&crate::db::models::ProspectDetail>) {
        let statuses = self.state.enums.labels(EnumKind::ProspectStatus).to_vec();
        let industries: Vec<String> = self.state.industries.iter().map(|i| i.name.clone()).collect();
        let (kind, title, p) = match detail {
            Some(d) => (
                FormKind::EditProspect {
                    id: d.prospect.id,
                    company_id: d.company.id,
                    company_name: d.company.name.clone(),
                    original: Box::new(crate::db::prospects::ProspectInput {
                        full_name: d.prospect.full_name.clone(),
                        email: d.prospect.email.clone(),
                        linkedin_url: d.prospect.linkedin_url.clone(),
                        location: d.prospect.location.clone(),
                        company_id: d.prospect.company_id,
                        is_active: d.prospect.is_active,
                        status: d.prospect.status.clone(),
                    }),
                },
                format!("Edit {}", crate::sanitize::line(&d.prospect.full_name)),
                Some(d),
            ),
            None => (FormKind::NewProspect, "New prospect".to_string(), None),
        };
        let get = |f: fn(&crate::db::models::ProspectDetail) -> String| p.map(f).unwrap_or_default();
        let fields = vec![
            Field::text("full_name", "Name", get(|d| d.prospect.full_name.clone())),
            Field::text("email", "Email", get(|d| d.prospect.email.clone())),
            Field::text("linkedin_url", "LinkedIn", get(|d| d.prospect.linkedin_url.clone().unwrap_or_default())),
            Field::text("location", "Location", get(|d| d.prospect.location.clone().unwrap_or_default())),
            Field::text("company", "Company", get(|d| d.company.name.clone()))
                .with_hint("an existing company's name, or a new one"),
            // A database with no industry yet (a new, empty one) gets a text
            // field: the industry is created with the company.
            if industries.is_empty() {
                Field::text("industry", "Industry", "").with_hint("for a new company; none exist yet, so type one")
            } else {
                Field::choice("industry", "Industry", industries, get(|d| d.industry.name.clone()))
                    .with_hint("for a new company")
            },
            Field::text("size", "Size", get(|d| d.company.size.clone())).with_hint("for a new company, e.g. 51-200"),
            Field::choice("status", "Status", statuses, get(|d| d.prospect.status.clone())),
            Field::boolean("is_active", "Active", p.map(|d| d.prospect.is_active).unwrap_or(true)),
        ];
        self.state.popup = Some(Popup::Form(Box::new(Form::new(kind, title, fields))));
    }

    pub(in crate::app) fn open_company_form(&mut self) {
        let Some(d) = self.state.panel.detail.clone() else {
            self.state.status.message = Some("select a prospect first".into());
            return;
        };
        let industries: Vec<String> = self.state.industries.iter().map(|i| i.name.clone()).collect();
        let fields = vec![
            Field::text("name", "Name", d.company.name.clone()),
            Field::choice("industry", "Industry", industries, d.industry.name.clone()),
            Field::text("size", "Size", d.company.size.clone()),
            Field::text("website", "Website", d.company.website.clone().unwrap_or_default()),
        ];
        let title = format!("Edit company {}", crate::sanitize::line(&d.company.name));
        self.state.popup =
            Some(Popup::Form(Box::new(Form::new(FormKind::EditCompany { id: d.company.id }, title, fields))));
    }
}
