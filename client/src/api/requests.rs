//! The requests contract (contracts/requests/lib.rs), one typed function per message. Writes
//! go through [`Ctx::write`]; reads are dry runs decoded into [`crate::types`].

use crate::documents::Document;
use crate::session::{Ctx, OpResult, TxReport, Which};
use crate::signer::Keypair;
use crate::types::{
    AccountBytes, IndexedProposal, Milestone, Proposal, Request, RequestTerms, RequestsConfig,
};

use super::spec::Message;
use super::{returned, returned_id, Target};

const POST_REQUEST: Message = Message::payable("post_request", &[("terms", "RequestTerms")]);
const CANCEL_REQUEST: Message = Message::write("cancel_request", &[("request_id", "u64")]);
const AWARD: Message = Message::write("award", &[("request_id", "u64"), ("index", "u32")]);
const AUTO_AWARD: Message = Message::write("auto_award", &[("request_id", "u64")]);
const CLOSE_REQUEST: Message = Message::write("close_request", &[("request_id", "u64")]);
const REJECT_PROPOSAL: Message = Message::write(
    "reject_proposal",
    &[("request_id", "u64"), ("index", "u32")],
);
const REMOVE_REQUEST: Message = Message::write("remove_request", &[("request_id", "u64")]);
const PROPOSE: Message = Message::write(
    "propose",
    &[
        ("request_id", "u64"),
        ("price", "Balance"),
        ("delivery_window", "u64"),
        ("milestones", "Vec"),
        ("arbiter", "AccountId"),
        ("arbiter_fee_bps", "u16"),
        ("message", "Hash"),
    ],
);
const WITHDRAW_PROPOSAL: Message = Message::write("withdraw_proposal", &[("request_id", "u64")]);
const WITHDRAW: Message = Message::write("withdraw", &[]);
const CREDIT_OF: Message = Message::read("credit_of", &[("account", "AccountId")]);
const REQUEST: Message = Message::read("request", &[("request_id", "u64")]);
const REQUESTS: Message = Message::read("requests", &[("from_id", "u64"), ("limit", "u32")]);
const PROPOSALS: Message = Message::read("proposals", &[("request_id", "u64")]);
const PROPOSAL: Message = Message::read("proposal", &[("request_id", "u64"), ("index", "u32")]);
const CONFIG: Message = Message::read("config", &[]);

/// What a worker proposes: the arguments of `propose` after the request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalOffer {
    pub price: u128,
    /// Milliseconds, at most the request's.
    pub delivery_window: u64,
    /// Empty: one payment; else adding up to `price` and `delivery_window`.
    pub milestones: Vec<Milestone>,
    pub arbiter: AccountBytes,
    /// The arbiter's fee in the escrow's registry: `propose` refuses any other
    /// (`ArbiterFeeMismatch`), and the award is refused if it was raised since.
    pub arbiter_fee_bps: u16,
    /// Hash of the worker's pitch (zero: none).
    pub message: [u8; 32],
    /// The pitch itself, published beside the call when it is on chain.
    pub pitch: Option<Document>,
}

/// Every requests message this API calls: all of them.
pub const MESSAGES: &[Message] = &[
    POST_REQUEST,
    CANCEL_REQUEST,
    AWARD,
    AUTO_AWARD,
    CLOSE_REQUEST,
    REJECT_PROPOSAL,
    REMOVE_REQUEST,
    PROPOSE,
    WITHDRAW_PROPOSAL,
    WITHDRAW,
    CREDIT_OF,
    REQUEST,
    REQUESTS,
    PROPOSALS,
    PROPOSAL,
    CONFIG,
];

/// The requests contract's messages no client calls.
pub const NOT_CALLED: &[&str] = &[];

/// Most requests one `requests` read returns (the contract's `MAX_PAGE`).
pub const MAX_PAGE: u32 = 10;

/// The requests contract of a session's deployment.
pub struct Requests<'s>(Target<'s>);

impl<'s> Requests<'s> {
    pub fn new(ctx: &'s mut Ctx) -> Self {
        Requests(Target {
            ctx,
            which: Which::Requests,
        })
    }

    // --- Posters ---

    /// Anyone: posts a request, paying its budget in. Returns its id.
    pub async fn post_request(
        &mut self,
        signer: &Keypair,
        terms: &RequestTerms,
        details: Option<&Document>,
    ) -> OpResult<(u64, TxReport)> {
        let tx = self
            .0
            .write_citing(signer, POST_REQUEST, terms, terms.budget, details)
            .await?;
        Ok((returned_id(&tx)?, tx))
    }

    /// The poster, before the award: takes the budget back.
    pub async fn cancel_request(
        &mut self,
        signer: &Keypair,
        request_id: u64,
    ) -> OpResult<TxReport> {
        self.0.write(signer, CANCEL_REQUEST, &request_id, 0).await
    }

    /// The poster, before the award deadline: awards proposal `index`, opening its deal in
    /// the escrow. Returns the deal id.
    pub async fn award(
        &mut self,
        signer: &Keypair,
        request_id: u64,
        index: u32,
    ) -> OpResult<(u64, TxReport)> {
        let tx = self.0.write(signer, AWARD, &(request_id, index), 0).await?;
        Ok((returned_id(&tx)?, tx))
    }

    /// Anyone, between the proposal and the award deadline of a request that allows it:
    /// awards the best proposal. Returns the deal id.
    pub async fn auto_award(
        &mut self,
        signer: &Keypair,
        request_id: u64,
    ) -> OpResult<(u64, TxReport)> {
        let tx = self.0.write(signer, AUTO_AWARD, &request_id, 0).await?;
        Ok((returned_id(&tx)?, tx))
    }

    /// Anyone, after the award deadline of an unawarded request: the budget goes back.
    pub async fn close_request(&mut self, signer: &Keypair, request_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, CLOSE_REQUEST, &request_id, 0).await
    }

    /// The poster, while the request is open: competing proposal `index` stops competing,
    /// freeing its slot; its worker cannot propose again and removes it itself.
    pub async fn reject_proposal(
        &mut self,
        signer: &Keypair,
        request_id: u64,
        index: u32,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, REJECT_PROPOSAL, &(request_id, index), 0)
            .await
    }

    /// The poster, once the request was awarded, cancelled or closed: removes it, and gets
    /// its storage deposit back.
    pub async fn remove_request(
        &mut self,
        signer: &Keypair,
        request_id: u64,
    ) -> OpResult<TxReport> {
        self.0.write(signer, REMOVE_REQUEST, &request_id, 0).await
    }

    // --- Workers ---

    /// A worker: proposes `offer` on `request_id`. Returns the proposal's index.
    pub async fn propose(
        &mut self,
        signer: &Keypair,
        request_id: u64,
        offer: &ProposalOffer,
    ) -> OpResult<(u32, TxReport)> {
        let args = (
            request_id,
            offer.price,
            offer.delivery_window,
            &offer.milestones,
            offer.arbiter,
            offer.arbiter_fee_bps,
            offer.message,
        );
        let tx = self
            .0
            .write_citing(signer, PROPOSE, &args, 0, offer.pitch.as_ref())
            .await?;
        let index = returned::<u32>(&tx)?;
        Ok((index, tx))
    }

    /// A worker: withdraws its proposal on `request_id`, or removes its rejected one (its
    /// deposit comes back); once the request ended, also frees its place.
    pub async fn withdraw_proposal(
        &mut self,
        signer: &Keypair,
        request_id: u64,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, WITHDRAW_PROPOSAL, &request_id, 0)
            .await
    }

    /// Anyone with a credit (a refund whose push failed): pays it out.
    pub async fn withdraw(&mut self, signer: &Keypair) -> OpResult<TxReport> {
        self.0.write(signer, WITHDRAW, &(), 0).await
    }

    // --- Reads ---

    pub async fn request(&mut self, request_id: u64) -> OpResult<Option<Request>> {
        self.0.read(REQUEST, &request_id).await
    }

    /// Up to `limit` requests from id `from_id` on (at most [`MAX_PAGE`]).
    pub async fn requests(&mut self, from_id: u64, limit: u32) -> OpResult<Vec<Request>> {
        self.0.read(REQUESTS, &(from_id, limit)).await
    }

    /// The competing (not withdrawn or rejected) proposals of a request, by index.
    pub async fn proposals(&mut self, request_id: u64) -> OpResult<Vec<IndexedProposal>> {
        self.0.read(PROPOSALS, &request_id).await
    }

    pub async fn proposal(&mut self, request_id: u64, index: u32) -> OpResult<Option<Proposal>> {
        self.0.read(PROPOSAL, &(request_id, index)).await
    }

    /// Plancks the contract owes `account` (refunds whose push failed).
    pub async fn credit_of(&mut self, account: &AccountBytes) -> OpResult<u128> {
        self.0.read(CREDIT_OF, account).await
    }

    pub async fn config(&mut self) -> OpResult<RequestsConfig> {
        self.0.read(CONFIG, &()).await
    }
}
