//! Secrets and private data (issue #10, items 10-16): which config is read,
//! where an API key may go, masked database passwords, the log file, the
//! budget, the managed cluster's exposure, and the LLM client's limits.
//! Each test fails on the code before the fix.
//!
//! By topic: `secrets` (items 10, 12, 13), `api_key` (11), `budget` (14),
//! `client_limits` (16), `managed_cluster` (15); the helpers they share are here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use closer::config::Config;
use closer::db::Db;
use closer::llm::client::{Message, Provider};
use closer::llm::pipeline::Pipeline;
use closer::llm::prompts::Prompts;

mod api_key;
mod budget;
mod client_limits;
mod managed_cluster;
mod secrets;

/// A fresh scratch folder under the test temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("closer-sec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The real binary with a clean, private environment: its own HOME (so no
/// user config or ~/.pgpass of the machine), no DATABASE_URL or LLM variables.
fn closer(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_closer"));
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("CLOSER_LOG_FILE", home.join("closer.log"))
        .env_remove("CLOSER_DATA_DIR")
        .env_remove("CLOSER_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("CLOSER_LOG");
    cmd
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

// ---- LLM: shared helpers --------------------------------------------------

const KEY_VAR: &str = "CLOSER_SEC_LLM_KEY";
const KEY: &str = "sk-closer-sec-0123456789";

/// Defaults pointed at `base_url`, the key in KEY_VAR, then `toml` on top.
fn llm_config(base_url: &str, toml: &str) -> Config {
    // Every test sets the same value, so the race on the environment is harmless.
    std::env::set_var(KEY_VAR, KEY);
    let text = format!(
        "[llm]\nbase_url = \"{base_url}\"\napi_key_env = \"{KEY_VAR}\"\nretry_base_ms = 10\nrequest_timeout_secs = 20\n{toml}"
    );
    Config::from_str(&text, Path::new("sec-test.toml")).unwrap()
}

fn pipeline(db: &Db, c: &Config) -> Pipeline {
    Pipeline::new(db.clone(), Provider::from_config(&c.llm).unwrap(), &c.llm, Prompts::default())
}

fn user_message(r: &closer::llm::standin::Received) -> String {
    r.body["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_string()
}

async fn prospect_ids(db: &Db, n: i64) -> Vec<i32> {
    sqlx::query_scalar("SELECT id FROM prospects ORDER BY id LIMIT $1").bind(n).fetch_all(&db.pool).await.unwrap()
}

async fn prospect_name(db: &Db, id: i32) -> String {
    sqlx::query_scalar("SELECT full_name FROM prospects WHERE id = $1").bind(id).fetch_one(&db.pool).await.unwrap()
}

fn ask() -> Vec<Message> {
    vec![Message::system("You answer in JSON."), Message::user("Say hello.")]
}
