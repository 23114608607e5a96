//! A deal's lines, as `deal show`, the request a deal came from and an award show them.

use std::fmt::Write as _;

use escrow_client::ops::types::Deal;
use escrow_client::units::TokenUnits;

use crate::text::{amount, ts};

/// A deal's lines; `request`: the task request it came from, when known.
pub(crate) fn deal(s: &mut String, d: &Deal, request: Option<u64>, u: &TokenUnits) {
    let origin = match request {
        _ if !d.from_request() => format!("offer {} v{}", d.offer_id, d.offer_version),
        Some(r) => format!("from task request {r}"),
        None => "from a task request".to_string(),
    };
    let _ = writeln!(
        s,
        "deal {} [{}] {origin}, {} × {}",
        d.id,
        d.state.name(),
        d.quantity,
        amount(u, d.unit_price)
    );
    let _ = writeln!(s, "  buyer    {}", d.buyer);
    let _ = writeln!(s, "  seller   {}", d.seller);
    let _ = writeln!(
        s,
        "  arbiter  {} (fee {} bps)",
        d.arbiter, d.arbiter_fee_bps
    );
    let _ = writeln!(
        s,
        "  amount   {} paid in, {} released, {} held; bond {}; platform fee {} bps",
        amount(u, d.amount),
        amount(u, d.released),
        amount(u, d.remaining()),
        amount(u, d.bond),
        d.platform_fee_bps
    );
    if let Some(progress) = crate::milestone_output::progress(d, u) {
        let _ = writeln!(s, "  paid in  {progress}");
    }
    if let Some((by, bps)) = d.proposal() {
        let _ = writeln!(
            s,
            "  proposal {} bps to the seller, by the {}",
            bps,
            escrow_client::ops::deals::party_label(d, by)
        );
    }
    if d.disputed_by != escrow_client::ops::types::Party::Nobody {
        let _ = writeln!(
            s,
            "  dispute  opened by the {}, evidence 0x{}",
            escrow_client::ops::deals::party_label(d, d.disputed_by),
            hex::encode(d.evidence)
        );
    }
    if d.state.is_final() {
        let p = &d.payout;
        let _ = writeln!(
            s,
            "  payout   seller {}, buyer {}, platform fee {}, arbiter fee {}, bond to buyer {}, bond returned {}",
            amount(u, p.to_seller),
            amount(u, p.to_buyer),
            amount(u, p.platform_fee),
            amount(u, p.arbiter_fee),
            amount(u, p.bond_to_buyer),
            amount(u, p.bond_returned)
        );
        if d.closed_at != 0 {
            let _ = writeln!(s, "  ended    {}", ts(d.closed_at));
        }
    }
    if d.report_pending {
        let _ = writeln!(
            s,
            "  reputation report pending: anyone may send it again (deal retry-report {})",
            d.id
        );
    }
}
