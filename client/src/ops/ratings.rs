//! `escrow rate commit|reveal` and `escrow reputation`.
//!
//! `rate commit` draws a random salt, asks the reputation contract for the commitment
//! (`rating_commitment`) and keeps score, comment and salt in `ratings.json` (next to the
//! deployment file, normally `$ESCROW_HOME/ratings.json`) so that `rate reveal` can open it.

use std::collections::BTreeMap;
use std::path::Path;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::deals::advance_clock_past;
use super::types::{AccountReputation, DealRecord};
use super::{usage, write_json_file, Ctx, OpError, OpResult, TxReport};
use crate::api::Reputation;
use crate::documents::{Citation, Document};

/// One stored, not yet revealed (or revealed) rating.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredRating {
    pub score: u8,
    pub comment: Option<String>,
    /// The comment's text, published at the reveal (absent: a hash of something kept
    /// elsewhere, or a rating committed by an older client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_text: Option<String>,
    pub salt: String,
    pub commitment: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RatingsFile {
    /// Key: `<escrow>:<deal id>:<rater>`.
    pub ratings: BTreeMap<String, StoredRating>,
}

impl RatingsFile {
    pub fn load(path: &Path) -> OpResult<Self> {
        match std::fs::read_to_string(path) {
            Ok(t) => serde_json::from_str(&t)
                .map_err(|e| OpError::Failed(format!("{} is not valid: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(OpError::Failed(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingResult {
    pub deal_id: u64,
    pub rater: String,
    pub score: u8,
    pub commitment: String,
    pub record: Option<DealRecord>,
    pub tx: TxReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReputationResult {
    pub account: String,
    pub reputation: AccountReputation,
}

fn key(escrow: &str, deal_id: u64, rater: &str) -> String {
    format!("{escrow}:{deal_id}:{rater}")
}

fn hex32(h: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(h))
}

async fn record(ctx: &mut Ctx, deal_id: u64) -> OpResult<Option<DealRecord>> {
    Reputation::new(ctx).deal_record(deal_id).await
}

pub async fn commit(
    ctx: &mut Ctx,
    deal_id: u64,
    score: u8,
    comment: Option<&str>,
) -> OpResult<RatingResult> {
    let signer = ctx.signer(None)?;
    if !(1..=5).contains(&score) {
        return Err(usage(format!("invalid score {score}: scores are 1..=5")));
    }
    let comment = comment
        .map(|c| Citation::parse(c, &[]))
        .transpose()
        .map_err(|e| usage(e.to_string()))?;
    let comment_hash = comment.as_ref().map(Citation::hash);
    let comment_text = comment
        .as_ref()
        .and_then(Citation::document)
        .map(|d| d.text().to_string());
    super::deals::get_deal(ctx, deal_id).await?;
    let escrow_ss58 = ctx.contracts().await?.deployment.escrow;
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);
    let rater = signer.account_id();
    let commitment = Reputation::new(ctx)
        .rating_commitment(deal_id, rater.0, score, comment_hash, salt)
        .await?;
    let stored = StoredRating {
        score,
        comment: comment_hash.as_ref().map(hex32),
        comment_text,
        salt: hex32(&salt),
        commitment: hex32(&commitment),
    };
    // The salt is written before the commitment goes out (losing it would make the rating
    // impossible to reveal), but only once a dry run shows the commitment will be accepted.
    let path = ctx.settings.ratings_path();
    Reputation::new(ctx)
        .check_commit_rating(&rater.0, deal_id, commitment)
        .await?;
    let mut file = RatingsFile::load(&path)?;
    file.ratings.insert(
        key(&escrow_ss58, deal_id, &ctx.chain.ss58(&signer.public_key())),
        stored.clone(),
    );
    write_json_file(&path, &file)?;
    let tx = Reputation::new(ctx)
        .commit_rating(&signer, deal_id, commitment)
        .await?;
    Ok(RatingResult {
        deal_id,
        rater: ctx.chain.ss58(&signer.public_key()),
        score,
        commitment: stored.commitment,
        record: record(ctx, deal_id).await?,
        tx,
    })
}

pub async fn reveal(ctx: &mut Ctx, deal_id: u64) -> OpResult<RatingResult> {
    let signer = ctx.signer(None)?;
    let c = ctx.contracts().await?;
    let path = ctx.settings.ratings_path();
    let file = RatingsFile::load(&path)?;
    let stored = file
        .ratings
        .get(&key(
            &c.deployment.escrow,
            deal_id,
            &ctx.chain.ss58(&signer.public_key()),
        ))
        .cloned()
        .ok_or_else(|| {
            usage(format!(
                "no stored rating of deal {deal_id} by {} in {}: run `escrow rate commit` first",
                ctx.chain.ss58(&signer.public_key()),
                path.display()
            ))
        })?;
    let parse32 = |s: &str| -> OpResult<[u8; 32]> {
        hex::decode(s.trim_start_matches("0x"))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| OpError::Failed(format!("corrupt entry in {}", path.display())))
    };
    let salt = parse32(&stored.salt)?;
    let comment = stored.comment.as_deref().map(parse32).transpose()?;
    let words = match &stored.comment_text {
        Some(text) => {
            let d = Document::new(text, &[]).map_err(|e| usage(e.to_string()))?;
            // The words must be the ones committed to, or the reveal would cite other ones.
            (Some(d.hash()) == comment).then_some(d)
        }
        None => None,
    };
    let opens = reveal_opens(ctx, deal_id, &signer.account_id().0).await?;
    advance_clock_past(ctx, opens).await?;
    let tx = Reputation::new(ctx)
        .reveal_rating(
            &signer,
            deal_id,
            stored.score,
            comment,
            salt,
            words.as_ref(),
        )
        .await?;
    Ok(RatingResult {
        deal_id,
        rater: ctx.chain.ss58(&signer.public_key()),
        score: stored.score,
        commitment: stored.commitment,
        record: record(ctx, deal_id).await?,
        tx,
    })
}

/// When `rater`'s reveal opens, if it waits for the commit window to end: the other party
/// has not committed (both committed: it is open already). `None` for anyone else.
async fn reveal_opens(ctx: &mut Ctx, deal_id: u64, rater: &[u8; 32]) -> OpResult<Option<u64>> {
    let Some(r) = record(ctx, deal_id).await? else {
        return Ok(None);
    };
    let other_commitment = if r.buyer == *rater {
        r.seller_commitment
    } else if r.seller == *rater {
        r.buyer_commitment
    } else {
        return Ok(None);
    };
    if other_commitment.is_some() {
        return Ok(None);
    }
    let window = Reputation::new(ctx).rating_window().await?;
    Ok(Some(r.ended_at.saturating_add(window)))
}

/// `escrow reputation`: `account`'s reputation as the event store holds it (synced first).
#[cfg(feature = "store")]
pub async fn reputation(ctx: &mut Ctx, account: &str) -> OpResult<ReputationResult> {
    let account = ctx.account(account)?;
    let (store, _) = super::index::synced_store(ctx, crate::indexer::Backfill::Skip).await?;
    let reputation = store
        .reputation(&account.0)
        .map_err(crate::indexer::store_error)?
        .unwrap_or_default();
    Ok(ReputationResult {
        account: ctx.chain.ss58(&account.0),
        reputation,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct WithheldResult {
    pub deal_id: u64,
    /// How many committed-but-unrevealed ratings were counted against their raters (0-2).
    pub counted: u8,
    pub record: Option<DealRecord>,
    /// `None` when there was nothing to count (no transaction was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxReport>,
}

/// Anyone, once per deal, after its reveal window: counts ratings that were committed and
/// never revealed against their raters (`ratings_withheld`). When the dry run shows nothing
/// to count, nothing is sent.
pub async fn count_withheld(ctx: &mut Ctx, deal_id: u64) -> OpResult<WithheldResult> {
    let signer = ctx.signer(None)?;
    // A refusal reverts the dry run (an error here); `count_withheld` below reports it with
    // its reason.
    let dry = Reputation::new(ctx).count_withheld_preview(deal_id).await;
    if matches!(dry, Ok(Ok(0))) {
        return Ok(WithheldResult {
            deal_id,
            counted: 0,
            record: record(ctx, deal_id).await?,
            tx: None,
        });
    }
    // A refusal comes back from `write` with its explanation.
    let tx = Reputation::new(ctx)
        .count_withheld(&signer, deal_id)
        .await?;
    let counted = tx
        .return_value
        .as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .unwrap_or(0);
    Ok(WithheldResult {
        deal_id,
        counted,
        record: record(ctx, deal_id).await?,
        tx: Some(tx),
    })
}
