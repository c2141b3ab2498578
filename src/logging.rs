//! Logs go to a file under the data directory, never to the terminal the UI
//! draws on. RUST_LOG (or CLOSER_LOG) sets the level; the default is info.

use std::path::PathBuf;

use color_eyre::eyre::Result;
use tracing_subscriber::EnvFilter;

/// Closer's data directory: ~/.local/share/closer (CLOSER_DATA_DIR overrides).
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("CLOSER_DATA_DIR") {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("closer")
}

/// The log file: ~/.local/share/closer/closer.log (or CLOSER_LOG_FILE).
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CLOSER_LOG_FILE") {
        return PathBuf::from(p);
    }
    data_dir().join("closer.log")
}

pub fn init() -> Result<PathBuf> {
    let path = log_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    let filter = EnvFilter::try_from_env("CLOSER_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok();
    Ok(path)
}
