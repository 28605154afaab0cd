//! `GET /metrics`: the process's counters and the gauges read at scrape time.

use sha2::{Digest, Sha256};

use crate::db::{profiles, reservations};
use crate::error::ApiError;
use crate::metrics::Gauges;
use crate::startup::AppState;

/// The metrics in the Prometheus text format, for a caller presenting the configured
/// token. Off (404) without one configured; a wrong or missing token is 401.
pub async fn scrape(state: &AppState, presented: Option<&str>) -> Result<String, ApiError> {
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::RouteNotFound);
    };
    // Digests compared, not the tokens: equal-length inputs, so the comparison's time
    // does not tell how much of a guess was right.
    let matches = presented.is_some_and(|token| {
        Sha256::digest(token.as_bytes()) == Sha256::digest(expected.as_bytes())
    });
    if !matches {
        return Err(ApiError::Unauthorized(
            "metrics need `Authorization: Bearer <metrics token>`".into(),
        ));
    }
    let (database_seq, by_state) = state
        .db
        .run(|c| {
            Ok((
                profiles::change_counter(c)?,
                reservations::count_by_state(c)?,
            ))
        })
        .await?;
    let index = state.profiles.stats();
    let (pool_connections, pool_idle, pool_max) = state.db.pool_state();
    let gauges = Gauges {
        pool_connections,
        pool_idle,
        pool_max,
        index_profiles: index.profiles,
        index_changes_behind: (database_seq - index.seq).max(0),
        index_last_refresh: index.last_refresh,
        reservations: by_state
            .into_iter()
            .map(|(state, count)| (state.as_str().to_owned(), count))
            .collect(),
        password_hashing: state.passwords.stats(),
    };
    Ok(state.metrics.render(&gauges))
}
