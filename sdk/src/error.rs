//! The one error type of the client.

use crate::types::Problem;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error: its problem document says why.
    #[error("{status} {}: {}", problem.title, problem.detail.as_deref().unwrap_or(""))]
    Api {
        /// The HTTP status code (4xx or 5xx).
        status: u16,
        /// The RFC 9457 problem document the server sent.
        problem: Box<Problem>,
    },
    /// The request did not complete: connection refused, timeout, connection reset, TLS...
    /// After a timeout or reset a write may or may not have been applied.
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered something this client cannot read.
    #[error("unexpected response ({status}): {message}")]
    UnexpectedResponse {
        /// The HTTP status code.
        status: u16,
        /// Why the body could not be read, or the start of the body.
        message: String,
    },
    /// The base URL given to the builder is not an http(s) URL.
    #[error("invalid base URL `{0}`: expected http:// or https://")]
    InvalidBaseUrl(String),
    /// A request body could not be encoded as JSON (e.g. a map with non-string keys).
    #[error("cannot encode the request: {0}")]
    Encode(#[from] serde_json::Error),
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => Some(*status),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::InvalidBaseUrl(_) | Self::Encode(_) => None,
        }
    }

    /// The problem document, when the server sent one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }
}
