//! Mirrors of the requests contract's types (contracts/requests/lib.rs).

use scale::{Decode, Encode};
use serde::Serialize;

use super::{ser_hash, ser_plancks, Address, Localize, Screening};

/// What a buyer sets when posting a request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct RequestTerms {
    pub title: String,
    pub description: String,
    /// The most the poster pays; transferred with the posting.
    #[serde(serialize_with = "ser_plancks")]
    pub budget: u128,
    /// ms from posting until proposals close.
    pub proposal_window: u64,
    /// The longest delivery window a proposal may ask for, ms.
    pub delivery_window: u64,
    pub review_window: u64,
    pub ruling_window: u64,
    /// Registered arbiters the poster accepts; each proposal names one.
    pub arbiters: Vec<Address>,
    pub screening: Screening,
    /// Whether anyone may award the best proposal once proposals closed.
    pub auto_award: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub enum RequestState {
    Open,
    Awarded,
    Cancelled,
    Closed,
}

impl RequestState {
    pub fn name(self) -> &'static str {
        match self {
            RequestState::Open => "Open",
            RequestState::Awarded => "Awarded",
            RequestState::Cancelled => "Cancelled",
            RequestState::Closed => "Closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Request {
    pub id: u64,
    pub poster: Address,
    pub terms: RequestTerms,
    pub posted_at: u64,
    /// Proposals are taken before this (ms since the epoch).
    pub proposal_deadline: u64,
    /// The award is made before this; from then on anyone may close the request.
    pub award_deadline: u64,
    pub state: RequestState,
    /// Proposals ever submitted, withdrawn and rejected ones included: the next index.
    pub proposal_count: u32,
    /// The winning proposal's index, once awarded.
    pub winner: Option<u32>,
    /// The escrow deal the award opened.
    pub deal_id: Option<u64>,
    /// The indexes of the proposals still competing (not withdrawn or rejected), at most 32.
    pub competing: Vec<u32>,
}

/// The escrow's shortest delivery, review and ruling windows (ms), which the requests contract
/// keeps from its instantiation and holds every request to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct MinWindows {
    pub delivery: u64,
    pub review: u64,
    pub ruling: u64,
}

impl MinWindows {
    /// The minimums of an escrow's settings.
    pub fn of(settings: &super::EscrowSettings) -> Self {
        MinWindows {
            delivery: settings.min_delivery_window,
            review: settings.min_review_window,
            ruling: settings.min_ruling_window,
        }
    }
}

/// A worker's proposal on a request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Proposal {
    pub worker: Address,
    #[serde(serialize_with = "ser_plancks")]
    pub price: u128,
    pub delivery_window: u64,
    /// The steps the work is paid in (empty: one).
    pub milestones: Vec<super::Milestone>,
    pub arbiter: Address,
    /// The arbiter's fee the worker proposed with (bps): an award after the arbiter raised
    /// it is refused.
    pub arbiter_fee_bps: u16,
    /// Hash of the worker's message.
    #[serde(serialize_with = "ser_hash")]
    pub message: [u8; 32],
    pub submitted_at: u64,
    /// The worker's value-weighted rating when it proposed, hundredths (`null` in JSON: it
    /// had none).
    #[serde(serialize_with = "super::ser_rating_centi")]
    pub rating_centi: u32,
}

/// A proposal with its index on its request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct IndexedProposal {
    pub index: u32,
    #[serde(flatten)]
    pub proposal: Proposal,
}

/// The requests contract's `config`: its escrow, its reputation contract, the award window
/// (ms), the number of requests, the budgets held for open ones and the credits owed.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct RequestsConfig {
    pub escrow: Address,
    pub reputation: Option<Address>,
    pub award_window: u64,
    pub request_count: u64,
    #[serde(serialize_with = "ser_plancks")]
    pub held: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub credited: u128,
}

localize_fields!(RequestTerms: arbiters, screening);
localize_fields!(Request: poster, terms);
localize_fields!(Proposal: worker, arbiter);
localize_fields!(IndexedProposal: proposal);
localize_fields!(RequestsConfig: escrow, reputation);
no_accounts!(RequestState);

/// Where a proposal stands, as the event store tells it: the contract keeps a proposal only
/// while it competes or until its worker removes it, so a withdrawn one is known only from
/// the row the store kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize)]
pub enum ProposalStatus {
    /// Competing on an open request.
    Open,
    /// The poster rejected it.
    Rejected,
    /// It won the award.
    Awarded,
    /// Its request ended (awarded to another, cancelled or closed) while it competed.
    NotAwarded,
    /// Its worker withdrew it while the request was open.
    Withdrawn,
}

impl ProposalStatus {
    pub fn name(self) -> &'static str {
        match self {
            ProposalStatus::Open => "Open",
            ProposalStatus::Rejected => "Rejected",
            ProposalStatus::Awarded => "Awarded",
            ProposalStatus::NotAwarded => "NotAwarded",
            ProposalStatus::Withdrawn => "Withdrawn",
        }
    }

    /// The status of proposal `index`, still stored in the contract, of `request` (`None`: its
    /// poster removed the request; then `previous` holds, or it ended without this award).
    pub fn of_stored(
        request: Option<&Request>,
        index: u32,
        previous: Option<ProposalStatus>,
    ) -> ProposalStatus {
        let Some(request) = request else {
            return previous.unwrap_or(ProposalStatus::NotAwarded);
        };
        if request.winner == Some(index) {
            ProposalStatus::Awarded
        } else if request.competing.contains(&index) {
            match request.state {
                RequestState::Open => ProposalStatus::Open,
                _ => ProposalStatus::NotAwarded,
            }
        } else {
            // Only withdrawals leave the contract's storage at once: one stored but no
            // longer competing was rejected.
            ProposalStatus::Rejected
        }
    }

    /// The status once the contract no longer stores the proposal: one that was competing
    /// was withdrawn; any other was removed by its worker after it ended, and keeps how it
    /// ended.
    pub fn after_removal(previous: ProposalStatus) -> ProposalStatus {
        match previous {
            ProposalStatus::Open => ProposalStatus::Withdrawn,
            ended => ended,
        }
    }
}

/// A request as the event store keeps it, with the block it last changed in.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct StoredRequest {
    #[serde(flatten)]
    pub request: Request,
    pub changed_in: u64,
}

/// A proposal as the event store keeps it (withdrawn ones too), with the block it last
/// changed in.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct StoredProposal {
    pub request_id: u64,
    pub index: u32,
    pub status: ProposalStatus,
    #[serde(flatten)]
    pub proposal: Proposal,
    pub changed_in: u64,
}

/// A registered arbiter as the event store keeps it, with the block it last changed in.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct StoredArbiter {
    pub account: Address,
    #[serde(flatten)]
    pub arbiter: super::Arbiter,
    pub changed_in: u64,
}

localize_fields!(StoredRequest: request);
localize_fields!(StoredProposal: proposal);
localize_fields!(StoredArbiter: account);
no_accounts!(ProposalStatus);
