//! Sending one call: the request body for each protocol (OpenAI chat
//! completions, Anthropic messages), the key in the protocol's header, and
//! the answer or the failure, timed.

use std::time::Instant;

use serde_json::json;

use super::body::{error_message, read_capped, strip_url, MAX_BODY_BYTES};
use super::guard::origin_of;
use super::{parse_anthropic, parse_completion, parse_retry_after};
use super::{CallError, CallResult, Message, Protocol, Provider, ResponseFormat};

impl Provider {
    /// Sends one chat completion. `format` asks for structured output.
    pub async fn complete(&self, messages: &[Message], format: &ResponseFormat) -> CallResult {
        let started = Instant::now();
        let req = match self.protocol {
            Protocol::OpenAi => {
                let mut body = json!({ "model": self.model, "messages": messages, "temperature": 0.2 });
                body[self.max_tokens_field] = json!(self.max_tokens);
                match format {
                    ResponseFormat::JsonSchema { name, schema } => {
                        body["response_format"] = json!({ "type": "json_schema",
                            "json_schema": { "name": name, "strict": true, "schema": schema } });
                    }
                    ResponseFormat::JsonObject => body["response_format"] = json!({ "type": "json_object" }),
                    ResponseFormat::Text => {}
                }
                let req = self.http.post(format!("{}/chat/completions", self.base_url)).json(&body);
                match &self.api_key {
                    Some(key) => req.bearer_auth(key),
                    None => req,
                }
            }
            Protocol::Anthropic => {
                // The messages API takes the system prompt apart and has no
                // response_format: the schema goes into the system prompt,
                // and the answer is validated like any other.
                let mut system: String = messages
                    .iter()
                    .filter(|m| m.role == "system")
                    .map(|m| m.content.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n");
                if let ResponseFormat::JsonSchema { schema, .. } = format {
                    system.push_str(&format!("\n\nThe JSON object must match this JSON Schema:\n{schema}"));
                }
                let turns: Vec<&Message> = messages.iter().filter(|m| m.role != "system").collect();
                let body = json!({ "model": self.model, "max_tokens": self.max_tokens, "temperature": 0.2,
                                   "system": system, "messages": turns });
                let req = self
                    .http
                    .post(format!("{}/messages", self.base_url))
                    .header("anthropic-version", "2023-06-01")
                    .json(&body);
                match &self.api_key {
                    Some(key) => req.header("x-api-key", key),
                    None => req,
                }
            }
        };
        let outcome = match req.send().await {
            Err(e) if e.is_timeout() => Err(CallError::Timeout),
            Err(e) => Err(CallError::Network(strip_url(&e.to_string()))),
            Ok(resp) if resp.status().is_redirection() => {
                // Not followed (see the client's redirect policy): say where it pointed.
                let to = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| resp.url().join(l).ok())
                    .map(|u| origin_of(&u))
                    .unwrap_or_else(|| "an unnamed place".into());
                Err(CallError::Redirect { status: resp.status().as_u16(), to })
            }
            Ok(resp) => {
                let status = resp.status();
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
                match read_capped(resp, MAX_BODY_BYTES).await {
                    Err(e) => Err(e),
                    Ok(bytes) if status.is_success() => match self.protocol {
                        Protocol::OpenAi => parse_completion(&bytes),
                        Protocol::Anthropic => parse_anthropic(&bytes),
                    },
                    Ok(bytes) => {
                        Err(CallError::Http { status: status.as_u16(), retry_after, message: error_message(&bytes) })
                    }
                }
            }
        };
        CallResult { outcome, latency: started.elapsed(), requested_model: self.model.clone() }
    }
}
