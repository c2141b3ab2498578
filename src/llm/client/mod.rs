//! A client for the OpenAI chat-completions protocol over reqwest: OpenAI
//! itself and the servers that speak it (Ollama, vLLM, LiteLLM, ...). One
//! call, one answer; retries and logging live in [`super::pipeline`].
//!
//! One file per job: [`guard`] builds a [`Provider`] from config and keeps
//! the key with the host it was configured for; [`request`] sends one call;
//! [`body`] caps and reads the response body; [`parse`] turns it into a
//! [`Completion`]; [`retry`] says which failures are worth another try and
//! reads Retry-After; [`types`] holds the request and response types.

mod body;
mod guard;
mod parse;
mod request;
mod retry;
mod types;

pub use body::MAX_BODY_BYTES;
pub use parse::{parse_anthropic, parse_completion};
pub use retry::{parse_retry_after, CallError};
pub use types::{CallResult, Completion, Message, PromptDetails, ResponseFormat, Usage, MAX_TOKENS_PER_CALL};

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI chat completions (OpenAI, Ollama, vLLM, LiteLLM, ...).
    OpenAi,
    /// Anthropic's messages API.
    Anthropic,
}

/// How to reach the provider. The API key is held here only, never logged
/// (its Debug output is masked), shown or stored.
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
    pub fn has_key(&self) -> bool {
        self.api_key.is_some()
    }
}
