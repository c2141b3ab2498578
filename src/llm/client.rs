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
    /// The most completion tokens a call may produce (`llm.max_tokens`).
    pub max_tokens: u32,
    /// OpenAI's own API takes `max_completion_tokens` (its reasoning models
    /// refuse `max_tokens`); the servers that copy the protocol take `max_tokens`.
    max_tokens_field: &'static str,
    api_key: Option<String>,
    http: reqwest::Client,
}

const OPENAI_HOST: &str = "api.openai.com";

/// The most of a response body Closer reads: an answer is a few kilobytes;
/// a provider (or something posing as one) streaming more is cut off.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// Whether `url` names this machine: `localhost` or a loopback address.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Same scheme, host and port.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// scheme://host[:port] of a URL, for messages (never its path or query).
fn origin_of(url: &reqwest::Url) -> String {
    let host = crate::sanitize::line(url.host_str().unwrap_or("?")).into_owned();
    match url.port() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
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
    /// From config, reading the environment: see [`Provider::from_config_env`].
    pub fn from_config(c: &LlmConfig) -> Result<Self, String> {
        Self::from_config_env(c, &|name| std::env::var(name).ok())
    }

    /// From config, with OPENAI_BASE_URL overriding the URL (OpenAI protocol
    /// only, as OpenAI's own SDKs do) and the key taken from the variable
    /// named by `llm.api_key_env`. `env` reads a variable (tests pass their own).
    ///
    /// A key goes only to the provider it was configured for:
    /// - OPENAI_API_KEY stands in for an unset `llm.api_key_env` variable only
    ///   when the URL is OpenAI's own (`https://api.openai.com`), never for
    ///   another server;
    /// - a key is never sent over plain http to a host other than this
    ///   machine (loopback): that is an error saying what to do;
    /// - redirects to another origin are not followed (see [`CallError::Redirect`]).
    ///
    /// A missing key is allowed for local servers; a hosted provider then
    /// refuses the call with a message that names the variable.
    pub fn from_config_env(c: &LlmConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let protocol = match c.provider.as_str() {
            "anthropic" => Protocol::Anthropic,
            _ => Protocol::OpenAi,
        };
        let var = |name: &str| env(name).filter(|s| !s.trim().is_empty());
        // The OpenAI SDKs' variables apply to the OpenAI protocol only.
        let openai_env = |name: &str| match protocol {
            Protocol::OpenAi => var(name),
            Protocol::Anthropic => None,
        };
        let base_url = openai_env("OPENAI_BASE_URL").unwrap_or_else(|| c.base_url.clone());
        let base_url = base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| format!("LLM base URL {base_url:?} must be an http:// or https:// URL"))?;
        let official_openai = parsed.scheme() == "https" && parsed.host_str() == Some(OPENAI_HOST);
        let (api_key, key_var) = match var(&c.api_key_env) {
            Some(k) => (Some(k), c.api_key_env.clone()),
            None if protocol == Protocol::OpenAi && official_openai && c.api_key_env != "OPENAI_API_KEY" => {
                (var("OPENAI_API_KEY"), "OPENAI_API_KEY".to_string())
            }
            None => (None, c.api_key_env.clone()),
        };
        if api_key.is_some() && parsed.scheme() == "http" && !is_loopback(&parsed) {
            return Err(format!(
                "refusing to send the API key in {key_var} over plain http to {}: use an https:// llm.base_url, \
                 or http://127.0.0.1 / http://localhost for a server on this machine",
                parsed.host_str().unwrap_or("?")
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(c.connect_timeout_secs.max(1)))
            .timeout(Duration::from_secs(c.request_timeout_secs.max(1)))
            .user_agent(concat!("closer/", env!("CARGO_PKG_VERSION")))
            // The key (Authorization or x-api-key) and the prompt stay with
            // the configured origin: a redirect elsewhere is answered, not followed.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same = attempt.previous().last().is_some_and(|prev| same_origin(prev, attempt.url()));
                if same && attempt.previous().len() < 5 {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            protocol,
            max_tokens_field: if official_openai { "max_completion_tokens" } else { "max_tokens" },
            base_url,
            model: c.model.clone(),
            max_tokens: c.max_tokens,
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

/// Reads a body up to `limit` bytes; past that it stops reading (the
/// connection is dropped) and fails.
async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, CallError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(CallError::TooLarge { limit });
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(CallError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(CallError::Timeout),
            Err(e) => return Err(CallError::Network(strip_url(&e.to_string()))),
        }
    }
}

/// A Retry-After value: delay-seconds or an HTTP-date (RFC 9110: IMF-fixdate,
/// and the obsolete RFC 850 and asctime forms), as a delay from `now`,
/// at most 10 minutes. A date in the past means at once.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(600);
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return secs.is_finite().then(|| Duration::from_secs_f64(secs.clamp(0.0, MAX.as_secs_f64())));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v)
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(v, "%A, %d-%b-%y %H:%M:%S GMT")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%a %b %e %H:%M:%S %Y"))
                .map(|n| n.and_utc())
        })
        .ok()?;
    let now = chrono::DateTime::<chrono::Utc>::from(now);
    Some((date - now).to_std().unwrap_or(Duration::ZERO).min(MAX))
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

/// More tokens than any real call uses: counts past it are a broken or
/// hostile provider's, and are cut here so no sum overflows and no price
/// runs to infinity.
pub const MAX_TOKENS_PER_CALL: i64 = 100_000_000;

fn bound(n: i64) -> i64 {
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
    /// The body was longer than [`MAX_BODY_BYTES`]; reading stopped there.
    TooLarge {
        limit: usize,
    },
    /// The provider redirected elsewhere; Closer did not follow with the key and prompt.
    Redirect {
        status: u16,
        to: String,
    },
}

impl CallError {
    /// Worth another try: timeouts, network trouble, 429 and 5xx, garbage.
    pub fn retryable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Network(_) | CallError::Malformed(_) | CallError::NoChoices => true,
            CallError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            CallError::TooLarge { .. } | CallError::Redirect { .. } => false,
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
            CallError::TooLarge { limit } => {
                write!(f, "the provider's answer is larger than {} MiB: Closer stopped reading it", limit >> 20)
            }
            CallError::Redirect { status, to } => write!(
                f,
                "the provider redirected ({status}) to {to}: Closer does not send the API key or the prompt to \
                 another address; if that server is the right one, set llm.base_url to it"
            ),
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
        let cached = bound(u.cache_read_input_tokens.unwrap_or(0));
        let prompt = bound(u.input_tokens) + cached + bound(u.cache_creation_input_tokens.unwrap_or(0));
        Usage {
            prompt_tokens: prompt,
            completion_tokens: u.output_tokens,
            total_tokens: 0,
            prompt_tokens_details: Some(PromptDetails { cached_tokens: cached }),
        }
        .bounded()
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
    let usage = body.usage.map(Usage::bounded);
    Ok(Completion { model: body.model, content, refusal, finish_reason: choice.finish_reason, usage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_every_http_date_form() {
        // 1994-11-06 08:49:37 UTC, the example of RFC 9110.
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 1.5 ", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:40 1994", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO), "past: at once");
        assert_eq!(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(600)), "capped");
        assert_eq!(parse_retry_after("99999", now), Some(Duration::from_secs(600)));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
    }

    #[test]
    fn absurd_usage_counts_are_bounded() {
        let body = br#"{"model":"m","choices":[{"message":{"content":"x"},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9223372036854775807,"completion_tokens":5,"total_tokens":-3,
                     "prompt_tokens_details":{"cached_tokens":9223372036854775807}}}"#;
        let u = parse_completion(body).unwrap().usage.unwrap();
        assert_eq!((u.prompt_tokens, u.completion_tokens), (MAX_TOKENS_PER_CALL, 5));
        assert_eq!(u.total_tokens, MAX_TOKENS_PER_CALL + 5);
        assert_eq!(u.cached(), MAX_TOKENS_PER_CALL);
        let body = br#"{"model":"m","content":[{"type":"text","text":"x"}],"stop_reason":"end_turn",
            "usage":{"input_tokens":9223372036854775807,"output_tokens":9223372036854775807,
                     "cache_read_input_tokens":9223372036854775807}}"#;
        let u = parse_anthropic(body).unwrap().usage.unwrap();
        assert!(u.prompt_tokens <= MAX_TOKENS_PER_CALL && u.completion_tokens <= MAX_TOKENS_PER_CALL);
        assert_eq!(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    }

    #[test]
    fn loopback_and_origins() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(is_loopback(&u("http://127.0.0.1:8/v1")) && is_loopback(&u("http://[::1]/")));
        assert!(is_loopback(&u("http://LOCALHOST:1/")) && is_loopback(&u("http://127.9.9.9/")));
        assert!(!is_loopback(&u("http://localhost.evil.example/")) && !is_loopback(&u("http://10.0.0.1/")));
        assert!(same_origin(&u("https://a.example/v1/x"), &u("https://a.example:443/v2")));
        assert!(!same_origin(&u("https://a.example/"), &u("http://a.example/")), "no downgrade");
        assert!(!same_origin(&u("http://127.0.0.1:1/"), &u("http://127.0.0.1:2/")));
    }
}
