//! The `outreach_draft` workflow: load_context (database) → generate_draft
//! (LLM, structured output) → save_draft (one outreach_drafts row, status
//! draft). Its drafting node is shared with event matching's invitations.

use serde::Deserialize;
use serde_json::{json, Value};

use super::call::parse_json;
use super::{JobError, Pipeline, Spend, DRAFT_WORKFLOW};
use crate::db::drafts::DraftInput;
use crate::db::models::OutreachDraft;
use crate::llm::client::Message;
use crate::llm::prompts::{data_json, fill};

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DraftAnswer {
    pub subject: String,
    pub body: String,
}

/// What the drafting node writes, and which workflow and node its call is logged under.
#[derive(Debug, Clone, Copy)]
pub struct DraftRequest<'a> {
    pub workflow: &'a str,
    pub node: &'a str,
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    pub draft_type: &'a str,
    /// Why this prospect is written to (event matching's reason), if any.
    pub why: Option<&'a str>,
}

impl Pipeline {
    pub async fn draft(
        &self,
        prospect_id: i32,
        event_id: Option<i32>,
        draft_type: &str,
        spend: &mut Spend,
    ) -> Result<OutreachDraft, JobError> {
        let request = DraftRequest {
            workflow: DRAFT_WORKFLOW,
            node: "generate_draft",
            prospect_id,
            event_id,
            draft_type,
            why: None,
        };
        let content = self.write_draft(&request, spend).await?;
        // save_draft: status draft, for a person to review.
        Ok(self
            .db
            .create_draft(&DraftInput {
                prospect_id,
                event_id,
                draft_type: draft_type.to_string(),
                content,
                status: "draft".into(),
            })
            .await?)
    }

    /// The drafting node (load_context → generate_draft), shared by the
    /// outreach workflow and event matching's generate_invitations so that
    /// both use the same prompts and validation. Returns the text to save;
    /// the usage row names `request.workflow` and `request.node`.
    pub async fn write_draft(&self, request: &DraftRequest<'_>, spend: &mut Spend) -> Result<String, JobError> {
        let DraftRequest { workflow, node, prospect_id, event_id, draft_type, why } = *request;
        // load_context
        let db = &self.db;
        let detail = db
            .prospect_detail(prospect_id)
            .await?
            .ok_or_else(|| JobError::NotFound(format!("prospect {prospect_id} not found")))?;
        let (research, timeline) =
            tokio::try_join!(db.research_for_prospect(prospect_id), db.timeline(prospect_id, 0, 5))?;
        let event = match event_id {
            Some(id) => Some(db.event(id).await?.ok_or_else(|| JobError::NotFound(format!("event {id} not found")))?),
            None => None,
        };
        let linkedin = draft_type.contains("linkedin");
        let mut data = json!({
            "prospect": {"name": detail.prospect.full_name, "status": detail.prospect.status, "location": detail.prospect.location},
            "company": {"name": detail.company.name, "size": detail.company.size, "industry": detail.industry.name},
            "research": research.first().map(|r| json!({"summary": r.research_summary, "key_insights": r.key_insights,
                                                          "recommended_solutions": r.recommended_solutions})),
            "recent_interactions": timeline.iter().map(|x| json!({"date": x.interaction_date.to_string(),
                "type": x.interaction_type, "subject": x.subject, "outcome": x.outcome})).collect::<Vec<_>>(),
            "event": event.as_ref().map(|e| json!({"type": e.event_type, "date": e.event_date.to_string(),
                                                   "location": e.location, "description": e.description})),
        });
        if let Some(why) = why {
            data["why_invited"] = json!(why);
        }
        let kind = if linkedin {
            "LinkedIn message"
        } else if draft_type.contains("invitation") && event.is_some() {
            "email inviting them to the event"
        } else {
            "email"
        };
        let messages = vec![
            Message::system(self.prompts.draft_system.clone()),
            Message::user(fill(
                &self.prompts.draft_user,
                &[("draft_kind", kind), ("prospect_data", &data_json(&data))],
            )),
        ];
        // generate_draft
        let answer: DraftAnswer = self
            .call(workflow, node, &messages, draft_schema(), spend, |text| {
                let a: DraftAnswer = parse_json(text)?;
                if a.body.trim().is_empty() {
                    return Err("the draft's body is empty".into());
                }
                if linkedin && a.body.chars().count() > 1900 {
                    return Err("a LinkedIn message must be under 1900 characters".into());
                }
                Ok(a)
            })
            .await?;
        Ok(if linkedin || answer.subject.trim().is_empty() {
            answer.body.trim().to_string()
        } else {
            format!("Subject: {}\n\n{}", answer.subject.trim(), answer.body.trim())
        })
    }
}

pub fn draft_schema() -> (&'static str, Value) {
    (
        "outreach_draft",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["subject", "body"],
            "properties": {"subject": {"type": "string"}, "body": {"type": "string"}}
        }),
    )
}
