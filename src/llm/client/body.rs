//! Reading a response body: capped at [`MAX_BODY_BYTES`] so a provider (or
//! something posing as one) cannot stream without end, and error text kept
//! short and free of URLs.

use serde_json::Value;

use super::CallError;

/// The most of a response body Closer reads: an answer is a few kilobytes;
/// a provider (or something posing as one) streaming more is cut off.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// Reads a body up to `limit` bytes; past that it stops reading (the
/// connection is dropped) and fails.
pub(super) async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, CallError> {
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

/// Error text from a provider's JSON error body, else the raw text (short).
pub(super) fn error_message(bytes: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let msg = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).chars().take(300).collect());
    crate::sanitize::line(&msg).into_owned()
}

/// reqwest errors name the URL; keep messages short and free of query strings.
pub(super) fn strip_url(s: &str) -> String {
    match s.find(" for url (") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}
