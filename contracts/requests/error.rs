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
    /// There is no competing proposal with this index (withdrawn, rejected or never made),
    /// or the caller has nothing of its own to withdraw.
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
    /// The worker has proposed on this request already (a proposal withdrawn or rejected
    /// while the request is open counts: one proposal per worker and request).
    AlreadyProposed,
    /// 32 proposals compete on the request already.
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
    /// A proposal's milestones: more than 8, a step paying nothing or shorter than the
    /// escrow's minimum delivery window, or steps that do not add up to its price and delivery
    /// window.
    InvalidMilestones,
    // Appended below: the SCALE index of every variant above stays as it was.
    /// The proposal's arbiter is not registered in the escrow, or retired.
    ArbiterNotRegistered,
    /// The proposal's arbiter fee is not the one the escrow's registry holds for its arbiter.
    ArbiterFeeMismatch,
    /// The price is below the smallest deal the proposal's arbiter takes.
    BelowArbiterMinimum,
    /// A request's or a proposal's delivery window is below the escrow's minimum.
    DeliveryWindowBelowMinimum,
    /// A request's review window is below the escrow's minimum.
    ReviewWindowBelowMinimum,
    /// A request's ruling window is below the escrow's minimum.
    RulingWindowBelowMinimum,
    /// The request is still open: only an awarded, cancelled or closed one can be removed.
    StillOpen,
}
