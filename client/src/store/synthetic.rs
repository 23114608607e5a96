//! Rows no chain produced, for filling a store without a node: the store's tests and
//! `escrow bench`'s store measurements build their offers, deals, blocks and events here, so
//! both fill a store the same way and a change of a row's shape is made once.

use super::{BlockEvent, BlockInfo, StoreKey};
use crate::types::EventView;
use crate::types::{
    AccountBytes, AccountReputation, Arbiter, Deal, DealOutcome, DealRecord, DealState, Offer,
    OfferTerms, Party, Payout, Proposal, Request, RequestState, RequestTerms, Screening,
};

/// The seller of every [`deal`]; the tests' main seller.
pub const SELLER: AccountBytes = [11; 32];
/// A second seller, for filters that must tell sellers apart.
pub const OTHER_SELLER: AccountBytes = [12; 32];
/// A buyer.
pub const BUYER: AccountBytes = [13; 32];
/// The arbiter of every [`offer`] and [`deal`].
pub const ARBITER: AccountBytes = [14; 32];
/// A second arbiter, for filters that must tell arbiters apart.
pub const OTHER_ARBITER: AccountBytes = [15; 32];

/// The `n`th of as many distinct accounts as a filled store needs (sellers, buyers), none of
/// them one of the named ones above.
pub fn account(n: u64) -> AccountBytes {
    let mut a = [0x5e; 32];
    a[..8].copy_from_slice(&n.to_be_bytes());
    a
}

/// The chain and deployment every synthetic store indexes.
pub fn key() -> StoreKey {
    StoreKey {
        genesis: [1; 32],
        escrow: [2; 32],
        reputation: [3; 32],
    }
}

/// Block hashes of fork `fork`: distinct per height and fork.
pub fn hash(number: u64, fork: u8) -> [u8; 32] {
    let mut h = [fork; 32];
    h[..8].copy_from_slice(&number.to_be_bytes());
    h
}

/// Block `number` of fork `fork`, child of the same fork's block `number - 1`, six seconds
/// after it.
pub fn block_on(number: u64, fork: u8) -> BlockInfo {
    BlockInfo {
        number,
        hash: hash(number, fork),
        parent_hash: hash(number.wrapping_sub(1), fork),
        timestamp: 1_700_000_000_000 + number * 6_000,
        extrinsics: 2,
        documents: Vec::new(),
    }
}

/// Block `number` of the main fork: `block(1)`, `block(2)`… form a chain that
/// [`Store::apply_block`](super::Store::apply_block) accepts one after another.
pub fn block(number: u64) -> BlockInfo {
    block_on(number, 0xaa)
}

/// An active offer of quantity 3 under [`ARBITER`], version 1.
pub fn offer(id: u64, seller: AccountBytes, price: u128, title: &str, description: &str) -> Offer {
    Offer {
        id,
        seller: seller.into(),
        terms: OfferTerms {
            description: description.to_string(),
            ..OfferTerms::new(title, price, 3, ARBITER)
        },
        version: 1,
        active: true,
        bond_stake: 0,
        created_at: 1_700_000_000_000,
        platform_fee_bps: 100,
        arbiter_fee_bps: 500,
    }
}

/// A deal for one unit at 500 between `buyer` and [`SELLER`], under [`ARBITER`].
pub fn deal(id: u64, offer_id: u64, buyer: AccountBytes, state: DealState) -> Deal {
    Deal {
        id,
        offer_id,
        offer_version: 1,
        buyer: buyer.into(),
        seller: SELLER.into(),
        arbiter: ARBITER.into(),
        quantity: 1,
        unit_price: 500,
        amount: 500,
        released: 0,
        milestones: Vec::new(),
        milestone: 0,
        bond: 0,
        platform_fee_bps: 100,
        arbiter_fee_bps: 500,
        review_window: 3_600_000,
        ruling_window: 3_600_000,
        created_at: 1_700_000_000_000,
        delivery_deadline: 1_700_003_600_000,
        delivered_at: 0,
        review_deadline: 0,
        disputed_by: Party::Nobody,
        evidence: [0; 32],
        ruling_deadline: 0,
        proposed_by: Party::Nobody,
        proposed_seller_bps: 0,
        state,
        closed_at: 0,
        payout: Payout::default(),
        report_pending: false,
        seller_failed: false,
        evidence_cited: [0; 3],
    }
}

/// The reputation contract's record of a completed deal of `value` between [`BUYER`] and
/// [`SELLER`], with the buyer's `score` revealed (if any).
pub fn record(value: u128, buyer_score: Option<u8>) -> DealRecord {
    DealRecord {
        buyer: BUYER.into(),
        seller: SELLER.into(),
        value,
        outcome: DealOutcome::Completed,
        ended_at: 1_700_000_000_000,
        buyer_commitment: None,
        seller_commitment: None,
        buyer_score,
        seller_score: None,
        rateable: true,
        withheld_counted: false,
    }
}

/// A reputation of `ratings` ratings averaging 4.
pub fn reputation(ratings: u32) -> AccountReputation {
    AccountReputation {
        ratings_count: ratings,
        rating_sum: u64::from(ratings) * 4,
        ..AccountReputation::default()
    }
}

/// An escrow event at `index` among its block's events; `fields` as `--output json` shows
/// them (accounts as SS58, see [`ss58`]).
///
/// # Panics
///
/// If `fields` is not a JSON object.
pub fn event(index: u32, name: &str, fields: serde_json::Value) -> BlockEvent {
    let serde_json::Value::Object(fields) = fields else {
        panic!("event fields must be an object");
    };
    BlockEvent {
        index,
        extrinsic: None,
        event: EventView {
            contract: "escrow".to_string(),
            name: name.to_string(),
            fields,
            block: None,
        },
    }
}

/// `a` as an event field names it: the store finds the accounts of an event by their SS58
/// text.
pub fn ss58(a: &AccountBytes) -> String {
    crate::units::to_ss58_with_prefix(a, crate::units::GENERIC_SS58_PREFIX)
}

/// An open request of `poster` for `budget`, accepting [`ARBITER`], proposals closing at
/// `proposal_deadline`, with no proposals yet.
pub fn request(
    id: u64,
    poster: AccountBytes,
    budget: u128,
    proposal_deadline: u64,
    title: &str,
    description: &str,
) -> Request {
    Request {
        id,
        poster: poster.into(),
        terms: RequestTerms {
            title: title.to_string(),
            description: description.to_string(),
            budget,
            proposal_window: 86_400_000,
            delivery_window: 86_400_000,
            review_window: 86_400_000,
            ruling_window: 86_400_000,
            arbiters: vec![ARBITER.into()],
            screening: Screening::default(),
            auto_award: false,
        },
        posted_at: 1_700_000_000_000,
        proposal_deadline,
        award_deadline: proposal_deadline + 86_400_000,
        state: RequestState::Open,
        proposal_count: 0,
        winner: None,
        deal_id: None,
        competing: Vec::new(),
    }
}

/// `worker`'s proposal at `price` under [`ARBITER`].
pub fn proposal(worker: AccountBytes, price: u128) -> Proposal {
    Proposal {
        worker: worker.into(),
        price,
        delivery_window: 3_600_000,
        milestones: Vec::new(),
        arbiter: ARBITER.into(),
        arbiter_fee_bps: 500,
        message: [7; 32],
        submitted_at: 1_700_000_000_000,
        rating_centi: 0,
    }
}

/// An active arbiter at 5% in registry slot `index`.
pub fn arbiter(index: u32) -> Arbiter {
    Arbiter {
        fee_bps: 500,
        min_amount: 0,
        profile: [0; 32],
        active: true,
        index,
    }
}
