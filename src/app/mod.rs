//! Application state and the single place it changes.

pub mod command;

pub use command::Command;

use color_eyre::eyre::Result;

use crate::config::Config;
use crate::setup::Target;

pub async fn run(_config: Config, _target: Target) -> Result<()> {
    Ok(())
}
