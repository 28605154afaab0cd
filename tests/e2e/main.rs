//! End-to-end tests: a real server per test, driven through the SDK. Raw HTTP is used
//! only where the SDK cannot express the request (malformed bodies, wrong methods).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit;
mod authorization;
mod capacity;
mod compatibility;
mod conventions;
mod decisions;
mod demo;
mod documented_bounds;
mod edges;
mod errors;
mod examples;
mod hashing;
mod idempotency;
mod licences;
mod limits;
mod listing;
mod matching;
mod openapi_examples;
mod outages;
mod pagination;
mod profile_reads;
mod profiles;
mod replicas;
mod reports;
mod scenarios;
mod schema;
mod sdk_client;
mod search;
mod sessions;
mod share_links;
mod storage;
mod system;
mod undisclosed;
