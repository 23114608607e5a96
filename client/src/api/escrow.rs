//! The escrow contract, one typed function per message (contracts/escrow/lib.rs), but
//! `open_requested_deal`: only a contract running the escrow's requests code may call it,
//! when one of its requests is awarded. Writes go
//! through [`Ctx::write`] (dry run, `--dry-run`, confirmation, submission, events); reads
//! are dry runs decoded into [`crate::types`]. Who may call what is the contract's business:
//! a refusal comes back as [`crate::session::OpError::Contract`] before anything is sent.

use crate::contract::Contract;
use crate::documents::{Citation, Document};
use crate::session::{Ctx, OpResult, TxReport, Which};
use crate::signer::Keypair;
use crate::types::{AccountBytes, Address, Arbiter, Config, Deal, Offer, OfferTerms};

use super::spec::Message;
use super::{returned_id, Target};

const SET_FEE: Message = Message::write("set_fee", &[("fee_bps", "u16")]);
const SET_FEE_RECIPIENT: Message =
    Message::write("set_fee_recipient", &[("fee_recipient", "AccountId")]);
const TRANSFER_OWNERSHIP: Message =
    Message::write("transfer_ownership", &[("new_owner", "AccountId")]);
const REGISTER_ARBITER: Message = Message::write(
    "register_arbiter",
    &[
        ("fee_bps", "u16"),
        ("min_amount", "Balance"),
        ("profile", "Hash"),
    ],
);
const RETIRE_ARBITER: Message = Message::write("retire_arbiter", &[]);
const CREATE_OFFER: Message = Message::payable("create_offer", &[("terms", "OfferTerms")]);
const UPDATE_OFFER: Message = Message::payable(
    "update_offer",
    &[
        ("offer_id", "u64"),
        ("price", "Balance"),
        ("quantity", "u32"),
    ],
);
const WITHDRAW_OFFER: Message = Message::write("withdraw_offer", &[("offer_id", "u64")]);
const REMOVE_OFFER: Message = Message::write("remove_offer", &[("offer_id", "u64")]);
const REMOVE_ARBITER: Message = Message::write("remove_arbiter", &[]);
const ACCEPT_OFFER: Message = Message::payable(
    "accept_offer",
    &[("offer_id", "u64"), ("quantity", "u32"), ("version", "u32")],
);
const MARK_DELIVERED: Message =
    Message::write("mark_delivered", &[("deal_id", "u64"), ("note", "Option")]);
const RELEASE: Message = Message::write("release", &[("deal_id", "u64"), ("amount", "Balance")]);
const RELEASE_MILESTONE: Message = Message::write(
    "release_milestone",
    &[("deal_id", "u64"), ("milestone", "u8")],
);
const REFUND: Message = Message::write("refund", &[("deal_id", "u64")]);
const PROPOSE_SPLIT: Message = Message::write(
    "propose_split",
    &[("deal_id", "u64"), ("seller_bps", "u16")],
);
const ACCEPT_SPLIT: Message = Message::write(
    "accept_split",
    &[
        ("deal_id", "u64"),
        ("seller_bps", "u16"),
        ("milestone", "u8"),
    ],
);
const OPEN_DISPUTE: Message =
    Message::write("open_dispute", &[("deal_id", "u64"), ("evidence", "Hash")]);
const PRUNE_DEAL: Message = Message::write("prune_deal", &[("deal_id", "u64")]);
const RULE: Message = Message::write(
    "rule",
    &[
        ("deal_id", "u64"),
        ("seller_bps", "u16"),
        ("seller_at_fault", "bool"),
        ("reasons", "Option"),
    ],
);
const SUBMIT_EVIDENCE: Message = Message::write(
    "submit_evidence",
    &[("deal_id", "u64"), ("document", "Hash")],
);
const FINALIZE: Message = Message::write("finalize", &[("deal_id", "u64")]);
const RECLAIM: Message = Message::write("reclaim", &[("deal_id", "u64")]);
const RETRY_REPORT: Message = Message::write("retry_report", &[("deal_id", "u64")]);
const WITHDRAW: Message = Message::write("withdraw", &[]);
const OFFER: Message = Message::read("offer", &[("offer_id", "u64")]);
const OFFERS: Message = Message::read("offers", &[("from_id", "u64"), ("limit", "u32")]);
const DEAL: Message = Message::read("deal", &[("deal_id", "u64")]);
const DEALS: Message = Message::read("deals", &[("from_id", "u64"), ("limit", "u32")]);
const ARBITER: Message = Message::read("arbiter", &[("account", "AccountId")]);
const ARBITERS: Message = Message::read("arbiters", &[("from", "u32"), ("limit", "u32")]);
const CREDIT_OF: Message = Message::read("credit_of", &[("account", "AccountId")]);
const CONFIG: Message = Message::read("config", &[]);

/// Every escrow message this API calls.
pub const MESSAGES: &[Message] = &[
    SET_FEE,
    SET_FEE_RECIPIENT,
    TRANSFER_OWNERSHIP,
    REGISTER_ARBITER,
    RETIRE_ARBITER,
    REMOVE_ARBITER,
    CREATE_OFFER,
    UPDATE_OFFER,
    WITHDRAW_OFFER,
    REMOVE_OFFER,
    ACCEPT_OFFER,
    MARK_DELIVERED,
    RELEASE,
    RELEASE_MILESTONE,
    REFUND,
    PROPOSE_SPLIT,
    ACCEPT_SPLIT,
    OPEN_DISPUTE,
    PRUNE_DEAL,
    RULE,
    SUBMIT_EVIDENCE,
    FINALIZE,
    RECLAIM,
    RETRY_REPORT,
    WITHDRAW,
    OFFER,
    OFFERS,
    DEAL,
    DEALS,
    ARBITER,
    ARBITERS,
    CREDIT_OF,
    CONFIG,
];

/// The messages of the contract that no client calls (see the module doc).
pub const NOT_CALLED: &[&str] = &["open_requested_deal"];

/// The escrow contract of a session's deployment.
pub struct Escrow<'s>(Target<'s>);

impl<'s> Escrow<'s> {
    pub fn new(ctx: &'s mut Ctx) -> Self {
        Escrow(Target {
            ctx,
            which: Which::Escrow,
        })
    }

    // --- The owner ---

    /// Owner: lowers the platform fee (it never goes up).
    pub async fn set_fee(&mut self, signer: &Keypair, fee_bps: u16) -> OpResult<TxReport> {
        self.0.write(signer, SET_FEE, &fee_bps, 0).await
    }

    /// Owner: where platform fees are credited from now on.
    pub async fn set_fee_recipient(
        &mut self,
        signer: &Keypair,
        fee_recipient: AccountBytes,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, SET_FEE_RECIPIENT, &fee_recipient, 0)
            .await
    }

    /// Owner: hands the owner role to `new_owner`.
    pub async fn transfer_ownership(
        &mut self,
        signer: &Keypair,
        new_owner: AccountBytes,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, TRANSFER_OWNERSHIP, &new_owner, 0)
            .await
    }

    // --- Arbiters ---

    /// Anyone: registers (or updates) the signer as an arbiter, with the hash of its
    /// profile; a profile given as a document is published beside the call.
    pub async fn register_arbiter(
        &mut self,
        signer: &Keypair,
        fee_bps: u16,
        min_amount: u128,
        profile: [u8; 32],
        document: Option<&Document>,
    ) -> OpResult<TxReport> {
        self.0
            .write_citing(
                signer,
                REGISTER_ARBITER,
                &(fee_bps, min_amount, profile),
                0,
                document,
            )
            .await
    }

    /// A registered arbiter: takes no new offers; open deals keep it.
    pub async fn retire_arbiter(&mut self, signer: &Keypair) -> OpResult<TxReport> {
        self.0.write(signer, RETIRE_ARBITER, &(), 0).await
    }

    /// A retired arbiter: leaves the registry; its storage deposit comes back.
    pub async fn remove_arbiter(&mut self, signer: &Keypair) -> OpResult<TxReport> {
        self.0.write(signer, REMOVE_ARBITER, &(), 0).await
    }

    // --- Sellers ---

    /// Anyone: lists an offer, staking `bond` (its bond per unit × quantity). Returns its id.
    pub async fn create_offer(
        &mut self,
        signer: &Keypair,
        terms: &OfferTerms,
        bond: u128,
        details: Option<&Document>,
    ) -> OpResult<(u64, TxReport)> {
        let tx = self
            .0
            .write_citing(signer, CREATE_OFFER, terms, bond, details)
            .await?;
        Ok((returned_id(&tx)?, tx))
    }

    /// The seller: new price and quantity; `bond` tops up the stake.
    pub async fn update_offer(
        &mut self,
        signer: &Keypair,
        offer_id: u64,
        price: u128,
        quantity: u32,
        bond: u128,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, UPDATE_OFFER, &(offer_id, price, quantity), bond)
            .await
    }

    /// The seller: no more deals from this offer; its free stake comes back.
    pub async fn withdraw_offer(&mut self, signer: &Keypair, offer_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, WITHDRAW_OFFER, &offer_id, 0).await
    }

    /// The seller of a withdrawn offer: removes it; its storage deposit comes back.
    pub async fn remove_offer(&mut self, signer: &Keypair, offer_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, REMOVE_OFFER, &offer_id, 0).await
    }

    // --- Deals ---

    /// A buyer: opens a deal for `quantity` units at `version`, paying `price` (price ×
    /// quantity). Returns the deal id.
    pub async fn accept_offer(
        &mut self,
        signer: &Keypair,
        offer_id: u64,
        quantity: u32,
        version: u32,
        price: u128,
    ) -> OpResult<(u64, TxReport)> {
        let tx = self
            .0
            .write(signer, ACCEPT_OFFER, &(offer_id, quantity, version), price)
            .await?;
        Ok((returned_id(&tx)?, tx))
    }

    /// The seller: delivered; the review window starts. `note` is what was delivered (a
    /// tracking id, a link), published beside the call when it is on chain.
    pub async fn mark_delivered(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        note: Option<&Citation>,
    ) -> OpResult<TxReport> {
        let hash = note.map(Citation::hash);
        self.0
            .write_citing(
                signer,
                MARK_DELIVERED,
                &(deal_id, hash),
                0,
                note.and_then(Citation::document),
            )
            .await
    }

    /// The buyer, the seller or the arbiter, while the dispute is open: cites `evidence`,
    /// published beside the call when it is on chain. Returns how many that side has cited.
    pub async fn submit_evidence(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        evidence: &Citation,
    ) -> OpResult<TxReport> {
        self.0
            .write_citing(
                signer,
                SUBMIT_EVIDENCE,
                &(deal_id, evidence.hash()),
                0,
                evidence.document(),
            )
            .await
    }

    /// The buyer: releases `amount` of what the current milestone holds to the seller.
    pub async fn release(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        amount: u128,
    ) -> OpResult<TxReport> {
        self.0.write(signer, RELEASE, &(deal_id, amount), 0).await
    }

    /// The buyer: pays milestone `milestone` (0-based; it must be the current one) to the
    /// seller, which starts the next one or completes the deal.
    pub async fn release_milestone(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        milestone: u8,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, RELEASE_MILESTONE, &(deal_id, milestone), 0)
            .await
    }

    /// The seller: gives the buyer back what the deal holds.
    pub async fn refund(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, REFUND, &deal_id, 0).await
    }

    /// A party: proposes that the seller gets `seller_bps` of what is left.
    pub async fn propose_split(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        seller_bps: u16,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, PROPOSE_SPLIT, &(deal_id, seller_bps), 0)
            .await
    }

    /// The other party: accepts exactly the proposed split for `milestone` (0-based), which
    /// must be the one under way; the deal settles.
    pub async fn accept_split(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        seller_bps: u16,
        milestone: u8,
    ) -> OpResult<TxReport> {
        self.0
            .write(signer, ACCEPT_SPLIT, &(deal_id, seller_bps, milestone), 0)
            .await
    }

    /// A party: disputes the deal with its statement (published beside the call when it is on
    /// chain; `None`: no statement); the ruling window starts.
    pub async fn open_dispute(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        statement: Option<&Citation>,
    ) -> OpResult<TxReport> {
        let hash = statement.map_or([0; 32], Citation::hash);
        self.0
            .write_citing(
                signer,
                OPEN_DISPUTE,
                &(deal_id, hash),
                0,
                statement.and_then(Citation::document),
            )
            .await
    }

    /// The deal's arbiter: the seller gets `seller_bps` of what is left after its fee; the
    /// bond goes to the buyer exactly when `seller_at_fault`.
    pub async fn rule(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        seller_bps: u16,
        seller_at_fault: bool,
        reasons: Option<&Citation>,
    ) -> OpResult<TxReport> {
        let hash = reasons.map(Citation::hash);
        self.0
            .write_citing(
                signer,
                RULE,
                &(deal_id, seller_bps, seller_at_fault, hash),
                0,
                reasons.and_then(Citation::document),
            )
            .await
    }

    /// Anyone, after the review window (or a lapsed ruling window): closes the deal by its
    /// default rule.
    pub async fn finalize(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, FINALIZE, &deal_id, 0).await
    }

    /// The buyer, after a missed delivery deadline: takes back the money and the bond.
    pub async fn reclaim(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, RECLAIM, &deal_id, 0).await
    }

    /// Anyone: sends a closed deal's reputation report again after it failed.
    pub async fn retry_report(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, RETRY_REPORT, &deal_id, 0).await
    }

    /// The buyer, once the deal has ended long enough: removes it from storage.
    pub async fn prune_deal(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        self.0.write(signer, PRUNE_DEAL, &deal_id, 0).await
    }

    /// Anyone with a credit: pays it out.
    pub async fn withdraw(&mut self, signer: &Keypair) -> OpResult<TxReport> {
        self.0.write(signer, WITHDRAW, &(), 0).await
    }

    // --- Reads ---

    pub async fn offer(&mut self, offer_id: u64) -> OpResult<Option<Offer>> {
        self.0.read(OFFER, &offer_id).await
    }

    /// Up to `limit` offers from id `from_id` on (at most 15: an offer with full screening lists
    /// takes about 1 KB of the contract's 16 KiB return buffer).
    pub async fn offers(&mut self, from_id: u64, limit: u32) -> OpResult<Vec<Offer>> {
        self.0.read(OFFERS, &(from_id, limit)).await
    }

    pub async fn deal(&mut self, deal_id: u64) -> OpResult<Option<Deal>> {
        self.0.read(DEAL, &deal_id).await
    }

    /// The deals among ids `from_id..from_id + limit` that still exist.
    pub async fn deals(&mut self, from_id: u64, limit: u32) -> OpResult<Vec<Deal>> {
        self.0.read(DEALS, &(from_id, limit)).await
    }

    pub async fn arbiter(&mut self, account: &AccountBytes) -> OpResult<Option<Arbiter>> {
        self.0.read(ARBITER, account).await
    }

    /// Registered arbiters from index `from` on.
    pub async fn arbiters(&mut self, from: u32, limit: u32) -> OpResult<Vec<(Address, Arbiter)>> {
        self.0.read(ARBITERS, &(from, limit)).await
    }

    /// Plancks the escrow owes `account` (pushed payouts that failed, fees).
    pub async fn credit_of(&mut self, account: &AccountBytes) -> OpResult<u128> {
        self.0.read(CREDIT_OF, account).await
    }

    pub async fn config(&mut self) -> OpResult<Config> {
        self.0.read(CONFIG, &()).await
    }
}

/// The `config()` of the escrow `escrow`, which need not be the session's deployment: how a
/// client joining a deployment learns its reputation and requests contracts.
pub async fn config_of(ctx: &Ctx, escrow: &Contract) -> OpResult<Config> {
    CONFIG.check(Which::Escrow.name(), &escrow.codec)?;
    ctx.read(escrow, CONFIG.name, &()).await
}
