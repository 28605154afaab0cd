//! Cursor pagination. Cursors are opaque to clients: base64url of `kind:position`, so a
//! list can tell its own cursors from forged or foreign ones.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cdmx_sdk::types::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page};

use crate::db::accounts::Keyset;
use crate::db::{Database, DbConnection, StoreResult};
use crate::error::ApiError;

/// One page of a list ordered by id: reads the page request, runs `query` with its
/// keyset on a pooled connection, and maps the rows to their views.
pub async fn list_by_id<R, T>(
    db: &Database,
    limit: Option<u32>,
    cursor: Option<&str>,
    query: impl FnOnce(&mut DbConnection, &Keyset) -> StoreResult<Vec<R>> + Send + 'static,
    id: impl Fn(&R) -> &str,
    view: impl Fn(R) -> Result<T, ApiError>,
) -> Result<Page<T>, ApiError>
where
    R: Send + 'static,
{
    let page = PageRequest::parse(limit, cursor)?;
    let keyset = page.keyset()?;
    let rows = db.run(move |c| query(c, &keyset)).await?;
    page.page(rows, id, view)
}

/// The opaque form of a `kind:position` cursor.
pub fn encode_cursor(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// The `kind:position` text of a cursor; `None` when it is not one.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: usize,
    /// The decoded cursor, `kind:position`.
    cursor: Option<String>,
}

fn bad_cursor() -> ApiError {
    ApiError::bad_request_field("cursor", "is not a cursor this list returned")
}

impl PageRequest {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if limit == 0 || limit > MAX_PAGE_LIMIT {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_PAGE_LIMIT}"),
            ));
        }
        let cursor = cursor
            .map(|c| decode_cursor(c).ok_or_else(bad_cursor))
            .transpose()?;
        Ok(Self {
            limit: limit as usize,
            cursor,
        })
    }

    /// The position after which this page starts, for cursors of `kind`.
    pub fn after(&self, kind: &str) -> Result<Option<&str>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.strip_prefix(kind)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .ok_or_else(bad_cursor)
            })
            .transpose()
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit as i64 + 1
    }

    /// The row id a `kind:<id>` cursor points at (ids are UUIDs; anything else is not a
    /// cursor this list returned).
    pub fn id_position(&self, kind: &str) -> Result<Option<String>, ApiError> {
        self.after(kind)?
            .map(|id| {
                uuid::Uuid::parse_str(id)
                    .map(|_| id.to_owned())
                    .map_err(|_| bad_cursor())
            })
            .transpose()
    }

    /// A keyset over time-ordered ids (cursor kind `id`).
    pub fn keyset(&self) -> Result<Keyset, ApiError> {
        Ok(Keyset {
            after: self.id_position("id")?,
            fetch: self.fetch(),
        })
    }

    /// A page of rows listed by id.
    pub fn page<R, T>(
        &self,
        rows: Vec<R>,
        id: impl Fn(&R) -> &str,
        view: impl Fn(R) -> Result<T, ApiError>,
    ) -> Result<Page<T>, ApiError> {
        self.page_by(rows, |r| format!("id:{}", id(r)), view)
    }

    /// A page of rows; `position` gives the tagged cursor (`kind:position`) of a row.
    pub fn page_by<R, T>(
        &self,
        mut rows: Vec<R>,
        position: impl Fn(&R) -> String,
        view: impl Fn(R) -> Result<T, ApiError>,
    ) -> Result<Page<T>, ApiError> {
        let next_cursor = if rows.len() > self.limit {
            rows.truncate(self.limit);
            rows.last()
                .map(|last| URL_SAFE_NO_PAD.encode(position(last)))
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_the_range_are_invalid() {
        assert!(matches!(
            PageRequest::parse(Some(0), None),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            PageRequest::parse(Some(201), None),
            Err(ApiError::Validation(_))
        ));
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_rejected() {
        let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let request = PageRequest::parse(Some(2), None).unwrap();
        let page = request
            .page(ids.clone(), |s| s.as_str(), Ok::<_, ApiError>)
            .unwrap();
        assert_eq!(page.items, ids[..2]);
        let next = PageRequest::parse(Some(2), page.next_cursor.as_deref()).unwrap();
        assert_eq!(
            next.keyset().unwrap().after.as_deref(),
            Some(ids[1].as_str())
        );
        assert!(PageRequest::parse(None, Some("%%%")).is_err());
        let forged = URL_SAFE_NO_PAD.encode("id:not-a-uuid");
        assert!(
            PageRequest::parse(None, Some(&forged))
                .unwrap()
                .keyset()
                .is_err()
        );
        let foreign = URL_SAFE_NO_PAD.encode("rev:3");
        assert!(
            PageRequest::parse(None, Some(&foreign))
                .unwrap()
                .keyset()
                .is_err()
        );
        let last = next
            .page(ids[2..].to_vec(), |s| s.as_str(), Ok::<_, ApiError>)
            .unwrap();
        assert_eq!(last.next_cursor, None);
    }
}
