//! RPC ports: a free one for throwaway nodes, whether a fixed one is taken, and which one the
//! node actually bound (read from its log, as `--rpc-port 0` lets the OS choose).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use super::NodeError;

const RPC_LOG_MARKER: &str = "Running JSON-RPC server: addr=";

/// A currently free loopback TCP port (the OS picks it; it is released before returning).
pub fn pick_free_port() -> Result<u16, NodeError> {
    let mut last_err = None;
    for _ in 0..5 {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
            Ok(addr) => return Ok(addr.port()),
            Err(e) => last_err = Some(e),
        }
    }
    Err(NodeError::Io {
        context: "no free local TCP port".into(),
        source: last_err.expect("loop ran"),
    })
}

pub(super) fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// The IPv4 port from the node's `Running JSON-RPC server: addr=127.0.0.1:9944,[::1]:9944` line.
pub fn parse_rpc_port(log: &str) -> Option<u16> {
    log.lines().find_map(|line| {
        let addrs = &line[line.find(RPC_LOG_MARKER)? + RPC_LOG_MARKER.len()..];
        addrs
            .split([',', ' '])
            .filter_map(|a| a.trim().parse::<SocketAddr>().ok())
            .find(|a| a.is_ipv4())
            .or_else(|| {
                addrs
                    .split([',', ' '])
                    .find_map(|a| a.trim().parse::<SocketAddr>().ok())
            })
            .map(|a| a.port())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_rpc_address_log_lines() {
        let log = "2024-01-01 00:00:00 Substrate Contracts Node\n\
            2024-01-01 00:00:01 Running JSON-RPC server: addr=127.0.0.1:40123,[::1]:40124\n";
        assert_eq!(parse_rpc_port(log), Some(40123));
        let single = "x Running JSON-RPC server: addr=127.0.0.1:9944,\n";
        assert_eq!(parse_rpc_port(single), Some(9944));
        let v6 = "x Running JSON-RPC server: addr=[::1]:9955\n";
        assert_eq!(parse_rpc_port(v6), Some(9955));
        assert_eq!(parse_rpc_port("nothing here\n"), None);
    }
    #[test]
    fn free_ports_are_bindable() {
        let port = pick_free_port().unwrap();
        assert_ne!(port, 0);
        assert!(port_is_free(port));
    }
}
