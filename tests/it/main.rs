//! The integration suite: one binary, every module against real PostgreSQL.

mod support;

mod cluster;
mod config;
mod costs;
mod demo;
mod drafts;
mod e2e;
mod existing_db;
mod hostile;
mod import;
mod jobs_view;
mod live;
mod llm;
mod matching;
mod perf;
mod repository;
mod rollups;
mod schema;
mod security;
mod today;
mod trust;
mod ui;
mod undo;
