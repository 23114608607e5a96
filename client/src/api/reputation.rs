//! The reputation contract, one typed function per message a client may call
//! (contracts/reputation/lib.rs). `record_deal` is left out: only an escrow this contract
//! created may call it, from its own settlement code. `create_escrow` comes before any
//! deployment exists, so it takes the contract itself rather than a session's deployment.

use crate::chain::{Chain, Weight};
use crate::contract::{CallOutcome, Contract};
use crate::documents::Document;
use crate::session::{Ctx, OpResult, TxReport, Which};
use crate::signer::Keypair;
use crate::types::{AccountBytes, AccountReputation, DealRecord, EscrowSettings};

use super::spec::Message;
use super::Target;

const CREATE_ESCROW: Message = Message::write(
    "create_escrow",
    &[
        ("fee_bps", "u16"),
        ("fee_recipient", "AccountId"),
        ("settings", "EscrowSettings"),
        ("salt", "Hash"),
    ],
);
const COMMIT_RATING: Message = Message::write(
    "commit_rating",
    &[
        ("escrow", "AccountId"),
        ("deal_id", "u64"),
        ("commitment", "Hash"),
    ],
);
const REVEAL_RATING: Message = Message::write(
    "reveal_rating",
    &[
        ("escrow", "AccountId"),
        ("deal_id", "u64"),
        ("score", "u8"),
        ("comment", "Option"),
        ("salt", ""),
    ],
);
const COUNT_WITHHELD: Message = Message::write(
    "count_withheld",
    &[("escrow", "AccountId"), ("deal_id", "u64")],
);
const RATING_COMMITMENT: Message = Message::read(
    "rating_commitment",
    &[
        ("escrow", "AccountId"),
        ("deal_id", "u64"),
        ("rater", "AccountId"),
        ("score", "u8"),
        ("comment", "Option"),
        ("salt", ""),
    ],
);
const REPUTATION: Message = Message::read("reputation", &[("account", "AccountId")]);
const DEAL_RECORD: Message = Message::read(
    "deal_record",
    &[("escrow", "AccountId"), ("deal_id", "u64")],
);
const IS_AUTHORIZED: Message = Message::read("is_authorized", &[("escrow", "AccountId")]);
const RATING_WINDOW: Message = Message::read("rating_window", &[]);
const MIN_AMOUNT: Message = Message::read("min_amount", &[]);
const ESCROW_CODE: Message = Message::read("escrow_code", &[]);
const FEE_FLOOR_BPS: Message = Message::read("fee_floor_bps", &[]);

/// Every reputation message this API calls.
pub const MESSAGES: &[Message] = &[
    CREATE_ESCROW,
    COMMIT_RATING,
    REVEAL_RATING,
    COUNT_WITHHELD,
    RATING_COMMITMENT,
    REPUTATION,
    DEAL_RECORD,
    IS_AUTHORIZED,
    RATING_WINDOW,
    MIN_AMOUNT,
    ESCROW_CODE,
    FEE_FLOOR_BPS,
];

/// The messages of the contract that no client calls (see the module doc).
pub const NOT_CALLED: &[&str] = &["record_deal"];

/// The reputation contract of a session's deployment.
pub struct Reputation<'s>(Target<'s>);

impl<'s> Reputation<'s> {
    pub fn new(ctx: &'s mut Ctx) -> Self {
        Reputation(Target {
            ctx,
            which: Which::Reputation,
        })
    }

    /// The escrow this session's deployment uses: ratings are kept per escrow.
    async fn escrow(&mut self) -> OpResult<AccountBytes> {
        Ok(self.0.ctx.contracts().await?.escrow.address.0)
    }

    // --- Parties of a settled deal ---

    /// A party of `deal_id`: commits a hidden rating (see [`Self::rating_commitment`]).
    pub async fn commit_rating(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        commitment: [u8; 32],
    ) -> OpResult<TxReport> {
        let escrow = self.escrow().await?;
        self.0
            .write(signer, COMMIT_RATING, &(escrow, deal_id, commitment), 0)
            .await
    }

    /// Whether `rater` may commit `commitment` for `deal_id` now (a dry run; nothing sent).
    pub async fn check_commit_rating(
        &mut self,
        rater: &AccountBytes,
        deal_id: u64,
        commitment: [u8; 32],
    ) -> OpResult<()> {
        let escrow = self.escrow().await?;
        self.0
            .check_write(
                &subxt::utils::AccountId32(*rater),
                COMMIT_RATING,
                &(escrow, deal_id, commitment),
            )
            .await
    }

    /// A party that committed: reveals the rating behind its commitment. The comment's
    /// words, when kept, are published beside the call (not at the commit, which would tell
    /// the other side the rating before it commits).
    pub async fn reveal_rating(
        &mut self,
        signer: &Keypair,
        deal_id: u64,
        score: u8,
        comment: Option<[u8; 32]>,
        salt: [u8; 32],
        words: Option<&Document>,
    ) -> OpResult<TxReport> {
        let escrow = self.escrow().await?;
        self.0
            .write_citing(
                signer,
                REVEAL_RATING,
                &(escrow, deal_id, score, comment, salt),
                0,
                words,
            )
            .await
    }

    /// Anyone, after the reveal window: counts unrevealed ratings against their raters.
    pub async fn count_withheld(&mut self, signer: &Keypair, deal_id: u64) -> OpResult<TxReport> {
        let escrow = self.escrow().await?;
        self.0
            .write(signer, COUNT_WITHHELD, &(escrow, deal_id), 0)
            .await
    }

    /// What [`Self::count_withheld`] would count now, from its dry run: `Ok(n)`, or the
    /// contract error's index when it would refuse.
    pub async fn count_withheld_preview(&mut self, deal_id: u64) -> OpResult<Result<u8, u8>> {
        let escrow = self.escrow().await?;
        self.0.read(COUNT_WITHHELD, &(escrow, deal_id)).await
    }

    // --- Reads ---

    /// The commitment to send for `rater`'s rating of `deal_id`, computed by the contract.
    pub async fn rating_commitment(
        &mut self,
        deal_id: u64,
        rater: AccountBytes,
        score: u8,
        comment: Option<[u8; 32]>,
        salt: [u8; 32],
    ) -> OpResult<[u8; 32]> {
        let escrow = self.escrow().await?;
        self.0
            .read(
                RATING_COMMITMENT,
                &(escrow, deal_id, rater, score, comment, salt),
            )
            .await
    }

    pub async fn reputation(&mut self, account: &AccountBytes) -> OpResult<AccountReputation> {
        self.0.read(REPUTATION, account).await
    }

    /// What the escrow reported about `deal_id`, and its ratings.
    pub async fn deal_record(&mut self, deal_id: u64) -> OpResult<Option<DealRecord>> {
        let escrow = self.escrow().await?;
        self.0.read(DEAL_RECORD, &(escrow, deal_id)).await
    }

    pub async fn is_authorized(&mut self, escrow: &AccountBytes) -> OpResult<bool> {
        self.0.read(IS_AUTHORIZED, escrow).await
    }

    /// How long after a deal's end its parties may rate it, ms.
    pub async fn rating_window(&mut self) -> OpResult<u64> {
        self.0.read(RATING_WINDOW, &()).await
    }

    /// The smallest deal that counts for reputation, plancks.
    pub async fn min_amount(&mut self) -> OpResult<u128> {
        self.0.read(MIN_AMOUNT, &()).await
    }

    /// The code hash of every escrow this contract created (and so of every reporter).
    pub async fn escrow_code(&mut self) -> OpResult<[u8; 32]> {
        self.0.read(ESCROW_CODE, &()).await
    }

    /// The lowest platform fee of every escrow this contract creates, bps.
    pub async fn fee_floor_bps(&mut self) -> OpResult<u16> {
        self.0.read(FEE_FLOOR_BPS, &()).await
    }
}

/// Whether the reputation contract `reputation` (which need not be the session's deployment's)
/// created `escrow` and takes its reports: a client joining a deployment refuses an escrow
/// whose reputation contract does not vouch for it.
pub async fn is_authorized_by(
    ctx: &Ctx,
    reputation: &Contract,
    escrow: &AccountBytes,
) -> OpResult<bool> {
    IS_AUTHORIZED.check(Which::Reputation.name(), &reputation.codec)?;
    ctx.read(reputation, IS_AUTHORIZED.name, escrow).await
}

/// What [`create_escrow`] sent: the dry run's gas and storage deposit, and the outcome.
pub struct CreatedEscrow {
    pub gas_required: Weight,
    pub storage_deposit: u128,
    pub outcome: CallOutcome,
}

/// Anyone, on the reputation contract `reputation` (before a deployment names it): creates an
/// escrow owned by `signer` that reports there, with its platform fee, fee recipient and
/// settings, at an address that depends on `salt`. Dry-run first; a refusal sends nothing.
pub async fn create_escrow(
    chain: &Chain,
    reputation: &Contract,
    signer: &Keypair,
    fee_bps: u16,
    fee_recipient: AccountBytes,
    settings: EscrowSettings,
    salt: [u8; 32],
) -> OpResult<CreatedEscrow> {
    CREATE_ESCROW.check(Which::Reputation.name(), &reputation.codec)?;
    let input = reputation.codec.encode_typed(
        CREATE_ESCROW.name,
        &(fee_bps, fee_recipient, settings, salt),
    )?;
    let prepared = reputation
        .prepare_call(chain, signer, CREATE_ESCROW.name, input, 0)
        .await?;
    let (gas_required, storage_deposit) = (prepared.gas_required, prepared.storage_deposit.limit());
    let outcome = reputation.submit_prepared(chain, signer, prepared).await?;
    Ok(CreatedEscrow {
        gas_required,
        storage_deposit,
        outcome,
    })
}
