//! Parsing a successful answer of either protocol into a [`Completion`],
//! its usage bounded so no sum overflows.

use serde::Deserialize;

use super::types::bound;
use super::{CallError, Completion, PromptDetails, Usage};

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
    use crate::llm::client::MAX_TOKENS_PER_CALL;

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
}
