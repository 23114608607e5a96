//! # Reputation
//!
//! Ratings and counters that an account earns only through deals an escrow contract
//! reports, where every reporting escrow was instantiated by this contract itself. See
//! `contracts/README.md` for the interface.
//!
//! - This contract is the escrows' factory: `create_escrow` instantiates the escrow code fixed
//!   at this contract's instantiation, and only escrows made that way may report. Their code
//!   has no upgrade path and their storage started empty, so every report is of a real deal.
//!   Nobody, the deployer included, can add a reporter or drop or alter a report.
//! - An escrow it created reports every ended deal once (`record_deal`); that updates the
//!   deal counters (completions, disputes, arbitrations) and opens rating for the deal.
//! - The buyer and the seller then rate each other with commit-reveal: each commits
//!   `rating_commitment(..)` within `rating_window` of the end of the deal, then reveals
//!   once both committed or the commit window passed, before `2 * rating_window` after
//!   the end. A reveal rates the *other* party 1..=5, weighted by the deal value.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub mod counters;
pub mod instantiate;
pub mod screening;

pub use self::reputation::{
    AccountReputation, DealOutcome, DealRecord, DealRecorded, DealReport, Error, EscrowCreated,
    EscrowSettings, RatingCommitted, RatingRevealed, Reputation, ReputationRef, Result,
};

#[ink::contract]
mod reputation {
    use ink::env::call::{ExecutionInput, Selector};
    use ink::env::hash::Blake2x256;
    use ink::storage::Mapping;

    /// Basis points of a whole deal (100 %).
    pub const MAX_BPS: u16 = 10_000;
    /// Basis points of an even split: a dispute that ends there is neither won nor lost.
    pub const EVEN_BPS: u16 = 5_000;
    /// Highest fee floor: the escrow's cap on its platform fee, 10%.
    pub const MAX_FEE_FLOOR_BPS: u16 = 1_000;
    /// Lowest score a rating may give.
    pub const MIN_SCORE: u8 = 1;
    /// Highest score a rating may give.
    pub const MAX_SCORE: u8 = 5;

    // ---------------------------------------------------------------------------------
    // Types shared with the escrow
    // ---------------------------------------------------------------------------------

    /// How a deal ended, as the escrow reports it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub enum DealOutcome {
        /// Everything went to the seller (released or finalized after review).
        Completed,
        /// The seller refunded the buyer.
        Refunded,
        /// The buyer reclaimed after the delivery deadline passed.
        Reclaimed,
        /// The parties agreed on a split.
        Settled,
        /// The arbiter ruled within the ruling window.
        Ruled,
        /// The ruling window passed without a ruling: even split.
        DefaultRuled,
    }

    /// What the escrow reports about a deal when it ends.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct DealReport {
        pub deal_id: u64,
        pub buyer: AccountId,
        pub seller: AccountId,
        pub arbiter: AccountId,
        /// What the buyer paid into escrow. Deals below the registry's `min_amount` count
        /// for nothing, so 1-planck deals cannot inflate counters.
        pub amount: Balance,
        /// What the seller received after every fee: the weight of a rating of this deal.
        /// A deal that paid the seller nothing cannot be rated.
        pub value: Balance,
        pub outcome: DealOutcome,
        /// Who opened a dispute on this deal, if anyone.
        pub dispute_opened_by: Option<AccountId>,
        /// When a split ended the deal (a settlement, a ruling or its default): the seller's
        /// share in basis points of what the disputed or settled step still held after the
        /// arbiter fee, that step alone. `None` for any other ending.
        pub seller_bps: Option<u16>,
        /// The seller failed the deal: it was reclaimed, refunded undelivered at or after the
        /// delivery deadline, ended by the default of a dispute opened before delivery, or
        /// ruled with the seller at fault.
        pub seller_failed: bool,
    }

    /// An escrow's settings, fixed at its instantiation. Defined here, beside the other types
    /// the escrow and this contract share, because `create_escrow` passes them on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct EscrowSettings {
        pub min_delivery_window: u64,
        pub min_review_window: u64,
        pub min_ruling_window: u64,
        /// Milliseconds after a deal ends before its buyer may prune it (the rating period:
        /// the reputation contract's commit plus reveal windows).
        pub prune_after: u64,
        /// Most ref_time the reputation report may use: a reputation contract that burns
        /// gas cannot block a payout.
        pub report_ref_time: u64,
        /// Most proof_size the reputation report may use.
        pub report_proof_size: u64,
        /// Most storage deposit the report may charge the caller.
        pub report_deposit_limit: Balance,
        /// Code hash of the task-requests contract the escrow instantiates for itself when it
        /// is instantiated; only that instance may open deals for the buyer who awarded one
        /// of its requests (`open_requested_deal`). `None`: no requests.
        pub requests_code: Option<Hash>,
        /// Milliseconds after a request's proposal deadline during which it can be awarded
        /// (the requests contract's award window; unused without `requests_code`).
        pub award_window: u64,
        /// The lowest platform fee the escrow may charge. `create_escrow` sets it to the
        /// reputation contract's floor, and that part of every fee goes to the reputation
        /// contract, which can never spend it: a record costs the same to build in an escrow
        /// whose fees go to its own traders.
        pub fee_floor_bps: u16,
    }

    /// A recorded deal and the state of its two ratings.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct DealRecord {
        pub buyer: AccountId,
        pub seller: AccountId,
        pub value: Balance,
        pub outcome: DealOutcome,
        /// Block timestamp (ms) at which the deal was recorded; rating windows start here.
        pub ended_at: Timestamp,
        /// The buyer's commitment to the rating of the seller.
        pub buyer_commitment: Option<Hash>,
        /// The seller's commitment to the rating of the buyer.
        pub seller_commitment: Option<Hash>,
        /// The score the buyer gave the seller, once revealed.
        pub buyer_score: Option<u8>,
        /// The score the seller gave the buyer, once revealed.
        pub seller_score: Option<u8>,
        /// Whether ratings may be given: the deal reached `min_amount` and paid the seller.
        pub rateable: bool,
        /// Whether committed-but-unrevealed ratings were counted against their raters.
        pub withheld_counted: bool,
    }

    /// What an account has earned through reported deals. Counters saturate, never wrap.
    #[derive(Debug, Default, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct AccountReputation {
        /// Ratings received.
        pub ratings_count: u32,
        /// Sum of the scores received.
        pub rating_sum: u64,
        /// Sum of `score * deal value` over the ratings received.
        pub weighted_rating_sum: u128,
        /// Sum of the deal values of the ratings received.
        pub rating_weight: u128,
        /// `rating_sum * 100 / ratings_count`, 0 without ratings (e.g. 433 for 4.33).
        pub average_rating_centi: u32,
        /// `weighted_rating_sum * 100 / rating_weight`, 0 without weight.
        pub weighted_average_centi: u32,
        /// Deals that ended `Completed` with this account as buyer.
        pub deals_completed_as_buyer: u32,
        /// Deals that ended `Completed` with this account as seller.
        pub deals_completed_as_seller: u32,
        /// Disputes this account opened.
        pub disputes_opened: u32,
        /// Disputes this account opened and got more than half of the ruled split.
        pub disputes_won: u32,
        /// Disputes this account opened and got less than half of the ruled split.
        pub disputes_lost: u32,
        /// Disputes the other party opened against this account.
        pub disputes_answered: u32,
        /// Of those, the ones a ruling gave this account more than half of.
        pub disputes_answered_won: u32,
        /// Of those, the ones a ruling gave this account less than half of.
        pub disputes_answered_lost: u32,
        /// Counted deals that paid this account as seller or that it failed (a deal refunded
        /// in time is neither, so it cannot dilute the failures).
        pub deals_as_seller: u32,
        /// Of those, the ones the seller failed (see `DealReport::seller_failed`).
        pub deals_failed_as_seller: u32,
        /// What sellers received in the counted deals this account was a party to: volume
        /// that paid at least the fee floor, so it costs the floor to fake.
        pub volume: u128,
        /// Deals with this account as arbiter that ended `Ruled` or `DefaultRuled`.
        pub arbitrations: u32,
        /// Of those, the ones this account ruled in time (`Ruled`).
        pub arbitrations_in_time: u32,
        /// Ratings this account committed and then did not reveal (counted by
        /// `count_withheld` after the reveal window): a rater who saw the other score and
        /// kept its own pays for it here.
        pub ratings_withheld: u32,
    }

    impl AccountReputation {
        /// Recomputes the two averages from the sums.
        fn refresh_averages(&mut self) {
            // checked_div is None only for a zero count or weight: no ratings, average 0.
            let centi = u128::from(self.rating_sum)
                .saturating_mul(100)
                .checked_div(u128::from(self.ratings_count))
                .unwrap_or(0);
            self.average_rating_centi = u32::try_from(centi).unwrap_or(u32::MAX);
            // `weighted_rating_sum <= 5 * rating_weight`; only a saturated sum overflows
            // `* 100`, then divide first and lose the fraction.
            let weighted = match self.weighted_rating_sum.checked_mul(100) {
                Some(scaled) => scaled.checked_div(self.rating_weight),
                None => self
                    .weighted_rating_sum
                    .checked_div(self.rating_weight)
                    .map(|avg| avg.saturating_mul(100)),
            };
            self.weighted_average_centi = u32::try_from(weighted.unwrap_or(0)).unwrap_or(u32::MAX);
        }
    }

    // ---------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------

    #[ink(storage)]
    pub struct Reputation {
        /// The code every reporting escrow runs, fixed at instantiation.
        escrow_code: Hash,
        /// The escrows `create_escrow` instantiated, by address (value: their number): the
        /// only callers `record_deal` takes.
        escrows: Mapping<AccountId, u32>,
        /// How many escrows `create_escrow` instantiated.
        escrow_count: u32,
        /// Length (ms) of the commit window; the reveal window ends one more window later.
        rating_window: u64,
        /// Smallest deal amount that counts for counters and ratings (at least 1).
        min_amount: Balance,
        /// The lowest platform fee of every escrow this contract creates; that part of each
        /// fee is paid here and stays here.
        fee_floor_bps: u16,
        /// Recorded deals by (reporting escrow, deal id).
        deals: Mapping<(AccountId, u64), DealRecord>,
        /// Earned reputation by account.
        stats: Mapping<AccountId, AccountReputation>,
    }

    // ---------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------

    /// An authorised escrow reported an ended deal.
    #[ink(event)]
    pub struct DealRecorded {
        pub escrow: AccountId,
        pub deal_id: u64,
        pub buyer: AccountId,
        pub seller: AccountId,
        pub outcome: DealOutcome,
    }

    /// Committed ratings left unrevealed were counted against their raters.
    #[ink(event)]
    pub struct RatingsWithheld {
        pub deal_id: u64,
        pub escrow: AccountId,
        /// Whether the buyer withheld its rating.
        pub buyer: bool,
        /// Whether the seller withheld its rating.
        pub seller: bool,
    }

    /// A party committed to a rating of the other party.
    #[ink(event)]
    pub struct RatingCommitted {
        pub escrow: AccountId,
        pub deal_id: u64,
        pub rater: AccountId,
    }

    /// A party revealed its rating of the other party.
    #[ink(event)]
    pub struct RatingRevealed {
        pub deal_id: u64,
        pub rater: AccountId,
        pub ratee: AccountId,
        pub escrow: AccountId,
        pub score: u8,
        pub comment: Option<Hash>,
    }

    /// `create_escrow` instantiated an escrow that reports here.
    #[ink(event)]
    pub struct EscrowCreated {
        pub escrow: AccountId,
        pub owner: AccountId,
    }

    // ---------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub enum Error {
        /// The rating window must be longer than zero.
        InvalidWindow,
        /// The caller is not an escrow this contract created.
        NotAuthorized,
        /// This escrow already reported this deal id.
        AlreadyRecorded,
        /// The report is inconsistent (buyer is seller, bps above 10 000, or the dispute
        /// opener is neither buyer nor seller).
        InvalidReport,
        /// No deal recorded under this escrow and deal id.
        DealNotFound,
        /// The caller is neither the buyer nor the seller of the deal.
        NotParty,
        /// The commit window of this deal is over.
        RatingWindowClosed,
        /// The caller already committed (on commit) or revealed (on reveal).
        AlreadyRated,
        /// The caller has not committed to a rating for this deal.
        NotCommitted,
        /// The other party has not committed and the commit window is still open.
        RevealTooEarly,
        /// The reveal window of this deal is over.
        RevealWindowClosed,
        /// Scores are 1..=5.
        InvalidScore,
        /// The revealed rating does not match the commitment.
        CommitmentMismatch,
        /// The deal is below the minimum amount or paid the seller nothing: no ratings.
        NotRateable,
        /// The reveal window of this deal is still open.
        RevealWindowOpen,
        /// Withheld ratings of this deal were counted already.
        AlreadyCounted,
        /// The escrow's constructor refused its arguments (or the salt was used before).
        EscrowNotCreated,
        /// `create_escrow`: a fee below the floor, or a `prune_after` shorter than the rating
        /// period (`2 * rating_window`), which would let a buyer prune a deal before it is
        /// rated. `new`: a floor above 10%.
        InvalidSettings,
    }

    /// The reputation result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Which side of a deal an account is on.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Party {
        Buyer,
        Seller,
    }

    impl Reputation {
        // -----------------------------------------------------------------------------
        // Constructor
        // -----------------------------------------------------------------------------

        /// Deploys the registry for escrows running `escrow_code` (uploaded beforehand).
        /// `rating_window` (ms, > 0) is how long the parties of an ended deal may commit
        /// ratings; reveals are open until twice that. Deals below `min_amount` (0 counts as
        /// 1) earn nothing. Every escrow it creates charges at least `fee_floor_bps` (at most
        /// 10%) and pays that part of its fees here, for good. Nobody owns it.
        #[ink(constructor)]
        pub fn new(
            rating_window: u64,
            min_amount: Balance,
            escrow_code: Hash,
            fee_floor_bps: u16,
        ) -> Result<Self> {
            if rating_window == 0 {
                return Err(Error::InvalidWindow);
            }
            if fee_floor_bps > MAX_FEE_FLOOR_BPS {
                return Err(Error::InvalidSettings);
            }
            Ok(Self {
                escrow_code,
                escrows: Mapping::default(),
                escrow_count: 0,
                rating_window,
                min_amount: min_amount.max(1),
                fee_floor_bps,
                deals: Mapping::default(),
                stats: Mapping::default(),
            })
        }

        // -----------------------------------------------------------------------------
        // Marketplaces
        // -----------------------------------------------------------------------------

        /// Anyone: instantiates an escrow from `escrow_code` that reports here, owned by the
        /// caller, with the platform fee `fee_bps` paid to `fee_recipient` and `settings`
        /// (see the escrow's constructor), at an address that depends on `salt`. The fee must
        /// be at least the floor, which replaces `settings.fee_floor_bps`, and `prune_after`
        /// at least the rating period (`InvalidSettings`). The caller pays every storage
        /// deposit, the escrow's requests contract's included. Returns the escrow's address.
        /// Emits `EscrowCreated`.
        #[ink(message)]
        pub fn create_escrow(
            &mut self,
            fee_bps: u16,
            fee_recipient: AccountId,
            settings: EscrowSettings,
            salt: Hash,
        ) -> Result<AccountId> {
            let owner = self.env().caller();
            let rating_period = self.rating_window.saturating_mul(2);
            if fee_bps < self.fee_floor_bps || settings.prune_after < rating_period {
                return Err(Error::InvalidSettings);
            }
            let settings = EscrowSettings {
                fee_floor_bps: self.fee_floor_bps,
                ..settings
            };
            let index = self.escrow_count;
            let escrow_count = index.checked_add(1).ok_or(Error::EscrowNotCreated)?;
            let input = ExecutionInput::new(Selector::new(ink::selector_bytes!("new")))
                .push_arg(owner)
                .push_arg(fee_bps)
                .push_arg(fee_recipient)
                .push_arg(Some(self.env().account_id()))
                .push_arg(settings);
            let escrow = crate::instantiate::instantiate(self.escrow_code, input, salt.as_ref())
                .ok_or(Error::EscrowNotCreated)?;
            self.escrows.insert(escrow, &index);
            self.escrow_count = escrow_count;
            self.env().emit_event(EscrowCreated { escrow, owner });
            Ok(escrow)
        }

        /// Off-chain tests only (ink!'s off-chain environment cannot instantiate contracts):
        /// what `create_escrow` does once `escrow` exists. The e2e tests create real escrows.
        #[cfg(any(test, feature = "test-support"))]
        pub fn admit_for_tests(&mut self, escrow: AccountId) {
            self.escrows.insert(escrow, &self.escrow_count);
            self.escrow_count = self.escrow_count.saturating_add(1);
            let owner = self.env().caller();
            self.env().emit_event(EscrowCreated { escrow, owner });
        }

        // -----------------------------------------------------------------------------
        // Escrow
        // -----------------------------------------------------------------------------

        /// An escrow this contract created only: records an ended deal under (caller,
        /// `deal_id`), once.
        /// A deal of at least `min_amount` updates the counters of buyer, seller, dispute
        /// opener and arbiter; if it also paid the seller something it opens rating for the
        /// two parties from now on. Emits `DealRecorded`.
        #[ink(message)]
        pub fn record_deal(&mut self, report: DealReport) -> Result<()> {
            let escrow = self.env().caller();
            if !self.escrows.contains(escrow) {
                return Err(Error::NotAuthorized);
            }
            let key = (escrow, report.deal_id);
            if self.deals.contains(key) {
                return Err(Error::AlreadyRecorded);
            }
            Self::validate_report(&report)?;

            let counted = report.amount >= self.min_amount;
            if counted {
                for (account, role) in crate::counters::roles(&report) {
                    self.update_stats(account, |s| crate::counters::count(s, &report, role));
                }
            }
            let DealReport {
                deal_id,
                buyer,
                seller,
                value,
                outcome,
                ..
            } = report;

            self.deals.insert(
                key,
                &DealRecord {
                    buyer,
                    seller,
                    value,
                    outcome,
                    ended_at: self.env().block_timestamp(),
                    buyer_commitment: None,
                    seller_commitment: None,
                    buyer_score: None,
                    seller_score: None,
                    rateable: counted && value > 0,
                    withheld_counted: false,
                },
            );
            self.env().emit_event(DealRecorded {
                escrow,
                deal_id,
                buyer,
                seller,
                outcome,
            });
            Ok(())
        }

        // -----------------------------------------------------------------------------
        // Raters
        // -----------------------------------------------------------------------------

        /// Buyer or seller of the deal only, once each, while `now < ended_at +
        /// rating_window`: stores the caller's `commitment` (see `rating_commitment`).
        /// Emits `RatingCommitted`.
        #[ink(message)]
        pub fn commit_rating(
            &mut self,
            escrow: AccountId,
            deal_id: u64,
            commitment: Hash,
        ) -> Result<()> {
            let rater = self.env().caller();
            let mut record = self
                .deals
                .get((escrow, deal_id))
                .ok_or(Error::DealNotFound)?;
            let party = Self::party_of(&record, rater).ok_or(Error::NotParty)?;
            if !record.rateable {
                return Err(Error::NotRateable);
            }
            let now = self.env().block_timestamp();
            if now >= self.commit_deadline(&record) {
                return Err(Error::RatingWindowClosed);
            }
            let slot = match party {
                Party::Buyer => &mut record.buyer_commitment,
                Party::Seller => &mut record.seller_commitment,
            };
            if slot.is_some() {
                return Err(Error::AlreadyRated);
            }
            *slot = Some(commitment);

            self.deals.insert((escrow, deal_id), &record);
            self.env().emit_event(RatingCommitted {
                escrow,
                deal_id,
                rater,
            });
            Ok(())
        }

        /// A party that committed only, once: reveals its rating of the other party.
        /// Open once both parties committed or the commit window passed, and until
        /// `ended_at + 2 * rating_window`. `score` must be 1..=5 and the values must hash
        /// to the commitment. Adds `score` to the other party's ratings, weighted by the
        /// deal value. Emits `RatingRevealed`.
        #[ink(message)]
        pub fn reveal_rating(
            &mut self,
            escrow: AccountId,
            deal_id: u64,
            score: u8,
            comment: Option<Hash>,
            salt: [u8; 32],
        ) -> Result<()> {
            let rater = self.env().caller();
            let mut record = self
                .deals
                .get((escrow, deal_id))
                .ok_or(Error::DealNotFound)?;
            let party = Self::party_of(&record, rater).ok_or(Error::NotParty)?;
            let (commitment, other_committed, revealed, ratee) = match party {
                Party::Buyer => (
                    record.buyer_commitment,
                    record.seller_commitment.is_some(),
                    record.buyer_score.is_some(),
                    record.seller,
                ),
                Party::Seller => (
                    record.seller_commitment,
                    record.buyer_commitment.is_some(),
                    record.seller_score.is_some(),
                    record.buyer,
                ),
            };
            let commitment = commitment.ok_or(Error::NotCommitted)?;
            if revealed {
                return Err(Error::AlreadyRated);
            }
            let now = self.env().block_timestamp();
            if !other_committed && now < self.commit_deadline(&record) {
                return Err(Error::RevealTooEarly);
            }
            if now >= self.reveal_deadline(&record) {
                return Err(Error::RevealWindowClosed);
            }
            if !(MIN_SCORE..=MAX_SCORE).contains(&score) {
                return Err(Error::InvalidScore);
            }
            if commitment != self.rating_commitment(escrow, deal_id, rater, score, comment, salt) {
                return Err(Error::CommitmentMismatch);
            }

            match party {
                Party::Buyer => record.buyer_score = Some(score),
                Party::Seller => record.seller_score = Some(score),
            }
            let value = record.value;
            self.deals.insert((escrow, deal_id), &record);
            self.update_stats(ratee, |s| {
                s.ratings_count = s.ratings_count.saturating_add(1);
                s.rating_sum = s.rating_sum.saturating_add(u64::from(score));
                s.weighted_rating_sum = s
                    .weighted_rating_sum
                    .saturating_add(value.saturating_mul(u128::from(score)));
                s.rating_weight = s.rating_weight.saturating_add(value);
            });
            self.env().emit_event(RatingRevealed {
                deal_id,
                rater,
                ratee,
                escrow,
                score,
                comment,
            });
            Ok(())
        }

        /// Anyone, once per deal, after its reveal window: counts every rating that was
        /// committed but never revealed against its rater (`ratings_withheld`). Returns
        /// how many it counted. Emits `RatingsWithheld` when it counted any.
        #[ink(message)]
        pub fn count_withheld(&mut self, escrow: AccountId, deal_id: u64) -> Result<u8> {
            let mut record = self
                .deals
                .get((escrow, deal_id))
                .ok_or(Error::DealNotFound)?;
            if self.env().block_timestamp() < self.reveal_deadline(&record) {
                return Err(Error::RevealWindowOpen);
            }
            if record.withheld_counted {
                return Err(Error::AlreadyCounted);
            }
            let buyer = record.buyer_commitment.is_some() && record.buyer_score.is_none();
            let seller = record.seller_commitment.is_some() && record.seller_score.is_none();

            record.withheld_counted = true;
            self.deals.insert((escrow, deal_id), &record);
            for (withheld, rater) in [(buyer, record.buyer), (seller, record.seller)] {
                if withheld {
                    self.update_stats(rater, |s| {
                        s.ratings_withheld = s.ratings_withheld.saturating_add(1)
                    });
                }
            }
            if buyer || seller {
                self.env().emit_event(RatingsWithheld {
                    deal_id,
                    escrow,
                    buyer,
                    seller,
                });
            }
            Ok(u8::from(buyer).saturating_add(u8::from(seller)))
        }

        // -----------------------------------------------------------------------------
        // Reads
        // -----------------------------------------------------------------------------

        /// Anyone: the commitment `rater` must submit to later reveal `score`, `comment`
        /// and `salt` for deal `deal_id` of `escrow`:
        /// `blake2_256(SCALE((escrow, deal_id, rater, score, comment, salt)))`.
        #[ink(message)]
        pub fn rating_commitment(
            &self,
            escrow: AccountId,
            deal_id: u64,
            rater: AccountId,
            score: u8,
            comment: Option<Hash>,
            salt: [u8; 32],
        ) -> Hash {
            let mut output = <Blake2x256 as ink::env::hash::HashOutput>::Type::default();
            ink::env::hash_encoded::<Blake2x256, _>(
                &(escrow, deal_id, rater, score, comment, salt),
                &mut output,
            );
            Hash::from(output)
        }

        /// Anyone: what `account` has earned (all zeros for an unknown account).
        #[ink(message)]
        pub fn reputation(&self, account: AccountId) -> AccountReputation {
            self.stats.get(account).unwrap_or_default()
        }

        /// Anyone: the deal `escrow` reported under `deal_id`, if any.
        #[ink(message)]
        pub fn deal_record(&self, escrow: AccountId, deal_id: u64) -> Option<DealRecord> {
            self.deals.get((escrow, deal_id))
        }

        /// Anyone: whether `escrow` may report deals (this contract created it).
        #[ink(message)]
        pub fn is_authorized(&self, escrow: AccountId) -> bool {
            self.escrows.contains(escrow)
        }

        /// Anyone: the code hash every reporting escrow runs.
        #[ink(message)]
        pub fn escrow_code(&self) -> Hash {
            self.escrow_code
        }

        /// Anyone: the commit window (ms); the reveal window ends one more window later.
        #[ink(message)]
        pub fn rating_window(&self) -> u64 {
            self.rating_window
        }

        /// Anyone: the smallest deal amount that counts for counters and ratings.
        #[ink(message)]
        pub fn min_amount(&self) -> Balance {
            self.min_amount
        }

        /// Anyone: the lowest platform fee of the escrows this contract creates.
        #[ink(message)]
        pub fn fee_floor_bps(&self) -> u16 {
            self.fee_floor_bps
        }

        // -----------------------------------------------------------------------------
        // Internals
        // -----------------------------------------------------------------------------

        fn validate_report(report: &DealReport) -> Result<()> {
            let bps_ok = report.seller_bps.is_none_or(|bps| bps <= MAX_BPS);
            let opener_ok = report
                .dispute_opened_by
                .is_none_or(|o| o == report.buyer || o == report.seller);
            if report.buyer == report.seller || !bps_ok || !opener_ok {
                return Err(Error::InvalidReport);
            }
            Ok(())
        }

        fn party_of(record: &DealRecord, account: AccountId) -> Option<Party> {
            if account == record.buyer {
                Some(Party::Buyer)
            } else if account == record.seller {
                Some(Party::Seller)
            } else {
                None
            }
        }

        /// First timestamp at which commits are closed (and reveals open regardless).
        fn commit_deadline(&self, record: &DealRecord) -> Timestamp {
            record.ended_at.saturating_add(self.rating_window)
        }

        /// First timestamp at which reveals are closed.
        fn reveal_deadline(&self, record: &DealRecord) -> Timestamp {
            record
                .ended_at
                .saturating_add(self.rating_window.saturating_mul(2))
        }

        /// Loads, changes and stores the stats of `account`, keeping the averages in step.
        fn update_stats(
            &mut self,
            account: AccountId,
            change: impl FnOnce(&mut AccountReputation),
        ) {
            let mut stats = self.stats.get(account).unwrap_or_default();
            change(&mut stats);
            stats.refresh_averages();
            self.stats.insert(account, &stats);
        }
    }

    // ---------------------------------------------------------------------------------
    // Unit tests
    // ---------------------------------------------------------------------------------

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test::{self, DefaultAccounts, EmittedEvent};
        use ink::env::DefaultEnvironment;
        use scale::{Decode, Encode};

        const WINDOW: u64 = 1_000;
        const START: u64 = 10_000;
        const SALT: [u8; 32] = [7; 32];

        fn accounts() -> DefaultAccounts<DefaultEnvironment> {
            test::default_accounts::<DefaultEnvironment>()
        }

        fn set_caller(account: AccountId) {
            test::set_caller::<DefaultEnvironment>(account);
        }

        fn set_now(timestamp: u64) {
            test::set_block_timestamp::<DefaultEnvironment>(timestamp);
        }

        fn events() -> Vec<EmittedEvent> {
            test::recorded_events().collect()
        }

        /// Decodes `event` as `E` after checking its signature topic.
        fn decode<E: ink::env::Event + Decode>(event: &EmittedEvent) -> E {
            let signature = E::SIGNATURE_TOPIC.expect("events are not anonymous");
            assert_eq!(event.topics[0], signature.to_vec(), "unexpected event type");
            E::decode(&mut &event.data[..]).expect("event decodes")
        }

        /// Alice owns, Django is the escrow, Bob buys, Charlie sells, Eve arbitrates.
        fn escrow() -> AccountId {
            accounts().django
        }
        fn buyer() -> AccountId {
            accounts().bob
        }
        fn seller() -> AccountId {
            accounts().charlie
        }
        fn arbiter() -> AccountId {
            accounts().eve
        }
        fn stranger() -> AccountId {
            accounts().frank
        }

        fn report(deal_id: u64, outcome: DealOutcome, value: Balance) -> DealReport {
            let seller_bps = match outcome {
                DealOutcome::Completed | DealOutcome::Refunded | DealOutcome::Reclaimed => None,
                _ => Some(5_000),
            };
            DealReport {
                deal_id,
                buyer: buyer(),
                seller: seller(),
                arbiter: arbiter(),
                amount: value,
                value,
                outcome,
                dispute_opened_by: None,
                seller_bps,
                seller_failed: outcome == DealOutcome::Reclaimed,
            }
        }

        /// The escrow code the registries of these tests trust.
        fn code() -> Hash {
            Hash::from([9; 32])
        }

        /// A registry deployed by Alice with Django as an escrow it created, at `START`.
        fn deployed() -> Reputation {
            set_now(START);
            set_caller(accounts().alice);
            let mut contract = Reputation::new(WINDOW, 1, code(), 0).expect("window is valid");
            contract.admit_for_tests(escrow());
            contract
        }

        /// `deployed()` with deal 1 (Completed, value 100) recorded at `START`.
        fn with_deal() -> Reputation {
            let mut contract = deployed();
            set_caller(escrow());
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Completed, 100)),
                Ok(())
            );
            contract
        }

        fn commitment_of(contract: &Reputation, rater: AccountId, score: u8) -> Hash {
            contract.rating_commitment(escrow(), 1, rater, score, None, SALT)
        }

        fn commit(contract: &mut Reputation, rater: AccountId, score: u8) -> Result<()> {
            set_caller(rater);
            let commitment = commitment_of(contract, rater, score);
            contract.commit_rating(escrow(), 1, commitment)
        }

        fn reveal(contract: &mut Reputation, rater: AccountId, score: u8) -> Result<()> {
            set_caller(rater);
            contract.reveal_rating(escrow(), 1, score, None, SALT)
        }

        // ---- constructor ------------------------------------------------------------

        #[ink::test]
        fn a_new_registry_trusts_its_escrow_code_and_no_reporter_yet() {
            set_caller(accounts().alice);
            let contract = Reputation::new(WINDOW, 1, code(), 0).expect("window is valid");
            assert_eq!(contract.escrow_code(), code());
            assert_eq!(contract.rating_window(), WINDOW);
            assert!(!contract.is_authorized(escrow()));
            // Not even its deployer can record a deal.
            let mut contract = contract;
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Completed, 100)),
                Err(Error::NotAuthorized)
            );
            assert!(events().is_empty());
        }

        #[ink::test]
        fn zero_rating_window_is_rejected() {
            assert!(matches!(
                Reputation::new(0, 1, code(), 0),
                Err(Error::InvalidWindow)
            ));
        }

        // ---- escrow -----------------------------------------------------------------

        #[ink::test]
        fn authorized_escrow_records_a_deal() {
            let contract = with_deal();
            assert_eq!(
                contract.deal_record(escrow(), 1),
                Some(DealRecord {
                    buyer: buyer(),
                    seller: seller(),
                    value: 100,
                    outcome: DealOutcome::Completed,
                    ended_at: START,
                    buyer_commitment: None,
                    seller_commitment: None,
                    buyer_score: None,
                    seller_score: None,
                    rateable: true,
                    withheld_counted: false,
                })
            );
            let events = events();
            assert_eq!(events.len(), 2);
            let event: DealRecorded = decode(&events[1]);
            assert_eq!(event.escrow, escrow());
            assert_eq!(event.deal_id, 1);
            assert_eq!(event.buyer, buyer());
            assert_eq!(event.seller, seller());
            assert_eq!(event.outcome, DealOutcome::Completed);
            assert_eq!(events[1].topics.len(), 1, "only the signature topic");
        }

        #[ink::test]
        fn only_authorized_escrow_can_record() {
            let mut contract = deployed();
            set_caller(stranger());
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Completed, 100)),
                Err(Error::NotAuthorized)
            );
            assert_eq!(contract.deal_record(stranger(), 1), None);
            assert_eq!(contract.reputation(buyer()), AccountReputation::default());
            assert_eq!(contract.reputation(seller()), AccountReputation::default());
            assert_eq!(events().len(), 1);
        }

        #[ink::test]
        fn deal_cannot_be_recorded_twice() {
            let mut contract = with_deal();
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Refunded, 5)),
                Err(Error::AlreadyRecorded)
            );
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(record.outcome, DealOutcome::Completed);
            assert_eq!(contract.reputation(buyer()).deals_completed_as_buyer, 1);
            assert_eq!(events().len(), 2);
        }

        #[ink::test]
        fn deal_ids_are_separate_per_escrow() {
            let mut contract = with_deal();
            contract.admit_for_tests(stranger());
            set_caller(stranger());
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Refunded, 5)),
                Ok(())
            );
            assert_eq!(
                contract.deal_record(escrow(), 1).map(|r| r.outcome),
                Some(DealOutcome::Completed)
            );
            assert_eq!(
                contract.deal_record(stranger(), 1).map(|r| r.outcome),
                Some(DealOutcome::Refunded)
            );
        }

        #[ink::test]
        fn report_with_buyer_as_seller_is_rejected() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut bad = report(1, DealOutcome::Completed, 100);
            bad.seller = bad.buyer;
            assert_eq!(contract.record_deal(bad), Err(Error::InvalidReport));
            assert_eq!(contract.deal_record(escrow(), 1), None);
            assert_eq!(contract.reputation(buyer()), AccountReputation::default());
        }

        #[ink::test]
        fn report_with_bps_above_whole_is_rejected() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut bad = report(1, DealOutcome::Settled, 100);
            bad.seller_bps = Some(10_001);
            bad.dispute_opened_by = Some(buyer());
            assert_eq!(contract.record_deal(bad), Err(Error::InvalidReport));
            assert_eq!(contract.deal_record(escrow(), 1), None);
            assert_eq!(contract.reputation(buyer()), AccountReputation::default());
        }

        #[ink::test]
        fn report_with_dispute_opened_by_outsider_is_rejected() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut bad = report(1, DealOutcome::Ruled, 100);
            bad.dispute_opened_by = Some(stranger());
            assert_eq!(contract.record_deal(bad), Err(Error::InvalidReport));
            assert_eq!(contract.deal_record(escrow(), 1), None);
            assert_eq!(
                contract.reputation(stranger()),
                AccountReputation::default()
            );
            assert_eq!(contract.reputation(arbiter()), AccountReputation::default());
        }

        #[ink::test]
        fn completed_deal_counts_for_buyer_and_seller() {
            let contract = with_deal();
            let buyer_stats = contract.reputation(buyer());
            assert_eq!(buyer_stats.deals_completed_as_buyer, 1);
            assert_eq!(buyer_stats.deals_completed_as_seller, 0);
            let seller_stats = contract.reputation(seller());
            assert_eq!(seller_stats.deals_completed_as_seller, 1);
            assert_eq!(seller_stats.deals_completed_as_buyer, 0);
            assert_eq!(contract.reputation(arbiter()), AccountReputation::default());
        }

        #[ink::test]
        fn deals_ending_otherwise_do_not_count_as_completed() {
            let mut contract = deployed();
            set_caller(escrow());
            for (id, outcome) in [
                DealOutcome::Refunded,
                DealOutcome::Reclaimed,
                DealOutcome::Settled,
            ]
            .into_iter()
            .enumerate()
            {
                assert_eq!(contract.record_deal(report(id as u64, outcome, 1)), Ok(()));
            }
            let buyer_stats = contract.reputation(buyer());
            assert_eq!(buyer_stats.deals_completed_as_buyer, 0);
            assert_eq!(buyer_stats.volume, 3);
            let seller_stats = contract.reputation(seller());
            assert_eq!(
                (
                    seller_stats.deals_completed_as_seller,
                    seller_stats.deals_as_seller,
                    seller_stats.deals_failed_as_seller
                ),
                (0, 3, 1),
                "only the reclaimed deal failed"
            );
            assert_eq!(contract.reputation(arbiter()), AccountReputation::default());
        }

        #[ink::test]
        fn dispute_opener_with_more_than_half_wins_and_in_time_ruling_counts() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut ruled = report(1, DealOutcome::Ruled, 100);
            ruled.dispute_opened_by = Some(buyer());
            ruled.seller_bps = Some(2_000);
            assert_eq!(contract.record_deal(ruled), Ok(()));

            let buyer_stats = contract.reputation(buyer());
            assert_eq!(buyer_stats.disputes_opened, 1);
            assert_eq!(buyer_stats.disputes_won, 1);
            assert_eq!(buyer_stats.disputes_lost, 0);
            assert_eq!(buyer_stats.deals_completed_as_buyer, 0);
            // The other party answered the dispute and lost it.
            let seller_stats = contract.reputation(seller());
            assert_eq!(
                (
                    seller_stats.disputes_opened,
                    seller_stats.disputes_answered,
                    seller_stats.disputes_answered_won,
                    seller_stats.disputes_answered_lost
                ),
                (0, 1, 0, 1)
            );
            let arbiter_stats = contract.reputation(arbiter());
            assert_eq!(arbiter_stats.arbitrations, 1);
            assert_eq!(arbiter_stats.arbitrations_in_time, 1);
        }

        #[ink::test]
        fn dispute_opener_with_less_than_half_loses() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut ruled = report(1, DealOutcome::Ruled, 100);
            ruled.dispute_opened_by = Some(seller());
            ruled.seller_bps = Some(4_999);
            assert_eq!(contract.record_deal(ruled), Ok(()));

            let seller_stats = contract.reputation(seller());
            assert_eq!(seller_stats.disputes_opened, 1);
            assert_eq!(seller_stats.disputes_won, 0);
            assert_eq!(seller_stats.disputes_lost, 1);
            let buyer_stats = contract.reputation(buyer());
            assert_eq!(
                (
                    buyer_stats.disputes_answered,
                    buyer_stats.disputes_answered_won
                ),
                (1, 1)
            );
        }

        #[ink::test]
        fn even_default_ruling_is_neither_won_nor_lost_nor_in_time() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut default_ruled = report(1, DealOutcome::DefaultRuled, 100);
            default_ruled.dispute_opened_by = Some(seller());
            assert_eq!(contract.record_deal(default_ruled), Ok(()));

            let seller_stats = contract.reputation(seller());
            assert_eq!(seller_stats.disputes_opened, 1);
            assert_eq!(seller_stats.disputes_won, 0);
            assert_eq!(seller_stats.disputes_lost, 0);
            let arbiter_stats = contract.reputation(arbiter());
            assert_eq!(arbiter_stats.arbitrations, 1);
            assert_eq!(arbiter_stats.arbitrations_in_time, 0);
        }

        #[ink::test]
        fn a_dispute_the_other_side_simply_refunds_is_not_a_dispute_won() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut refunded = report(1, DealOutcome::Refunded, 0);
            refunded.amount = 100;
            refunded.dispute_opened_by = Some(buyer());
            assert_eq!(contract.record_deal(refunded), Ok(()));

            let buyer_stats = contract.reputation(buyer());
            assert_eq!(buyer_stats.disputes_opened, 1);
            assert_eq!(buyer_stats.disputes_won, 0);
            let seller_stats = contract.reputation(seller());
            assert_eq!(
                (
                    seller_stats.disputes_answered,
                    seller_stats.disputes_answered_lost
                ),
                (1, 0)
            );
            assert_eq!(contract.reputation(arbiter()), AccountReputation::default());
        }

        #[ink::test]
        fn refunded_self_deals_cannot_dilute_a_sellers_failures() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut reclaimed = report(1, DealOutcome::Reclaimed, 0);
            reclaimed.amount = 100;
            assert_eq!(contract.record_deal(reclaimed), Ok(()));
            for id in 2..12 {
                let mut refunded = report(id, DealOutcome::Refunded, 0);
                refunded.amount = 100;
                assert_eq!(contract.record_deal(refunded), Ok(()));
            }
            let seller = contract.reputation(seller());
            assert_eq!(
                (seller.deals_as_seller, seller.deals_failed_as_seller),
                (1, 1)
            );
            assert_eq!(
                contract.reputation(buyer()),
                AccountReputation::default(),
                "a refund in time writes no record"
            );
        }

        #[ink::test]
        fn a_seller_who_never_delivers_keeps_a_record_of_it() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut reclaimed = report(1, DealOutcome::Reclaimed, 0);
            reclaimed.amount = 100;
            assert_eq!(contract.record_deal(reclaimed), Ok(()));
            let mut late_refund = report(2, DealOutcome::Refunded, 0);
            late_refund.amount = 100;
            late_refund.seller_failed = true;
            assert_eq!(contract.record_deal(late_refund), Ok(()));
            assert_eq!(
                contract.record_deal(report(3, DealOutcome::Completed, 100)),
                Ok(())
            );

            let seller_stats = contract.reputation(seller());
            assert_eq!(
                (
                    seller_stats.deals_as_seller,
                    seller_stats.deals_failed_as_seller,
                    seller_stats.deals_completed_as_seller,
                    seller_stats.volume
                ),
                (3, 2, 1, 100)
            );
            assert_eq!(crate::screening::failed_bps(&seller_stats), 6_666);
            assert_eq!(contract.reputation(buyer()).volume, 100);
        }

        #[ink::test]
        fn dispute_without_split_counts_as_opened_only() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut settled = report(1, DealOutcome::Settled, 100);
            settled.dispute_opened_by = Some(buyer());
            settled.seller_bps = None;
            assert_eq!(contract.record_deal(settled), Ok(()));

            let buyer_stats = contract.reputation(buyer());
            assert_eq!(buyer_stats.disputes_opened, 1);
            assert_eq!(buyer_stats.disputes_won, 0);
            assert_eq!(buyer_stats.disputes_lost, 0);
        }

        #[ink::test]
        fn counters_saturate_instead_of_overflowing() {
            let mut contract = deployed();
            let full = AccountReputation {
                ratings_count: u32::MAX,
                rating_sum: u64::MAX,
                weighted_rating_sum: u128::MAX,
                rating_weight: u128::MAX,
                average_rating_centi: 0,
                weighted_average_centi: 0,
                deals_completed_as_buyer: u32::MAX,
                deals_completed_as_seller: u32::MAX,
                disputes_opened: u32::MAX,
                disputes_won: u32::MAX,
                disputes_lost: u32::MAX,
                disputes_answered: u32::MAX,
                disputes_answered_won: u32::MAX,
                disputes_answered_lost: u32::MAX,
                deals_as_seller: u32::MAX,
                deals_failed_as_seller: u32::MAX,
                volume: u128::MAX,
                arbitrations: u32::MAX,
                arbitrations_in_time: u32::MAX,
                ratings_withheld: u32::MAX,
            };
            contract.stats.insert(seller(), &full);
            set_caller(escrow());
            let mut big = report(1, DealOutcome::Completed, Balance::MAX);
            big.dispute_opened_by = Some(seller());
            assert_eq!(contract.record_deal(big), Ok(()));
            assert_eq!(commit(&mut contract, buyer(), 5), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 5), Ok(()));
            assert_eq!(reveal(&mut contract, buyer(), 5), Ok(()));

            let stats = contract.reputation(seller());
            assert_eq!(stats.ratings_count, u32::MAX);
            assert_eq!(stats.rating_sum, u64::MAX);
            assert_eq!(stats.weighted_rating_sum, u128::MAX);
            assert_eq!(stats.rating_weight, u128::MAX);
            assert_eq!(stats.deals_completed_as_seller, u32::MAX);
            assert_eq!(stats.disputes_opened, u32::MAX);
            assert_eq!(stats.disputes_won, u32::MAX);
            assert_eq!(stats.deals_as_seller, u32::MAX);
            assert_eq!(stats.volume, u128::MAX);
            assert_eq!(stats.average_rating_centi, u32::MAX);
            assert_eq!(stats.weighted_average_centi, 100);
        }

        // ---- raters: commit ---------------------------------------------------------

        #[ink::test]
        fn party_can_commit_a_rating() {
            let mut contract = with_deal();
            set_now(START + WINDOW - 1);
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(
                record.buyer_commitment,
                Some(commitment_of(&contract, buyer(), 4))
            );
            assert_eq!(record.seller_commitment, None);
            assert_eq!(record.buyer_score, None);

            let events = events();
            assert_eq!(events.len(), 3);
            let event: RatingCommitted = decode(&events[2]);
            assert_eq!(event.escrow, escrow());
            assert_eq!(event.deal_id, 1);
            assert_eq!(event.rater, buyer());
            assert_eq!(events[2].topics.len(), 1, "only the signature topic");
        }

        #[ink::test]
        fn only_a_party_can_commit() {
            let mut contract = with_deal();
            for outsider in [stranger(), arbiter(), escrow()] {
                assert_eq!(commit(&mut contract, outsider, 4), Err(Error::NotParty));
            }
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(record.buyer_commitment, None);
            assert_eq!(record.seller_commitment, None);
            assert_eq!(events().len(), 2);
        }

        #[ink::test]
        fn commit_for_unknown_deal_is_rejected() {
            let mut contract = with_deal();
            set_caller(buyer());
            assert_eq!(
                contract.commit_rating(escrow(), 2, Hash::from([1; 32])),
                Err(Error::DealNotFound)
            );
            assert_eq!(
                contract.commit_rating(stranger(), 1, Hash::from([1; 32])),
                Err(Error::DealNotFound)
            );
            assert_eq!(events().len(), 2);
        }

        #[ink::test]
        fn commit_after_rating_window_is_rejected() {
            let mut contract = with_deal();
            set_now(START + WINDOW);
            assert_eq!(
                commit(&mut contract, buyer(), 4),
                Err(Error::RatingWindowClosed)
            );
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(record.buyer_commitment, None);
            assert_eq!(events().len(), 2);
        }

        #[ink::test]
        fn second_commitment_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, seller(), 2), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 5), Err(Error::AlreadyRated));
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(
                record.seller_commitment,
                Some(commitment_of(&contract, seller(), 2))
            );
            assert_eq!(events().len(), 3);
        }

        // ---- raters: reveal ---------------------------------------------------------

        #[ink::test]
        fn reveal_after_both_committed_rates_the_other_party() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 2), Ok(()));
            set_now(START + 1);
            assert_eq!(reveal(&mut contract, buyer(), 4), Ok(()));

            let seller_stats = contract.reputation(seller());
            assert_eq!(seller_stats.ratings_count, 1);
            assert_eq!(seller_stats.rating_sum, 4);
            assert_eq!(seller_stats.weighted_rating_sum, 400);
            assert_eq!(seller_stats.rating_weight, 100);
            assert_eq!(seller_stats.average_rating_centi, 400);
            assert_eq!(seller_stats.weighted_average_centi, 400);
            // The rater itself is not rated.
            assert_eq!(contract.reputation(buyer()).ratings_count, 0);
            let record = contract.deal_record(escrow(), 1).expect("recorded");
            assert_eq!(record.buyer_score, Some(4));
            assert_eq!(record.seller_score, None);

            let events = events();
            assert_eq!(events.len(), 5);
            let event: RatingRevealed = decode(&events[4]);
            assert_eq!(event.deal_id, 1);
            assert_eq!(event.rater, buyer());
            assert_eq!(event.ratee, seller());
            assert_eq!(event.escrow, escrow());
            assert_eq!(event.score, 4);
            assert_eq!(event.comment, None);
            assert_eq!(events[4].topics.len(), 1, "only the signature topic");
        }

        #[ink::test]
        fn reveal_carries_the_committed_comment() {
            let mut contract = with_deal();
            let comment = Some(Hash::from([9; 32]));
            set_caller(seller());
            let commitment = contract.rating_commitment(escrow(), 1, seller(), 3, comment, SALT);
            assert_eq!(contract.commit_rating(escrow(), 1, commitment), Ok(()));
            assert_eq!(commit(&mut contract, buyer(), 5), Ok(()));
            set_caller(seller());
            assert_eq!(
                contract.reveal_rating(escrow(), 1, 3, comment, SALT),
                Ok(())
            );
            assert_eq!(contract.reputation(buyer()).rating_sum, 3);
            let event: RatingRevealed = decode(events().last().expect("an event"));
            assert_eq!(event.rater, seller());
            assert_eq!(event.ratee, buyer());
            assert_eq!(event.comment, comment);
            assert_eq!(
                contract.deal_record(escrow(), 1).map(|r| r.seller_score),
                Some(Some(3))
            );
        }

        #[ink::test]
        fn reveal_before_both_committed_is_too_early() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            set_now(START + WINDOW - 1);
            assert_eq!(
                reveal(&mut contract, buyer(), 4),
                Err(Error::RevealTooEarly)
            );
            assert_eq!(
                contract.reputation(seller()),
                AccountReputation {
                    deals_completed_as_seller: 1,
                    deals_as_seller: 1,
                    volume: 100,
                    ..Default::default()
                }
            );
            assert_eq!(events().len(), 3);
        }

        #[ink::test]
        fn reveal_alone_is_allowed_once_commit_window_passed() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            set_now(START + WINDOW);
            assert_eq!(reveal(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(contract.reputation(seller()).ratings_count, 1);
        }

        #[ink::test]
        fn reveal_after_reveal_window_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 4), Ok(()));
            set_now(START + 2 * WINDOW - 1);
            assert_eq!(reveal(&mut contract, seller(), 4), Ok(()));
            set_now(START + 2 * WINDOW);
            assert_eq!(
                reveal(&mut contract, buyer(), 4),
                Err(Error::RevealWindowClosed)
            );
            assert_eq!(contract.reputation(seller()).ratings_count, 0);
            assert_eq!(
                contract.deal_record(escrow(), 1).map(|r| r.buyer_score),
                Some(None)
            );
        }

        #[ink::test]
        fn reveal_without_commitment_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            set_now(START + WINDOW);
            assert_eq!(reveal(&mut contract, seller(), 4), Err(Error::NotCommitted));
            assert_eq!(contract.reputation(buyer()).ratings_count, 0);
        }

        #[ink::test]
        fn reveal_by_outsider_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 4), Ok(()));
            assert_eq!(reveal(&mut contract, stranger(), 4), Err(Error::NotParty));
            assert_eq!(reveal(&mut contract, arbiter(), 4), Err(Error::NotParty));
        }

        #[ink::test]
        fn reveal_for_unknown_deal_is_rejected() {
            let mut contract = with_deal();
            set_caller(buyer());
            assert_eq!(
                contract.reveal_rating(escrow(), 2, 4, None, SALT),
                Err(Error::DealNotFound)
            );
        }

        #[ink::test]
        fn second_rating_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 4), Ok(()));
            assert_eq!(reveal(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(reveal(&mut contract, buyer(), 4), Err(Error::AlreadyRated));
            let stats = contract.reputation(seller());
            assert_eq!(stats.ratings_count, 1);
            assert_eq!(stats.rating_sum, 4);
            assert_eq!(events().len(), 5);
        }

        #[ink::test]
        fn score_outside_one_to_five_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 0), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 6), Ok(()));
            assert_eq!(reveal(&mut contract, buyer(), 0), Err(Error::InvalidScore));
            assert_eq!(reveal(&mut contract, seller(), 6), Err(Error::InvalidScore));
            assert_eq!(contract.reputation(buyer()).ratings_count, 0);
            assert_eq!(contract.reputation(seller()).ratings_count, 0);
        }

        #[ink::test]
        fn reveal_not_matching_commitment_is_rejected() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 4), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 4), Ok(()));
            set_caller(buyer());
            let e = escrow();
            for (score, comment, salt) in [
                (5, None, SALT),
                (4, Some(Hash::from([1; 32])), SALT),
                (4, None, [8; 32]),
            ] {
                assert_eq!(
                    contract.reveal_rating(e, 1, score, comment, salt),
                    Err(Error::CommitmentMismatch)
                );
            }
            assert_eq!(contract.reputation(seller()).ratings_count, 0);
            assert_eq!(
                contract.deal_record(escrow(), 1).map(|r| r.buyer_score),
                Some(None)
            );
            // The right values still work afterwards.
            assert_eq!(reveal(&mut contract, buyer(), 4), Ok(()));
        }

        #[ink::test]
        fn averages_are_plain_and_value_weighted() {
            let mut contract = deployed();
            set_caller(escrow());
            assert_eq!(
                contract.record_deal(report(1, DealOutcome::Completed, 100)),
                Ok(())
            );
            assert_eq!(
                contract.record_deal(report(2, DealOutcome::Completed, 300)),
                Ok(())
            );
            assert_eq!(
                contract.record_deal(report(3, DealOutcome::Settled, 100)),
                Ok(())
            );
            for (deal_id, score) in [(1u64, 5u8), (2, 1), (3, 2)] {
                for rater in [buyer(), seller()] {
                    set_caller(rater);
                    let c = contract.rating_commitment(escrow(), deal_id, rater, score, None, SALT);
                    assert_eq!(contract.commit_rating(escrow(), deal_id, c), Ok(()));
                }
                set_caller(buyer());
                assert_eq!(
                    contract.reveal_rating(escrow(), deal_id, score, None, SALT),
                    Ok(())
                );
            }
            let stats = contract.reputation(seller());
            assert_eq!(stats.ratings_count, 3);
            assert_eq!(stats.rating_sum, 8);
            // (5 + 1 + 2) / 3 = 2.66
            assert_eq!(stats.average_rating_centi, 266);
            // (5 * 100 + 1 * 300 + 2 * 100) / 500 = 2.00
            assert_eq!(stats.weighted_rating_sum, 1_000);
            assert_eq!(stats.rating_weight, 500);
            assert_eq!(stats.weighted_average_centi, 200);
            assert_eq!(stats.deals_completed_as_seller, 2);
        }

        // ---- reads ------------------------------------------------------------------

        #[ink::test]
        fn unknown_accounts_and_deals_read_as_empty() {
            let contract = deployed();
            assert_eq!(
                contract.reputation(stranger()),
                AccountReputation::default()
            );
            assert_eq!(contract.deal_record(escrow(), 1), None);
            assert!(!contract.is_authorized(stranger()));
        }

        #[ink::test]
        fn rating_commitment_is_blake2_of_the_encoded_tuple() {
            let contract = deployed();
            let comment = Some(Hash::from([3; 32]));
            let expected = {
                let encoded = (escrow(), 9u64, buyer(), 4u8, comment, SALT).encode();
                let mut out = [0u8; 32];
                ink::env::hash_bytes::<Blake2x256>(&encoded, &mut out);
                Hash::from(out)
            };
            let actual = contract.rating_commitment(escrow(), 9, buyer(), 4, comment, SALT);
            assert_eq!(actual, expected);
            // Every input is bound.
            for other in [
                contract.rating_commitment(stranger(), 9, buyer(), 4, comment, SALT),
                contract.rating_commitment(escrow(), 8, buyer(), 4, comment, SALT),
                contract.rating_commitment(escrow(), 9, seller(), 4, comment, SALT),
                contract.rating_commitment(escrow(), 9, buyer(), 5, comment, SALT),
                contract.rating_commitment(escrow(), 9, buyer(), 4, None, SALT),
                contract.rating_commitment(escrow(), 9, buyer(), 4, comment, [0; 32]),
            ] {
                assert_ne!(other, expected);
            }
        }

        #[ink::test]
        fn commitment_of_another_rater_cannot_be_revealed() {
            let mut contract = with_deal();
            // The seller copies the buyer's commitment: the reveal binds the rater.
            let buyers = commitment_of(&contract, buyer(), 1);
            set_caller(seller());
            assert_eq!(contract.commit_rating(escrow(), 1, buyers), Ok(()));
            assert_eq!(commit(&mut contract, buyer(), 1), Ok(()));
            assert_eq!(
                reveal(&mut contract, seller(), 1),
                Err(Error::CommitmentMismatch)
            );
        }

        // ---- attacks ----------------------------------------------------------------

        #[ink::test]
        fn a_rater_who_withholds_after_seeing_the_other_score_is_counted() {
            let mut contract = with_deal();
            assert_eq!(commit(&mut contract, buyer(), 1), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 5), Ok(()));
            // The buyer reveals a 1; the seller sees it and keeps its 5 to itself.
            assert_eq!(reveal(&mut contract, buyer(), 1), Ok(()));
            set_caller(stranger());
            assert_eq!(
                contract.count_withheld(escrow(), 1),
                Err(Error::RevealWindowOpen)
            );
            set_now(START + 2 * WINDOW);
            assert_eq!(contract.count_withheld(escrow(), 1), Ok(1));
            assert_eq!(contract.reputation(buyer()).ratings_withheld, 0);
            assert_eq!(contract.reputation(seller()).ratings_withheld, 1);
            let event: RatingsWithheld = decode(events().last().expect("event"));
            assert!(!event.buyer && event.seller);
            // Once only.
            assert_eq!(
                contract.count_withheld(escrow(), 1),
                Err(Error::AlreadyCounted)
            );
            assert_eq!(contract.reputation(seller()).ratings_withheld, 1);
        }

        #[ink::test]
        fn a_party_that_never_committed_withholds_nothing() {
            let mut contract = with_deal();
            set_now(START + 2 * WINDOW);
            set_caller(stranger());
            assert_eq!(contract.count_withheld(escrow(), 1), Ok(0));
            assert_eq!(contract.reputation(buyer()).ratings_withheld, 0);
            assert_eq!(contract.reputation(seller()).ratings_withheld, 0);
        }

        #[ink::test]
        fn a_refunded_wash_trade_earns_no_rating() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut refunded = report(1, DealOutcome::Refunded, 0);
            refunded.amount = 1_000_000;
            assert_eq!(contract.record_deal(refunded), Ok(()));
            assert_eq!(commit(&mut contract, buyer(), 5), Err(Error::NotRateable));
            assert_eq!(
                contract.deal_record(escrow(), 1).map(|r| r.rateable),
                Some(false)
            );
        }

        #[ink::test]
        fn deals_below_the_minimum_amount_count_for_nothing() {
            set_now(START);
            set_caller(accounts().alice);
            let mut contract = Reputation::new(WINDOW, 1_000, code(), 0).expect("valid");
            contract.admit_for_tests(escrow());
            set_caller(escrow());
            let mut tiny = report(1, DealOutcome::Ruled, 999);
            tiny.dispute_opened_by = Some(buyer());
            assert_eq!(contract.record_deal(tiny), Ok(()));
            assert_eq!(contract.reputation(buyer()), AccountReputation::default());
            assert_eq!(contract.reputation(arbiter()), AccountReputation::default());
            assert_eq!(commit(&mut contract, buyer(), 5), Err(Error::NotRateable));
            // At the minimum it counts.
            set_caller(escrow());
            let mut enough = report(2, DealOutcome::Completed, 1_000);
            enough.deal_id = 2;
            assert_eq!(contract.record_deal(enough), Ok(()));
            assert_eq!(contract.reputation(seller()).deals_completed_as_seller, 1);
        }

        #[ink::test]
        fn a_rating_weighs_what_the_seller_received_not_what_was_paid_in() {
            let mut contract = deployed();
            set_caller(escrow());
            let mut half = report(1, DealOutcome::Settled, 400);
            half.amount = 1_000;
            assert_eq!(contract.record_deal(half), Ok(()));
            assert_eq!(commit(&mut contract, buyer(), 5), Ok(()));
            assert_eq!(commit(&mut contract, seller(), 5), Ok(()));
            assert_eq!(reveal(&mut contract, buyer(), 5), Ok(()));
            let stats = contract.reputation(seller());
            assert_eq!(stats.rating_weight, 400);
            assert_eq!(stats.weighted_rating_sum, 2_000);
        }
    }

    // ---------------------------------------------------------------------------------
    // End-to-end tests (need a node: CONTRACTS_NODE)
    // ---------------------------------------------------------------------------------

    #[cfg(all(test, feature = "e2e-tests"))]
    mod e2e_tests {
        use super::*;
        use ink_e2e::ContractsBackend;

        type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

        fn completed_report(deal_id: u64) -> DealReport {
            DealReport {
                deal_id,
                buyer: ink_e2e::account_id(ink_e2e::AccountKeyring::Bob),
                seller: ink_e2e::account_id(ink_e2e::AccountKeyring::Charlie),
                arbiter: ink_e2e::account_id(ink_e2e::AccountKeyring::Eve),
                amount: 1_000,
                value: 1_000,
                outcome: DealOutcome::Completed,
                dispute_opened_by: None,
                seller_bps: None,
                seller_failed: false,
            }
        }

        #[ink_e2e::test]
        async fn an_account_the_registry_did_not_create_cannot_record<Client: E2EBackend>(
            mut client: Client,
        ) -> E2EResult<()> {
            let mut constructor = ReputationRef::new(60_000, 1, Hash::from([9; 32]), 0);
            let contract = client
                .instantiate("reputation", &ink_e2e::alice(), &mut constructor)
                .submit()
                .await
                .expect("instantiate failed");
            let mut call_builder = contract.call_builder::<Reputation>();

            let record = call_builder.record_deal(completed_report(1));
            let dry_run = client.call(&ink_e2e::ferdie(), &record).dry_run().await?;
            assert_eq!(dry_run.return_value(), Err(Error::NotAuthorized));
            // Submitted, the call reverts.
            let submitted = client.call(&ink_e2e::ferdie(), &record).submit().await;
            assert!(submitted.is_err());

            // Nothing changed.
            let ferdie = ink_e2e::account_id(ink_e2e::AccountKeyring::Ferdie);
            let read = call_builder.deal_record(ferdie, 1);
            let stored = client
                .call(&ink_e2e::alice(), &read)
                .dry_run()
                .await?
                .return_value();
            assert_eq!(stored, None);
            let seller = ink_e2e::account_id(ink_e2e::AccountKeyring::Charlie);
            let read = call_builder.reputation(seller);
            let stats = client
                .call(&ink_e2e::alice(), &read)
                .dry_run()
                .await?
                .return_value();
            assert_eq!(stats, AccountReputation::default());
            Ok(())
        }
    }
}
