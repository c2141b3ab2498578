//! Closer: a keyboard-driven terminal sales assistant over PostgreSQL.

pub mod app;
#[cfg(feature = "test-support")]
pub mod bench;
pub mod calendar;
pub mod cells;
pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod export;
pub mod headless;
pub mod import;
pub mod llm;
pub mod logging;
pub mod match_cmd;
pub mod private_file;
pub mod report;
pub mod runtime;
pub mod sanitize;
pub mod setup;
pub mod snooze;
pub mod today_report;
pub mod tui;
pub mod ui;
