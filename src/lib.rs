//! Closer: a keyboard-driven terminal sales assistant over PostgreSQL.

pub mod app;
pub mod bench;
pub mod bench_versus;
pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod headless;
pub mod llm;
pub mod logging;
pub mod report;
pub mod sanitize;
pub mod setup;
pub mod tui;
pub mod ui;
