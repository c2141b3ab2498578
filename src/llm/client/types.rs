//! The request and response types shared by both protocols: messages, the
//! structured-output format asked for, token usage (bounded), and a call's
//! result.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::CallError;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: "system", content: content.into() }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: "user", content: content.into() }
    }
}

#[derive(Debug, Clone)]
pub enum ResponseFormat {
    JsonSchema { name: &'static str, schema: Value },
    JsonObject,
    Text,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: i64,
    #[serde(default)]
    pub completion_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PromptDetails {
    #[serde(default)]
    pub cached_tokens: i64,
}

/// More tokens than any real call uses: counts past it are a broken or
/// hostile provider's, and are cut here so no sum overflows and no price
/// runs to infinity.
pub const MAX_TOKENS_PER_CALL: i64 = 100_000_000;

pub(super) fn bound(n: i64) -> i64 {
    n.clamp(0, MAX_TOKENS_PER_CALL)
}

impl Usage {
    /// The provider's counts, each within 0..=[`MAX_TOKENS_PER_CALL`], the
    /// total their sum and the cached part no more than the prompt.
    pub fn bounded(self) -> Self {
        let prompt = bound(self.prompt_tokens);
        let completion = bound(self.completion_tokens);
        let details =
            self.prompt_tokens_details.map(|d| PromptDetails { cached_tokens: bound(d.cached_tokens).min(prompt) });
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: details,
        }
    }

    pub fn cached(&self) -> i64 {
        self.prompt_tokens_details.as_ref().map(|d| d.cached_tokens).unwrap_or(0)
    }
}

/// A successful HTTP answer, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The model the provider says answered (may differ from the one asked for).
    pub model: Option<String>,
    pub content: Option<String>,
    pub refusal: Option<String>,
    pub finish_reason: Option<String>,
    /// None when the provider reported no usage.
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone)]
pub struct CallResult {
    pub outcome: Result<Completion, CallError>,
    pub latency: Duration,
    pub requested_model: String,
}
