//! An API key goes only where it was configured to (11): not to another
//! server, not over plain http to another machine, not through a redirect.

use std::sync::Arc;

use closer::config::Config;
use closer::llm::client::{Provider, ResponseFormat};
use closer::llm::standin::{completion, Reply, StandIn};

use super::{ask, llm_config, prospect_ids, scratch, text, KEY, KEY_VAR};
use crate::support;

// ---- 11. an API key goes only where it was configured to ----------------

#[tokio::test(flavor = "multi_thread")]
async fn openai_api_key_is_not_sent_to_another_server() {
    let (db, url) = support::demo_db(5).await;
    let server = StandIn::instant().await;
    let home = scratch("key-fallback");
    let cfg = home.join("config.toml");
    // The variable the config names is unset; OPENAI_API_KEY holds the user's OpenAI key.
    std::fs::write(
        &cfg,
        format!("[llm]\nbase_url = \"{}\"\napi_key_env = \"CLOSER_SEC_NEVER_SET\"\n", server.base_url),
    )
    .unwrap();
    let id = prospect_ids(&db, 1).await[0];
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_closer"))
        .args(["--config".as_ref(), cfg.as_os_str()])
        .args(["--database-url", &url, "research", &id.to_string()])
        .env("HOME", &home)
        .env("CLOSER_LOG_FILE", home.join("closer.log"))
        .env("OPENAI_API_KEY", "sk-users-real-openai-key")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("CLOSER_SEC_NEVER_SET")
        .output()
        .await
        .unwrap();
    let reqs = server.requests();
    assert!(!reqs.is_empty(), "the local server was called: {}", text(&out));
    for r in &reqs {
        assert_eq!(r.header("authorization"), None, "OPENAI_API_KEY went to {}", server.base_url);
    }
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn the_openai_key_stands_in_only_for_openai_itself() {
    let mut c = Config::defaults().llm;
    c.api_key_env = "CLOSER_SEC_NEVER_SET".into();
    let env = |name: &str| (name == "OPENAI_API_KEY").then(|| "sk-openai".to_string());
    c.base_url = "https://api.openai.com/v1".into();
    assert!(Provider::from_config_env(&c, &env).unwrap().has_key(), "OpenAI's own URL: its SDK convention holds");
    for other in ["https://llm.example.com/v1", "http://127.0.0.1:11434/v1", "https://api.openai.com.evil.example/v1"] {
        c.base_url = other.into();
        assert!(!Provider::from_config_env(&c, &env).unwrap().has_key(), "{other} got the OpenAI key");
    }
}

#[test]
fn a_key_is_never_sent_over_plain_http_to_another_machine() {
    std::env::set_var(KEY_VAR, KEY);
    let mut c = Config::defaults().llm;
    c.api_key_env = KEY_VAR.into();
    c.base_url = "http://llm.example.com/v1".into();
    let err = Provider::from_config(&c).unwrap_err();
    assert!(err.contains("plain http") && err.contains("https://") && !err.contains(KEY), "{err}");
    for local in
        ["http://127.0.0.1:11434/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1", "https://llm.example.com/v1"]
    {
        c.base_url = local.into();
        assert!(Provider::from_config(&c).unwrap().has_key(), "{local}");
    }
    // Without a key, a server on the network is fine (nothing secret to send).
    c.api_key_env = "CLOSER_SEC_NEVER_SET".into();
    c.base_url = "http://llm.lan:11434/v1".into();
    assert!(!Provider::from_config(&c).unwrap().has_key());
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_with_the_key_or_the_prompt() {
    let elsewhere = StandIn::instant().await;
    let target = format!("{}/messages", elsewhere.base_url);
    let server = StandIn::start(Arc::new(move |_, _| Reply::redirect(307, &target))).await;
    let mut c = llm_config(&server.base_url, "provider = \"anthropic\"\nmodel = \"claude-3-5-haiku-latest\"\n");
    c.llm.max_retries = 0;
    let provider = Provider::from_config(&c.llm).unwrap();
    let result = provider.complete(&ask(), &ResponseFormat::Text).await;
    let err = result.outcome.unwrap_err();
    assert!(elsewhere.requests().is_empty(), "the key and prompt followed the redirect: {:?}", elsewhere.requests());
    assert!(!err.retryable(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("redirected") && msg.contains("llm.base_url"), "{msg}");

    // A redirect within the same server is followed.
    let same = StandIn::start(Arc::new(|req, _| {
        if req.path == "/v1/chat/completions" {
            Reply::redirect(307, "/v1/real/chat/completions")
        } else {
            Reply::json(completion("{}", Some((10, 2, 0))))
        }
    }))
    .await;
    let provider = Provider::from_config(&llm_config(&same.base_url, "").llm).unwrap();
    let done = provider.complete(&ask(), &ResponseFormat::Text).await.outcome.unwrap();
    assert_eq!(done.content.as_deref(), Some("{}"));
    assert_eq!(same.requests()[1].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}
