#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # Requests
//!
//! Task requests: a buyer posts work it wants done, paying its budget in, so workers know the
//! money exists; workers propose a price and a delivery window; the buyer awards one proposal
//! (or, for a request that allows it, anyone may after the proposal deadline), and the award
//! opens a deal in the escrow exactly as an accepted offer would, with the poster as buyer
//! and the worker as seller. The price goes into the deal, the rest of the budget back to
//! the poster at once.
//!
//! A contract of its own: the escrow stays one job (holding and releasing deals). The escrow
//! instantiates its requests contract itself, from `Settings::requests_code`, and takes deals
//! only from that instance: a contract that merely runs this code (or switched to it) may
//! have written its storage first. See `contracts/README.md` for the rules.

pub use self::requests::{
    best_proposal, check_min_windows, check_registered_arbiter, Error, MinWindows, Proposal,
    ProposalRejected, ProposalSubmitted, ProposalWithdrawn, RefundCredited, RefundWithdrawn,
    Request, RequestAwarded, RequestCancelled, RequestClosed, RequestPosted, RequestRemoved,
    RequestState, RequestTerms, Requests, RequestsRef, Result,
};

pub const MAX_TITLE_BYTES: usize = 64;
pub const MAX_DESCRIPTION_BYTES: usize = 256;
/// Longest proposal, award, delivery, review or ruling window: one year in milliseconds.
pub const MAX_WINDOW_MS: u64 = 365 * 24 * 60 * 60 * 1_000;
/// Most arbiters a request may accept.
pub const MAX_ARBITERS: usize = 4;
/// Most proposals competing on a request at once: bounds the auto-award's search. A withdrawn
/// or rejected proposal frees its slot.
pub const MAX_PROPOSALS: u32 = 32;
/// Most requests one paged read returns: a request with full lists is about 1 KB, and ink! 5
/// returns at most 16 KiB.
pub const MAX_PAGE: u32 = 10;

#[ink::contract]
mod requests {
    use super::{
        MAX_ARBITERS, MAX_DESCRIPTION_BYTES, MAX_PAGE, MAX_PROPOSALS, MAX_TITLE_BYTES,
        MAX_WINDOW_MS,
    };
    pub use crate::error::Error;
    use escrow::milestones::{self, Milestone};
    use escrow::{Arbiter, EscrowRef, RequestedDeal};
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;
    use reputation::screening::Screening;
    use reputation::{AccountReputation, EscrowSettings, ReputationRef};

    /// What a buyer sets when posting a request.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct RequestTerms {
        /// At most 64 bytes, not empty.
        pub title: String,
        /// At most 256 bytes: a description or a content hash.
        pub description: String,
        /// The most the poster will pay; transferred with the posting.
        pub budget: Balance,
        /// Milliseconds from posting until proposals close.
        pub proposal_window: u64,
        /// The longest delivery window a proposal may ask for.
        pub delivery_window: u64,
        /// Milliseconds from delivery to the end of the review window.
        pub review_window: u64,
        /// Milliseconds the arbiter has to rule once a dispute is opened.
        pub ruling_window: u64,
        /// Registered arbiters the poster accepts (1 to 4); each proposal names one.
        pub arbiters: Vec<AccountId>,
        /// Rules a worker must meet to propose.
        pub screening: Screening,
        /// Whether anyone may award the best proposal once proposals closed.
        pub auto_award: bool,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub enum RequestState {
        /// Taking proposals, or waiting for the award.
        Open,
        /// Final: a proposal won and its deal is open in the escrow.
        Awarded,
        /// Final: the poster took the budget back.
        Cancelled,
        /// Final: the award window passed without an award; the budget went back.
        Closed,
    }

    /// A posted request.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Request {
        pub id: u64,
        pub poster: AccountId,
        pub terms: RequestTerms,
        pub posted_at: Timestamp,
        /// Proposals are taken before this.
        pub proposal_deadline: Timestamp,
        /// The award is made before this; from then on anyone may close the request.
        pub award_deadline: Timestamp,
        pub state: RequestState,
        /// Proposals ever submitted, withdrawn and rejected ones included: the next
        /// proposal's index. Indexes are never reused, so an award names one proposal.
        pub proposal_count: u32,
        /// The winning proposal's index, once awarded.
        pub winner: Option<u32>,
        /// The escrow deal the award opened.
        pub deal_id: Option<u64>,
        /// The indexes of the proposals still competing, oldest first: at most 32. A
        /// withdrawn or rejected proposal leaves this list, which frees its slot; only these
        /// can be awarded. Once the request ended it stays as it was then, while workers
        /// remove their proposals.
        pub competing: Vec<u32>,
    }

    /// The escrow's shortest delivery, review and ruling windows (`min_delivery_window`,
    /// `min_review_window`, `min_ruling_window` of its settings), which it passes on when it
    /// instantiates this contract (they are fixed there too): a request or proposal below
    /// them could never be awarded.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct MinWindows {
        pub delivery: u64,
        pub review: u64,
        pub ruling: u64,
    }

    impl MinWindows {
        /// The minimums of an escrow's settings.
        pub fn of(settings: &EscrowSettings) -> Self {
            MinWindows {
                delivery: settings.min_delivery_window,
                review: settings.min_review_window,
                ruling: settings.min_ruling_window,
            }
        }
    }

    /// A worker's proposal.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Proposal {
        pub worker: AccountId,
        /// What the deal will hold: at most the budget.
        pub price: Balance,
        /// At most the request's delivery window.
        pub delivery_window: u64,
        /// The steps the work is paid in, adding up to the price and the delivery window
        /// (empty: one step).
        pub milestones: Vec<Milestone>,
        /// One of the request's arbiters, not the worker.
        pub arbiter: AccountId,
        /// The arbiter's fee as the worker proposed with it (bps): the award is refused if the
        /// arbiter raised it since (the escrow's `ArbiterFeeRaised`), so a raise just before
        /// the award cannot take more of a disputed step.
        pub arbiter_fee_bps: u16,
        /// Hash of the worker's message (approach, links, terms).
        pub message: Hash,
        pub submitted_at: Timestamp,
        /// The worker's value-weighted rating when it proposed (hundredths): the auto-award's
        /// tie-break.
        pub rating_centi: u32,
    }

    #[ink(storage)]
    pub struct Requests {
        /// The escrow awards open deals in; fixed at instantiation.
        escrow: AccountId,
        /// Where screening reads reputation; fixed at instantiation. `None`: every account
        /// reads as a newcomer.
        reputation: Option<AccountId>,
        /// Milliseconds after the proposal deadline during which the request can be awarded.
        award_window: u64,
        /// The escrow's minimum windows, fixed at instantiation.
        min_windows: MinWindows,
        /// Requests by id; an ended one its poster removed is gone.
        requests: Mapping<u64, Request>,
        request_count: u64,
        /// Proposals by (request, index); a withdrawn one is removed, a rejected one stays
        /// until its worker removes it (its deposit is the worker's).
        proposals: Mapping<(u64, u32), Proposal>,
        /// The index of a worker's proposal on a request; kept after a withdrawal or a
        /// rejection while the request is open, so that each worker proposes once per request.
        live: Mapping<(u64, AccountId), u32>,
        /// Sum of the budgets of open requests.
        held: Balance,
        /// Refunds whose push failed, kept for `withdraw()`.
        credits: Mapping<AccountId, Balance>,
        /// Sum of all credits. The contract's balance always covers `held + credited`.
        credited: Balance,
    }

    /// A buyer posted a request and paid its budget in.
    #[ink(event)]
    pub struct RequestPosted {
        pub request_id: u64,
        pub poster: AccountId,
        pub budget: Balance,
        pub proposal_deadline: Timestamp,
    }

    /// The poster cancelled an open request and got the budget back.
    #[ink(event)]
    pub struct RequestCancelled {
        pub request_id: u64,
        pub refund: Balance,
    }

    /// The award window passed without an award; the budget went back to the poster.
    #[ink(event)]
    pub struct RequestClosed {
        pub request_id: u64,
        pub refund: Balance,
    }

    #[ink(event)]
    pub struct ProposalSubmitted {
        pub request_id: u64,
        pub index: u32,
        pub worker: AccountId,
        pub price: Balance,
    }

    /// A worker withdrew its proposal, or freed the storage of its rejected proposal or of
    /// its place on an ended request.
    #[ink(event)]
    pub struct ProposalWithdrawn {
        pub request_id: u64,
        pub index: u32,
    }

    /// The poster rejected a proposal: it stopped competing and its slot is free.
    #[ink(event)]
    pub struct ProposalRejected {
        pub request_id: u64,
        pub index: u32,
    }

    /// The poster removed an ended request's storage (and got its deposit back).
    #[ink(event)]
    pub struct RequestRemoved {
        pub request_id: u64,
    }

    /// A proposal won: its deal is open in the escrow, the rest of the budget went back.
    #[ink(event)]
    pub struct RequestAwarded {
        pub request_id: u64,
        pub index: u32,
        pub worker: AccountId,
        pub deal_id: u64,
        pub price: Balance,
        pub refund: Balance,
    }

    /// A refund the chain refused (to a reaped account, below the existential deposit) was
    /// kept as a credit for `withdraw()`.
    #[ink(event)]
    pub struct RefundCredited {
        pub account: AccountId,
        pub amount: Balance,
    }

    #[ink(event)]
    pub struct RefundWithdrawn {
        pub account: AccountId,
        pub amount: Balance,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    impl Requests {
        /// Deploys the requests contract for `escrow`, screening against `reputation`. The
        /// escrow instantiates it when it is instantiated itself, passing its settings'
        /// `award_window` and `min_windows`; awards of an instance made any other way are
        /// refused by the escrow (`NotRequestsContract`). `award_window` (ms, 1 ms to a year)
        /// is how long after the proposal deadline a request can still be awarded;
        /// `min_windows` are the escrow's minimum windows, kept to refuse requests and
        /// proposals it would never open a deal for.
        #[ink(constructor)]
        pub fn new(
            escrow: AccountId,
            reputation: Option<AccountId>,
            award_window: u64,
            min_windows: MinWindows,
        ) -> Result<Self> {
            if award_window == 0 || award_window > MAX_WINDOW_MS {
                return Err(Error::InvalidWindow);
            }
            Ok(Self {
                escrow,
                reputation,
                award_window,
                min_windows,
                requests: Mapping::default(),
                request_count: 0,
                proposals: Mapping::default(),
                live: Mapping::default(),
                held: 0,
                credits: Mapping::default(),
                credited: 0,
            })
        }

        // ---- Posters ----

        /// Anyone, transferring exactly `terms.budget`: posts a request that takes proposals
        /// for `proposal_window` ms. Its delivery, review and ruling windows must be at least
        /// the escrow's minimums, or no award could ever open its deal. The poster pays the
        /// request's storage deposit and gets it back with `remove_request` once it ended.
        /// Returns its id. Windows and arbiters are checked again by the escrow at the award.
        #[ink(message, payable)]
        pub fn post_request(&mut self, terms: RequestTerms) -> Result<u64> {
            let poster = self.env().caller();
            check_terms(&terms, poster, &self.min_windows)?;
            if self.env().transferred_value() != terms.budget {
                return Err(Error::WrongAmount);
            }
            let now = self.env().block_timestamp();
            let proposal_deadline = now
                .checked_add(terms.proposal_window)
                .ok_or(Error::Overflow)?;
            let award_deadline = proposal_deadline
                .checked_add(self.award_window)
                .ok_or(Error::Overflow)?;
            let id = self.request_count;
            let request_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let held = self.held.checked_add(terms.budget).ok_or(Error::Overflow)?;

            self.request_count = request_count;
            self.held = held;
            self.env().emit_event(RequestPosted {
                request_id: id,
                poster,
                budget: terms.budget,
                proposal_deadline,
            });
            self.requests.insert(
                id,
                &Request {
                    id,
                    poster,
                    terms,
                    posted_at: now,
                    proposal_deadline,
                    award_deadline,
                    state: RequestState::Open,
                    proposal_count: 0,
                    winner: None,
                    deal_id: None,
                    competing: Vec::new(),
                },
            );
            Ok(id)
        }

        /// The poster, while the request is open and not awarded: takes the whole budget
        /// back. Proposals stay on record.
        #[ink(message)]
        pub fn cancel_request(&mut self, request_id: u64) -> Result<()> {
            let mut request = self.open_request(request_id)?;
            if self.env().caller() != request.poster {
                return Err(Error::NotPoster);
            }
            let refund = request.terms.budget;
            request.state = RequestState::Cancelled;
            self.end(&request)?;
            self.env()
                .emit_event(RequestCancelled { request_id, refund });
            self.pay(request.poster, refund);
            Ok(())
        }

        /// The poster, while the request is open and before its award deadline: awards
        /// proposal `index`. Opens the deal in the escrow with the proposal's price, delivery
        /// window and arbiter and the request's review and ruling windows, then returns the
        /// rest of the budget to the poster. Returns the deal id.
        #[ink(message)]
        pub fn award(&mut self, request_id: u64, index: u32) -> Result<u64> {
            let request = self.open_request(request_id)?;
            if self.env().caller() != request.poster {
                return Err(Error::NotPoster);
            }
            if self.env().block_timestamp() >= request.award_deadline {
                return Err(Error::TooLate);
            }
            // A withdrawn or rejected proposal is not competing: never awarded.
            if !request.competing.contains(&index) {
                return Err(Error::ProposalNotFound);
            }
            let proposal = self
                .proposals
                .get((request_id, index))
                .ok_or(Error::ProposalNotFound)?;
            self.award_to(request, index, proposal)
        }

        /// The poster, while the request is open: rejects competing proposal `index`. It
        /// stops competing and its slot is free for another worker; its worker cannot
        /// propose on this request again. The proposal's storage stays until its worker
        /// removes it with `withdraw_proposal`, so the deposit goes back to who paid it.
        #[ink(message)]
        pub fn reject_proposal(&mut self, request_id: u64, index: u32) -> Result<()> {
            let mut request = self.open_request(request_id)?;
            if self.env().caller() != request.poster {
                return Err(Error::NotPoster);
            }
            if !stop_competing(&mut request.competing, index) {
                return Err(Error::ProposalNotFound);
            }
            self.requests.insert(request_id, &request);
            self.env()
                .emit_event(ProposalRejected { request_id, index });
            Ok(())
        }

        /// The poster, once the request ended (awarded, cancelled or closed): removes it, and
        /// pallet-contracts refunds its storage deposit to the caller, the poster who paid
        /// it. Nothing depends on it any more: an awarded request's deal lives in the escrow,
        /// its budget was paid out, and workers still remove their proposals and places with
        /// `withdraw_proposal`. Its id is never reused.
        #[ink(message)]
        pub fn remove_request(&mut self, request_id: u64) -> Result<()> {
            let request = self
                .requests
                .get(request_id)
                .ok_or(Error::RequestNotFound)?;
            if self.env().caller() != request.poster {
                return Err(Error::NotPoster);
            }
            if request.state == RequestState::Open {
                return Err(Error::StillOpen);
            }
            self.requests.remove(request_id);
            self.env().emit_event(RequestRemoved { request_id });
            Ok(())
        }

        // ---- Anyone ----

        /// Anyone, once the proposal deadline passed and before the award deadline, on a
        /// request that allows it: awards the best live proposal the escrow accepts. Best is
        /// the lowest price; a tie goes to the higher weighted rating the worker had when
        /// proposing, then to the earlier proposal. The caller pays the new deal's storage deposit, which the
        /// buyer gets back by pruning it. Returns the deal id.
        #[ink(message)]
        pub fn auto_award(&mut self, request_id: u64) -> Result<u64> {
            let request = self.open_request(request_id)?;
            if !request.terms.auto_award {
                return Err(Error::NoAutoAward);
            }
            let now = self.env().block_timestamp();
            if now < request.proposal_deadline {
                return Err(Error::TooEarly);
            }
            if now >= request.award_deadline {
                return Err(Error::TooLate);
            }
            let mut live = self.live_proposals(request_id, &request.competing);
            live.sort_by(|(ia, a), (ib, b)| ranking(*ia, a, *ib, b));
            // A proposal the escrow refuses (its arbiter retired, or raised its minimum or its
            // fee since the proposal) is passed over: it must not block the rest.
            for (index, proposal) in live {
                match self.award_to(request.clone(), index, proposal) {
                    Err(Error::EscrowRefused(_)) => continue,
                    awarded => return awarded,
                }
            }
            Err(Error::NoProposals)
        }

        /// Anyone, once the award deadline passed on a request still open: closes it and
        /// returns the whole budget to the poster.
        #[ink(message)]
        pub fn close_request(&mut self, request_id: u64) -> Result<()> {
            let mut request = self.open_request(request_id)?;
            if self.env().block_timestamp() < request.award_deadline {
                return Err(Error::TooEarly);
            }
            let refund = request.terms.budget;
            request.state = RequestState::Closed;
            self.end(&request)?;
            self.env().emit_event(RequestClosed { request_id, refund });
            self.pay(request.poster, refund);
            Ok(())
        }

        // ---- Workers ----

        /// Any account but the poster, before the proposal deadline of an open request, that
        /// has not proposed on it (a withdrawn or rejected proposal counts), meeting its
        /// screening rules, while fewer than 32 proposals compete: proposes `price` (1 to the
        /// budget) for delivery within `delivery_window` (at most the request's, at least the
        /// escrow's minimum), paid in `milestones` (empty: one step; else at most 8, each at
        /// least the escrow's minimum window, adding up to the price and the window),
        /// arbitrated by `arbiter` (one the request accepts, not the worker) at its fee
        /// `arbiter_fee_bps`, which must be the one the escrow's registry holds for that
        /// active arbiter, whose smallest deal the price must reach (the award is refused if
        /// the arbiter raised its fee since). The worker pays the proposal's storage deposit
        /// and gets it back by withdrawing. Returns its index.
        #[ink(message)]
        // A message's arguments are its ABI: each term stays a plain argument the CLI and
        // other clients encode by name.
        #[allow(clippy::too_many_arguments)]
        pub fn propose(
            &mut self,
            request_id: u64,
            price: Balance,
            delivery_window: u64,
            milestones: Vec<Milestone>,
            arbiter: AccountId,
            arbiter_fee_bps: u16,
            message: Hash,
        ) -> Result<u32> {
            let worker = self.env().caller();
            let mut request = self.open_request(request_id)?;
            let now = self.env().block_timestamp();
            if now >= request.proposal_deadline {
                return Err(Error::ProposalsClosed);
            }
            if worker == request.poster {
                return Err(Error::PosterCannotPropose);
            }
            if price == 0 {
                return Err(Error::ZeroAmount);
            }
            if price > request.terms.budget {
                return Err(Error::OverBudget);
            }
            if delivery_window == 0 || delivery_window > request.terms.delivery_window {
                return Err(Error::DeliveryTooLong);
            }
            let min_window = self.min_windows.delivery;
            if delivery_window < min_window {
                return Err(Error::DeliveryWindowBelowMinimum);
            }
            if !milestones::plan_is_valid(&milestones, price, delivery_window, min_window) {
                return Err(Error::InvalidMilestones);
            }
            if arbiter == worker || !request.terms.arbiters.contains(&arbiter) {
                return Err(Error::ArbiterNotAccepted);
            }
            if self.live.contains((request_id, worker)) {
                return Err(Error::AlreadyProposed);
            }
            if request.competing.len() >= MAX_PROPOSALS as usize {
                return Err(Error::TooManyProposals);
            }
            let index = request.proposal_count;
            let proposal_count = index.checked_add(1).ok_or(Error::Overflow)?;
            check_registered_arbiter(self.registered_arbiter(arbiter)?, arbiter_fee_bps, price)?;
            let screening = &request.terms.screening;
            let reputation = if screening.needs_reputation() || request.terms.auto_award {
                self.reputation_of(worker)?
            } else {
                AccountReputation::default()
            };
            screening
                .check(worker, &reputation)
                .map_err(Error::Screened)?;

            request.proposal_count = proposal_count;
            request.competing.push(index);
            self.requests.insert(request_id, &request);
            self.live.insert((request_id, worker), &index);
            self.proposals.insert(
                (request_id, index),
                &Proposal {
                    worker,
                    price,
                    delivery_window,
                    milestones,
                    arbiter,
                    arbiter_fee_bps,
                    message,
                    submitted_at: now,
                    rating_centi: reputation.weighted_average_centi,
                },
            );
            self.env().emit_event(ProposalSubmitted {
                request_id,
                index,
                worker,
                price,
            });
            Ok(index)
        }

        /// A worker with a proposal on a request: withdraws it and frees its storage, which
        /// refunds the worker's deposit. A competing proposal stops competing and frees its
        /// slot; a rejected one (the poster's `reject_proposal` leaves its storage to its
        /// worker) is only removed. While the request is open the worker keeps its place in
        /// `live` (a few bytes of deposit): a worker proposes once per request, or one account
        /// could propose and withdraw its way to the last slot standing. Once the request
        /// ended (or its poster removed it) this frees the proposal and the place together,
        /// and a second call frees a place left after an earlier withdrawal (emitting
        /// `ProposalWithdrawn` for the same index again: every change has its event).
        #[ink(message)]
        pub fn withdraw_proposal(&mut self, request_id: u64) -> Result<()> {
            let worker = self.env().caller();
            let index = self
                .live
                .get((request_id, worker))
                .ok_or(Error::ProposalNotFound)?;
            match self.requests.get(request_id) {
                Some(mut request) if request.state == RequestState::Open => {
                    if stop_competing(&mut request.competing, index) {
                        self.requests.insert(request_id, &request);
                        self.proposals.remove((request_id, index));
                    } else if self.proposals.take((request_id, index)).is_none() {
                        // Withdrawn before: nothing left to free while the place is kept.
                        return Err(Error::ProposalNotFound);
                    }
                    // The place stays taken: `propose` refuses this worker again.
                }
                _ => {
                    self.live.remove((request_id, worker));
                    // Gone already if withdrawn before; removing nothing changes nothing.
                    self.proposals.remove((request_id, index));
                }
            }
            self.env()
                .emit_event(ProposalWithdrawn { request_id, index });
            Ok(())
        }

        /// Anyone with a credit (a refund whose push failed): transfers it to the caller.
        /// Returns the amount.
        #[ink(message)]
        pub fn withdraw(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let amount = self.credits.get(caller).unwrap_or(0);
            if amount == 0 {
                return Err(Error::NoCredit);
            }
            let credited = self.credited.checked_sub(amount).ok_or(Error::Overflow)?;
            self.credited = credited;
            self.credits.remove(caller);
            self.env().emit_event(RefundWithdrawn {
                account: caller,
                amount,
            });
            // A refusal returns Err, which reverts the writes above.
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;
            Ok(amount)
        }

        // ---- Reads ----

        /// What `account` may `withdraw()`.
        #[ink(message)]
        pub fn credit_of(&self, account: AccountId) -> Balance {
            self.credits.get(account).unwrap_or(0)
        }

        #[ink(message)]
        pub fn request(&self, request_id: u64) -> Option<Request> {
            self.requests.get(request_id)
        }

        /// Up to `limit` (at most 10) requests from `from_id` on.
        #[ink(message)]
        pub fn requests(&self, from_id: u64, limit: u32) -> Vec<Request> {
            let end = from_id
                .saturating_add(u64::from(limit.min(MAX_PAGE)))
                .min(self.request_count);
            (from_id..end)
                .filter_map(|id| self.requests.get(id))
                .collect()
        }

        /// The competing proposals of a request (at most 32), with their indexes: not the
        /// withdrawn or rejected ones (`proposal` still reads a rejected one until its worker
        /// removes it).
        #[ink(message)]
        pub fn proposals(&self, request_id: u64) -> Vec<(u32, Proposal)> {
            self.requests
                .get(request_id)
                .map_or_else(Vec::new, |r| self.live_proposals(request_id, &r.competing))
        }

        #[ink(message)]
        pub fn proposal(&self, request_id: u64, index: u32) -> Option<Proposal> {
            self.proposals.get((request_id, index))
        }

        /// The escrow, the reputation contract, the award window, the number of requests,
        /// the budgets held for open ones and the credits owed.
        #[ink(message)]
        pub fn config(&self) -> (AccountId, Option<AccountId>, u64, u64, Balance, Balance) {
            (
                self.escrow,
                self.reputation,
                self.award_window,
                self.request_count,
                self.held,
                self.credited,
            )
        }

        // ---- Internal ----

        /// The proposals at `indexes` of a request (its competing ones).
        fn live_proposals(&self, request_id: u64, indexes: &[u32]) -> Vec<(u32, Proposal)> {
            indexes
                .iter()
                .filter_map(|&i| Some((i, self.proposals.get((request_id, i))?)))
                .collect()
        }

        fn open_request(&self, request_id: u64) -> Result<Request> {
            let request = self
                .requests
                .get(request_id)
                .ok_or(Error::RequestNotFound)?;
            if request.state != RequestState::Open {
                return Err(Error::NotOpen);
            }
            Ok(request)
        }

        /// Stores a request that reached a final state and stops holding its budget.
        fn end(&mut self, request: &Request) -> Result<()> {
            let held = self
                .held
                .checked_sub(request.terms.budget)
                .ok_or(Error::Overflow)?;
            self.held = held;
            self.requests.insert(request.id, request);
            Ok(())
        }

        /// Opens the deal for `proposal` in the escrow, then records the award and returns
        /// the rest of the budget. The escrow is fixed at instantiation and never calls back;
        /// a refusal returns its error and reverts everything.
        fn award_to(
            &mut self,
            mut request: Request,
            index: u32,
            proposal: Proposal,
        ) -> Result<u64> {
            let refund = request
                .terms
                .budget
                .checked_sub(proposal.price)
                .ok_or(Error::OverBudget)?;
            let mut escrow: EscrowRef = ink::env::call::FromAccountId::from_account_id(self.escrow);
            let deal_id = match escrow
                .call_mut()
                .open_requested_deal(RequestedDeal {
                    buyer: request.poster,
                    seller: proposal.worker,
                    arbiter: proposal.arbiter,
                    delivery_window: proposal.delivery_window,
                    milestones: proposal.milestones,
                    review_window: request.terms.review_window,
                    ruling_window: request.terms.ruling_window,
                    max_arbiter_fee_bps: proposal.arbiter_fee_bps,
                })
                .transferred_value(proposal.price)
                .try_invoke()
            {
                Ok(Ok(Ok(deal_id))) => deal_id,
                Ok(Ok(Err(refused))) => return Err(Error::EscrowRefused(refused)),
                _ => return Err(Error::EscrowUnavailable),
            };
            request.state = RequestState::Awarded;
            request.winner = Some(index);
            request.deal_id = Some(deal_id);
            self.end(&request)?;
            self.env().emit_event(RequestAwarded {
                request_id: request.id,
                index,
                worker: proposal.worker,
                deal_id,
                price: proposal.price,
                refund,
            });
            self.pay(request.poster, refund);
            Ok(deal_id)
        }

        /// `arbiter`'s entry in the escrow's registry (`None`: never registered). A nested
        /// call: it loads the escrow's code and reads its root and the entry. ink!'s off-chain
        /// engine cannot call a contract, so the unit and property tests (`std` builds, where
        /// that engine runs) may stand in a registry of their own (`off_chain`); the contract
        /// (built without `std`) always calls the escrow.
        fn registered_arbiter(&self, arbiter: AccountId) -> Result<Option<Arbiter>> {
            #[cfg(feature = "std")]
            {
                if let Some(entry) = crate::off_chain::registered_arbiter(arbiter) {
                    return Ok(entry);
                }
            }
            let escrow: EscrowRef = ink::env::call::FromAccountId::from_account_id(self.escrow);
            match escrow.call().arbiter(arbiter).try_invoke() {
                Ok(Ok(entry)) => Ok(entry),
                _ => Err(Error::EscrowUnavailable),
            }
        }

        /// `worker`'s reputation, or a newcomer's when no reputation contract is set.
        fn reputation_of(&self, worker: AccountId) -> Result<AccountReputation> {
            let Some(address) = self.reputation else {
                return Ok(AccountReputation::default());
            };
            let registry: ReputationRef = ink::env::call::FromAccountId::from_account_id(address);
            match registry.call().reputation(worker).try_invoke() {
                Ok(Ok(reputation)) => Ok(reputation),
                _ => Err(Error::ReputationUnavailable),
            }
        }

        /// Pushes a refund; one the chain refuses (below the existential deposit to a reaped
        /// account) becomes a credit for `withdraw()`, so no refund is ever stuck.
        fn pay(&mut self, to: AccountId, amount: Balance) {
            if amount == 0 || self.env().transfer(to, amount).is_ok() {
                return;
            }
            let credit = self.credits.get(to).unwrap_or(0).saturating_add(amount);
            self.credits.insert(to, &credit);
            self.credited = self.credited.saturating_add(amount);
            self.env().emit_event(RefundCredited {
                account: to,
                amount,
            });
        }
    }

    /// The auto-award's choice: the lowest price; on a tie the higher rating the worker had
    /// when proposing; then the earlier proposal.
    pub fn best_proposal(proposals: Vec<(u32, Proposal)>) -> Option<(u32, Proposal)> {
        proposals
            .into_iter()
            .min_by(|(ia, a), (ib, b)| ranking(*ia, a, *ib, b))
    }

    /// The auto-award's order, best first.
    fn ranking(ia: u32, a: &Proposal, ib: u32, b: &Proposal) -> core::cmp::Ordering {
        a.price
            .cmp(&b.price)
            .then(b.rating_centi.cmp(&a.rating_centi))
            .then(ia.cmp(&ib))
    }

    /// Takes `index` out of a request's competing proposals; `false` if it was not there.
    fn stop_competing(competing: &mut Vec<u32>, index: u32) -> bool {
        let Some(at) = competing.iter().position(|&i| i == index) else {
            return false;
        };
        competing.remove(at);
        true
    }

    /// Whether a request's windows reach the escrow's minimums (`min`): the escrow would
    /// refuse every award of a request below them. Refused with the window named.
    pub fn check_min_windows(terms: &RequestTerms, min: &MinWindows) -> Result<()> {
        if terms.delivery_window < min.delivery {
            return Err(Error::DeliveryWindowBelowMinimum);
        }
        if terms.review_window < min.review {
            return Err(Error::ReviewWindowBelowMinimum);
        }
        if terms.ruling_window < min.ruling {
            return Err(Error::RulingWindowBelowMinimum);
        }
        Ok(())
    }

    /// Whether a proposal may name the arbiter the escrow's registry holds as `registered`,
    /// at `fee_bps`, for `price`: the arbiter must be registered and active, the fee exactly
    /// its registered one (the award then refuses a raise since), and the price at least the
    /// smallest deal it takes.
    pub fn check_registered_arbiter(
        registered: Option<Arbiter>,
        fee_bps: u16,
        price: Balance,
    ) -> Result<()> {
        let arbiter = registered
            .filter(|a| a.active)
            .ok_or(Error::ArbiterNotRegistered)?;
        if fee_bps != arbiter.fee_bps {
            return Err(Error::ArbiterFeeMismatch);
        }
        if price < arbiter.min_amount {
            return Err(Error::BelowArbiterMinimum);
        }
        Ok(())
    }

    /// The checks of a new request that need no storage.
    fn check_terms(terms: &RequestTerms, poster: AccountId, min: &MinWindows) -> Result<()> {
        if terms.title.is_empty() {
            return Err(Error::TitleEmpty);
        }
        if terms.title.len() > MAX_TITLE_BYTES {
            return Err(Error::TitleTooLong);
        }
        if terms.description.len() > MAX_DESCRIPTION_BYTES {
            return Err(Error::DescriptionTooLong);
        }
        if terms.budget == 0 {
            return Err(Error::ZeroAmount);
        }
        let window_ok = |w: u64| w > 0 && w <= MAX_WINDOW_MS;
        if !(window_ok(terms.proposal_window)
            && window_ok(terms.delivery_window)
            && window_ok(terms.review_window)
            && window_ok(terms.ruling_window))
        {
            return Err(Error::InvalidWindow);
        }
        check_min_windows(terms, min)?;
        if terms.arbiters.is_empty()
            || terms.arbiters.len() > MAX_ARBITERS
            || terms.arbiters.contains(&poster)
        {
            return Err(Error::InvalidArbiters);
        }
        if !terms.screening.is_valid() {
            return Err(Error::InvalidScreening);
        }
        Ok(())
    }
}

mod error;
#[cfg(feature = "std")]
pub mod off_chain;
#[cfg(test)]
mod unit_tests;
