//! cdmx: the CDMO exchange backend.
//!
//! `api` (HTTP handlers) calls `domain` (pure rules) and `db` (storage); `startup` wires
//! them into an actix-web server; `openapi` describes it.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod openapi;
pub mod profile_index;
pub mod reports;
pub mod startup;
pub mod telemetry;
