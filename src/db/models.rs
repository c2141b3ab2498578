//! Typed rows for the eleven seed tables, plus the joined shapes the UI shows.
//! Enum columns are read as text (`status::text`): the labels belong to the
//! database (see [`super::EnumLabels`]), not to Closer. JSONB columns are
//! `serde_json::Value`, so any shape reads: SQL NULL is `None`, JSON null is
//! `Some(Value::Null)`.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

pub type Timestamp = NaiveDateTime;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct AlembicVersion {
    pub version_num: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Industry {
    pub id: i32,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Company {
    pub id: i32,
    pub name: String,
    pub industry_id: i32,
    pub size: String,
    pub website: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Prospect {
    pub id: i32,
    pub full_name: String,
    pub email: String,
    pub linkedin_url: Option<String>,
    pub location: Option<String>,
    pub company_id: i32,
    pub last_contacted_at: Option<Timestamp>,
    pub is_active: bool,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One line of the prospects list.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct ProspectListItem {
    pub id: i32,
    pub full_name: String,
    pub email: String,
    pub status: String,
    pub is_active: bool,
    pub last_contacted_at: Option<Timestamp>,
    pub company_id: i32,
    pub company_name: String,
    pub industry_name: String,
    /// Whether any research is on file (the list marks these).
    #[sqlx(default)]
    pub has_research: bool,
}

/// A prospect with its company and the company's industry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProspectDetail {
    pub prospect: Prospect,
    pub company: Company,
    pub industry: Industry,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Solution {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub description: String,
    pub use_cases: Option<Value>,
    pub keywords: Option<Value>,
    pub pricing_model: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct IndustrySolution {
    pub industry_id: i32,
    pub solution_id: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Event {
    pub id: i32,
    pub event_type: String,
    pub event_date: Timestamp,
    pub description: String,
    pub location: String,
    pub target_industries: Option<Value>,
    pub target_roles: Option<Value>,
    pub solutions_featured: Option<Value>,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Interaction {
    pub id: i32,
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    pub interaction_type: String,
    pub interaction_date: Timestamp,
    pub subject: String,
    pub content: String,
    pub sentiment: Option<String>,
    pub outcome: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A timeline entry: the interaction without its (possibly huge) content,
/// plus the linked event's name. The full content is read on open.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct TimelineItem {
    pub id: i32,
    pub interaction_type: String,
    pub interaction_date: Timestamp,
    pub subject: String,
    pub sentiment: Option<String>,
    pub outcome: Option<String>,
    pub event_id: Option<i32>,
    pub event_label: Option<String>,
    pub content_preview: String,
    pub content_chars: i32,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct OutreachDraft {
    pub id: i32,
    pub prospect_id: i32,
    pub event_id: Option<i32>,
    pub draft_type: String,
    pub content: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct ProspectResearch {
    pub id: i32,
    pub prospect_id: i32,
    pub research_summary: String,
    pub key_insights: Option<Value>,
    pub recommended_solutions: Option<Value>,
    pub confidence_score: Option<f64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct LlmUsageLog {
    pub id: i32,
    /// Column `worfklow_name` (misspelt in the seed schema; kept as is).
    #[sqlx(rename = "worfklow_name")]
    pub workflow_name: String,
    pub node_name: String,
    pub model: String,
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub total_tokens: i32,
    pub latency_ms: i32,
    pub cost: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An event with the prospects who interacted at it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct EventAttendee {
    pub prospect_id: i32,
    pub full_name: String,
    pub company_name: String,
    pub interactions: i64,
}

/// A solution with the names of the industries it is linked to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct CatalogEntry {
    #[sqlx(flatten)]
    pub solution: Solution,
    pub industries: Vec<String>,
}
