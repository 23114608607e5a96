//! The operations behind the `escrow` subcommands: one function per subcommand, each checking
//! its input, calling the typed contract API ([`crate::api`]) and returning a serialisable
//! result struct (the binary renders it).

pub mod accounts;
pub mod arbiters;
#[cfg(feature = "store")]
pub mod deal_words;
pub mod deals;
// The demo ends by reading the reputations from the event store.
#[cfg(feature = "store")]
pub mod demo;
pub mod deploy;
pub mod deployments;
#[cfg(feature = "store")]
pub mod events;
#[cfg(feature = "store")]
pub mod index;
pub mod input;
pub mod join;
pub mod milestones;
pub mod multisig;
pub mod node;
pub mod offers;
#[cfg(feature = "store")]
pub mod origin;
pub mod published;
pub mod ratings;
pub mod requests;
pub mod screening;
#[cfg(feature = "store")]
pub mod stored_deals;
#[cfg(feature = "store")]
pub mod stored_offers;
#[cfg(feature = "store")]
pub mod stored_requests;

pub use crate::session::{
    default_url, dry_run, escrow_home, event_view, explain, genesis_hex, hash_hex, ink_to_json,
    load_bundle, net_storage_deposit, resolve_account, signer_from, usage, write_json_file,
    CodeHashes, Confirmer, Contracts, Ctx, Deployment, DeploymentError, DeploymentFile, EventView,
    GasView, MetadataStore, OpError, OpResult, Origin, OutputMode, Settings, TxReport, Which,
    CONNECT_TIMEOUT,
};
pub use crate::types;

/// Current time in ms (the dev node's block timestamps follow the wall clock).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Parse basis points, also accepting a percentage like `60%`.
pub fn parse_bps(input: &str) -> OpResult<u16> {
    let s = input.trim();
    let bad = || {
        usage(format!(
            "invalid basis points '{input}': use 0..=10000 or a percentage like 60%"
        ))
    };
    let bps = if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p.trim().parse().map_err(|_| bad())?;
        if !(0.0..=100.0).contains(&p) {
            return Err(bad());
        }
        (p * 100.0).round() as u32
    } else {
        s.parse::<u32>().map_err(|_| bad())?
    };
    if bps > u32::from(types::BPS) {
        return Err(bad());
    }
    Ok(bps as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_and_percentages() {
        assert_eq!(parse_bps("3000").unwrap(), 3000);
        assert_eq!(parse_bps("30%").unwrap(), 3000);
        assert_eq!(parse_bps("12.5%").unwrap(), 1250);
        assert_eq!(parse_bps("0").unwrap(), 0);
        for bad in ["10001", "101%", "-1", "x", ""] {
            assert_eq!(parse_bps(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
