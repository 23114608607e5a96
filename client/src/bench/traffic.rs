//! Many transactions from many accounts at once: fresh funded accounts, and contract calls that
//! are dry-run, then submitted pipelined (client-side nonces) from each signer concurrently.

use std::future::Future;
use std::time::Duration;

use futures::future::try_join_all;
use futures::{stream, StreamExt, TryStreamExt};
use subxt::utils::{AccountId32, MultiAddress};

use crate::chain::{Chain, TxOutcome};
use crate::contract::{CallOutcome, Contract, PreparedCall};
use crate::ops::{OpError, OpResult};
use crate::signer::Keypair;

/// Calls one signer has in flight at most: each waits on its own subscription, and the node
/// allows 1024 per connection.
pub const BATCH: usize = 48;
/// Dry runs in flight at once.
const DRY_RUN_CONCURRENCY: usize = 8;

/// One contract call to make: message, SCALE input (selector + args), value.
#[derive(Debug, Clone)]
pub struct Call {
    pub message: String,
    pub input: Vec<u8>,
    pub value: u128,
}

impl Call {
    pub fn new<A: scale::Encode>(
        contract: &Contract,
        message: &str,
        args: &A,
        value: u128,
    ) -> OpResult<Call> {
        Ok(Call {
            message: message.into(),
            input: contract.codec.encode_typed(message, args)?,
            value,
        })
    }
}

/// `n` new ed25519 accounts, each sent `amount` by `funder` (pipelined).
pub async fn funded_accounts(
    chain: &Chain,
    funder: &Keypair,
    n: usize,
    amount: u128,
) -> OpResult<Vec<Keypair>> {
    let accounts: Vec<Keypair> = (0..n).map(|_| Keypair::ed25519_generate()).collect();
    let ids: Vec<AccountId32> = accounts.iter().map(|k| k.account_id()).collect();
    transfers(chain, funder, &ids, amount).await?;
    Ok(accounts)
}

/// `Balances.transfer_keep_alive(to, amount)` for each `to`, pipelined from `from`.
pub async fn transfers(
    chain: &Chain,
    from: &Keypair,
    to: &[AccountId32],
    amount: u128,
) -> OpResult<Vec<TxOutcome>> {
    nudging(chain, transfers_in_batches(chain, from, to, amount)).await
}

async fn transfers_in_batches(
    chain: &Chain,
    from: &Keypair,
    to: &[AccountId32],
    amount: u128,
) -> OpResult<Vec<TxOutcome>> {
    let mut out = Vec::with_capacity(to.len());
    for batch in to.chunks(BATCH) {
        let calls: Vec<_> = batch
            .iter()
            .map(|t| {
                subxt::dynamic::tx(
                    "Balances",
                    "transfer_keep_alive",
                    (MultiAddress::<AccountId32, ()>::Id(*t), amount),
                )
            })
            .collect();
        for r in chain.submit_many(from, &calls).await? {
            out.push(r?);
        }
    }
    Ok(out)
}

/// `count` empty `System.remark`s from each of `senders`, all at once, each sender's
/// pipelined: on the dev node each makes about one block, the cheapest way to lengthen the
/// chain.
pub async fn remarks(chain: &Chain, senders: &[Keypair], count: usize) -> OpResult<()> {
    let sends = senders.iter().map(|from| remarks_from(chain, from, count));
    nudging(chain, try_join_all(sends)).await?;
    Ok(())
}

async fn remarks_from(chain: &Chain, from: &Keypair, count: usize) -> OpResult<()> {
    let remark = subxt::dynamic::tx("System", "remark", (Vec::<u8>::new(),));
    let mut left = count;
    while left > 0 {
        let calls = vec![remark.clone(); left.min(BATCH)];
        for r in chain.submit_many(from, &calls).await? {
            r?;
        }
        left -= calls.len();
    }
    Ok(())
}

/// Dry-runs every call (a refusal fails here, before anything is sent), then submits them
/// pipelined from `signer`, in order. Every call must succeed.
pub async fn pipelined(
    chain: &Chain,
    contract: &Contract,
    signer: &Keypair,
    calls: Vec<Call>,
) -> OpResult<Vec<CallOutcome>> {
    let mut out = Vec::with_capacity(calls.len());
    for batch in calls.chunks(BATCH) {
        let prepared: Vec<PreparedCall> = stream::iter(batch.iter().cloned())
            .map(|c| async move {
                contract
                    .prepare_call(chain, signer, &c.message, c.input, c.value)
                    .await
                    .map_err(OpError::from)
            })
            .buffered(DRY_RUN_CONCURRENCY)
            .try_collect()
            .await?;
        for result in contract
            .submit_prepared_many(chain, signer, prepared)
            .await?
        {
            out.push(result?);
        }
    }
    Ok(out)
}

/// [`pipelined`] for several signers at once, each with its own calls.
pub async fn pipelined_all(
    chain: &Chain,
    contract: &Contract,
    work: Vec<(&Keypair, Vec<Call>)>,
) -> OpResult<Vec<Vec<CallOutcome>>> {
    nudging(
        chain,
        try_join_all(
            work.into_iter()
                .map(|(signer, calls)| pipelined(chain, contract, signer, calls)),
        ),
    )
    .await
}

/// Fills any gap in the nonces of `signers` with a remark from each at its next nonce. A
/// transaction the dev node forgot in a fork leaves its account's later ones in the pool's
/// future queue, where no new block frees them, and sending those calls again is refused
/// ("Transaction Already Imported", then "temporarily banned"): the remark takes the missing
/// nonce, so they run, and the next round signs from after them. Costs each signer one small
/// fee when there was no gap.
pub async fn fill_nonce_gaps(chain: &Chain, signers: Vec<Keypair>) {
    let remark = subxt::dynamic::tx("System", "remark", (Vec::<u8>::new(),));
    for signer in &signers {
        if let Err(e) = chain.submit(signer, &remark, None).await {
            tracing::warn!("filling a nonce gap of {}: {e}", signer.account_id());
        }
    }
}

/// How long the chain may go without a block while calls wait before it is nudged.
const STALL: Duration = Duration::from_secs(5);

/// Runs `work`, nudging the dev node when it stalls. Instant seal makes a block only when a
/// transaction arrives: one that a fork put back in the pool waits for the next, and after
/// the last of a burst none comes, so it would wait forever. A remark from //Ferdie, who
/// sends nothing else while traffic runs, makes that block.
async fn nudging<T>(chain: &Chain, work: impl Future<Output = OpResult<T>>) -> OpResult<T> {
    let nudger = Keypair::sr25519_from_uri("//Ferdie")
        .map_err(|e| OpError::Failed(format!("//Ferdie: {e}")))?;
    let remark = subxt::dynamic::tx("System", "remark", (Vec::<u8>::new(),));
    let watch = async {
        let mut last = chain.best_block_number().await.ok();
        loop {
            tokio::time::sleep(STALL).await;
            let now = chain.best_block_number().await.ok();
            if now == last {
                tracing::debug!("no block for {STALL:?} while calls wait: nudging the node");
                if let Err(e) = chain.submit(&nudger, &remark, None).await {
                    tracing::warn!("nudging the node: {e}");
                }
                last = chain.best_block_number().await.ok();
            } else {
                last = now;
            }
        }
    };
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => done,
        never = watch => never,
    }
}

/// A number field of the call's event `event` (e.g. `deal_id` of `DealOpened`): the dry run's
/// return value cannot tell ids apart, as pipelined dry runs do not see each other.
pub fn event_u64(outcome: &CallOutcome, event: &str, field: &str) -> OpResult<u64> {
    outcome
        .events
        .iter()
        .find(|e| e.name.as_deref() == Some(event))
        .and_then(|e| e.field(field))
        .and_then(|v| match v {
            contract_transcode::Value::UInt(n) => u64::try_from(*n).ok(),
            _ => None,
        })
        .ok_or_else(|| OpError::Failed(format!("no {event}.{field} in the call's events")))
}
