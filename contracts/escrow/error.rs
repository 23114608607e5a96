//! The escrow's errors. A module of their own for one lint: the codec derive writes the
//! index of a variant that carries data (`Screened`) as `usize as u8`, which cargo-contract's
//! `cast_possible_truncation` check refuses; the exemption covers these derives only.
#![allow(clippy::cast_possible_truncation)]

use reputation::screening::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Error {
    /// Only the contract owner may do this.
    NotOwner,
    /// Only the offer's or deal's seller may do this.
    NotSeller,
    /// Only the deal's buyer may do this.
    NotBuyer,
    /// Only the deal's arbiter may do this.
    NotArbiter,
    /// Only the deal's buyer or seller may do this.
    NotParty,
    OfferNotFound,
    /// The offer was withdrawn.
    OfferInactive,
    DealNotFound,
    TitleEmpty,
    /// The title is longer than 64 bytes.
    TitleTooLong,
    /// The description is longer than 256 bytes.
    DescriptionTooLong,
    ZeroPrice,
    ZeroQuantity,
    ZeroAmount,
    /// A window is shorter than the escrow's minimum or longer than a year.
    InvalidWindow,
    /// Basis points above 10 000.
    BpsOutOfRange,
    /// The platform fee may only go down, and never above 10%.
    FeeIncrease,
    /// An arbiter's fee is above 20%.
    ArbiterFeeAboveCap,
    /// The account is not a registered, active arbiter.
    ArbiterNotRegistered,
    /// The deal is smaller than the arbiter's minimum.
    BelowArbiterMinimum,
    /// The arbiter cannot be the seller or the buyer.
    ArbiterIsParty,
    /// A seller cannot buy their own offer.
    BuyerIsSeller,
    /// The offer changed since the buyer saw it.
    StaleVersion,
    /// Fewer units are available than asked for.
    InsufficientQuantity,
    /// The transferred value is not exactly what is owed.
    WrongAmount,
    /// More than the deal still holds.
    AmountExceedsRemaining,
    /// The deal is not in a state that allows this.
    InvalidState,
    /// The deadline for this has not passed yet.
    TooEarly,
    /// The deadline for this has passed.
    TooLate,
    NoProposal,
    /// The proposal on record has a different split.
    ProposalMismatch,
    /// A party cannot accept its own proposal.
    OwnProposal,
    /// The caller has no credit to withdraw.
    NoCredit,
    /// The chain refused the transfer.
    TransferFailed,
    /// The deal's report is not pending (already taken, or no reputation contract).
    NoPendingReport,
    /// The reputation contract refused the report again.
    ReportFailed,
    /// A sum did not fit.
    Overflow,
    /// Only the requests contract this escrow instantiated may open a deal for a buyer.
    NotRequestsContract,
    /// The offer's screening lists hold more than 8 accounts, or its disputes-lost share is
    /// above 10 000 bps.
    InvalidScreening,
    /// The buyer failed one of the offer's screening rules.
    Screened(Refusal),
    /// The reputation contract did not answer the screening read.
    ReputationUnavailable,
    /// A milestone plan has more than 8 steps, a step paying nothing or shorter than the
    /// minimum delivery window, or steps that do not add up to the price and delivery window;
    /// or a price change would break an offer's plan.
    InvalidMilestones,
    /// The deal is at another milestone than the one named, or `release` was called on a
    /// deal paid in milestones (`release_milestone` names the step).
    WrongMilestone,
    /// The arbiter's fee is above the one the task request's proposal was made with.
    ArbiterFeeRaised,
    /// The constructor could not instantiate the requests contract from
    /// `settings.requests_code` (code not uploaded, or its constructor refused).
    RequestsNotCreated,
    /// A platform fee below the floor fixed at instantiation (`Settings::fee_floor_bps`).
    FeeBelowFloor,
    /// The deal's report is still pending: `retry_report` before pruning.
    ReportStillPending,
    /// Settings that would lift a bound: a report limit of 0 (unlimited to
    /// pallet-contracts) or a `prune_after` of 0.
    InvalidSettings,
    /// An active offer or arbiter cannot be removed: withdraw or retire it first.
    StillActive,
    /// This side of the dispute has cited `MAX_EVIDENCE_PER_SIDE` pieces of evidence already.
    TooMuchEvidence,
}
