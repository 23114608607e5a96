//! The explorer's task requests, from the event store: `/api/requests?…` (the filters, order
//! and cursor of `escrow request list`) and
//! `/api/requests/{id}` (a request with its proposals and the deal it led to).

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use super::{parse_id, ApiResult, Link};
use crate::ops::stored_requests::{self as requests, RequestDetails, RequestFilter, RequestList};

/// The filters of `escrow request list`, as query parameters of the same names.
#[derive(Debug, Deserialize)]
pub(super) struct RequestsQuery {
    text: Option<String>,
    min_budget: Option<String>,
    max_budget: Option<String>,
    poster: Option<String>,
    min_rating: Option<f64>,
    arbiter: Option<String>,
    #[serde(default)]
    include_ended: bool,
    sort: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

impl From<RequestsQuery> for RequestFilter {
    fn from(q: RequestsQuery) -> RequestFilter {
        let some = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        RequestFilter {
            text: some(q.text),
            min_budget: some(q.min_budget),
            max_budget: some(q.max_budget),
            poster: some(q.poster),
            min_rating: q.min_rating,
            arbiter: some(q.arbiter),
            include_ended: q.include_ended,
            sort: some(q.sort),
            cursor: some(q.cursor),
            limit: q.limit.unwrap_or(50),
        }
    }
}

pub(super) async fn list(
    State(link): Link,
    Query(q): Query<RequestsQuery>,
) -> ApiResult<RequestList> {
    let filter = RequestFilter::from(q);
    link.with(move |c| Box::pin(requests::list(c, filter)))
        .await
        .map(Json)
}

pub(super) async fn show(State(link): Link, Path(id): Path<String>) -> ApiResult<RequestDetails> {
    let id = parse_id("request", &id)?;
    link.with(move |c| Box::pin(requests::show(c, id)))
        .await
        .map(Json)
}
