//! The bench's HTTP client for the explorer on localhost: hyper-util's pooled HTTP/1.1 client,
//! which keeps connections open between requests as a browser does, so a warm round measures
//! the explorer and not TCP handshakes. Every answer other than 200 is an error naming the
//! path, the status and what the explorer said.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

use super::sse::{SseEvent, SseParser};
use crate::ops::{OpError, OpResult};

/// Longest one request may take: far above any goal, so only a hung explorer reaches it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Requests to one explorer.
#[derive(Clone)]
pub struct Api {
    base: String,
    client: Client<HttpConnector, Empty<Bytes>>,
}

/// A request that did not get a 200.
#[derive(Debug, Clone)]
pub struct Failure {
    pub path: String,
    /// None: no answer at all (connection refused or reset, or the timeout).
    pub status: Option<StatusCode>,
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "GET {} answered {status}: {}", self.path, self.detail),
            None => write!(f, "GET {} got no answer: {}", self.path, self.detail),
        }
    }
}

impl From<Failure> for OpError {
    fn from(f: Failure) -> OpError {
        OpError::Failed(format!("explorer bench: {f}"))
    }
}

impl Api {
    pub fn new(addr: SocketAddr) -> Api {
        Api {
            base: format!("http://{addr}"),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The whole body of a 200 answer to `GET path`.
    pub async fn get(&self, path: &str) -> Result<Bytes, Failure> {
        let fail = |status, detail: String| Failure {
            path: path.to_string(),
            status,
            detail,
        };
        let uri = self.uri(path).map_err(|e| fail(None, e))?;
        let answer = async {
            let res = self
                .client
                .get(uri)
                .await
                .map_err(|e| fail(None, e.to_string()))?;
            let status = res.status();
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(|e| fail(Some(status), format!("body cut short: {e}")))?
                .to_bytes();
            if status != StatusCode::OK {
                return Err(fail(Some(status), excerpt(&body)));
            }
            Ok(body)
        };
        tokio::time::timeout(REQUEST_TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| Err(fail(None, format!("no answer within {REQUEST_TIMEOUT:?}"))))
    }

    /// `GET path` parsed as JSON.
    pub async fn get_json(&self, path: &str) -> OpResult<serde_json::Value> {
        let body = self.get(path).await?;
        serde_json::from_slice(&body).map_err(|e| {
            OpError::Failed(format!(
                "explorer bench: GET {path} answered 200 but not JSON ({e}): {}",
                excerpt(&body)
            ))
        })
    }

    /// Subscribes to the server-sent events of `path`: each arrives on the receiver with the
    /// instant it was read off the socket, so a reader that looks later still knows when it
    /// came. The stream ends (the receiver yields None) when the explorer closes it; dropping
    /// the [`EventStream`] closes it from this side.
    pub async fn events(&self, path: &str) -> OpResult<EventStream> {
        let uri = self
            .uri(path)
            .map_err(|e| OpError::Failed(format!("explorer bench: {e}")))?;
        let failed = |status, detail: String| Failure {
            path: path.to_string(),
            status,
            detail,
        };
        let res = tokio::time::timeout(REQUEST_TIMEOUT, self.client.get(uri))
            .await
            .map_err(|_| failed(None, format!("no answer within {REQUEST_TIMEOUT:?}")))?
            .map_err(|e| failed(None, e.to_string()))?;
        if res.status() != StatusCode::OK {
            return Err(failed(Some(res.status()), "not an event stream".into()).into());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let mut body = res.into_body();
        let reader = tokio::spawn(async move {
            let mut parser = SseParser::default();
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(chunk) = frame.into_data() else {
                    continue;
                };
                let at = Instant::now();
                for event in parser.push(&chunk) {
                    if tx.send((at, event)).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(EventStream { rx, reader })
    }

    fn uri(&self, path: &str) -> Result<Uri, String> {
        format!("{}{path}", self.base)
            .parse()
            .map_err(|e| format!("bad request path {path}: {e}"))
    }
}

/// An open server-sent event stream; its reader stops when this is dropped.
pub struct EventStream {
    pub rx: mpsc::UnboundedReceiver<(Instant, SseEvent)>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The start of a body, for an error message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
