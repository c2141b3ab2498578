//! The integration suite: one binary, every module against real PostgreSQL.

mod support;

mod cluster;
mod config;
mod costs;
mod drafts;
mod e2e;
mod existing_db;
mod hostile;
mod llm;
mod repository;
mod schema;
mod today;
mod trust;
mod ui;
mod undo;
