#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! Escrow for peer-to-peer trades.
//!
//! Sellers list offers naming a registered arbiter; a buyer accepts one and pays into the
//! contract, which holds the money until a release rule decides where it goes. Every state
//! that is not final has a deadline after which anyone can move the deal to an end, so no
//! money can be stuck. See `contracts/README.md` for the lifecycle and the money rules; the
//! rules themselves are the pure functions in `rules.rs`.

mod error;
pub mod milestones;
mod rules;
#[cfg(test)]
mod unit_tests;

pub use self::escrow::{
    Arbiter, ArbiterChanged, Citation, Config, ConfigChanged, CreditWithdrawn, Deal, DealClosed,
    DealDelivered, DealOpened, DealPruned, DealState, DisputeOpened, DocumentCited, Error, Escrow,
    EscrowRef, MilestoneStarted, Offer, OfferCreated, OfferTerms, OfferUpdated, OfferWithdrawn,
    Party, PaymentCredited, PaymentReleased, Payout, ReportPending, RequestedDeal, Settings,
    SplitProposed,
};
pub use milestones::{Milestone, MAX_MILESTONES};
pub use rules::{
    bond_to_buyer, bps_of, default_ruling_bps, seller_failed, share_bps, split, Ending, Shares,
    BPS, EVEN_SPLIT_BPS,
};

/// Hard cap on the platform fee: 10%.
pub const MAX_PLATFORM_FEE_BPS: u16 = 1_000;
/// Hard cap on an arbiter's fee: 20%.
pub const MAX_ARBITER_FEE_BPS: u16 = 2_000;
pub const MAX_TITLE_BYTES: usize = 64;
pub const MAX_DESCRIPTION_BYTES: usize = 256;
/// Longest delivery, review or ruling window: one year in milliseconds.
pub const MAX_WINDOW_MS: u64 = 365 * 24 * 60 * 60 * 1_000;
/// Most items one paged read returns. ink! 5 writes a message's return value into a 16 KiB
/// buffer and traps when it does not fit: 25 of the largest offers or deals (under 500 bytes
/// each) fit; 100 did not.
pub const MAX_PAGE: u32 = 25;
/// Most offers one `offers` read returns: an offer with a full title, description, screening
/// lists (8 accounts each) and 8 milestones takes about 1.2 KB, so 12 fit the 16 KiB buffer.
pub const MAX_OFFER_PAGE: u32 = 12;
/// The `offer_id` of a deal that no offer led to: one opened from a task request
/// (`open_requested_deal`).
pub const NO_OFFER: u64 = u64::MAX;
/// Pieces of evidence each of the buyer, the seller and the arbiter may cite in one dispute:
/// enough to make a case, and a cap of its own for each so no side can flood the arbiter or
/// use up the other side's say.
pub const MAX_EVIDENCE_PER_SIDE: u8 = 8;

#[ink::contract]
mod escrow {
    use super::milestones::{self, Milestone};
    use super::{
        bond_to_buyer, bps_of, default_ruling_bps, seller_failed, split, Ending, BPS,
        MAX_ARBITER_FEE_BPS, MAX_DESCRIPTION_BYTES, MAX_EVIDENCE_PER_SIDE, MAX_OFFER_PAGE,
        MAX_PAGE, MAX_PLATFORM_FEE_BPS, MAX_TITLE_BYTES, MAX_WINDOW_MS, NO_OFFER,
    };
    use ink::codegen::TraitCallBuilder;
    use ink::env::call::{ExecutionInput, Selector};
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;
    use reputation::screening::Screening;
    use reputation::{AccountReputation, DealOutcome, DealReport, ReputationRef};

    /// Fixed at instantiation, never changeable: the shortest windows an offer may set, how
    /// long a buyer waits before pruning an ended deal, what the reputation report may spend,
    /// and the requests contract the escrow instantiates. Defined by the reputation contract,
    /// which passes them on when it creates an escrow.
    pub use reputation::EscrowSettings as Settings;

    /// What a seller sets when listing an offer.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct OfferTerms {
        /// At most 64 bytes, not empty.
        pub title: String,
        /// At most 256 bytes: a description or a content hash.
        pub description: String,
        /// Price of one unit.
        pub price: Balance,
        /// Units still available.
        pub quantity: u32,
        /// A registered, active arbiter (not the seller); its fee is the registry's.
        pub arbiter: AccountId,
        /// Milliseconds from acceptance to the delivery deadline.
        pub delivery_window: u64,
        /// Milliseconds from delivery to the end of the review window.
        pub review_window: u64,
        /// Milliseconds the arbiter has to rule once a dispute is opened.
        pub ruling_window: u64,
        /// Security deposit per unit, staked with the offer; the buyer gets it when the seller
        /// fails to deliver (see `rules::bond_to_buyer`).
        pub bond_per_unit: Balance,
        /// Rules a buyer must meet to accept (`Screening::default()`: anyone).
        pub screening: Screening,
        /// The deal paid in steps (`milestones::plan_is_valid`): per-unit amounts adding up
        /// to `price`, windows adding up to `delivery_window`. Empty: one step.
        pub milestones: Vec<Milestone>,
    }

    /// What a requests contract names when one of its requests is awarded: the poster as
    /// buyer, the worker whose proposal won as seller, and the proposal's terms. The price is
    /// the value transferred with the call.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub struct RequestedDeal {
        pub buyer: AccountId,
        pub seller: AccountId,
        /// A registered, active arbiter (neither party); its fee is the registry's.
        pub arbiter: AccountId,
        pub delivery_window: u64,
        pub review_window: u64,
        pub ruling_window: u64,
        /// The proposal's steps, adding up to the price and the delivery window (empty: one).
        pub milestones: Vec<Milestone>,
        /// The arbiter's fee the worker proposed with: an arbiter that raised its fee since
        /// is refused (`ArbiterFeeRaised`), so a raise just before the award cannot apply.
        pub max_arbiter_fee_bps: u16,
    }

    /// A listed offer.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Offer {
        pub id: u64,
        pub seller: AccountId,
        pub terms: OfferTerms,
        /// Bumped whenever the seller changes price or quantity.
        pub version: u32,
        pub active: bool,
        /// Bond the offer holds for units not yet sold.
        pub bond_stake: Balance,
        pub created_at: Timestamp,
        /// The platform fee when the offer was listed: its deals pay this or less.
        pub platform_fee_bps: u16,
        /// The arbiter's fee when the offer was listed: its deals pay this or less.
        pub arbiter_fee_bps: u16,
    }

    /// An account that agreed to arbitrate: offers may name it while it is active.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Arbiter {
        /// Share of a disputed deal's remaining money it earns by ruling; at most 20%.
        pub fee_bps: u16,
        /// Smallest deal it arbitrates, so 1-planck deals cannot spoil its record.
        pub min_amount: Balance,
        /// Hash of its published profile (terms, contact, policy).
        pub profile: Hash,
        pub active: bool,
        /// Its slot in the registry's list, freed when it removes itself.
        pub index: u32,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub enum DealState {
        /// Paid in, waiting for delivery.
        Funded,
        /// Delivered, in the review window.
        Delivered,
        /// Waiting for the arbiter.
        Disputed,
        /// Final: the seller was paid everything.
        Completed,
        /// Final: the seller refunded the buyer.
        Refunded,
        /// Final: the delivery deadline passed; the buyer got the money and the bond.
        Reclaimed,
        /// Final: the parties agreed a split.
        Settled,
        /// Final: the arbiter ruled a split.
        Ruled,
        /// Final: the arbiter missed the ruling window (see `rules::default_ruling_bps`).
        DefaultRuled,
    }

    impl DealState {
        pub fn is_final(self) -> bool {
            !matches!(self, Self::Funded | Self::Delivered | Self::Disputed)
        }
    }

    /// One side of a deal, or nobody: a fixed-size stand-in for `Option<AccountId>`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub enum Party {
        Nobody,
        Buyer,
        Seller,
    }

    /// What a document cited on a deal is to it. The document's bytes are published beside
    /// the call (`System.remark_with_event` in the same `Utility.batch_all`); the contract keeps
    /// only its hash, in the event.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub enum Citation {
        /// The seller's word on what it delivered (`mark_delivered`).
        DeliveryNote,
        /// A party's or the arbiter's evidence in a dispute (`submit_evidence`).
        Evidence,
        /// The arbiter's reasons for its ruling (`rule`).
        Reasons,
    }

    /// Everything a deal has paid out so far. For an ended deal
    /// `to_seller + to_buyer + platform_fee + arbiter_fee == amount`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Payout {
        pub to_seller: Balance,
        pub to_buyer: Balance,
        pub platform_fee: Balance,
        pub arbiter_fee: Balance,
        /// The seller's bond, when it went to the buyer.
        pub bond_to_buyer: Balance,
        /// The seller's bond, when it went back to the seller.
        pub bond_returned: Balance,
    }

    /// A buyer's purchase with every term frozen at acceptance. Every field keeps its size
    /// (times are 0 until set, `Party::Nobody` for none, the milestone plan fixed at
    /// acceptance), so the storage deposit the buyer pays at acceptance is all the deal ever
    /// holds, and pruning returns it to them.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Deal {
        pub id: u64,
        pub offer_id: u64,
        pub offer_version: u32,
        pub buyer: AccountId,
        pub seller: AccountId,
        pub arbiter: AccountId,
        pub quantity: u32,
        pub unit_price: Balance,
        /// What the buyer paid in.
        pub amount: Balance,
        /// What the buyer has released to the seller (before fees).
        pub released: Balance,
        /// The steps the deal is paid in, amounts for the whole quantity (empty: one step).
        pub milestones: Vec<Milestone>,
        /// The step under way (0-based). Delivery, review, dispute and every deadline below
        /// concern this step.
        pub milestone: u8,
        pub bond: Balance,
        pub platform_fee_bps: u16,
        pub arbiter_fee_bps: u16,
        pub review_window: u64,
        pub ruling_window: u64,
        pub created_at: Timestamp,
        pub delivery_deadline: Timestamp,
        /// When the seller marked delivery (0: not delivered).
        pub delivered_at: Timestamp,
        /// End of the review window (0: not delivered).
        pub review_deadline: Timestamp,
        /// Who opened the dispute (`Nobody`: no dispute).
        pub disputed_by: Party,
        pub evidence: Hash,
        /// End of the ruling window (0: no dispute).
        pub ruling_deadline: Timestamp,
        /// Who proposed the split on record (`Nobody`: none).
        pub proposed_by: Party,
        /// The split on record; once the deal ended, the seller's share of the step that the
        /// ending split (a settlement, a ruling or its default; 10_000 completed, 0 refunded
        /// or reclaimed).
        pub proposed_seller_bps: u16,
        pub state: DealState,
        /// When the deal ended (0: open).
        pub closed_at: Timestamp,
        pub payout: Payout,
        /// The reputation contract has not taken this deal's report yet: anyone may
        /// `retry_report`.
        pub report_pending: bool,
        /// Set when the deal ends: the seller failed it (`rules::seller_failed`).
        pub seller_failed: bool,
        /// Evidence cited in the dispute so far by the buyer, the seller and the arbiter
        /// (`submit_evidence`), each at most `MAX_EVIDENCE_PER_SIDE`.
        pub evidence_cited: [u8; 3],
    }

    impl Deal {
        /// A deal just paid in: `Funded`, one unit of `amount`, no offer, bond, fee or
        /// window yet, nothing delivered, disputed, proposed or paid out. Callers set the rest.
        fn funded(
            id: u64,
            buyer: AccountId,
            seller: AccountId,
            arbiter: AccountId,
            amount: Balance,
            now: Timestamp,
        ) -> Self {
            Deal {
                id,
                offer_id: NO_OFFER,
                offer_version: 0,
                buyer,
                seller,
                arbiter,
                quantity: 1,
                unit_price: amount,
                amount,
                released: 0,
                milestones: Vec::new(),
                milestone: 0,
                bond: 0,
                platform_fee_bps: 0,
                arbiter_fee_bps: 0,
                review_window: 0,
                ruling_window: 0,
                created_at: now,
                delivery_deadline: now,
                delivered_at: 0,
                review_deadline: 0,
                disputed_by: Party::Nobody,
                evidence: Hash::default(),
                ruling_deadline: 0,
                proposed_by: Party::Nobody,
                proposed_seller_bps: 0,
                state: DealState::Funded,
                closed_at: 0,
                payout: Payout::default(),
                report_pending: false,
                seller_failed: false,
                evidence_cited: [0; 3],
            }
        }

        /// Money the deal still holds (the bond aside).
        pub fn remaining(&self) -> Balance {
            self.amount.saturating_sub(self.released)
        }

        /// Money the current step still holds: what it is worth less what the buyer already
        /// released of it.
        pub fn at_stake(&self) -> Balance {
            milestones::due_through(&self.milestones, self.milestone, self.amount)
                .saturating_sub(self.released)
        }

        /// Money the steps after the current one hold: the buyer's when the deal ends early.
        pub fn later_steps(&self) -> Balance {
            self.amount.saturating_sub(milestones::due_through(
                &self.milestones,
                self.milestone,
                self.amount,
            ))
        }

        /// Whether the current step has been marked delivered.
        pub fn delivered(&self) -> bool {
            self.delivered_at != 0
        }

        /// What the reputation contract is told once the deal has ended (`None` while open):
        /// what the buyer paid, what the seller received after every fee (the rating weight),
        /// who disputed, whether the seller failed the deal, and for an ending by a split the
        /// seller's share of the step it split, that step alone: paid steps and partial
        /// releases are no one's win or loss in a dispute about the rest.
        pub fn report(&self) -> Option<DealReport> {
            let (outcome, split) = match self.state {
                DealState::Completed => (DealOutcome::Completed, false),
                DealState::Refunded => (DealOutcome::Refunded, false),
                DealState::Reclaimed => (DealOutcome::Reclaimed, false),
                DealState::Settled => (DealOutcome::Settled, true),
                DealState::Ruled => (DealOutcome::Ruled, true),
                DealState::DefaultRuled => (DealOutcome::DefaultRuled, true),
                DealState::Funded | DealState::Delivered | DealState::Disputed => return None,
            };
            let p = self.payout;
            Some(DealReport {
                deal_id: self.id,
                buyer: self.buyer,
                seller: self.seller,
                arbiter: self.arbiter,
                amount: self.amount,
                value: p.to_seller,
                outcome,
                dispute_opened_by: match self.disputed_by {
                    Party::Buyer => Some(self.buyer),
                    Party::Seller => Some(self.seller),
                    Party::Nobody => None,
                },
                seller_bps: split.then_some(self.proposed_seller_bps),
                seller_failed: self.seller_failed,
            })
        }

        fn party(&self, account: AccountId) -> Party {
            if account == self.buyer {
                Party::Buyer
            } else if account == self.seller {
                Party::Seller
            } else {
                Party::Nobody
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub struct Config {
        pub owner: AccountId,
        pub fee_bps: u16,
        pub fee_recipient: AccountId,
        pub reputation: Option<AccountId>,
        /// The requests contract this escrow instantiated, the only caller of
        /// `open_requested_deal`.
        pub requests: Option<AccountId>,
        pub settings: Settings,
        /// Platform fees not yet withdrawn by the fee recipient.
        pub fees_due: Balance,
        pub offer_count: u64,
        pub deal_count: u64,
        pub arbiter_count: u32,
        /// Everything the contract owes: open deals' money, bonds, credits and platform
        /// fees. Its balance always covers this.
        pub owed: Balance,
    }

    #[ink(storage)]
    pub struct Escrow {
        owner: AccountId,
        /// The platform fee for new offers; it only ever goes down.
        fee_bps: u16,
        fee_recipient: AccountId,
        /// Fixed at instantiation: the owner cannot redirect reports of open deals.
        reputation: Option<AccountId>,
        /// The requests contract the constructor instantiated from `settings.requests_code`:
        /// fixed, and its storage started empty, so a deal it opens was awarded there.
        requests: Option<AccountId>,
        settings: Settings,
        offers: Mapping<u64, Offer>,
        offer_count: u64,
        deals: Mapping<u64, Deal>,
        deal_count: u64,
        arbiters: Mapping<AccountId, Arbiter>,
        /// Registered arbiters in order of first registration, for listing.
        arbiter_list: Mapping<u32, AccountId>,
        arbiter_count: u32,
        /// Payouts whose push failed, kept for `withdraw()`.
        credits: Mapping<AccountId, Balance>,
        /// Platform fees owed to the fee recipient (one field, no storage item per fee).
        fees_due: Balance,
        /// Sum of `remaining()` over open deals.
        escrowed: Balance,
        /// Bonds staked in offers and held by open deals.
        bonds: Balance,
        /// Sum of all credits.
        total_credits: Balance,
    }

    #[ink(event)]
    pub struct OfferCreated {
        pub offer_id: u64,
        pub seller: AccountId,
        pub price: Balance,
        pub quantity: u32,
        pub bond: Balance,
    }

    #[ink(event)]
    pub struct OfferUpdated {
        pub offer_id: u64,
        pub version: u32,
        pub price: Balance,
        pub quantity: u32,
    }

    #[ink(event)]
    pub struct OfferWithdrawn {
        pub offer_id: u64,
        pub bond_returned: Balance,
    }

    /// An arbiter registered, changed its terms or retired (`terms.active`).
    #[ink(event)]
    pub struct ArbiterChanged {
        pub arbiter: AccountId,
        pub terms: Arbiter,
    }

    /// A seller removed a withdrawn offer and got its storage deposit back.
    #[ink(event)]
    pub struct OfferRemoved {
        pub offer_id: u64,
    }

    /// A retired arbiter left the registry and got its storage deposit back.
    #[ink(event)]
    pub struct ArbiterRemoved {
        pub arbiter: AccountId,
    }

    #[ink(event)]
    pub struct DealOpened {
        pub deal_id: u64,
        pub offer_id: u64,
        pub buyer: AccountId,
        pub seller: AccountId,
        pub quantity: u32,
        pub amount: Balance,
        pub bond: Balance,
        pub delivery_deadline: Timestamp,
    }

    #[ink(event)]
    pub struct DealDelivered {
        pub deal_id: u64,
        pub review_deadline: Timestamp,
    }

    /// A step was paid and the next one began: its delivery deadline runs from now.
    #[ink(event)]
    pub struct MilestoneStarted {
        pub deal_id: u64,
        pub milestone: u8,
        pub delivery_deadline: Timestamp,
    }

    #[ink(event)]
    pub struct PaymentReleased {
        pub deal_id: u64,
        pub amount: Balance,
        pub to_seller: Balance,
        pub platform_fee: Balance,
        pub remaining: Balance,
    }

    #[ink(event)]
    pub struct SplitProposed {
        pub deal_id: u64,
        pub proposer: AccountId,
        pub seller_bps: u16,
    }

    #[ink(event)]
    pub struct DisputeOpened {
        pub deal_id: u64,
        pub opened_by: AccountId,
        pub evidence: Hash,
        pub ruling_deadline: Timestamp,
    }

    /// `by` cited the document `document` on the deal, as `kind`.
    #[ink(event)]
    pub struct DocumentCited {
        pub deal_id: u64,
        pub by: AccountId,
        pub kind: Citation,
        pub document: Hash,
    }

    /// A deal reached a final state; the amounts are what this last step paid.
    #[ink(event)]
    pub struct DealClosed {
        pub deal_id: u64,
        pub outcome: DealState,
        pub to_seller: Balance,
        pub to_buyer: Balance,
        pub platform_fee: Balance,
        pub arbiter_fee: Balance,
        pub bond_to_buyer: Balance,
        /// The bond that went back to the seller.
        pub bond_to_seller: Balance,
    }

    /// A buyer freed an ended deal's storage and got its deposit back.
    #[ink(event)]
    pub struct DealPruned {
        pub deal_id: u64,
    }

    /// A pushed payment failed and was kept as a credit for `withdraw()`.
    #[ink(event)]
    pub struct PaymentCredited {
        pub account: AccountId,
        pub amount: Balance,
    }

    #[ink(event)]
    pub struct CreditWithdrawn {
        pub account: AccountId,
        pub amount: Balance,
    }

    #[ink(event)]
    pub struct ConfigChanged {
        pub owner: AccountId,
        pub fee_bps: u16,
        pub fee_recipient: AccountId,
    }

    /// The reputation contract refused the report of an ended deal (or ran out of its gas):
    /// the payment went through, the report stays pending for `retry_report`. A report that
    /// is taken shows as the reputation contract's `DealRecorded`, so success costs no event
    /// here.
    #[ink(event)]
    pub struct ReportPending {
        pub deal_id: u64,
    }

    pub use crate::error::Error;

    pub type Result<T> = core::result::Result<T, Error>;

    impl Escrow {
        /// Deploys the escrow, owned by `owner` (the reputation contract's `create_escrow`
        /// names its caller). The platform fee starts at `fee_bps` (at most 10%) and can only
        /// go down, never below `settings.fee_floor_bps`; `reputation` and `settings` are fixed
        /// forever. Every minimum window must be at least 1 ms and at most a year,
        /// `prune_after` at least 1 ms, and with a reputation contract every report limit
        /// above 0 (pallet-contracts reads a limit of 0 as no limit at all). With
        /// `settings.requests_code`, it instantiates
        /// its own requests contract from that code (award window `settings.award_window`,
        /// 1 ms to a year), the only one that may open deals for buyers.
        #[ink(constructor)]
        pub fn new(
            owner: AccountId,
            fee_bps: u16,
            fee_recipient: AccountId,
            reputation: Option<AccountId>,
            settings: Settings,
        ) -> Result<Self> {
            if fee_bps > MAX_PLATFORM_FEE_BPS {
                return Err(Error::FeeIncrease);
            }
            if fee_bps < settings.fee_floor_bps {
                return Err(Error::FeeBelowFloor);
            }
            let limits_ok = reputation.is_none()
                || (settings.report_ref_time > 0
                    && settings.report_proof_size > 0
                    && settings.report_deposit_limit > 0);
            if !limits_ok || settings.prune_after == 0 {
                return Err(Error::InvalidSettings);
            }
            let min_ok = |w: u64| w > 0 && w <= MAX_WINDOW_MS;
            if !(min_ok(settings.min_delivery_window)
                && min_ok(settings.min_review_window)
                && min_ok(settings.min_ruling_window))
            {
                return Err(Error::InvalidWindow);
            }
            let requests = match settings.requests_code {
                None => None,
                Some(code) => {
                    if !min_ok(settings.award_window) {
                        return Err(Error::InvalidWindow);
                    }
                    let me = Self::env().account_id();
                    // The minimum windows go along: the requests contract refuses requests
                    // and proposals below them, which no award could open.
                    let input = ExecutionInput::new(Selector::new(ink::selector_bytes!("new")))
                        .push_arg(me)
                        .push_arg(reputation)
                        .push_arg(settings.award_window)
                        .push_arg((
                            settings.min_delivery_window,
                            settings.min_review_window,
                            settings.min_ruling_window,
                        ));
                    let created = reputation::instantiate::instantiate(code, input, me.as_ref());
                    Some(created.ok_or(Error::RequestsNotCreated)?)
                }
            };
            Ok(Self {
                owner,
                fee_bps,
                fee_recipient,
                reputation,
                requests,
                settings,
                offers: Mapping::default(),
                offer_count: 0,
                deals: Mapping::default(),
                deal_count: 0,
                arbiters: Mapping::default(),
                arbiter_list: Mapping::default(),
                arbiter_count: 0,
                credits: Mapping::default(),
                fees_due: 0,
                escrowed: 0,
                bonds: 0,
                total_credits: 0,
            })
        }

        // ---- Owner ----

        /// Owner only: lowers the platform fee for offers listed from now on (and for deals
        /// accepted from now on, which pay the lower of their offer's fee and this one).
        /// It can never go up, nor below the floor fixed at instantiation (`FeeBelowFloor`).
        #[ink(message)]
        pub fn set_fee(&mut self, fee_bps: u16) -> Result<()> {
            self.ensure_owner()?;
            if fee_bps > self.fee_bps {
                return Err(Error::FeeIncrease);
            }
            if fee_bps < self.settings.fee_floor_bps {
                return Err(Error::FeeBelowFloor);
            }
            self.fee_bps = fee_bps;
            self.emit_config();
            Ok(())
        }

        /// Owner only: sets who may withdraw platform fees, those already due included.
        #[ink(message)]
        pub fn set_fee_recipient(&mut self, fee_recipient: AccountId) -> Result<()> {
            self.ensure_owner()?;
            self.fee_recipient = fee_recipient;
            self.emit_config();
            Ok(())
        }

        /// Owner only: hands ownership (fee settings) to another account.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            self.ensure_owner()?;
            self.owner = new_owner;
            self.emit_config();
            Ok(())
        }

        // ---- Arbiters ----

        /// Anyone: registers the caller as an arbiter, re-activates a retired one, or changes
        /// an active one's terms: its fee (at most 20%), the smallest deal it takes and a
        /// profile hash. Open deals keep the fee they froze; open offers pay the lower of the
        /// fee they recorded and this one.
        #[ink(message)]
        pub fn register_arbiter(
            &mut self,
            fee_bps: u16,
            min_amount: Balance,
            profile: Hash,
        ) -> Result<()> {
            if fee_bps > MAX_ARBITER_FEE_BPS {
                return Err(Error::ArbiterFeeAboveCap);
            }
            let caller = self.env().caller();
            let index = match self.arbiters.get(caller) {
                Some(known) => known.index,
                None => {
                    let index = self.arbiter_count;
                    self.arbiter_count = index.checked_add(1).ok_or(Error::Overflow)?;
                    self.arbiter_list.insert(index, &caller);
                    index
                }
            };
            self.put_arbiter(
                caller,
                Arbiter {
                    fee_bps,
                    min_amount,
                    profile,
                    active: true,
                    index,
                },
            );
            Ok(())
        }

        /// An active arbiter: stops taking new deals. It still rules the open ones.
        #[ink(message)]
        pub fn retire_arbiter(&mut self) -> Result<()> {
            let caller = self.env().caller();
            let arbiter = self.active_arbiter(caller)?;
            self.put_arbiter(
                caller,
                Arbiter {
                    active: false,
                    ..arbiter
                },
            );
            Ok(())
        }

        /// A retired arbiter: leaves the registry, which frees its entry and list slot and
        /// returns their storage deposit to it, the account that paid it. Its open deals keep
        /// it as their arbiter. Registering again gives it a new slot.
        #[ink(message)]
        pub fn remove_arbiter(&mut self) -> Result<()> {
            let caller = self.env().caller();
            let arbiter = self
                .arbiters
                .get(caller)
                .ok_or(Error::ArbiterNotRegistered)?;
            if arbiter.active {
                return Err(Error::StillActive);
            }
            self.arbiters.remove(caller);
            self.arbiter_list.remove(arbiter.index);
            self.env().emit_event(ArbiterRemoved { arbiter: caller });
            Ok(())
        }

        // ---- Sellers: offers ----

        /// Anyone: lists an offer as its seller, naming an active arbiter other than
        /// themselves, and transferring exactly `bond_per_unit * quantity` as the offer's bond
        /// stake. Records today's platform and arbiter fees as the most its deals will pay.
        /// Returns the offer id.
        #[ink(message, payable)]
        pub fn create_offer(&mut self, terms: OfferTerms) -> Result<u64> {
            let seller = self.env().caller();
            self.check_terms(&terms, seller)?;
            let arbiter = self.active_arbiter(terms.arbiter)?;
            let bond = terms
                .bond_per_unit
                .checked_mul(Balance::from(terms.quantity))
                .ok_or(Error::Overflow)?;
            if self.env().transferred_value() != bond {
                return Err(Error::WrongAmount);
            }
            let id = self.offer_count;
            let offer_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let bonds = self.bonds.checked_add(bond).ok_or(Error::Overflow)?;

            self.offer_count = offer_count;
            self.bonds = bonds;
            self.env().emit_event(OfferCreated {
                offer_id: id,
                seller,
                price: terms.price,
                quantity: terms.quantity,
                bond,
            });
            self.offers.insert(
                id,
                &Offer {
                    id,
                    seller,
                    terms,
                    version: 1,
                    active: true,
                    bond_stake: bond,
                    created_at: self.env().block_timestamp(),
                    platform_fee_bps: self.fee_bps,
                    arbiter_fee_bps: arbiter.fee_bps,
                },
            );
            Ok(id)
        }

        /// The offer's seller: changes price and quantity (0 pauses sales) and bumps the version,
        /// so buyers who saw the old terms are refused. An offer paid by milestones keeps its
        /// price (its steps add up to it): list a new offer to change it. A larger quantity
        /// needs its bond transferred with the call; bond no longer needed is refunded. Open
        /// deals keep their terms. Returns the new version.
        #[ink(message, payable)]
        pub fn update_offer(
            &mut self,
            offer_id: u64,
            price: Balance,
            quantity: u32,
        ) -> Result<u32> {
            let mut offer = self.seller_offer(offer_id)?;
            if price == 0 {
                return Err(Error::ZeroPrice);
            }
            // The plan's amounts add up to the price it was listed with.
            if !offer.terms.milestones.is_empty() && price != offer.terms.price {
                return Err(Error::InvalidMilestones);
            }
            let needed = offer
                .terms
                .bond_per_unit
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            let shortfall = needed.saturating_sub(offer.bond_stake);
            let excess = offer.bond_stake.saturating_sub(needed);
            if self.env().transferred_value() != shortfall {
                return Err(Error::WrongAmount);
            }
            let version = offer.version.checked_add(1).ok_or(Error::Overflow)?;
            let bonds = self
                .bonds
                .checked_add(shortfall)
                .and_then(|b| b.checked_sub(excess))
                .ok_or(Error::Overflow)?;

            offer.terms.price = price;
            offer.terms.quantity = quantity;
            offer.version = version;
            offer.bond_stake = needed;
            self.offers.insert(offer_id, &offer);
            self.bonds = bonds;
            self.env().emit_event(OfferUpdated {
                offer_id,
                version,
                price,
                quantity,
            });
            self.pay(offer.seller, excess);
            Ok(version)
        }

        /// The offer's seller: withdraws the offer and gets its unused bond back. Open deals
        /// are not affected; their bonds go to the seller when they end.
        #[ink(message)]
        pub fn withdraw_offer(&mut self, offer_id: u64) -> Result<()> {
            let mut offer = self.seller_offer(offer_id)?;
            let stake = offer.bond_stake;
            let bonds = self.bonds.checked_sub(stake).ok_or(Error::Overflow)?;

            offer.active = false;
            offer.bond_stake = 0;
            self.offers.insert(offer_id, &offer);
            self.bonds = bonds;
            self.env().emit_event(OfferWithdrawn {
                offer_id,
                bond_returned: stake,
            });
            self.pay(offer.seller, stake);
            Ok(())
        }

        /// The seller of a withdrawn offer: removes it from storage, which returns the storage
        /// deposit the seller paid when listing it. Deals accepted from it keep their terms.
        #[ink(message)]
        pub fn remove_offer(&mut self, offer_id: u64) -> Result<()> {
            let offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if self.env().caller() != offer.seller {
                return Err(Error::NotSeller);
            }
            if offer.active {
                return Err(Error::StillActive);
            }
            self.offers.remove(offer_id);
            self.env().emit_event(OfferRemoved { offer_id });
            Ok(())
        }

        // ---- Buyers: accepting ----

        /// Anyone but the seller and the arbiter: buys `quantity` units of an offer at the
        /// `version` they saw, transferring exactly `price * quantity`. The offer's arbiter
        /// must still be active and the deal at least its minimum. Freezes every term into a
        /// new deal (fees: the lower of the offer's recorded fee and today's) and returns its
        /// id. The buyer pays the deal's whole storage deposit and gets it back by pruning.
        #[ink(message, payable)]
        pub fn accept_offer(&mut self, offer_id: u64, quantity: u32, version: u32) -> Result<u64> {
            let buyer = self.env().caller();
            let mut offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if !offer.active {
                return Err(Error::OfferInactive);
            }
            if buyer == offer.seller {
                return Err(Error::BuyerIsSeller);
            }
            if buyer == offer.terms.arbiter {
                return Err(Error::ArbiterIsParty);
            }
            if version != offer.version {
                return Err(Error::StaleVersion);
            }
            if quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            if quantity > offer.terms.quantity {
                return Err(Error::InsufficientQuantity);
            }
            let amount = offer
                .terms
                .price
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            if self.env().transferred_value() != amount {
                return Err(Error::WrongAmount);
            }
            let arbiter = self.active_arbiter(offer.terms.arbiter)?;
            if amount < arbiter.min_amount {
                return Err(Error::BelowArbiterMinimum);
            }
            self.screen(&offer.terms.screening, buyer)?;
            let bond = offer
                .terms
                .bond_per_unit
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            let bond_stake = offer.bond_stake.checked_sub(bond).ok_or(Error::Overflow)?;
            let plan = milestones::for_quantity(&offer.terms.milestones, quantity)
                .ok_or(Error::Overflow)?;
            let now = self.env().block_timestamp();
            let delivery_deadline = now
                .checked_add(milestones::first_window(&plan, offer.terms.delivery_window))
                .ok_or(Error::Overflow)?;
            let (id, deal_count, escrowed) = self.next_deal(amount)?;
            let deal = Deal {
                offer_id,
                milestones: plan,
                offer_version: version,
                quantity,
                unit_price: offer.terms.price,
                bond,
                platform_fee_bps: offer.platform_fee_bps.min(self.fee_bps),
                arbiter_fee_bps: offer.arbiter_fee_bps.min(arbiter.fee_bps),
                review_window: offer.terms.review_window,
                ruling_window: offer.terms.ruling_window,
                delivery_deadline,
                ..Deal::funded(id, buyer, offer.seller, offer.terms.arbiter, amount, now)
            };

            // quantity <= available was checked above.
            offer.terms.quantity = offer.terms.quantity.saturating_sub(quantity);
            offer.bond_stake = bond_stake;
            self.offers.insert(offer_id, &offer);
            self.store_opened(&deal, deal_count, escrowed);
            Ok(id)
        }

        // ---- Task requests ----

        /// The requests contract this escrow instantiated, when one of its requests is awarded:
        /// opens a deal between `terms.buyer` (the poster) and `terms.seller` (the worker whose
        /// proposal won) for the transferred value, with the proposal's windows and arbiter.
        /// That contract holds both consents (the poster's request and award, the worker's
        /// proposal), so no other caller may name a buyer: not even one running the same code,
        /// which may have written its storage under other code first. The deal has no offer
        /// (`offer_id == NO_OFFER`) and no bond, and pays today's platform fee and the
        /// arbiter's registered fee. Returns the deal id.
        #[ink(message, payable)]
        pub fn open_requested_deal(&mut self, terms: RequestedDeal) -> Result<u64> {
            if self.requests != Some(self.env().caller()) {
                return Err(Error::NotRequestsContract);
            }
            let amount = self.env().transferred_value();
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            if terms.buyer == terms.seller {
                return Err(Error::BuyerIsSeller);
            }
            if terms.arbiter == terms.buyer || terms.arbiter == terms.seller {
                return Err(Error::ArbiterIsParty);
            }
            self.check_windows(
                terms.delivery_window,
                terms.review_window,
                terms.ruling_window,
            )?;
            self.check_plan(&terms.milestones, amount, terms.delivery_window)?;
            let arbiter = self.active_arbiter(terms.arbiter)?;
            if amount < arbiter.min_amount {
                return Err(Error::BelowArbiterMinimum);
            }
            if arbiter.fee_bps > terms.max_arbiter_fee_bps {
                return Err(Error::ArbiterFeeRaised);
            }
            let now = self.env().block_timestamp();
            let delivery_deadline = now
                .checked_add(milestones::first_window(
                    &terms.milestones,
                    terms.delivery_window,
                ))
                .ok_or(Error::Overflow)?;
            let (id, deal_count, escrowed) = self.next_deal(amount)?;
            let deal = Deal {
                milestones: terms.milestones,
                platform_fee_bps: self.fee_bps,
                arbiter_fee_bps: arbiter.fee_bps,
                review_window: terms.review_window,
                ruling_window: terms.ruling_window,
                delivery_deadline,
                ..Deal::funded(id, terms.buyer, terms.seller, terms.arbiter, amount, now)
            };
            self.store_opened(&deal, deal_count, escrowed);
            Ok(id)
        }

        // ---- Deal parties ----

        /// The deal's seller, while `Funded` and before the delivery deadline: marks the deal
        /// delivered, which starts the review window, citing `note` (what was delivered, a
        /// tracking id, a link) if given.
        #[ink(message)]
        pub fn mark_delivered(&mut self, deal_id: u64, note: Option<Hash>) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.seller {
                return Err(Error::NotSeller);
            }
            if deal.state != DealState::Funded {
                return Err(Error::InvalidState);
            }
            let now = self.env().block_timestamp();
            if now >= deal.delivery_deadline {
                return Err(Error::TooLate);
            }
            let review_deadline = now.checked_add(deal.review_window).ok_or(Error::Overflow)?;

            deal.state = DealState::Delivered;
            deal.delivered_at = now;
            deal.review_deadline = review_deadline;
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(DealDelivered {
                deal_id,
                review_deadline,
            });
            self.cite(deal_id, Citation::DeliveryNote, note);
            Ok(())
        }

        /// The deal's buyer, while `Funded` or `Delivered`, on a deal of one step: pays
        /// `amount` of what it holds to the seller; paying all of it completes the deal. A deal
        /// paid in several milestones is paid with `release_milestone`, which names the step
        /// (`WrongMilestone` here): a seller's `finalize` landing first would otherwise turn a
        /// release meant for the step it paid into payment for the next, undelivered one.
        #[ink(message)]
        pub fn release(&mut self, deal_id: u64, amount: Balance) -> Result<()> {
            let deal = self.releasable(deal_id)?;
            if deal.milestones.len() > 1 {
                return Err(Error::WrongMilestone);
            }
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            if amount > deal.at_stake() {
                return Err(Error::AmountExceedsRemaining);
            }
            self.pay_step(deal, amount)
        }

        /// The deal's buyer, while `Funded` or `Delivered` at milestone `milestone` (0-based):
        /// pays what that milestone still holds to the seller. The next milestone starts, with
        /// its delivery deadline counted from now; after the last the deal completes. Naming
        /// the milestone makes a repeated call fail (`WrongMilestone`) instead of paying the
        /// next one.
        #[ink(message)]
        pub fn release_milestone(&mut self, deal_id: u64, milestone: u8) -> Result<()> {
            let deal = self.releasable(deal_id)?;
            if milestone != deal.milestone {
                return Err(Error::WrongMilestone);
            }
            let amount = deal.at_stake();
            self.pay_step(deal, amount)
        }

        /// The deal's seller, any time before the deal ends: returns everything the deal holds
        /// to the buyer. The bond returns, unless the delivery deadline passed undelivered
        /// (then it goes to the buyer: a late refund cannot front-run `reclaim`).
        #[ink(message)]
        pub fn refund(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.seller {
                return Err(Error::NotSeller);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            self.close(deal, Ending::Refunded)
        }

        /// The deal's buyer or seller, before the deal ends: proposes giving `seller_bps` of
        /// what the current milestone holds to the seller and the rest to the buyer (later
        /// milestones go back to the buyer). Replaces any earlier proposal.
        #[ink(message)]
        pub fn propose_split(&mut self, deal_id: u64, seller_bps: u16) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            let party = deal.party(caller);
            if party == Party::Nobody {
                return Err(Error::NotParty);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            if seller_bps > BPS {
                return Err(Error::BpsOutOfRange);
            }

            deal.proposed_by = party;
            deal.proposed_seller_bps = seller_bps;
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(SplitProposed {
                deal_id,
                proposer: caller,
                seller_bps,
            });
            Ok(())
        }

        /// The party that did not propose, before the deal ends: accepts the split on record
        /// (naming the same `seller_bps` and the milestone under way, 0-based), which settles
        /// the deal. No arbiter fee is paid. Naming the milestone stops a front-run: a
        /// `finalize` that pays the step, then the same split proposed again for the next one,
        /// would otherwise settle that undelivered step (`WrongMilestone`).
        #[ink(message)]
        pub fn accept_split(&mut self, deal_id: u64, seller_bps: u16, milestone: u8) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            let party = deal.party(self.env().caller());
            if party == Party::Nobody {
                return Err(Error::NotParty);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            if deal.proposed_by == Party::Nobody {
                return Err(Error::NoProposal);
            }
            if deal.proposed_by == party {
                return Err(Error::OwnProposal);
            }
            if deal.proposed_seller_bps != seller_bps {
                return Err(Error::ProposalMismatch);
            }
            if milestone != deal.milestone {
                return Err(Error::WrongMilestone);
            }
            self.close(deal, Ending::Settled)
        }

        /// The deal's buyer or seller: opens a dispute with an evidence hash, while `Funded`
        /// before the delivery deadline or `Delivered` before the review deadline. Starts the
        /// arbiter's ruling window.
        #[ink(message)]
        pub fn open_dispute(&mut self, deal_id: u64, evidence: Hash) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            let party = deal.party(caller);
            if party == Party::Nobody {
                return Err(Error::NotParty);
            }
            let deadline = match deal.state {
                DealState::Funded => deal.delivery_deadline,
                DealState::Delivered => deal.review_deadline,
                _ => return Err(Error::InvalidState),
            };
            let now = self.env().block_timestamp();
            if now >= deadline {
                return Err(Error::TooLate);
            }
            let ruling_deadline = now.checked_add(deal.ruling_window).ok_or(Error::Overflow)?;

            deal.state = DealState::Disputed;
            deal.disputed_by = party;
            deal.evidence = evidence;
            deal.ruling_deadline = ruling_deadline;
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(DisputeOpened {
                deal_id,
                opened_by: caller,
                evidence,
                ruling_deadline,
            });
            Ok(())
        }

        /// The deal's buyer, once the deal has ended and `prune_after` has passed (the rating
        /// period): removes the deal from storage, which returns to the buyer the storage
        /// deposit they paid when accepting. Refused while its report is pending
        /// (`ReportStillPending`: `retry_report` first), so no buyer can drop its record.
        #[ink(message)]
        pub fn prune_deal(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.buyer {
                return Err(Error::NotBuyer);
            }
            if !deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            if deal.report_pending {
                return Err(Error::ReportStillPending);
            }
            let prunable_at = deal
                .closed_at
                .checked_add(self.settings.prune_after)
                .ok_or(Error::Overflow)?;
            if self.env().block_timestamp() < prunable_at {
                return Err(Error::TooEarly);
            }
            self.deals.remove(deal_id);
            self.env().emit_event(DealPruned { deal_id });
            Ok(())
        }

        // ---- Arbiter ----

        /// The deal's arbiter, while `Disputed` and before the ruling deadline: rules that
        /// `seller_bps` of what the current milestone holds (after the arbiter fee) goes to
        /// the seller and the rest to the buyer; later milestones go back to the buyer. Apart
        /// from the split it finds whether the seller was at fault: then the bond goes to the
        /// buyer and the deal counts as failed by the seller; otherwise the bond returns (a
        /// refund without fault). The arbiter earns the fee frozen in the deal, on the
        /// disputed milestone only. `reasons`, if given, is the document that explains the
        /// ruling.
        #[ink(message)]
        pub fn rule(
            &mut self,
            deal_id: u64,
            seller_bps: u16,
            seller_at_fault: bool,
            reasons: Option<Hash>,
        ) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.arbiter {
                return Err(Error::NotArbiter);
            }
            if deal.state != DealState::Disputed {
                return Err(Error::InvalidState);
            }
            if self.env().block_timestamp() >= deal.ruling_deadline {
                return Err(Error::TooLate);
            }
            if seller_bps > BPS {
                return Err(Error::BpsOutOfRange);
            }
            self.cite(deal_id, Citation::Reasons, reasons);
            self.close(deal, Ending::Ruled(seller_bps, seller_at_fault))
        }

        /// The deal's buyer, seller or arbiter, while it is `Disputed` and before the ruling
        /// deadline: cites `document` as evidence. Each of the three may cite
        /// `MAX_EVIDENCE_PER_SIDE` pieces (`TooMuchEvidence`). Only the deal's count changes,
        /// which keeps its size, so evidence takes no storage deposit. Returns how many that
        /// side has cited, this one included.
        #[ink(message)]
        pub fn submit_evidence(&mut self, deal_id: u64, document: Hash) -> Result<u8> {
            let mut deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            let side = match deal.party(caller) {
                Party::Buyer => 0,
                Party::Seller => 1,
                Party::Nobody if caller == deal.arbiter => 2,
                Party::Nobody => return Err(Error::NotParty),
            };
            if deal.state != DealState::Disputed {
                return Err(Error::InvalidState);
            }
            if self.env().block_timestamp() >= deal.ruling_deadline {
                return Err(Error::TooLate);
            }
            let cited = deal.evidence_cited[side];
            if cited >= MAX_EVIDENCE_PER_SIDE {
                return Err(Error::TooMuchEvidence);
            }

            // Below the cap, so it cannot saturate.
            let cited = cited.saturating_add(1);
            deal.evidence_cited[side] = cited;
            self.deals.insert(deal_id, &deal);
            self.cite(deal_id, Citation::Evidence, Some(document));
            Ok(cited)
        }

        // ---- Anyone: deadline exits, reports, credits ----

        /// Anyone: moves on a deal whose deadline passed. `Delivered` after the review deadline
        /// pays the seller the current milestone (the next one starts; after the last the deal
        /// is `Completed`); `Disputed` after the ruling deadline applies the
        /// default (`DefaultRuled`: an even split if the dispute came after delivery,
        /// everything and the bond to the buyer if before; no arbiter fee).
        #[ink(message)]
        pub fn finalize(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            let (deadline, ending) = match deal.state {
                DealState::Delivered => (deal.review_deadline, Ending::Completed),
                DealState::Disputed => (deal.ruling_deadline, Ending::DefaultRuled),
                _ => return Err(Error::InvalidState),
            };
            if self.env().block_timestamp() < deadline {
                return Err(Error::TooEarly);
            }
            if ending == Ending::Completed {
                let amount = deal.at_stake();
                return self.pay_step(deal, amount);
            }
            self.close(deal, ending)
        }

        /// Anyone: after the delivery deadline of a deal still `Funded`, refunds the buyer
        /// everything the deal holds plus the seller's bond for it (`Reclaimed`).
        #[ink(message)]
        pub fn reclaim(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if deal.state != DealState::Funded {
                return Err(Error::InvalidState);
            }
            if self.env().block_timestamp() < deal.delivery_deadline {
                return Err(Error::TooEarly);
            }
            self.close(deal, Ending::Reclaimed)
        }

        /// Anyone: sends an ended deal's pending report to the reputation contract again.
        /// Fails (and changes nothing) if the reputation contract refuses it again.
        #[ink(message)]
        pub fn retry_report(&mut self, deal_id: u64) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            if !deal.report_pending {
                return Err(Error::NoPendingReport);
            }
            deal.report_pending = false;
            self.deals.insert(deal_id, &deal);
            // A refusal returns Err, which reverts the write above.
            if !self.report(&deal) {
                return Err(Error::ReportFailed);
            }
            Ok(())
        }

        /// Anyone with a credit (a payout whose push failed), and the fee recipient for the
        /// platform fees due: transfers all of it to the caller. Returns the amount.
        #[ink(message)]
        pub fn withdraw(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let credit = self.credits.get(caller).unwrap_or(0);
            let fees = if caller == self.fee_recipient {
                self.fees_due
            } else {
                0
            };
            let amount = credit.checked_add(fees).ok_or(Error::Overflow)?;
            if amount == 0 {
                return Err(Error::NoCredit);
            }
            let total_credits = self
                .total_credits
                .checked_sub(credit)
                .ok_or(Error::Overflow)?;

            if credit > 0 {
                self.credits.remove(caller);
            }
            self.total_credits = total_credits;
            self.fees_due = self.fees_due.saturating_sub(fees);
            self.env().emit_event(CreditWithdrawn {
                account: caller,
                amount,
            });
            // A refused transfer returns Err, which reverts everything above.
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;
            Ok(amount)
        }

        // ---- Reads ----

        #[ink(message)]
        pub fn offer(&self, offer_id: u64) -> Option<Offer> {
            self.offers.get(offer_id)
        }

        /// Up to `limit` (at most `MAX_OFFER_PAGE`, 12) offers with ids from `from_id` on,
        /// withdrawn ones included.
        #[ink(message)]
        pub fn offers(&self, from_id: u64, limit: u32) -> Vec<Offer> {
            let limit = limit.min(MAX_OFFER_PAGE);
            Self::page(from_id, limit, self.offer_count, |id| self.offers.get(id))
        }

        #[ink(message)]
        pub fn deal(&self, deal_id: u64) -> Option<Deal> {
            self.deals.get(deal_id)
        }

        /// Up to `limit` (at most `MAX_PAGE`, 25) deals with ids from `from_id` on; pruned
        /// deals are skipped.
        #[ink(message)]
        pub fn deals(&self, from_id: u64, limit: u32) -> Vec<Deal> {
            Self::page(from_id, limit, self.deal_count, |id| self.deals.get(id))
        }

        #[ink(message)]
        pub fn arbiter(&self, account: AccountId) -> Option<Arbiter> {
            self.arbiters.get(account)
        }

        /// Up to `limit` (at most `MAX_PAGE`, 25) registered arbiters, retired ones included,
        /// in order of first registration from position `from`.
        #[ink(message)]
        pub fn arbiters(&self, from: u32, limit: u32) -> Vec<(AccountId, Arbiter)> {
            let end = u64::from(self.arbiter_count);
            Self::page(u64::from(from), limit, end, |n| {
                let account = self.arbiter_list.get(u32::try_from(n).ok()?)?;
                Some((account, self.arbiters.get(account)?))
            })
        }

        #[ink(message)]
        pub fn credit_of(&self, account: AccountId) -> Balance {
            self.credits.get(account).unwrap_or(0)
        }

        #[ink(message)]
        pub fn config(&self) -> Config {
            Config {
                owner: self.owner,
                fee_bps: self.fee_bps,
                fee_recipient: self.fee_recipient,
                reputation: self.reputation,
                requests: self.requests,
                settings: self.settings,
                fees_due: self.fees_due,
                offer_count: self.offer_count,
                deal_count: self.deal_count,
                arbiter_count: self.arbiter_count,
                owed: self
                    .escrowed
                    .saturating_add(self.bonds)
                    .saturating_add(self.total_credits)
                    .saturating_add(self.fees_due),
            }
        }

        // ---- Internals ----

        fn ensure_owner(&self) -> Result<()> {
            if self.env().caller() != self.owner {
                return Err(Error::NotOwner);
            }
            Ok(())
        }

        fn emit_config(&self) {
            self.env().emit_event(ConfigChanged {
                owner: self.owner,
                fee_bps: self.fee_bps,
                fee_recipient: self.fee_recipient,
            });
        }

        fn page<T>(from: u64, limit: u32, count: u64, get: impl Fn(u64) -> Option<T>) -> Vec<T> {
            let end = from
                .saturating_add(u64::from(limit.min(MAX_PAGE)))
                .min(count);
            (from..end).filter_map(get).collect()
        }

        fn active_arbiter(&self, account: AccountId) -> Result<Arbiter> {
            self.arbiters
                .get(account)
                .filter(|a| a.active)
                .ok_or(Error::ArbiterNotRegistered)
        }

        fn put_arbiter(&mut self, account: AccountId, arbiter: Arbiter) {
            self.arbiters.insert(account, &arbiter);
            self.env().emit_event(ArbiterChanged {
                arbiter: account,
                terms: arbiter,
            });
        }

        /// The caller's active offer.
        fn seller_offer(&self, offer_id: u64) -> Result<Offer> {
            let offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if self.env().caller() != offer.seller {
                return Err(Error::NotSeller);
            }
            if !offer.active {
                return Err(Error::OfferInactive);
            }
            Ok(offer)
        }

        fn check_terms(&self, terms: &OfferTerms, seller: AccountId) -> Result<()> {
            if terms.title.is_empty() {
                return Err(Error::TitleEmpty);
            }
            if terms.title.len() > MAX_TITLE_BYTES {
                return Err(Error::TitleTooLong);
            }
            if terms.description.len() > MAX_DESCRIPTION_BYTES {
                return Err(Error::DescriptionTooLong);
            }
            if terms.price == 0 {
                return Err(Error::ZeroPrice);
            }
            if terms.quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            if terms.arbiter == seller {
                return Err(Error::ArbiterIsParty);
            }
            if !terms.screening.is_valid() {
                return Err(Error::InvalidScreening);
            }
            self.check_windows(
                terms.delivery_window,
                terms.review_window,
                terms.ruling_window,
            )?;
            self.check_plan(&terms.milestones, terms.price, terms.delivery_window)
        }

        /// A valid milestone plan for `price` within `delivery_window`, each step at least
        /// the minimum delivery window.
        fn check_plan(
            &self,
            plan: &[Milestone],
            price: Balance,
            delivery_window: u64,
        ) -> Result<()> {
            let min = self.settings.min_delivery_window;
            if milestones::plan_is_valid(plan, price, delivery_window, min) {
                Ok(())
            } else {
                Err(Error::InvalidMilestones)
            }
        }

        /// Each window at least this escrow's minimum and at most a year.
        fn check_windows(&self, delivery: u64, review: u64, ruling: u64) -> Result<()> {
            let s = &self.settings;
            let window_ok = |w: u64, min: u64| w >= min && w <= MAX_WINDOW_MS;
            if window_ok(delivery, s.min_delivery_window)
                && window_ok(review, s.min_review_window)
                && window_ok(ruling, s.min_ruling_window)
            {
                Ok(())
            } else {
                Err(Error::InvalidWindow)
            }
        }

        /// The id of the next deal and the deal count and escrowed total after opening one of
        /// `amount`: the checks of opening a deal, before anything is written.
        fn next_deal(&self, amount: Balance) -> Result<(u64, u64, Balance)> {
            let id = self.deal_count;
            let deal_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let escrowed = self.escrowed.checked_add(amount).ok_or(Error::Overflow)?;
            Ok((id, deal_count, escrowed))
        }

        /// Stores a deal `next_deal` checked and emits `DealOpened`.
        fn store_opened(&mut self, deal: &Deal, deal_count: u64, escrowed: Balance) {
            self.deal_count = deal_count;
            self.escrowed = escrowed;
            self.deals.insert(deal.id, deal);
            self.env().emit_event(DealOpened {
                deal_id: deal.id,
                offer_id: deal.offer_id,
                buyer: deal.buyer,
                seller: deal.seller,
                quantity: deal.quantity,
                amount: deal.amount,
                bond: deal.bond,
                delivery_deadline: deal.delivery_deadline,
            });
        }

        /// Emits the citation of `document` by the caller, if there is one.
        fn cite(&self, deal_id: u64, kind: Citation, document: Option<Hash>) {
            if let Some(document) = document {
                self.env().emit_event(DocumentCited {
                    deal_id,
                    by: self.env().caller(),
                    kind,
                    document,
                });
            }
        }

        fn get_deal(&self, deal_id: u64) -> Result<Deal> {
            self.deals.get(deal_id).ok_or(Error::DealNotFound)
        }

        fn credit(&mut self, account: AccountId, amount: Balance) {
            let credit = self
                .credits
                .get(account)
                .unwrap_or(0)
                .saturating_add(amount);
            self.credits.insert(account, &credit);
            self.total_credits = self.total_credits.saturating_add(amount);
        }

        /// Pushes a payment; when the chain refuses it (below the existential deposit, say)
        /// the payee keeps it as a credit for `withdraw()`.
        fn pay(&mut self, to: AccountId, amount: Balance) {
            if amount == 0 {
                return;
            }
            if self.env().transfer(to, amount).is_err() {
                self.credit(to, amount);
                self.env().emit_event(PaymentCredited {
                    account: to,
                    amount,
                });
            }
        }

        /// The caller's deal as its buyer, in a state that can pay the seller.
        fn releasable(&self, deal_id: u64) -> Result<Deal> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.buyer {
                return Err(Error::NotBuyer);
            }
            if !matches!(deal.state, DealState::Funded | DealState::Delivered) {
                return Err(Error::InvalidState);
            }
            Ok(deal)
        }

        /// Pays `amount` (at most `at_stake`, checked by the caller) of the current milestone
        /// to the seller, less the platform fee. When that empties the milestone the next one
        /// starts, undelivered, with a fresh delivery deadline and no split on record (it
        /// concerned other money); after the last milestone the deal completes.
        fn pay_step(&mut self, mut deal: Deal, amount: Balance) -> Result<()> {
            let step_done = amount == deal.at_stake();
            if step_done && milestones::is_last(&deal.milestones, deal.milestone) {
                return self.close(deal, Ending::Completed);
            }
            let now = self.env().block_timestamp();
            let next = if step_done {
                let window = milestones::next_window(&deal.milestones, deal.milestone)
                    .ok_or(Error::Overflow)?;
                let index = deal.milestone.checked_add(1).ok_or(Error::Overflow)?;
                let scheduled = deal
                    .created_at
                    .saturating_add(milestones::next_scheduled_start(
                        &deal.milestones,
                        deal.milestone,
                    ));
                let start = now.max(scheduled);
                Some((index, start.checked_add(window).ok_or(Error::Overflow)?))
            } else {
                None
            };
            let platform_fee = bps_of(amount, deal.platform_fee_bps);
            let burned = self.floor_part(amount, deal.platform_fee_bps);
            let to_seller = amount.saturating_sub(platform_fee);
            let escrowed = self.escrowed.checked_sub(amount).ok_or(Error::Overflow)?;
            let fees_due = self
                .fees_due
                .checked_add(platform_fee.saturating_sub(burned))
                .ok_or(Error::Overflow)?;
            let payout = Payout {
                to_seller: deal
                    .payout
                    .to_seller
                    .checked_add(to_seller)
                    .ok_or(Error::Overflow)?,
                platform_fee: deal
                    .payout
                    .platform_fee
                    .checked_add(platform_fee)
                    .ok_or(Error::Overflow)?,
                ..deal.payout
            };

            // amount <= at_stake <= remaining, so released stays <= what was paid in.
            deal.released = deal.released.saturating_add(amount);
            deal.payout = payout;
            if let Some((index, delivery_deadline)) = next {
                deal.milestone = index;
                deal.state = DealState::Funded;
                deal.delivered_at = 0;
                deal.review_deadline = 0;
                deal.delivery_deadline = delivery_deadline;
                deal.proposed_by = Party::Nobody;
                deal.proposed_seller_bps = 0;
            }
            self.escrowed = escrowed;
            self.fees_due = fees_due;
            self.deals.insert(deal.id, &deal);
            self.env().emit_event(PaymentReleased {
                deal_id: deal.id,
                amount,
                to_seller,
                platform_fee,
                remaining: deal.remaining(),
            });
            if let Some((milestone, delivery_deadline)) = next {
                self.env().emit_event(MilestoneStarted {
                    deal_id: deal.id,
                    milestone,
                    delivery_deadline,
                });
            }
            self.pay(deal.seller, to_seller);
            self.burn(burned);
            Ok(())
        }

        /// Ends a deal: splits what the current milestone holds by the ending's rule, returns
        /// later milestones to the buyer, records the final state
        /// and payouts, forfeits or returns the bond, then pays everyone and reports the
        /// outcome. All checks happened in the caller.
        fn close(&mut self, mut deal: Deal, ending: Ending) -> Result<()> {
            let now = self.env().block_timestamp();
            let delivered = deal.delivered();
            let (state, seller_bps, arbiter_fee_bps) = match ending {
                Ending::Completed => (DealState::Completed, BPS, 0),
                Ending::Refunded => (DealState::Refunded, 0, 0),
                Ending::Reclaimed => (DealState::Reclaimed, 0, 0),
                Ending::Settled => (DealState::Settled, deal.proposed_seller_bps, 0),
                Ending::Ruled(bps, _) => (DealState::Ruled, bps, deal.arbiter_fee_bps),
                Ending::DefaultRuled => (DealState::DefaultRuled, default_ruling_bps(delivered), 0),
            };
            let remaining = deal.remaining();
            // Only the current milestone is split; later ones go back to the buyer.
            let mut shares = split(
                deal.at_stake(),
                seller_bps,
                arbiter_fee_bps,
                deal.platform_fee_bps,
            );
            shares.to_buyer = shares
                .to_buyer
                .checked_add(deal.later_steps())
                .ok_or(Error::Overflow)?;
            let late = now >= deal.delivery_deadline;
            let forfeit = bond_to_buyer(delivered, ending, late);
            let burned = self.floor_part(
                shares.to_seller.saturating_add(shares.platform_fee),
                deal.platform_fee_bps,
            );
            let (bond_to_buyer, bond_returned) = if forfeit {
                (deal.bond, 0)
            } else {
                (0, deal.bond)
            };
            // A returned bond goes straight back to the seller, not into the offer's stake:
            // a transfer costs a fraction of reading and writing the offer.
            let bond_to_seller = bond_returned;
            let sum = |a: Balance, b: Balance| a.checked_add(b).ok_or(Error::Overflow);
            let p = deal.payout;
            let payout = Payout {
                to_seller: sum(p.to_seller, shares.to_seller)?,
                to_buyer: sum(p.to_buyer, shares.to_buyer)?,
                platform_fee: sum(p.platform_fee, shares.platform_fee)?,
                arbiter_fee: sum(p.arbiter_fee, shares.arbiter_fee)?,
                bond_to_buyer,
                bond_returned,
            };
            let escrowed = self
                .escrowed
                .checked_sub(remaining)
                .ok_or(Error::Overflow)?;
            let bonds = self
                .bonds
                .checked_sub(sum(bond_to_buyer, bond_to_seller)?)
                .ok_or(Error::Overflow)?;
            let fees_due = sum(self.fees_due, shares.platform_fee.saturating_sub(burned))?;
            let to_buyer = sum(shares.to_buyer, bond_to_buyer)?;
            let to_seller = sum(shares.to_seller, bond_to_seller)?;

            self.escrowed = escrowed;
            self.bonds = bonds;
            self.fees_due = fees_due;
            deal.released = deal.amount;
            deal.state = state;
            deal.proposed_by = Party::Nobody;
            deal.proposed_seller_bps = seller_bps;
            deal.seller_failed = seller_failed(delivered, ending, late);
            deal.closed_at = now;
            deal.payout = payout;
            deal.report_pending = false;
            self.deals.insert(deal.id, &deal);
            self.env().emit_event(DealClosed {
                deal_id: deal.id,
                outcome: state,
                to_seller: shares.to_seller,
                to_buyer: shares.to_buyer,
                platform_fee: shares.platform_fee,
                arbiter_fee: shares.arbiter_fee,
                bond_to_buyer,
                bond_to_seller,
            });

            self.pay(deal.seller, to_seller);
            self.pay(deal.buyer, to_buyer);
            self.pay(deal.arbiter, shares.arbiter_fee);
            self.burn(burned);
            // Written again only when the report failed, so the usual path writes once.
            if self.reputation.is_some() && !self.report(&deal) {
                deal.report_pending = true;
                self.deals.insert(deal.id, &deal);
            }
            Ok(())
        }

        /// The fee floor's part of a platform fee charged at `fee_bps` on `seller_gross`: it
        /// goes to the reputation contract, which cannot spend it. Nothing without one.
        fn floor_part(&self, seller_gross: Balance, fee_bps: u16) -> Balance {
            if self.reputation.is_none() {
                return 0;
            }
            bps_of(seller_gross, self.settings.fee_floor_bps.min(fee_bps))
        }

        /// Pays the fee floor's part to the reputation contract (see `floor_part`).
        fn burn(&mut self, amount: Balance) {
            if let Some(reputation) = self.reputation {
                self.pay(reputation, amount);
            }
        }

        /// `Ok` when `buyer` meets the offer's screening rules. Reputation is read (within
        /// the report's gas limits) only for rules that look at it; without a reputation
        /// contract every buyer reads as a newcomer.
        fn screen(&self, screening: &Screening, buyer: AccountId) -> Result<()> {
            let reputation = match self.reputation {
                Some(address) if screening.needs_reputation() => {
                    let registry: ReputationRef =
                        ink::env::call::FromAccountId::from_account_id(address);
                    match registry
                        .call()
                        .reputation(buyer)
                        .ref_time_limit(self.settings.report_ref_time)
                        .proof_size_limit(self.settings.report_proof_size)
                        .try_invoke()
                    {
                        Ok(Ok(reputation)) => reputation,
                        _ => return Err(Error::ReputationUnavailable),
                    }
                }
                _ => AccountReputation::default(),
            };
            screening.check(buyer, &reputation).map_err(Error::Screened)
        }

        /// Tells the reputation contract how the deal ended, within the gas and deposit
        /// limits of `settings`, so that a reputation contract that fails or burns gas cannot
        /// block a payment. Returns whether it took the report; emits `ReportPending` when not.
        fn report(&mut self, deal: &Deal) -> bool {
            let (Some(reputation), Some(report)) = (self.reputation, deal.report()) else {
                return false;
            };
            let s = self.settings;
            let mut registry: ReputationRef =
                ink::env::call::FromAccountId::from_account_id(reputation);
            let delivered = matches!(
                registry
                    .call_mut()
                    .record_deal(report)
                    .ref_time_limit(s.report_ref_time)
                    .proof_size_limit(s.report_proof_size)
                    .storage_deposit_limit(s.report_deposit_limit)
                    .try_invoke(),
                Ok(Ok(Ok(())))
            );
            if !delivered {
                self.env().emit_event(ReportPending { deal_id: deal.id });
            }
            delivered
        }
    }
}
