//! `escrow multisig pending|approve|cancel` and `escrow submit`: completing the writes that
//! other signers started ([`crate::session::Deferred`]).

use std::path::Path;

use serde::Serialize;

use crate::chain::TxOutcome;
use crate::contract::decode_contract_events;
use crate::multisig::{call_hash, pallet, MultisigAccount};
use crate::offline::UnsignedTx;
use crate::session::{offline_error, ContractCallView, MultisigCallView};

use super::{dry_run, event_view, usage, Ctx, EventView, OpError, OpResult};

/// The calls of a multisig account waiting for approvals.
#[derive(Debug, Clone, Serialize)]
pub struct MultisigPending {
    pub multisig: String,
    pub threshold: u16,
    pub calls: Vec<MultisigCallView>,
}

/// What an approval or a cancel did.
#[derive(Debug, Clone, Serialize)]
pub struct MultisigDone {
    /// `approved` (more approvals needed), `executed` or `cancelled`.
    pub outcome: String,
    pub signer: String,
    /// The call as it was waiting, before this transaction.
    pub call: MultisigCallView,
    pub block_hash: String,
    /// Decoded events of the deployment's contracts (an executed call's).
    pub events: Vec<EventView>,
}

/// An offline-signed transaction that was sent.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub signer: String,
    pub call: Option<ContractCallView>,
    pub block_hash: String,
    pub events: Vec<EventView>,
}

async fn multisig_of(ctx: &Ctx) -> OpResult<MultisigAccount> {
    ctx.multisig_on_chain()
        .await?
        .ok_or_else(|| usage("name the multisig account: --multisig SIGNATORIES --threshold N"))
}

fn parse_hash(text: &str) -> OpResult<[u8; 32]> {
    hex::decode(text.trim_start_matches("0x"))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| usage(format!("call hash '{text}': expected 32 bytes of hex")))
}

/// Every call waiting for the multisig account's approvals, decoded when its first approval
/// carried it.
pub async fn pending(ctx: &mut Ctx) -> OpResult<MultisigPending> {
    let multisig = multisig_of(ctx).await?;
    let account = multisig.account_id();
    let mut calls = Vec::new();
    for p in pallet::pending(&ctx.chain, &account).await? {
        let data = pallet::first_call_data(&ctx.chain, p.when, &p.call_hash).await?;
        calls.push(
            ctx.multisig_call_view(&multisig, &p, data.as_deref())
                .await?,
        );
    }
    Ok(MultisigPending {
        multisig: ctx.chain.ss58(&account.0),
        threshold: multisig.threshold,
        calls,
    })
}

/// The waiting call `hash` of the multisig account, and its bytes when known (`call_data`
/// given, which must hash to it, or carried by the first approval).
async fn waiting(
    ctx: &mut Ctx,
    multisig: &MultisigAccount,
    hash: &str,
    call_data: Option<&str>,
) -> OpResult<(pallet::PendingCall, Option<Vec<u8>>, MultisigCallView)> {
    let hash = parse_hash(hash)?;
    let account = multisig.account_id();
    let pending = pallet::pending(&ctx.chain, &account)
        .await?
        .into_iter()
        .find(|p| p.call_hash == hash)
        .ok_or_else(|| {
            usage(format!(
                "no call 0x{} waits for the multisig account {}",
                hex::encode(hash),
                ctx.chain.ss58(&account.0)
            ))
        })?;
    let data = match call_data {
        Some(text) => {
            let data = hex::decode(text.trim_start_matches("0x"))
                .map_err(|e| usage(format!("--call-data is not hex: {e}")))?;
            if call_hash(&data) != hash {
                return Err(usage(format!(
                    "--call-data hashes to 0x{}, not to the call 0x{}",
                    hex::encode(call_hash(&data)),
                    hex::encode(hash)
                )));
            }
            Some(data)
        }
        None => pallet::first_call_data(&ctx.chain, pending.when, &hash).await?,
    };
    let view = ctx
        .multisig_call_view(multisig, &pending, data.as_deref())
        .await?;
    Ok((pending, data, view))
}

/// Approves the waiting call `hash` as the signer: `approve_as_multi` while more approvals
/// are needed, `as_multi` with the call for the last one, which executes it.
pub async fn approve(ctx: &mut Ctx, hash: &str, call_data: Option<&str>) -> OpResult<MultisigDone> {
    let multisig = multisig_of(ctx).await?;
    let signer = ctx.signer(None)?;
    let me = signer.account_id();
    if !multisig.has(&me) {
        return Err(usage(format!(
            "the signer {} is not one of the --multisig signatories",
            ctx.chain.ss58(&me.0)
        )));
    }
    let (pending, data, view) = waiting(ctx, &multisig, hash, call_data).await?;
    if pending.approvals.contains(&me) {
        return Err(usage(format!(
            "{} already approved call {}",
            ctx.chain.ss58(&me.0),
            view.call_hash
        )));
    }
    let last = pending.approvals.len() + 1 >= usize::from(multisig.threshold);
    if last && data.is_none() {
        return Err(usage(format!(
            "the last approval executes the call, and its bytes are not on chain: pass \
             --call-data (the first signer's call data, hashing to {})",
            view.call_hash
        )));
    }
    let weight = match &data {
        Some(d) => pallet::call_weight(&ctx.chain, d).await?,
        None => crate::chain::Weight::default(),
    };
    let signer_ss58 = ctx.chain.ss58(&me.0);
    let report = || {
        Box::new(dry_run::DryRunReport {
            call: if last {
                "Multisig.as_multi".into()
            } else {
                "Multisig.approve_as_multi".into()
            },
            signer: signer_ss58.clone(),
            contract: view.call.as_ref().map(|c| c.contract.clone()),
            args: view
                .call
                .as_ref()
                .map(|c| c.args.clone())
                .unwrap_or_default(),
            call_data: view.call_data.clone(),
            value: view
                .call
                .as_ref()
                .map(|c| c.value.clone())
                .unwrap_or_default(),
            result: serde_json::Value::Null,
            gas_required: None,
            storage_deposit: "0".into(),
            storage_deposit_limit: None,
            fee_estimate: None,
            notes: vec![format!(
                "approves call hash {} of the multisig account {}{}",
                view.call_hash,
                view.multisig,
                if last {
                    ": the last approval, it executes the call"
                } else {
                    ""
                }
            )],
            document: None,
            then: Vec::new(),
            token: ctx.units().clone(),
        })
    };
    ctx.stop_before_sending(report)?;
    let tx = match (&data, last) {
        (Some(d), true) => {
            pallet::as_multi(
                &ctx.chain,
                &signer,
                &multisig,
                Some(pending.when),
                d,
                weight,
            )
            .await?
        }
        _ => {
            pallet::approve_as_multi(
                &ctx.chain,
                &signer,
                &multisig,
                pending.when,
                pending.call_hash,
                weight,
            )
            .await?
        }
    };
    let outcome = match pallet::executed(&ctx.chain, &tx).await? {
        None => "approved",
        Some(Ok(())) => "executed",
        Some(Err(failure)) => {
            return Err(OpError::Failed(format!(
                "call {} executed and failed: {failure}",
                view.call_hash
            )))
        }
    };
    done(ctx, outcome, signer_ss58, view, &tx).await
}

/// Cancels the waiting call `hash`: only its depositor (the first signer) can, and gets the
/// deposit back.
pub async fn cancel(ctx: &mut Ctx, hash: &str) -> OpResult<MultisigDone> {
    let multisig = multisig_of(ctx).await?;
    let signer = ctx.signer(None)?;
    let me = signer.account_id();
    let (pending, _, view) = waiting(ctx, &multisig, hash, None).await?;
    if pending.depositor != me {
        return Err(usage(format!(
            "only the first signer {} can cancel call {}",
            view.depositor, view.call_hash
        )));
    }
    let tx = pallet::cancel_as_multi(
        &ctx.chain,
        &signer,
        &multisig,
        pending.when,
        pending.call_hash,
    )
    .await?;
    let signer = ctx.chain.ss58(&me.0);
    done(ctx, "cancelled", signer, view, &tx).await
}

async fn done(
    ctx: &mut Ctx,
    outcome: &str,
    signer: String,
    call: MultisigCallView,
    tx: &TxOutcome,
) -> OpResult<MultisigDone> {
    Ok(MultisigDone {
        outcome: outcome.to_string(),
        signer,
        call,
        block_hash: format!("0x{}", hex::encode(tx.block_hash)),
        events: contract_events(ctx, tx).await?,
    })
}

async fn contract_events(ctx: &mut Ctx, tx: &TxOutcome) -> OpResult<Vec<EventView>> {
    let contracts = ctx.contracts().await?;
    Ok(decode_contract_events(tx, &contracts.codecs(), None)
        .iter()
        .map(|e| event_view(e, &contracts))
        .collect())
}

/// Sends the transaction of an `--unsigned` file with the offline signer's `signature`
/// (hex). Nothing is sent unless the signature is the file's signer's over its payload.
pub async fn submit(ctx: &mut Ctx, file: &Path, signature: &str) -> OpResult<Submitted> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| usage(format!("--payload {}: {e}", file.display())))?;
    let tx: UnsignedTx = serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "--payload {}: not an unsigned transaction file: {e}",
            file.display()
        ))
    })?;
    let signature = hex::decode(signature.trim().trim_start_matches("0x"))
        .map_err(|e| usage(format!("--signature is not hex: {e}")))?;
    let call_data = hex::decode(tx.call_data.trim_start_matches("0x"))
        .map_err(|e| usage(format!("call_data is not hex: {e}")))?;
    let call = ctx.describe_call(&call_data).await?;
    ctx.note("submit: waiting for inclusion…");
    let outcome = crate::offline::submit(&ctx.chain, &tx, &signature)
        .await
        .map_err(offline_error)?;
    Ok(Submitted {
        signer: tx.signer.clone(),
        call,
        block_hash: format!("0x{}", hex::encode(outcome.block_hash)),
        events: contract_events(ctx, &outcome).await?,
    })
}
