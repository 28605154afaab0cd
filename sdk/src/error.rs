use crate::types::Problem;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error: its problem document says why.
    #[error("{status} {}: {}", problem.title, problem.detail.as_deref().unwrap_or(""))]
    Api { status: u16, problem: Box<Problem> },
    /// The request did not complete: connection refused, timeout, TLS...
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered something this client cannot read.
    #[error("unexpected response ({status}): {message}")]
    UnexpectedResponse { status: u16, message: String },
    /// The base URL given to the builder is not an http(s) URL.
    #[error("invalid base URL `{0}`: expected http:// or https://")]
    InvalidBaseUrl(String),
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => Some(*status),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::InvalidBaseUrl(_) => None,
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
