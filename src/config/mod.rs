//! Configuration: the documented defaults in the repository's `config.toml`
//! (compiled in), overlaid with the user's file. Unknown keys are errors that
//! name the key and the file, so a typo never silently does nothing.

pub mod command;
mod day;
mod keys;
mod theme;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{eyre, Result, WrapErr};
use serde::Deserialize;

pub use command::Command;
pub use day::{Cadence, FlowRule, FollowupConfig, StatusFlowConfig};
pub use keys::{KeyBindings, KeySpec};
pub use theme::Theme;

/// The defaults, exactly as documented in the repository's config.toml.
pub const DEFAULT_CONFIG: &str = include_str!("../../config.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub llm: LlmConfig,
    pub matching: MatchingConfig,
    pub ui: UiConfig,
    pub followup: FollowupConfig,
    pub status_flow: StatusFlowConfig,
    /// The file the user's settings came from, if any (for messages).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub data_dir: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    pub demo_prospects_on_first_start: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub api_key_env: String,
    /// The most tokens an answer may have (max_tokens / max_completion_tokens).
    pub max_tokens: u32,
    pub connect_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub concurrency: usize,
    pub queue_capacity: usize,
    pub max_retries: u32,
    pub retry_base_ms: u64,
    pub prompts_dir: String,
    pub monthly_budget_usd: f64,
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
}

/// Event matching's selection rule (see config.toml `[matching]`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MatchingConfig {
    pub top_n: usize,
    pub min_score: u8,
    pub include_inactive: bool,
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    #[serde(default)]
    pub cached_input: Option<f64>,
}

impl Price {
    /// USD for `prompt` and `completion` tokens (prices are per million),
    /// with no cached-input discount: estimates and worst cases.
    pub fn for_tokens(&self, prompt: f64, completion: f64) -> f64 {
        (prompt * self.input + completion * self.output) / 1_000_000.0
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    pub frame_interval_ms: u64,
    pub page_size: u32,
    pub clipboard_command: String,
    pub theme: theme::ThemeConfig,
    pub keys: BTreeMap<String, Vec<String>>,
}

/// Tables whose keys are free-form names chosen by the user (not settings).
const OPEN_TABLES: &[&str] = &["llm.prices", "followup.cadence"];

impl Config {
    /// The built-in defaults (the repository's config.toml).
    pub fn defaults() -> Self {
        Self::from_str(DEFAULT_CONFIG, Path::new("<built-in config.toml>")).expect("the shipped config.toml is valid")
    }

    /// Finds and loads the configuration: `explicit` (from --config), then
    /// $CLOSER_CONFIG, then the user's config directory. With neither, the
    /// built-in defaults apply. The current directory is never searched: a
    /// config.toml in a cloned repository would otherwise choose where the
    /// API key is sent, which program copies text, and which folder Closer
    /// takes over as its cluster.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Self::discover(),
        };
        let Some(path) = path else {
            return Ok(Self::defaults());
        };
        let text =
            std::fs::read_to_string(&path).wrap_err_with(|| format!("cannot read config file {}", path.display()))?;
        Self::from_str(&text, &path)
    }

    fn discover() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("CLOSER_CONFIG").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        dirs::config_dir().map(|d| d.join("closer").join("config.toml")).filter(|p| p.is_file())
    }

    /// Parses a config file's text over the defaults. `path` names the file in errors.
    pub fn from_str(text: &str, path: &Path) -> Result<Self> {
        let defaults: toml::Table = DEFAULT_CONFIG.parse().expect("shipped config.toml parses");
        // A parse error quotes the bad line, which may hold a database password.
        let user: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            eyre!("config file {}: {}", path.display(), crate::db::url::mask(&e.to_string()))
        })?;
        check_known_keys(&user, &defaults, "", path)?;
        let mut merged = defaults;
        merge(&mut merged, user);
        let mut config: Config =
            toml::Value::Table(merged).try_into().map_err(|e| eyre!("config file {}: {e}", path.display()))?;
        config.source = Some(path.to_path_buf());
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |key: &str, why: &str| Err(eyre!("config file {}: `{key}` {why}", path.display()));
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1");
        }
        if !self.database.url.is_empty() {
            crate::db::url::validate(&self.database.url)
                .map_err(|e| eyre!("config file {}: `database.url` {e}", path.display()))?;
        }
        if !["openai", "anthropic"].contains(&self.llm.provider.as_str()) {
            return bad(
                "llm.provider",
                "must be \"openai\" (the chat-completions protocol) or \"anthropic\" (the messages API)",
            );
        }
        if !(self.llm.base_url.starts_with("http://") || self.llm.base_url.starts_with("https://")) {
            return bad("llm.base_url", "must start with http:// or https://");
        }
        if self.llm.max_tokens == 0 {
            return bad("llm.max_tokens", "must be at least 1");
        }
        if self.llm.concurrency == 0 {
            return bad("llm.concurrency", "must be at least 1");
        }
        if self.llm.monthly_budget_usd < 0.0 {
            return bad("llm.monthly_budget_usd", "must not be negative");
        }
        if self.matching.min_score > 100 {
            return bad("matching.min_score", "must be between 0 and 100");
        }
        if self.ui.page_size < 10 {
            return bad("ui.page_size", "must be at least 10");
        }
        theme::ThemeConfig::validate(&self.ui.theme).map_err(|e| eyre!("config file {}: {e}", path.display()))?;
        KeyBindings::from_config(&self.ui.keys).map_err(|e| eyre!("config file {}: {e}", path.display()))?;
        self.followup.validate().map_err(|e| eyre!("config file {}: {e}", path.display()))?;
        self.status_flow.validate().map_err(|e| eyre!("config file {}: {e}", path.display()))?;
        Ok(())
    }

    pub fn key_bindings(&self) -> KeyBindings {
        KeyBindings::from_config(&self.ui.keys).expect("validated at load")
    }

    pub fn theme(&self, no_color: bool) -> Theme {
        Theme::from_config(&self.ui.theme, no_color)
    }
}

fn check_known_keys(user: &toml::Table, defaults: &toml::Table, prefix: &str, path: &Path) -> Result<()> {
    for (key, value) in user {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if OPEN_TABLES.contains(&prefix) {
            continue;
        }
        let Some(default) = defaults.get(key) else {
            if OPEN_TABLES.contains(&full.as_str()) {
                continue;
            }
            return Err(eyre!(
                "config file {}: unknown key `{full}` (see the documented keys in Closer's config.toml)",
                path.display()
            ));
        };
        if let (toml::Value::Table(u), toml::Value::Table(d)) = (value, default) {
            check_known_keys(u, d, &full, path)?;
        }
    }
    Ok(())
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}
