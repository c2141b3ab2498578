//! The `prospect_research` workflow: gather_context (database) →
//! synthesize_research (LLM, structured output) → validate_recommendations
//! (catalog check) → save_research (one prospect_research row).

use serde::Deserialize;
use serde_json::{json, Value};

use super::call::parse_json;
use super::{JobError, Pipeline, Spend, RESEARCH_WORKFLOW};
use crate::db::models::ProspectResearch;
use crate::db::research::ResearchInput;
use crate::llm::client::Message;
use crate::llm::prompts::{data_json, escape_json_tags, fill};

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ResearchAnswer {
    pub research_summary: String,
    pub key_insights: Vec<String>,
    pub recommended_solutions: Vec<Recommendation>,
    pub confidence_score: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Recommendation {
    pub solution_id: i32,
    pub name: String,
    pub reason: String,
}

/// (id, name) of the solutions a recommendation may name.
type Catalog = Vec<(i32, String, String)>;

impl Pipeline {
    pub async fn research(&self, prospect_id: i32, spend: &mut Spend) -> Result<ProspectResearch, JobError> {
        let (data, catalog) = self.gather_context(prospect_id).await?;
        let catalog_json: Vec<Value> =
            catalog.iter().map(|(id, name, category)| json!({"id": id, "name": name, "category": category})).collect();
        let messages = vec![
            Message::system(self.prompts.research_system.clone()),
            Message::user(fill(
                &self.prompts.research_user,
                &[
                    ("prospect_data", &data_json(&data)),
                    ("catalog", &escape_json_tags(&serde_json::to_string(&catalog_json).unwrap_or_default())),
                ],
            )),
        ];
        let answer: ResearchAnswer = self
            .call(RESEARCH_WORKFLOW, "synthesize_research", &messages, research_schema(), spend, |text| {
                let a: ResearchAnswer = parse_json(text)?;
                validate_research(&a, &catalog)?;
                Ok(a)
            })
            .await?;
        // save_research
        let recommended: Vec<Value> = answer
            .recommended_solutions
            .iter()
            .map(|r| json!({"id": r.solution_id, "name": r.name, "reason": r.reason}))
            .collect();
        Ok(self
            .db
            .create_research(&ResearchInput {
                prospect_id,
                research_summary: answer.research_summary.trim().to_string(),
                key_insights: Some(json!(answer.key_insights)),
                recommended_solutions: Some(Value::Array(recommended)),
                confidence_score: Some(answer.confidence_score),
            })
            .await?)
    }

    /// gather_context: the prospect, company, industry, recent interactions,
    /// events that target the industry, and the industry's solutions.
    async fn gather_context(&self, prospect_id: i32) -> Result<(Value, Catalog), JobError> {
        let db = &self.db;
        let detail = db
            .prospect_detail(prospect_id)
            .await?
            .ok_or_else(|| JobError::NotFound(format!("prospect {prospect_id} not found")))?;
        let (timeline, events, mut solutions) = tokio::try_join!(
            db.timeline(prospect_id, 0, 10),
            db.events_for_industry(&detail.industry.name, 10),
            db.solutions_for_industry(detail.industry.id)
        )?;
        if solutions.is_empty() {
            // An industry with no linked solutions may still buy from the catalog.
            solutions = db.catalog(None).await?.into_iter().map(|c| c.solution).take(60).collect();
        }
        let p = &detail.prospect;
        let data = json!({
            "prospect": {"name": p.full_name, "email_domain": p.email.split('@').nth(1), "location": p.location,
                         "status": p.status, "last_contacted_at": p.last_contacted_at.map(|t| t.to_string())},
            "company": {"name": detail.company.name, "size": detail.company.size, "website": detail.company.website},
            "industry": detail.industry.name,
            "recent_interactions": timeline.iter().map(|x| json!({
                "date": x.interaction_date.to_string(), "type": x.interaction_type, "subject": x.subject,
                "sentiment": x.sentiment, "outcome": x.outcome, "excerpt": x.content_preview})).collect::<Vec<_>>(),
            "events_targeting_industry": events.iter().map(|e| json!({
                "date": e.event_date.to_string(), "type": e.event_type, "location": e.location, "status": e.status})).collect::<Vec<_>>(),
        });
        let catalog = solutions.into_iter().map(|s| (s.id, s.name, s.category)).collect();
        Ok((data, catalog))
    }
}

fn validate_research(a: &ResearchAnswer, catalog: &Catalog) -> Result<(), String> {
    if a.research_summary.trim().is_empty() {
        return Err("the summary is empty".into());
    }
    if !(0.0..=1.0).contains(&a.confidence_score) || a.confidence_score.is_nan() {
        return Err(format!("confidence {} is not between 0 and 1", a.confidence_score));
    }
    if a.recommended_solutions.is_empty() {
        return Err("no solution recommended".into());
    }
    for r in &a.recommended_solutions {
        let known =
            catalog.iter().any(|(id, name, _)| *id == r.solution_id && name.trim().eq_ignore_ascii_case(r.name.trim()));
        if !known {
            return Err(format!("recommended solution #{} {:?} is not in the catalog", r.solution_id, r.name));
        }
    }
    Ok(())
}

/// OpenAI strict structured output: every object closed, every property required.
pub fn research_schema() -> (&'static str, Value) {
    (
        "prospect_research",
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["research_summary", "key_insights", "recommended_solutions", "confidence_score"],
            "properties": {
                "research_summary": {"type": "string"},
                "key_insights": {"type": "array", "items": {"type": "string"}},
                "recommended_solutions": {"type": "array", "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["solution_id", "name", "reason"],
                    "properties": {
                        "solution_id": {"type": "integer"},
                        "name": {"type": "string"},
                        "reason": {"type": "string"}
                    }
                }},
                "confidence_score": {"type": "number"}
            }
        }),
    )
}
