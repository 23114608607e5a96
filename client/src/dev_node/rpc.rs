//! One-shot JSON-RPC calls to a local node, for the readiness probe and for tests.
//!
//! They go through subxt's RPC client (jsonrpsee over WebSocket), the client the rest of
//! escrow_client talks to nodes with, rather than a second HTTP client of our own. The calls are
//! synchronous but are also made from inside tokio runtimes (`escrow demo` starts a DevNode from
//! async code), where blocking on a runtime would panic; so each call runs on a scoped thread
//! with its own current-thread runtime, which ends with the call.

use std::time::Duration;

use serde_json::Value;
use subxt::rpcs::client::{RawValue, RpcClient};
use subxt::rpcs::Error as RpcError;

use super::NodeError;

/// One JSON-RPC call to `ws://127.0.0.1:<port>`; returns its `result`. `params` is sent as
/// given (usually an array; `null` sends none). Connecting and answering together must take at
/// most `timeout`.
pub fn rpc_call(
    port: u16,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Result<Value, NodeError> {
    let fail = |msg: String| NodeError::Rpc {
        method: method.to_owned(),
        msg,
    };
    let params = match params {
        Value::Null => None,
        params => Some(
            RawValue::from_string(params.to_string())
                .map_err(|e| fail(format!("cannot encode the params: {e}")))?,
        ),
    };
    let url = format!("ws://127.0.0.1:{port}");
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start an async runtime: {e}"))?;
                runtime.block_on(async {
                    tokio::time::timeout(timeout, request(&url, method, params))
                        .await
                        .unwrap_or_else(|_| Err(format!("no reply from {url} within {timeout:?}")))
                })
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
    .map_err(fail)
}

async fn request(url: &str, method: &str, params: Option<Box<RawValue>>) -> Result<Value, String> {
    let client = RpcClient::from_insecure_url(url)
        .await
        .map_err(|e| format!("cannot connect to {url}: {}", describe(e)))?;
    let reply = client.request_raw(method, params).await.map_err(describe)?;
    serde_json::from_str(reply.get()).map_err(|e| format!("reply is not JSON: {e}"))
}

/// The node's own error for a refused call; the transport's error, without subxt's
/// "RPC error: client error:" prefix, for everything else.
fn describe(error: RpcError) -> String {
    match error {
        RpcError::User(e) => match e.data {
            Some(data) => format!("{} (code {}): {}", e.message, e.code, data.get()),
            None => format!("{} (code {})", e.message, e.code),
        },
        RpcError::Client(e) => e.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::net::{Ipv4Addr, TcpListener};
    use std::time::Instant;

    fn closed_port() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap().port()
    }

    #[test]
    fn a_closed_port_is_a_connect_error() {
        let err = rpc_call(
            closed_port(),
            "system_health",
            json!([]),
            Duration::from_secs(5),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("JSON-RPC system_health: cannot connect to ws://127.0.0.1:"),
            "{text}"
        );
    }

    #[test]
    fn a_silent_server_times_out() {
        // The kernel accepts the TCP connection into the backlog; nobody ever answers.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let started = Instant::now();
        let err =
            rpc_call(port, "system_health", json!([]), Duration::from_millis(300)).unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        assert!(
            err.to_string().contains("no reply from ws://127.0.0.1:"),
            "{err}"
        );
        assert!(err.to_string().contains("within 300ms"), "{err}");
    }

    #[test]
    fn works_from_inside_a_runtime() {
        // Blocking on a runtime from a runtime thread would panic; rpc_call must not.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(async {
            rpc_call(
                closed_port(),
                "system_health",
                json!([]),
                Duration::from_secs(5),
            )
        });
        assert!(matches!(result, Err(NodeError::Rpc { .. })), "{result:?}");
    }
}
