//! The integration suite: one binary, every module against real PostgreSQL.

mod support;

mod cluster;
mod config;
mod costs;
mod drafts;
mod e2e;
mod existing_db;
mod hostile;
mod live;
mod llm;
mod perf;
mod repository;
mod rollups;
mod schema;
mod security;
mod trust;
mod ui;
