//! Cursor pagination: keyset on the (time-ordered) id, opaque cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cdmx_sdk::types::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page};

use crate::db::accounts::Keyset;
use crate::error::ApiError;

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: usize,
    pub after: Option<String>,
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
        let after = cursor
            .map(|c| {
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .filter(|id| uuid::Uuid::parse_str(id).is_ok())
                    .ok_or_else(|| {
                        ApiError::bad_request_field("cursor", "is not a cursor this API returned")
                    })
            })
            .transpose()?;
        Ok(Self {
            limit: limit as usize,
            after,
        })
    }

    pub fn keyset(&self) -> Keyset {
        Keyset {
            after: self.after.clone(),
            fetch: self.limit as i64 + 1,
        }
    }

    /// Turns the fetched rows (one more than the limit, when there are more) into a page.
    pub fn page<R, T>(
        &self,
        mut rows: Vec<R>,
        id: impl Fn(&R) -> &str,
        view: impl Fn(R) -> Result<T, ApiError>,
    ) -> Result<Page<T>, ApiError> {
        let next_cursor = if rows.len() > self.limit {
            rows.truncate(self.limit);
            rows.last().map(|last| URL_SAFE_NO_PAD.encode(id(last)))
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
        assert_eq!(next.after.as_deref(), Some(ids[1].as_str()));
        assert!(PageRequest::parse(None, Some("not-a-cursor")).is_err());
        let last = next
            .page(ids[2..].to_vec(), |s| s.as_str(), Ok::<_, ApiError>)
            .unwrap();
        assert_eq!(last.next_cursor, None);
    }
}
