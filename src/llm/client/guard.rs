//! Building a [`Provider`] from config, and the guard that keeps the API key
//! with the host it was configured for: OPENAI_API_KEY only for OpenAI's own
//! URL, never over plain http to another machine, never through a redirect
//! to another origin.

use std::time::Duration;

use super::{Protocol, Provider};
use crate::config::LlmConfig;

const OPENAI_HOST: &str = "api.openai.com";

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
pub(super) fn origin_of(url: &reqwest::Url) -> String {
    let host = crate::sanitize::line(url.host_str().unwrap_or("?")).into_owned();
    match url.port() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
