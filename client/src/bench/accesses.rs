//! How many storage cells each message the bench sends reads and writes, counted from the
//! contracts' code as the bench runs them: the floor contract's `touch(reads, writes)` does the
//! same number, and the report shows each message's cost over that floor of its own.
//!
//! Counting rules (ink! 5 on pallet-contracts 38): every message reads the root cell (the
//! fields that are not a `Mapping`), and a `&mut self` message writes it back; each
//! `Mapping::get`, `contains` and `remove`-free read is one read, each `insert` and `remove`
//! one write. A nested call adds the callee's own cells (the reputation report: its root read
//! and written, the reporter check, the record's existence, the record written, and each
//! party it counts read and written). The counts include the root, so the floor of a message
//! of `(r, w)` is `touch(r - 1, w - 1)` beside `set`'s root read and write.

/// `(reads, writes)` of `message` of `contract` as the bench sends it, root included.
pub fn accesses(contract: &str, message: &str) -> Option<(u32, u32)> {
    // The reputation report of a deal that ended: its root, the reporter check, the record's
    // existence read; the record and the root written; plus each party counted.
    const REPORT: (u32, u32) = (3, 2);
    let report = |parties: u32| (REPORT.0 + parties, REPORT.1 + parties);
    let plus = |a: (u32, u32), b: (u32, u32)| (a.0 + b.0, a.1 + b.1);
    // A deal message that reads and writes the root and the deal.
    const DEAL: (u32, u32) = (2, 2);
    // The escrow's `open_requested_deal`: its root and the arbiter read; the deal and the root
    // written.
    const OPENED: (u32, u32) = (2, 2);
    Some(match (contract, message) {
        // Arbiters: the root and the arbiter; a new one also takes a list slot.
        ("escrow", "register_arbiter") => (2, 3),
        ("escrow", "retire_arbiter") => (2, 2),
        ("escrow", "remove_arbiter") => (2, 3),
        // Offers: the arbiter is read to list one; the offer read and written to change it.
        ("escrow", "create_offer") => (2, 2),
        ("escrow", "update_offer") | ("escrow", "withdraw_offer") => (2, 2),
        ("escrow", "remove_offer") => (2, 2),
        // The offer and its arbiter read; the offer and the new deal written.
        ("escrow", "accept_offer") => (3, 3),
        ("escrow", "mark_delivered")
        | ("escrow", "release_milestone")
        | ("escrow", "propose_split")
        | ("escrow", "open_dispute")
        | ("escrow", "prune_deal") => DEAL,
        // Endings report: a completed or settled deal paid the seller, so both parties are
        // counted; a ruling counts the arbiter too; a reclaim only the failed seller; a refund
        // in time nobody.
        ("escrow", "release") | ("escrow", "finalize") | ("escrow", "accept_split") => {
            plus(DEAL, report(2))
        }
        ("escrow", "rule") => plus(DEAL, report(3)),
        ("escrow", "reclaim") => plus(DEAL, report(1)),
        ("escrow", "refund") => plus(DEAL, report(0)),
        // The caller's credit read (none: nothing removed); the root written.
        ("escrow", "withdraw") => (2, 1),
        ("escrow", "set_fee")
        | ("escrow", "set_fee_recipient")
        | ("escrow", "transfer_ownership") => (1, 1),
        // Requests. Posting writes the request; ending one (cancel, close) reads and writes it.
        ("requests", "post_request") => (1, 2),
        ("requests", "cancel_request") | ("requests", "close_request") => (2, 2),
        // The request and the worker's place read, and the escrow's root and the arbiter
        // entry by a nested read (the bench's request screens nobody, so no reputation read);
        // the request, the place and the proposal written.
        ("requests", "propose") => (5, 4),
        // The place and the request read; the request written and the proposal removed.
        ("requests", "withdraw_proposal") => (3, 3),
        // The request and the one proposal read, then the escrow opens the deal (its root and
        // the arbiter read, the deal and its root written); the request written.
        ("requests", "award") | ("requests", "auto_award") => plus(OPENED, (3, 2)),
        // The deal record read and written; a reveal also counts the rated party.
        ("reputation", "commit_rating") => (2, 2),
        ("reputation", "reveal_rating") => (3, 3),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_the_bench_does_not_know_has_no_floor() {
        assert_eq!(accesses("escrow", "no_such_message"), None);
        assert_eq!(accesses("floor", "set"), None);
    }

    #[test]
    fn an_ending_adds_the_report_and_each_party_it_counts() {
        assert_eq!(accesses("escrow", "mark_delivered"), Some((2, 2)));
        assert_eq!(accesses("escrow", "refund"), Some((5, 4)));
        assert_eq!(accesses("escrow", "reclaim"), Some((6, 5)));
        assert_eq!(accesses("escrow", "release"), Some((7, 6)));
        assert_eq!(accesses("escrow", "rule"), Some((8, 7)));
    }

    #[test]
    fn an_award_adds_the_deal_the_escrow_opens() {
        assert_eq!(accesses("requests", "post_request"), Some((1, 2)));
        assert_eq!(accesses("requests", "award"), Some((5, 4)));
        assert_eq!(accesses("requests", "auto_award"), Some((5, 4)));
    }
}
