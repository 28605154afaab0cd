//! cdmx: the CDMO exchange backend.
//!
//! `api` (HTTP handlers) extracts requests and calls `app` (one function per use case),
//! which authorizes through `auth::policy`, applies `domain` (pure rules) and runs the
//! transaction through `db` (storage). `startup` wires them into an actix-web server;
//! `openapi` describes it. The README's layout table says the same, file by file.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod profile_index;
pub mod profile_reads;
pub mod reports;
pub mod startup;
pub mod strict;
pub mod telemetry;
pub mod webhooks;
