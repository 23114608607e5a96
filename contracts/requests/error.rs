//! The requests contract's errors. A module of their own for one lint: the codec derive
//! writes the index of a variant that carries data as `usize as u8`, which cargo-contract's
//! `cast_possible_truncation` check refuses; the exemption covers these derives only.
#![allow(clippy::cast_possible_truncation)]

use reputation::screening::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Error {
    /// The title must not be empty.
    TitleEmpty,
    /// The title is longer than 64 bytes.
    TitleTooLong,
    /// The description is longer than 256 bytes.
    DescriptionTooLong,
    /// The budget (and a proposal's price) must be above zero.
    ZeroAmount,
    /// The transferred value is not exactly the budget.
    WrongAmount,
    /// A window is zero or longer than a year.
    InvalidWindow,
    /// A request accepts 1 to 4 arbiters, none of them the poster.
    InvalidArbiters,
    /// Screening lists hold at most 8 accounts and shares at most 10 000 bps.
    InvalidScreening,
    /// There is no request with this id.
    RequestNotFound,
    /// There is no live proposal with this index.
    ProposalNotFound,
    /// Only the request's poster may do this.
    NotPoster,
    /// The request was awarded, cancelled or closed.
    NotOpen,
    /// Proposals closed at the proposal deadline.
    ProposalsClosed,
    /// The deadline for this has not passed yet.
    TooEarly,
    /// The award window is over: the request can only be closed.
    TooLate,
    /// The poster cannot propose for its own request.
    PosterCannotPropose,
    /// The price is above the budget.
    OverBudget,
    /// The proposal asks for a longer delivery window than the request allows.
    DeliveryTooLong,
    /// The arbiter is not one the request accepts, or is the worker.
    ArbiterNotAccepted,
    /// The worker has proposed on this request already (a proposal withdrawn while the
    /// request is open counts: one proposal per worker and request).
    AlreadyProposed,
    /// The request took 32 proposals already.
    TooManyProposals,
    /// The request does not allow auto-award.
    NoAutoAward,
    /// No live proposal to award.
    NoProposals,
    /// The worker failed one of the request's screening rules.
    Screened(Refusal),
    /// The reputation contract did not answer.
    ReputationUnavailable,
    /// The escrow refused to open the deal (its error says why).
    EscrowRefused(escrow::Error),
    /// The escrow could not be called.
    EscrowUnavailable,
    /// The caller has no credit to withdraw.
    NoCredit,
    /// The chain refused the transfer.
    TransferFailed,
    /// A sum did not fit.
    Overflow,
    /// A proposal's milestones: more than 8, a step paying nothing, or steps that do not
    /// add up to its price and delivery window.
    InvalidMilestones,
}
