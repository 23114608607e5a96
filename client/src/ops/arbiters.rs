//! `escrow arbiter register|update|retire|show|list`: the escrow's arbiter registry. Offers
//! may only name an active registered arbiter; its fee is the one it registered.

use serde::Serialize;

use super::types::{Arbiter, MAX_ARBITER_FEE_BPS};
use super::{usage, Ctx, OpResult, TxReport};
use crate::api::Escrow;
use crate::documents::{Citation, Words};

/// `arbiter register` / `arbiter update` input, as typed by the user.
#[derive(Debug, Clone, Default)]
pub struct RegisterArgs {
    pub fee_bps: u16,
    /// An amount (`12.5`, `12.5 UNIT`); `None`: 0 for register, unchanged for update.
    pub min_amount: Option<String>,
    /// Text published on chain with the call (at most 4 KiB), or the 0x-hash of a profile kept
    /// elsewhere; `None`: none for register, unchanged for update.
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArbiterView {
    pub account: String,
    #[serde(flatten)]
    pub arbiter: Arbiter,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArbiterResult {
    pub arbiter: ArbiterView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxReport>,
    /// The call removed the arbiter from the registry: `arbiter` is what it was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// Its profile's words as published on chain (`arbiter show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Words>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArbiterList {
    /// Registered arbiters (retired ones included) in order of first registration.
    pub arbiters: Vec<ArbiterView>,
}

/// The registry entry of `account`, if it ever registered.
pub async fn get_arbiter(ctx: &mut Ctx, account: &[u8; 32]) -> OpResult<Option<Arbiter>> {
    Escrow::new(ctx).arbiter(account).await
}

fn view(ctx: &Ctx, account: &[u8; 32], arbiter: Arbiter) -> ArbiterView {
    ArbiterView {
        account: ctx.chain.ss58(account),
        arbiter,
    }
}

fn check_fee(fee_bps: u16) -> OpResult<()> {
    if fee_bps > MAX_ARBITER_FEE_BPS {
        return Err(usage(format!(
            "--fee-bps must be at most {MAX_ARBITER_FEE_BPS} (20%)"
        )));
    }
    Ok(())
}

async fn send(
    ctx: &mut Ctx,
    fee_bps: u16,
    min_amount: u128,
    profile: [u8; 32],
    document: Option<&Citation>,
) -> OpResult<ArbiterResult> {
    let signer = ctx.signer(None)?;
    let document = document.and_then(Citation::document);
    let tx = Escrow::new(ctx)
        .register_arbiter(&signer, fee_bps, min_amount, profile, document)
        .await?;
    result(ctx, &signer.public_key(), Some(tx)).await
}

async fn result(
    ctx: &mut Ctx,
    account: &[u8; 32],
    tx: Option<TxReport>,
) -> OpResult<ArbiterResult> {
    let arbiter = get_arbiter(ctx, account).await?.ok_or_else(|| {
        usage(format!(
            "{} is not a registered arbiter",
            ctx.chain.ss58(account)
        ))
    })?;
    Ok(ArbiterResult {
        arbiter: view(ctx, account, arbiter),
        tx,
        removed: false,
        profile: None,
    })
}

/// Registers the --as account as an arbiter (or re-activates it with these terms).
pub async fn register(ctx: &mut Ctx, args: RegisterArgs) -> OpResult<ArbiterResult> {
    check_fee(args.fee_bps)?;
    let min_amount = match &args.min_amount {
        Some(a) => ctx.units().parse(a)?,
        None => 0,
    };
    let profile = cite_profile(&args)?;
    let hash = profile.as_ref().map_or([0; 32], Citation::hash);
    send(ctx, args.fee_bps, min_amount, hash, profile.as_ref()).await
}

/// Changes the terms of the --as account, which must already be registered; what is not
/// given stays as it is.
pub async fn update(ctx: &mut Ctx, args: RegisterArgs) -> OpResult<ArbiterResult> {
    check_fee(args.fee_bps)?;
    let signer = ctx.signer(None)?;
    let current = get_arbiter(ctx, &signer.public_key())
        .await?
        .ok_or_else(|| {
            usage(format!(
                "{} is not a registered arbiter: run `escrow arbiter register` first",
                ctx.chain.ss58(&signer.public_key())
            ))
        })?;
    let min_amount = match &args.min_amount {
        Some(a) => ctx.units().parse(a)?,
        None => current.min_amount,
    };
    let profile = cite_profile(&args)?;
    let hash = profile.as_ref().map_or(current.profile, Citation::hash);
    send(ctx, args.fee_bps, min_amount, hash, profile.as_ref()).await
}

/// Stops the --as account taking new deals (it still rules its open ones).
pub async fn retire(ctx: &mut Ctx) -> OpResult<ArbiterResult> {
    let signer = ctx.signer(None)?;
    let tx = Escrow::new(ctx).retire_arbiter(&signer).await?;
    result(ctx, &signer.public_key(), Some(tx)).await
}

/// A retired --as account leaves the registry, getting its storage deposit back. The result
/// is the arbiter as it was.
pub async fn remove(ctx: &mut Ctx) -> OpResult<ArbiterResult> {
    let signer = ctx.signer(None)?;
    let before = result(ctx, &signer.public_key(), None).await?;
    let tx = Escrow::new(ctx).remove_arbiter(&signer).await?;
    Ok(ArbiterResult {
        tx: Some(tx),
        removed: true,
        ..before
    })
}

pub async fn show(ctx: &mut Ctx, account: &str) -> OpResult<ArbiterResult> {
    let id = ctx.account(account)?;
    let mut shown = result(ctx, &id.0, None).await?;
    let hash = shown.arbiter.arbiter.profile;
    shown.profile = super::published::words_of(ctx, &[hash]).await?.remove(0);
    Ok(shown)
}

/// The profile to cite, checked before anything is sent.
fn cite_profile(args: &RegisterArgs) -> OpResult<Option<Citation>> {
    args.profile
        .as_deref()
        .map(|p| Citation::parse(p, &[]))
        .transpose()
        .map_err(|e| usage(e.to_string()))
}
