//! A client for the OpenAI chat-completions protocol over reqwest: OpenAI
//! itself and the servers that speak it (Ollama, vLLM, LiteLLM, ...). One
//! call, one answer; retries and logging live in [`super::run`].

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::LlmConfig;

/// How to reach the provider. The API key is held here only, never logged
/// (its Debug output is masked), shown or stored.
/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI chat completions (OpenAI, Ollama, vLLM, LiteLLM, ...).
    OpenAi,
    /// Anthropic's messages API.
    Anthropic,
}

#[derive(Clone)]
pub struct Provider {
    pub protocol: Protocol,
    pub base_url: String,
    pub model: String,
    api_key: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("protocol", &self.protocol)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Provider {
    /// From config, with OPENAI_BASE_URL and the key variable (config
    /// `llm.api_key_env`, OPENAI_API_KEY by default) overriding, as OpenAI's
    /// own SDKs do. A missing key is allowed for local servers; the call
    /// then fails with a message that names the variable.
    pub fn from_config(c: &LlmConfig) -> Result<Self, String> {
        let protocol = match c.provider.as_str() {
            "anthropic" => Protocol::Anthropic,
            _ => Protocol::OpenAi,
        };
        // The OpenAI SDKs' variables apply to the OpenAI protocol only.
        let openai_env = |name: &str| match protocol {
            Protocol::OpenAi => std::env::var(name).ok().filter(|s| !s.trim().is_empty()),
            Protocol::Anthropic => None,
        };
        let base_url = openai_env("OPENAI_BASE_URL").unwrap_or_else(|| c.base_url.clone());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(format!("LLM base URL {base_url:?} must start with http:// or https://"));
        }
        let api_key = std::env::var(&c.api_key_env)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .or_else(|| openai_env("OPENAI_API_KEY"));
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(c.connect_timeout_secs.max(1)))
            .timeout(Duration::from_secs(c.request_timeout_secs.max(1)))
            .user_agent(concat!("closer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            protocol,
            base_url: base_url.trim_end_matches('/').to_string(),
            model: c.model.clone(),
            api_key,
            http,
        })
    }

    pub fn has_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// Sends one chat completion. `format` asks for structured output.
    pub async fn complete(&self, messages: &[Message], format: &ResponseFormat) -> CallResult {
        let started = Instant::now();
        let req = match self.protocol {
            Protocol::OpenAi => {
                let mut body = json!({ "model": self.model, "messages": messages, "temperature": 0.2 });
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
                let body = json!({ "model": self.model, "max_tokens": 4096, "temperature": 0.2,
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
            Ok(resp) => {
                let status = resp.status();
                let retry_after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(|s| Duration::from_secs_f64(s.clamp(0.0, 600.0)));
                match resp.bytes().await {
                    Err(e) if e.is_timeout() => Err(CallError::Timeout),
                    Err(e) => Err(CallError::Network(strip_url(&e.to_string()))),
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

/// Error text from a provider's JSON error body, else the raw text (short).
fn error_message(bytes: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let msg = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).chars().take(300).collect());
    crate::sanitize::line(&msg).into_owned()
}

/// reqwest errors name the URL; keep messages short and free of query strings.
fn strip_url(s: &str) -> String {
    match s.find(" for url (") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

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

impl Usage {
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

#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    Timeout,
    Network(String),
    Http {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    /// The body was not the JSON the protocol promises.
    Malformed(String),
    NoChoices,
}

impl CallError {
    /// Worth another try: timeouts, network trouble, 429 and 5xx, garbage.
    pub fn retryable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Network(_) | CallError::Malformed(_) | CallError::NoChoices => true,
            CallError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout => write!(f, "the provider did not answer in time"),
            CallError::Network(e) => write!(f, "cannot reach the provider: {e}"),
            CallError::Http { status: 401, message, .. } => {
                write!(f, "the provider refused the API key (401): {message}; check the key's environment variable")
            }
            CallError::Http { status, message, .. } => write!(f, "the provider answered {status}: {message}"),
            CallError::Malformed(e) => write!(f, "the provider's answer is not valid JSON: {e}"),
            CallError::NoChoices => write!(f, "the provider's answer has no choices"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CallResult {
    pub outcome: Result<Completion, CallError>,
    pub latency: Duration,
    pub requested_model: String,
}

/// An Anthropic messages answer as a [`Completion`]. Its input tokens do not
/// include cache reads or writes; here prompt tokens are all three, and cache
/// reads count as cached, so the one cost formula serves both protocols.
pub fn parse_anthropic(bytes: &[u8]) -> Result<Completion, CallError> {
    #[derive(Deserialize)]
    struct Body {
        model: Option<String>,
        #[serde(default)]
        content: Vec<Block>,
        stop_reason: Option<String>,
        usage: Option<AnthropicUsage>,
    }
    #[derive(Deserialize)]
    struct Block {
        #[serde(rename = "type")]
        kind: String,
        text: Option<String>,
    }
    #[derive(Deserialize)]
    struct AnthropicUsage {
        #[serde(default)]
        input_tokens: i64,
        #[serde(default)]
        output_tokens: i64,
        #[serde(default)]
        cache_read_input_tokens: Option<i64>,
        #[serde(default)]
        cache_creation_input_tokens: Option<i64>,
    }
    let body: Body = serde_json::from_slice(bytes).map_err(|e| CallError::Malformed(e.to_string()))?;
    if body.content.is_empty() {
        return Err(CallError::NoChoices);
    }
    let text: String = body.content.iter().filter(|b| b.kind == "text").filter_map(|b| b.text.as_deref()).collect();
    let refusal = (body.stop_reason.as_deref() == Some("refusal")).then(|| "the model declined to answer".to_string());
    let usage = body.usage.map(|u| {
        let cached = u.cache_read_input_tokens.unwrap_or(0);
        let prompt = u.input_tokens + cached + u.cache_creation_input_tokens.unwrap_or(0);
        Usage {
            prompt_tokens: prompt,
            completion_tokens: u.output_tokens,
            total_tokens: prompt + u.output_tokens,
            prompt_tokens_details: Some(PromptDetails { cached_tokens: cached }),
        }
    });
    Ok(Completion {
        model: body.model,
        content: (!text.is_empty()).then_some(text),
        refusal,
        finish_reason: body.stop_reason,
        usage,
    })
}

pub fn parse_completion(bytes: &[u8]) -> Result<Completion, CallError> {
    #[derive(Deserialize)]
    struct Body {
        model: Option<String>,
        #[serde(default)]
        choices: Vec<Choice>,
        usage: Option<Usage>,
    }
    #[derive(Deserialize)]
    struct Choice {
        message: Option<ChoiceMessage>,
        finish_reason: Option<String>,
    }
    #[derive(Deserialize)]
    struct ChoiceMessage {
        content: Option<String>,
        refusal: Option<String>,
    }
    let body: Body = serde_json::from_slice(bytes).map_err(|e| CallError::Malformed(e.to_string()))?;
    let choice = body.choices.into_iter().next().ok_or(CallError::NoChoices)?;
    let (content, refusal) = match choice.message {
        Some(m) => (m.content, m.refusal),
        None => (None, None),
    };
    Ok(Completion { model: body.model, content, refusal, finish_reason: choice.finish_reason, usage: body.usage })
}
