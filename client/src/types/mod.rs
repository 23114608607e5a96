//! Mirrors of the contracts' SCALE types (contracts/escrow/lib.rs, contracts/reputation/lib.rs;
//! the requests contract's in [`requests`]),
//! decoded straight from the return data of reads, and serialised for `--output json`:
//! accounts as SS58 with the chain's prefix, hashes as 0x-hex, balances as decimal strings of
//! plancks (exact; JSON numbers lose precision above 2^53).

use scale::{Decode, Encode};
use serde::{Serialize, Serializer};

use crate::units::{to_ss58_with_prefix, GENERIC_SS58_PREFIX};

pub type AccountBytes = [u8; 32];

/// An account read from a contract. It is encoded as its 32 bytes; it prints (and serialises)
/// as SS58 with the prefix of the chain it was read from, which [`Localize`] sets after the
/// decode (a decoded value starts with the generic prefix 42).
#[derive(Debug, Clone, Copy)]
pub struct Address {
    id: AccountBytes,
    prefix: u16,
}

impl Encode for Address {
    fn encode_to<T: scale::Output + ?Sized>(&self, dest: &mut T) {
        self.id.encode_to(dest);
    }
}

impl Decode for Address {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        Ok(Address::from(AccountBytes::decode(input)?))
    }
}

impl Default for Address {
    fn default() -> Self {
        Address::from([0; 32])
    }
}

impl Address {
    pub fn new(id: AccountBytes, prefix: u16) -> Self {
        Address { id, prefix }
    }

    pub fn id(&self) -> AccountBytes {
        self.id
    }

    pub fn ss58(&self) -> String {
        to_ss58_with_prefix(&self.id, self.prefix)
    }
}

impl From<AccountBytes> for Address {
    fn from(id: AccountBytes) -> Self {
        Address::new(id, GENERIC_SS58_PREFIX)
    }
}

/// The same account, whatever prefix it prints with.
impl PartialEq for Address {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Address {}

impl PartialEq<AccountBytes> for Address {
    fn eq(&self, other: &AccountBytes) -> bool {
        &self.id == other
    }
}

impl PartialEq<Address> for AccountBytes {
    fn eq(&self, other: &Address) -> bool {
        self == &other.id
    }
}

impl std::hash::Hash for Address {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

impl std::ops::Deref for Address {
    type Target = AccountBytes;
    fn deref(&self) -> &AccountBytes {
        &self.id
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.ss58())
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.ss58())
    }
}

/// Values read from a chain learn that chain's SS58 prefix, so that the accounts in them print
/// as the chain's own addresses without any process-wide setting. [`crate::session::Ctx`]'s reads
/// requires it of everything it decodes.
pub trait Localize {
    fn localize(&mut self, ss58_prefix: u16);
}

impl Localize for Address {
    fn localize(&mut self, ss58_prefix: u16) {
        self.prefix = ss58_prefix;
    }
}

/// Values without accounts in them.
macro_rules! no_accounts {
    ($($t:ty),*) => {
        $(impl Localize for $t {
            fn localize(&mut self, _: u16) {}
        })*
    };
}
no_accounts!((), bool, u8, u16, u32, u64, u128, String, [u8; 32]);

impl<T: Localize> Localize for Option<T> {
    fn localize(&mut self, p: u16) {
        if let Some(v) = self {
            v.localize(p);
        }
    }
}

impl<T: Localize> Localize for Vec<T> {
    fn localize(&mut self, p: u16) {
        self.iter_mut().for_each(|v| v.localize(p));
    }
}

impl<A: Localize, B: Localize> Localize for (A, B) {
    fn localize(&mut self, p: u16) {
        self.0.localize(p);
        self.1.localize(p);
    }
}

impl<T: Localize, E: Localize> Localize for Result<T, E> {
    fn localize(&mut self, p: u16) {
        match self {
            Ok(v) => v.localize(p),
            Err(e) => e.localize(p),
        }
    }
}

/// `impl Localize` for a struct: the listed fields hold (or contain) accounts.
macro_rules! localize_fields {
    ($t:ty: $($field:ident),*) => {
        impl Localize for $t {
            fn localize(&mut self, _p: u16) {
                $(self.$field.localize(_p);)*
            }
        }
    };
}

pub fn ser_plancks<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// An offer id, or null for [`NO_OFFER`]: u64::MAX is no number a JSON reader that parses
/// doubles (jq, JavaScript) reads back (it gets 18446744073709552000).
pub fn ser_offer_id<S: Serializer>(id: &u64, s: S) -> Result<S::Ok, S::Error> {
    match *id {
        NO_OFFER => s.serialize_none(),
        id => s.serialize_some(&id),
    }
}

pub fn ser_hash<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("0x{}", hex::encode(h)))
}

pub fn ser_opt_hash<S: Serializer>(h: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match h {
        Some(h) => s.serialize_some(&format!("0x{}", hex::encode(h))),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct OfferTerms {
    pub title: String,
    pub description: String,
    #[serde(serialize_with = "ser_plancks")]
    pub price: u128,
    pub quantity: u32,
    pub arbiter: Address,
    pub delivery_window: u64,
    pub review_window: u64,
    pub ruling_window: u64,
    #[serde(serialize_with = "ser_plancks")]
    pub bond_per_unit: u128,
    /// Rules a buyer must meet to accept.
    pub screening: Screening,
    /// The steps a deal is paid in, per unit (empty: one).
    pub milestones: Vec<Milestone>,
}

impl OfferTerms {
    /// One-hour windows, no bond: change what matters with struct update. The arbiter's fee
    /// is the one it registered.
    pub fn new(
        title: impl Into<String>,
        price: u128,
        quantity: u32,
        arbiter: impl Into<Address>,
    ) -> Self {
        const HOUR_MS: u64 = 3_600_000;
        OfferTerms {
            title: title.into(),
            description: String::new(),
            price,
            quantity,
            arbiter: arbiter.into(),
            delivery_window: HOUR_MS,
            review_window: HOUR_MS,
            ruling_window: HOUR_MS,
            bond_per_unit: 0,
            screening: Screening::default(),
            milestones: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Offer {
    pub id: u64,
    pub seller: Address,
    pub terms: OfferTerms,
    pub version: u32,
    pub active: bool,
    #[serde(serialize_with = "ser_plancks")]
    pub bond_stake: u128,
    pub created_at: u64,
    /// The platform fee when the offer was listed: its deals pay this or less.
    pub platform_fee_bps: u16,
    /// The arbiter's fee when the offer was listed: its deals pay this or less.
    pub arbiter_fee_bps: u16,
}

/// An account that registered as an arbiter (`register_arbiter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Arbiter {
    /// Share of a disputed deal's remaining money it earns by ruling; at most 20%.
    pub fee_bps: u16,
    /// Smallest deal it arbitrates, plancks.
    #[serde(serialize_with = "ser_plancks")]
    pub min_amount: u128,
    /// Hash of its published profile.
    #[serde(serialize_with = "ser_hash")]
    pub profile: [u8; 32],
    pub active: bool,
    /// Its slot in the registry's list (freed when it removes itself).
    pub index: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub enum DealState {
    Funded,
    Delivered,
    Disputed,
    Completed,
    Refunded,
    Reclaimed,
    Settled,
    Ruled,
    DefaultRuled,
}

impl DealState {
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Funded | Self::Delivered | Self::Disputed)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Funded => "Funded",
            Self::Delivered => "Delivered",
            Self::Disputed => "Disputed",
            Self::Completed => "Completed",
            Self::Refunded => "Refunded",
            Self::Reclaimed => "Reclaimed",
            Self::Settled => "Settled",
            Self::Ruled => "Ruled",
            Self::DefaultRuled => "DefaultRuled",
        }
    }
}

/// One side of a deal, or nobody (who disputed, who proposed a split).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub enum Party {
    Nobody,
    Buyer,
    Seller,
}

impl Party {
    pub fn name(self) -> &'static str {
        match self {
            Self::Nobody => "nobody",
            Self::Buyer => "buyer",
            Self::Seller => "seller",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Payout {
    #[serde(serialize_with = "ser_plancks")]
    pub to_seller: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub to_buyer: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub platform_fee: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub arbiter_fee: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub bond_to_buyer: u128,
    /// The seller's bond, when it went back to the seller or the offer's stake.
    #[serde(serialize_with = "ser_plancks")]
    pub bond_returned: u128,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Deal {
    pub id: u64,
    /// [`NO_OFFER`] for a deal a task request's award opened: null in JSON.
    #[serde(serialize_with = "ser_offer_id")]
    pub offer_id: u64,
    pub offer_version: u32,
    pub buyer: Address,
    pub seller: Address,
    pub arbiter: Address,
    pub quantity: u32,
    #[serde(serialize_with = "ser_plancks")]
    pub unit_price: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub amount: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub released: u128,
    /// The steps the deal is paid in, for the whole quantity (empty: one).
    pub milestones: Vec<Milestone>,
    /// The step under way, 0-based.
    pub milestone: u8,
    #[serde(serialize_with = "ser_plancks")]
    pub bond: u128,
    pub platform_fee_bps: u16,
    pub arbiter_fee_bps: u16,
    pub review_window: u64,
    pub ruling_window: u64,
    pub created_at: u64,
    pub delivery_deadline: u64,
    /// When the seller marked delivery (0: not delivered).
    pub delivered_at: u64,
    /// End of the review window (0: not delivered).
    pub review_deadline: u64,
    /// Who opened the dispute (`Nobody`: no dispute).
    pub disputed_by: Party,
    #[serde(serialize_with = "ser_hash")]
    pub evidence: [u8; 32],
    /// End of the ruling window (0: no dispute).
    pub ruling_deadline: u64,
    /// Who proposed the split on record (`Nobody`: none).
    pub proposed_by: Party,
    pub proposed_seller_bps: u16,
    pub state: DealState,
    /// When the deal ended (0: open).
    pub closed_at: u64,
    pub payout: Payout,
    /// The reputation contract has not taken this deal's report yet (`deal retry-report`).
    pub report_pending: bool,
    /// Set when the deal ends: the seller failed it (reclaimed, refunded late, a lapsed
    /// dispute before delivery, or ruled at fault).
    pub seller_failed: bool,
    /// Evidence cited in the dispute by the buyer, the seller and the arbiter.
    pub evidence_cited: [u8; 3],
}

/// The `offer_id` of a deal opened by a task request's award (the escrow's `NO_OFFER`).
pub const NO_OFFER: u64 = u64::MAX;

impl Deal {
    /// Whether an award of the requests contract opened this deal (it has no offer).
    pub fn from_request(&self) -> bool {
        self.offer_id == NO_OFFER
    }

    pub fn remaining(&self) -> u128 {
        self.amount.saturating_sub(self.released)
    }

    pub fn delivered(&self) -> bool {
        self.delivered_at != 0
    }

    /// Timestamps are 0 until set.
    pub fn review_deadline(&self) -> Option<u64> {
        (self.review_deadline != 0).then_some(self.review_deadline)
    }

    pub fn ruling_deadline(&self) -> Option<u64> {
        (self.disputed_by != Party::Nobody && self.ruling_deadline != 0)
            .then_some(self.ruling_deadline)
    }

    pub fn closed_at(&self) -> Option<u64> {
        (self.closed_at != 0).then_some(self.closed_at)
    }

    /// The account of a party of this deal.
    pub fn party_account(&self, party: Party) -> Option<Address> {
        match party {
            Party::Nobody => None,
            Party::Buyer => Some(self.buyer),
            Party::Seller => Some(self.seller),
        }
    }

    /// The split on record: (who proposed, seller's share in bps).
    pub fn proposal(&self) -> Option<(Party, u16)> {
        (self.proposed_by != Party::Nobody).then_some((self.proposed_by, self.proposed_seller_bps))
    }
}

/// The escrow's settings, fixed at instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct EscrowSettings {
    /// Shortest delivery window an offer may set, ms.
    pub min_delivery_window: u64,
    pub min_review_window: u64,
    pub min_ruling_window: u64,
    /// Ms after a deal ends before its buyer may prune it.
    pub prune_after: u64,
    /// Most ref_time the reputation report may use.
    pub report_ref_time: u64,
    /// Most proof_size the reputation report may use.
    pub report_proof_size: u64,
    /// Most storage deposit the report may charge, plancks.
    #[serde(serialize_with = "ser_plancks")]
    pub report_deposit_limit: u128,
    /// Code hash of the task-requests contract the escrow instantiated for itself (the only
    /// one that may open deals for its posters); `None`: no requests.
    #[serde(serialize_with = "ser_opt_hash")]
    pub requests_code: Option<[u8; 32]>,
    /// The requests contract's award window, ms (0 without requests).
    pub award_window: u64,
    /// The lowest platform fee, bps, fixed by the reputation contract; that part of every fee
    /// goes to the reputation contract for good.
    pub fee_floor_bps: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Config {
    pub owner: Address,
    pub fee_bps: u16,
    pub fee_recipient: Address,
    pub reputation: Option<Address>,
    /// The requests contract the escrow instantiated, the only one that opens its deals.
    pub requests: Option<Address>,
    pub settings: EscrowSettings,
    /// Platform fees not yet withdrawn by the fee recipient, plancks.
    #[serde(serialize_with = "ser_plancks")]
    pub fees_due: u128,
    pub offer_count: u64,
    pub deal_count: u64,
    pub arbiter_count: u32,
    /// Everything the contract owes, plancks.
    #[serde(serialize_with = "ser_plancks")]
    pub owed: u128,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub enum DealOutcome {
    Completed,
    Refunded,
    Reclaimed,
    Settled,
    Ruled,
    DefaultRuled,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct DealRecord {
    pub buyer: Address,
    pub seller: Address,
    #[serde(serialize_with = "ser_plancks")]
    pub value: u128,
    pub outcome: DealOutcome,
    pub ended_at: u64,
    #[serde(serialize_with = "ser_opt_hash")]
    pub buyer_commitment: Option<[u8; 32]>,
    #[serde(serialize_with = "ser_opt_hash")]
    pub seller_commitment: Option<[u8; 32]>,
    pub buyer_score: Option<u8>,
    pub seller_score: Option<u8>,
    /// Whether ratings may be given (the deal reached the minimum amount and paid the seller).
    pub rateable: bool,
    /// Whether unrevealed ratings were counted against their raters (`rate count-withheld`).
    pub withheld_counted: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct AccountReputation {
    pub ratings_count: u32,
    pub rating_sum: u64,
    #[serde(serialize_with = "ser_plancks")]
    pub weighted_rating_sum: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub rating_weight: u128,
    /// Averages ×100; `null` in JSON without ratings (never 0, see [`rating_or_none`]).
    #[serde(serialize_with = "ser_rating_centi")]
    pub average_rating_centi: u32,
    #[serde(serialize_with = "ser_rating_centi")]
    pub weighted_average_centi: u32,
    pub deals_completed_as_buyer: u32,
    pub deals_completed_as_seller: u32,
    /// Disputes it opened, and of those the ones a ruling gave it more or less than half of.
    pub disputes_opened: u32,
    pub disputes_won: u32,
    pub disputes_lost: u32,
    /// Disputes the other party opened against it, and of those won and lost.
    pub disputes_answered: u32,
    pub disputes_answered_won: u32,
    pub disputes_answered_lost: u32,
    /// Counted deals it ended as seller, and of those the ones it failed.
    pub deals_as_seller: u32,
    pub deals_failed_as_seller: u32,
    /// What sellers received in its counted deals, plancks.
    #[serde(serialize_with = "ser_plancks")]
    pub volume: u128,
    pub arbitrations: u32,
    pub arbitrations_in_time: u32,
    /// Ratings committed and never revealed.
    pub ratings_withheld: u32,
}

/// ink!'s `LangError`, the outer error of every message's return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum LangError {
    CouldNotReadInput,
}

localize_fields!(OfferTerms: arbiter, screening);
localize_fields!(Offer: seller, terms);
localize_fields!(Deal: buyer, seller, arbiter);
localize_fields!(Config: owner, fee_recipient, reputation, requests);
localize_fields!(DealRecord: buyer, seller);
no_accounts!(
    Arbiter,
    DealState,
    Party,
    Payout,
    Milestone,
    EscrowSettings,
    DealOutcome,
    AccountReputation,
    LangError
);

mod event;
mod milestones;
mod rating;
mod requests;
mod screening;
pub use event::EventView;
pub use milestones::{Milestone, MAX_MILESTONES};
pub use rating::{rating_or_none, rating_text, ser_rating_centi};
pub use requests::*;
pub use screening::Screening;

/// Longest delivery, review or ruling window the escrow accepts: one year in ms.
pub const MAX_WINDOW_MS: u64 = 365 * 24 * 60 * 60 * 1_000;
pub const MAX_TITLE_BYTES: usize = 64;
pub const MAX_DESCRIPTION_BYTES: usize = 256;
/// The escrow's page size for `offers`, `deals` and `arbiters` (its return buffer holds no
/// more).
pub const MAX_PAGE: u32 = 25;
pub const BPS: u16 = 10_000;
/// Hard cap on an arbiter's fee: 20%.
pub const MAX_ARBITER_FEE_BPS: u16 = 2_000;
/// Hard cap on the platform fee: 10%.
pub const MAX_PLATFORM_FEE_BPS: u16 = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoded_account_prints_with_the_prefix_of_the_chain_it_was_read_from() {
        let terms = OfferTerms::new("t", 1, 1, [7; 32]);
        let bytes = Some(Offer {
            id: 1,
            seller: [9; 32].into(),
            terms,
            version: 1,
            active: true,
            bond_stake: 0,
            created_at: 0,
            platform_fee_bps: 0,
            arbiter_fee_bps: 0,
        })
        .encode();
        let mut read = Option::<Offer>::decode(&mut &bytes[..]).unwrap();
        let generic = serde_json::to_value(&read).unwrap();
        read.localize(0);
        let polkadot = serde_json::to_value(&read).unwrap();
        for (json, prefix) in [(&generic, 42), (&polkadot, 0)] {
            assert_eq!(json["seller"], to_ss58_with_prefix(&[9; 32], prefix));
            assert_eq!(
                json["terms"]["arbiter"],
                to_ss58_with_prefix(&[7; 32], prefix)
            );
        }
        assert!(polkadot["seller"].as_str().unwrap().starts_with('1'));
        // Still the same account, whatever it prints as.
        let offer = read.unwrap();
        assert_eq!(offer.seller, Address::from([9; 32]));
        assert_eq!(offer.seller, [9; 32]);
    }
}
