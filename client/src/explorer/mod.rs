//! `escrow explorer`: a local web page over the chain, in the escrow's terms, and the JSON API
//! under it (`/api/...`), so that the page and scripts read the same data.
//!
//! The page is static HTML + JS compiled into the binary. New blocks and the node going away or
//! coming back are pushed to it (`/api/live`, server-sent events); it then fetches what it
//! shows from the API.

mod link;
mod live;
mod requests;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub use self::link::{LinkError, NodeLink};
pub use self::live::{Live, LiveStatus};
use crate::ops::stored_offers::ListFilter;
use crate::ops::{OpError, OpResult, Settings};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const REQUESTS_JS: &str = include_str!("assets/requests.js");
const MILESTONES_JS: &str = include_str!("assets/milestones.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// Where the explorer listens.
#[derive(Debug, Clone)]
pub struct ExplorerArgs {
    /// 0 picks a free port.
    pub port: u16,
    pub bind: std::net::IpAddr,
}

/// Printed once the explorer listens.
#[derive(Debug, Clone, Serialize)]
pub struct ExplorerView {
    pub url: String,
    pub node: String,
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(
    settings: Settings,
    args: ExplorerArgs,
    ready: impl FnOnce(ExplorerView),
) -> OpResult<ExplorerView> {
    let link = Arc::new(NodeLink::new(settings));
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| OpError::Failed(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| OpError::Failed(format!("cannot read the listening address: {e}")))?;
    let view = ExplorerView {
        url: format!("http://{local}/"),
        node: link.url(),
    };
    ready(view.clone());
    axum::serve(listener, router(link))
        .with_graceful_shutdown(async {
            // If the signal cannot be watched, serve until killed.
            if crate::ops::node::wait_for_shutdown_signal().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|e| OpError::Failed(format!("explorer server failed: {e}")))?;
    Ok(view)
}

/// The page and the API over one node link, whose live task feeds `/api/live`.
pub fn router(link: Arc<NodeLink>) -> Router {
    let live = link.live().clone();
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/requests.js",
            get(|| async { asset("text/javascript; charset=utf-8", REQUESTS_JS) }),
        )
        .route(
            "/milestones.js",
            get(|| async { asset("text/javascript; charset=utf-8", MILESTONES_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .route("/api/live", get(move || async move { live.events() }))
        .route("/api/status", get(status))
        .route("/api/blocks", get(blocks))
        .route("/api/blocks/{id}", get(block))
        .route("/api/offers", get(offers))
        .route("/api/offers/{id}", get(offer))
        .route("/api/requests", get(requests::list))
        .route("/api/requests/{id}", get(requests::show))
        .route("/api/deals/{id}", get(deal))
        .route("/api/accounts/{account}", get(account))
        .route("/api/search", get(search))
        .fallback(|| async { api_error(StatusCode::NOT_FOUND, "not_found", "no such page".into()) })
        .with_state(link)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `{"error": "...", "kind": "..."}` with a status: 503 node down, 404 unknown id, 400 bad
/// input, 500 anything else.
fn api_error(status: StatusCode, kind: &str, error: String) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": error, "kind": kind })),
    )
        .into_response()
}

impl IntoResponse for LinkError {
    fn into_response(self) -> Response {
        match self {
            LinkError::NodeDown(reason) => {
                api_error(StatusCode::SERVICE_UNAVAILABLE, "node_down", reason)
            }
            LinkError::Op(e) if views::is_not_found(&e) => {
                api_error(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            LinkError::Op(e) if e.exit_code() == 2 => {
                api_error(StatusCode::BAD_REQUEST, "bad_request", e.to_string())
            }
            LinkError::Op(e) => {
                api_error(StatusCode::INTERNAL_SERVER_ERROR, e.kind(), e.to_string())
            }
        }
    }
}

type ApiResult<T> = Result<Json<T>, LinkError>;

type Link = State<Arc<NodeLink>>;

/// The node connection state, answered even when the node is down (`connected: false`).
async fn status(State(link): Link) -> Json<serde_json::Value> {
    match link.with(|c| Box::pin(views::status(c))).await {
        Ok(s) => Json(serde_json::json!({ "connected": true, "status": s })),
        Err(e) => Json(serde_json::json!({
            "connected": false,
            "url": link.url(),
            "error": e.to_string(),
        })),
    }
}

#[derive(Debug, Deserialize)]
struct BlocksQuery {
    limit: Option<u64>,
}

async fn blocks(State(link): Link, Query(q): Query<BlocksQuery>) -> ApiResult<views::BlockList> {
    let limit = q.limit.unwrap_or(10);
    link.with(move |c| Box::pin(views::latest_blocks(c, limit)))
        .await
        .map(Json)
}

/// A [`views::BlockPage`], as the store keeps it or as just read from the node.
async fn block(
    State(link): Link,
    Path(id): Path<String>,
) -> ApiResult<Box<serde_json::value::RawValue>> {
    link.with(move |c| Box::pin(async move { views::block(c, &id).await }))
        .await
        .map(Json)
}

/// The filters of `escrow offer list`, as query parameters of the same names.
#[derive(Debug, Deserialize)]
struct OffersQuery {
    min_price: Option<String>,
    max_price: Option<String>,
    seller: Option<String>,
    text: Option<String>,
    min_rating: Option<f64>,
    arbiter: Option<String>,
    #[serde(default)]
    include_inactive: bool,
    #[serde(default)]
    from: u64,
    limit: Option<u32>,
}

impl From<OffersQuery> for ListFilter {
    fn from(q: OffersQuery) -> ListFilter {
        let some = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        ListFilter {
            min_price: some(q.min_price),
            max_price: some(q.max_price),
            seller: some(q.seller),
            text: some(q.text),
            min_rating: q.min_rating,
            arbiter: some(q.arbiter),
            include_inactive: q.include_inactive,
            from: q.from,
            limit: q.limit.unwrap_or(50),
        }
    }
}

async fn offers(
    State(link): Link,
    Query(q): Query<OffersQuery>,
) -> ApiResult<crate::ops::stored_offers::OfferList> {
    let filter = ListFilter::from(q);
    link.with(move |c| Box::pin(views::offer_list(c, filter)))
        .await
        .map(Json)
}

async fn offer(State(link): Link, Path(id): Path<String>) -> ApiResult<views::OfferPage> {
    let id = parse_id("offer", &id)?;
    link.with(move |c| Box::pin(views::offer(c, id)))
        .await
        .map(Json)
}

async fn deal(State(link): Link, Path(id): Path<String>) -> ApiResult<views::DealPage> {
    let id = parse_id("deal", &id)?;
    link.with(move |c| Box::pin(views::deal(c, id)))
        .await
        .map(Json)
}

async fn account(State(link): Link, Path(account): Path<String>) -> ApiResult<views::AccountPage> {
    link.with(move |c| Box::pin(async move { views::account(c, &account).await }))
        .await
        .map(Json)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search(State(link): Link, Query(q): Query<SearchQuery>) -> ApiResult<views::SearchResult> {
    link.with(move |c| Box::pin(async move { views::search(c, &q.q).await }))
        .await
        .map(Json)
}

fn parse_id(what: &str, s: &str) -> Result<u64, LinkError> {
    s.parse().map_err(|_| {
        LinkError::Op(crate::ops::usage(format!(
            "invalid {what} id '{s}': expected a whole number"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serves the router for a node that is not there; returns the base URL.
    async fn serve_without_node() -> String {
        let link = Arc::new(NodeLink::new(Settings {
            url: Some("ws://127.0.0.1:9".into()),
            ..Settings::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router(link)).await });
        format!("http://{addr}")
    }

    fn get(url: String) -> (u16, String, String) {
        match ureq::get(&url).call() {
            Ok(r) => {
                let ct = r.content_type().to_string();
                (r.status(), ct, r.into_string().unwrap())
            }
            Err(ureq::Error::Status(code, r)) => {
                let ct = r.content_type().to_string();
                (code, ct, r.into_string().unwrap())
            }
            Err(e) => panic!("{url}: {e}"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_a_node_the_page_loads_and_the_api_says_the_node_is_down() {
        let base = serve_without_node().await;
        let answers = tokio::task::spawn_blocking(move || {
            [
                "/",
                "/app.js",
                "/api/status",
                "/api/blocks",
                "/api/deals/abc",
                "/api/deals/1",
                "/nope",
            ]
            .map(|p| get(format!("{base}{p}")))
        })
        .await
        .unwrap();
        let [page, js, status, blocks, bad_id, deal, missing] = answers;
        assert_eq!((page.0, page.1.as_str()), (200, "text/html"));
        assert!(page.2.contains("P2P escrow explorer"));
        assert_eq!((js.0, js.1.as_str()), (200, "text/javascript"));
        let status: serde_json::Value = serde_json::from_str(&status.2).unwrap();
        assert_eq!(status["connected"], false);
        assert!(status["error"].as_str().unwrap().contains("unreachable"));
        assert_eq!(blocks.0, 503);
        let body: serde_json::Value = serde_json::from_str(&blocks.2).unwrap();
        assert_eq!(body["kind"], "node_down");
        // A malformed id is refused before the node is needed.
        assert_eq!(bad_id.0, 400);
        assert!(bad_id.2.contains("invalid deal id 'abc'"));
        assert_eq!(deal.0, 503);
        assert_eq!(missing.0, 404);
    }
}
