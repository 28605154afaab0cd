//! Following `next_cursor` through paged lists.

use std::future::Future;

use futures_core::Stream;
use futures_util::TryStreamExt;

use crate::error::Error;
use crate::types::Page;

/// Every item of a paged list, as an async stream that fetches the next page when the
/// items of the previous one are used up. `fetch` is given the cursor of the page to
/// get (`None` for the first). After an error the stream ends.
///
/// Consume it with the futures traits, re-exported in [`crate::stream`]:
///
/// ```no_run
/// # async fn demo(client: cdmx_sdk::Client, org: String) -> Result<(), cdmx_sdk::Error> {
/// use cdmx_sdk::stream::TryStreamExt;
/// use cdmx_sdk::types::PageParams;
/// let users = cdmx_sdk::paginate(|cursor| {
///     let (client, org) = (client.clone(), org.clone());
///     async move { client.list_users(&org, &PageParams { limit: Some(200), cursor }).await }
/// });
/// let mut users = std::pin::pin!(users);
/// while let Some(user) = users.try_next().await? {
///     println!("{}", user.email);
/// }
/// # Ok(()) }
/// ```
pub fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    struct State<F, T> {
        fetch: F,
        items: std::vec::IntoIter<T>,
        /// The cursor of the next page to fetch; `None` once the last page was fetched.
        next: Option<Option<String>>,
    }
    let start = State {
        fetch,
        items: Vec::new().into_iter(),
        next: Some(None),
    };
    futures_util::stream::unfold(start, |mut state| async move {
        loop {
            if let Some(item) = state.items.next() {
                return Some((Ok(item), state));
            }
            let cursor = state.next.take()?;
            match (state.fetch)(cursor).await {
                Ok(page) => {
                    state.items = page.items.into_iter();
                    state.next = page.next_cursor.map(Some);
                }
                Err(error) => return Some((Err(error), state)),
            }
        }
    })
}

/// Collects every item of a paged list by following `next_cursor` (see [`paginate`]
/// for a stream that does not hold them all in memory).
///
/// ```no_run
/// # async fn demo(client: cdmx_sdk::Client, org: String) -> Result<(), cdmx_sdk::Error> {
/// use cdmx_sdk::types::PageParams;
/// let users = cdmx_sdk::collect_pages(|cursor| {
///     let (client, org) = (client.clone(), org.clone());
///     async move { client.list_users(&org, &PageParams { limit: Some(200), cursor }).await }
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn collect_pages<T, F, Fut>(fetch: F) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    paginate(fetch).try_collect().await
}
