//! The one place an LLM call is made: every attempt is logged to
//! llm_usage_logs (successful or not), what is worth retrying is retried
//! with backoff or the provider's Retry-After, and the first usable answer
//! is returned.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

use super::{JobError, Pipeline, Spend};
use crate::db::usage::UsageInput;
use crate::llm::client::{CallError, Message, ResponseFormat, Usage};

impl Pipeline {
    /// Calls the model, logs every attempt, retries what is worth retrying,
    /// and returns the first answer that `accept` takes.
    pub async fn call<T>(
        &self,
        workflow: &str,
        node: &str,
        messages: &[Message],
        schema: (&'static str, Value),
        spend: &mut Spend,
        accept: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, JobError> {
        let prompt_chars: usize = messages.iter().map(|m| m.content.chars().count()).sum();
        let worst_case = self.worst_case_cost(messages, &schema.1)?;
        let mut last_error = String::new();
        for attempt in 0..=self.max_retries {
            let reservation = self.reserve(worst_case).await?;
            let format = if self.schema_unsupported.load(Ordering::Relaxed) {
                ResponseFormat::JsonObject
            } else {
                ResponseFormat::JsonSchema { name: schema.0, schema: schema.1.clone() }
            };
            let result = self.provider.complete(messages, &format).await;
            let model = result
                .outcome
                .as_ref()
                .ok()
                .and_then(|c| c.model.clone())
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| result.requested_model.clone());
            // A provider that could not be reached got no request: no call
            // to count, log or bill (the retry below still happens).
            let reached = !matches!(&result.outcome, Err(CallError::Network(_)));
            if reached {
                // Usage: the provider's, or (when it gives none) counted here.
                let (usage, counted) = match &result.outcome {
                    Ok(c) => match &c.usage {
                        Some(u) if u.total_tokens > 0 || u.prompt_tokens > 0 => (u.clone(), false),
                        _ => {
                            let completion = c.content.as_deref().map(estimate_tokens).unwrap_or(0);
                            let prompt = estimate_tokens_chars(prompt_chars);
                            (
                                Usage {
                                    prompt_tokens: prompt,
                                    completion_tokens: completion,
                                    total_tokens: prompt + completion,
                                    prompt_tokens_details: None,
                                },
                                true,
                            )
                        }
                    },
                    // A refused or failed request bills nothing.
                    Err(_) => (Usage::default(), false),
                };
                if counted {
                    tracing::warn!(
                        workflow,
                        node,
                        model,
                        "the provider reported no usage: tokens counted by Closer (about 4 characters a token)"
                    );
                }
                // Priced by the model that answered; one the table does not know
                // is priced as the configured model, never at 0.
                let cost = self.prices.cost_or(&model, &self.provider.model, &usage);
                spend.calls += 1;
                spend.cost += cost;
                let logged = self
                    .db
                    .log_usage(&UsageInput {
                        workflow_name: workflow.to_string(),
                        node_name: node.to_string(),
                        model: truncate(&model, 255),
                        prompt_tokens: clamp_i32(usage.prompt_tokens),
                        completion_tokens: clamp_i32(usage.completion_tokens),
                        total_tokens: clamp_i32(usage.prompt_tokens + usage.completion_tokens),
                        latency_ms: clamp_i32(result.latency.as_millis() as i64),
                        cost,
                    })
                    .await;
                // Logged first, then settled: a re-read of the month meanwhile counts it twice, never not at all.
                match reservation {
                    Some(r) => r.settle(cost),
                    None => self.add_spend(cost),
                }
                logged?;
            }

            let retry_after = match result.outcome {
                Ok(c) => {
                    if let Some(r) = c.refusal.filter(|r| !r.trim().is_empty()) {
                        last_error = format!("the model refused: {}", crate::sanitize::line(&r));
                    } else if let Some(text) = c.content.filter(|t| !t.trim().is_empty()) {
                        match accept(&text) {
                            Ok(v) => return Ok(v),
                            Err(e) => last_error = format!("the answer was not usable: {e}"),
                        }
                    } else {
                        last_error = format!(
                            "the answer was empty (finish reason {})",
                            c.finish_reason.as_deref().unwrap_or("none")
                        );
                    }
                    None
                }
                Err(CallError::Http { status: 400, ref message, .. })
                    if !self.schema_unsupported.load(Ordering::Relaxed)
                        && (message.contains("response_format") || message.contains("json_schema")) =>
                {
                    // A provider without structured outputs: fall back to JSON mode.
                    tracing::warn!(%message, "provider rejected json_schema; using json_object mode");
                    self.schema_unsupported.store(true, Ordering::Relaxed);
                    last_error = format!("the provider does not support json_schema: {message}");
                    continue;
                }
                Err(e) if e.retryable() => {
                    last_error = e.to_string();
                    e.retry_after()
                }
                Err(e) => return Err(JobError::Failed(e.to_string())),
            };
            if attempt < self.max_retries {
                let backoff = self.retry_base.saturating_mul(1 << attempt.min(10)).min(Duration::from_secs(60));
                // Other jobs may call meanwhile: the wait does not hold a concurrency slot.
                crate::llm::jobs::wait_without_slot(retry_after.unwrap_or(backoff)).await;
            }
        }
        Err(JobError::Failed(format!("{last_error} (after {} attempts)", self.max_retries + 1)))
    }
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    // Some models wrap JSON in a ```json fence despite being asked not to.
    let t = text.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).map(|s| s.trim_end_matches("```")).unwrap_or(t);
    serde_json::from_str(t.trim()).map_err(|e| format!("it breaks the schema: {e}"))
}

/// About four characters a token: the usual rule of thumb for English text.
fn estimate_tokens(text: &str) -> i64 {
    estimate_tokens_chars(text.chars().count())
}

fn estimate_tokens_chars(chars: usize) -> i64 {
    chars.div_ceil(4) as i64
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(0, i32::MAX as i64) as i32
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
