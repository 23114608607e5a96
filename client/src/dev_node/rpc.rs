//! One-shot JSON-RPC calls to a local node, for readiness probing and tests.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::{json, Value};

use super::NodeError;

/// One JSON-RPC call over plain HTTP to `127.0.0.1:<port>`; returns the `result`.
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
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| fail(format!("cannot connect to {addr}: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| fail(e.to_string()))?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| fail(format!("cannot send to {addr}: {e}")))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| fail(format!("cannot read from {addr}: {e}")))?;
    let reply = parse_http_json(&response).map_err(fail)?;
    if let Some(error) = reply.get("error") {
        return Err(fail(error.to_string()));
    }
    reply
        .get("result")
        .cloned()
        .ok_or_else(|| fail(format!("reply has no result: {reply}")))
}

/// The JSON body of an HTTP/1.1 response (plain or chunked).
fn parse_http_json(response: &[u8]) -> Result<Value, String> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("incomplete HTTP response")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let mut body = response[split + 4..].to_vec();
    let status_line = head.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(format!(
            "HTTP {status_line}: {}",
            String::from_utf8_lossy(&body).trim()
        ));
    }
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    serde_json::from_slice(&body).map_err(|e| format!("reply is not JSON: {e}"))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunked body")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "bad chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    #[test]
    fn http_json_parsing() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 37\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":7}";
        assert_eq!(parse_http_json(plain).unwrap()["result"], 7);
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
        assert_eq!(parse_http_json(chunked).unwrap(), json!({"a": 1}));
        let err = parse_http_json(b"HTTP/1.1 403 Forbidden\r\n\r\nno").unwrap_err();
        assert!(err.contains("403"), "{err}");
    }

    #[test]
    fn rpc_call_against_a_fake_server() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            for reply in [
                r#"{"jsonrpc":"2.0","id":1,"result":{"peers":0}}"#,
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#,
            ] {
                let (mut conn, _) = listener.accept().unwrap();
                let mut buf = [0u8; 4096];
                let mut request = Vec::new();
                while !String::from_utf8_lossy(&request).contains("\"params\"") {
                    let n = conn.read(&mut buf).unwrap();
                    request.extend_from_slice(&buf[..n]);
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}",
                    reply.len()
                );
                conn.write_all(response.as_bytes()).unwrap();
            }
        });
        let ok = rpc_call(port, "system_health", json!([]), Duration::from_secs(5)).unwrap();
        assert_eq!(ok, json!({"peers": 0}));
        let err = rpc_call(port, "nope", json!([]), Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().starts_with("JSON-RPC nope: "), "{err}");
        server.join().unwrap();
    }
}
