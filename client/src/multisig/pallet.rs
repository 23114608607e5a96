//! pallet-multisig on the chain: the calls waiting for approvals (`Multisig.Multisigs`), the
//! call a first approval carried, and `as_multi`, `approve_as_multi` and `cancel_as_multi`,
//! one typed function each.

use scale::Decode;
use scale_value::{Composite, Value, ValueDef};
use subxt::ext::scale_decode::DecodeAsType;
use subxt::utils::AccountId32;

use super::{call_hash, MultisigAccount};
use crate::chain::{rpc_err, Chain, ChainError, DispatchFailure, TxOutcome, Weight};
use crate::signer::Keypair;

/// Where a multisig operation began: the block height and extrinsic index of its first
/// approval. Later approvals and the cancel name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct Timepoint {
    pub height: u32,
    pub index: u32,
}

#[derive(Debug, Clone, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Stored {
    when: Timepoint,
    deposit: u128,
    depositor: AccountId32,
    approvals: Vec<AccountId32>,
}

/// A call waiting for approvals (`Multisig.Multisigs`).
#[derive(Debug, Clone)]
pub struct PendingCall {
    pub call_hash: [u8; 32],
    pub when: Timepoint,
    /// Reserved from the depositor until the call is executed or cancelled.
    pub deposit: u128,
    pub depositor: AccountId32,
    pub approvals: Vec<AccountId32>,
}

/// `Ok` when the chain's runtime has pallet-multisig (the pinned substrate-contracts-node
/// 0.42.0 has not).
pub async fn available(chain: &Chain) -> Result<bool, ChainError> {
    Ok(chain.metadata().await?.pallet_by_name("Multisig").is_some())
}

/// The calls `multisig` has waiting for approvals at the best block.
pub async fn pending(
    chain: &Chain,
    multisig: &AccountId32,
) -> Result<Vec<PendingCall>, ChainError> {
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value, Value), Stored>("Multisig", "Multisigs");
    let mut entries = at
        .storage()
        .iter(addr, (Value::from_bytes(multisig.0),))
        .await
        .map_err(rpc_err)?;
    let mut found = Vec::new();
    while let Some(entry) = entries.next().await {
        let entry = entry.map_err(rpc_err)?;
        // The second key is hashed Blake2_128Concat: the call hash is its last 32 bytes.
        let key = entry.key_bytes();
        let hash: [u8; 32] = key
            .get(key.len().saturating_sub(32)..)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ChainError::Decode("Multisig.Multisigs key too short".into()))?;
        let stored = entry
            .value()
            .decode_as::<Stored>()
            .map_err(|e| ChainError::Decode(format!("Multisig.Multisigs: {e}")))?;
        found.push(PendingCall {
            call_hash: hash,
            when: stored.when,
            deposit: stored.deposit,
            depositor: stored.depositor,
            approvals: stored.approvals,
        });
    }
    found.sort_by_key(|p| (p.when.height, p.when.index));
    Ok(found)
}

/// The call of the multisig operation that began at `when`, when its first approval was an
/// `as_multi` that carried it (an `approve_as_multi` carries only the hash).
pub async fn first_call_data(
    chain: &Chain,
    when: Timepoint,
    hash: &[u8; 32],
) -> Result<Option<Vec<u8>>, ChainError> {
    let Some(block) = chain
        .rpc()
        .chain_get_block_hash(Some(u64::from(when.height).into()))
        .await
        .map_err(rpc_err)?
    else {
        return Ok(None);
    };
    let at = chain.api().at_block(block).await.map_err(rpc_err)?;
    let extrinsics = at.extrinsics().fetch().await.map_err(rpc_err)?;
    for ext in extrinsics.iter() {
        let ext = ext.map_err(|e| ChainError::Decode(e.to_string()))?;
        if ext.index() as u32 != when.index
            || ext.pallet_name() != "Multisig"
            || ext.call_name() != "as_multi"
        {
            continue;
        }
        let call = ext
            .iter_call_data_fields()
            .find(|f| f.name() == "call")
            .map(|f| f.bytes().to_vec());
        return Ok(call.filter(|c| call_hash(c) == *hash));
    }
    Ok(None)
}

/// The weight the runtime gives `call_data` (`TransactionPaymentCallApi_query_call_info`):
/// the `max_weight` the approval that executes it must allow.
pub async fn call_weight(chain: &Chain, call_data: &[u8]) -> Result<Weight, ChainError> {
    #[derive(Decode)]
    struct DispatchWeight {
        #[codec(compact)]
        ref_time: u64,
        #[codec(compact)]
        proof_size: u64,
    }
    let mut params = call_data.to_vec();
    params.extend((call_data.len() as u32).to_le_bytes());
    let best = chain
        .rpc()
        .chain_get_block_hash(None)
        .await
        .map_err(rpc_err)?;
    let out = chain
        .rpc()
        .state_call(
            "TransactionPaymentCallApi_query_call_info",
            Some(&params),
            best,
        )
        .await
        .map_err(rpc_err)?;
    let w = DispatchWeight::decode(&mut &out[..])
        .map_err(|e| ChainError::Decode(format!("query_call_info: {e}")))?;
    Ok(Weight {
        ref_time: w.ref_time,
        proof_size: w.proof_size,
    })
}

fn others_value(multisig: &MultisigAccount, me: &AccountId32) -> Value {
    Value::unnamed_composite(multisig.others(me).iter().map(|a| Value::from_bytes(a.0)))
}

fn timepoint_value(when: Option<Timepoint>) -> Value {
    match when {
        None => Value::unnamed_variant("None", []),
        Some(t) => Value::unnamed_variant(
            "Some",
            [Value::named_composite([
                ("height", Value::u128(t.height.into())),
                ("index", Value::u128(t.index.into())),
            ])],
        ),
    }
}

/// The `Multisig.as_multi` that `signer` sends to approve `call_data`: the first approval
/// (`when: None`) or the last, which executes the call.
pub async fn as_multi_payload(
    chain: &Chain,
    signer: &AccountId32,
    multisig: &MultisigAccount,
    when: Option<Timepoint>,
    call_data: &[u8],
    max_weight: Weight,
) -> Result<subxt::tx::DynamicPayload<Composite<()>>, ChainError> {
    let call = chain
        .at_best()
        .await?
        .transactions()
        .from_call_data_bytes(call_data)
        .map_err(|e| ChainError::Decode(format!("call data: {e}")))?
        .into_value();
    Ok(subxt::dynamic::tx(
        "Multisig",
        "as_multi",
        Composite::unnamed([
            Value::u128(multisig.threshold.into()),
            others_value(multisig, signer),
            timepoint_value(when),
            call,
            max_weight.to_value(),
        ]),
    ))
}

/// `Multisig.as_multi`: see [`as_multi_payload`].
pub async fn as_multi(
    chain: &Chain,
    signer: &Keypair,
    multisig: &MultisigAccount,
    when: Option<Timepoint>,
    call_data: &[u8],
    max_weight: Weight,
) -> Result<TxOutcome, ChainError> {
    let payload = as_multi_payload(
        chain,
        &signer.account_id(),
        multisig,
        when,
        call_data,
        max_weight,
    )
    .await?;
    chain.submit(signer, &payload, None).await
}

/// `Multisig.approve_as_multi`: an approval that is not the last, by the call's hash.
pub async fn approve_as_multi(
    chain: &Chain,
    signer: &Keypair,
    multisig: &MultisigAccount,
    when: Timepoint,
    hash: [u8; 32],
    max_weight: Weight,
) -> Result<TxOutcome, ChainError> {
    let payload = subxt::dynamic::tx(
        "Multisig",
        "approve_as_multi",
        Composite::unnamed([
            Value::u128(multisig.threshold.into()),
            others_value(multisig, &signer.account_id()),
            timepoint_value(Some(when)),
            Value::from_bytes(hash),
            max_weight.to_value(),
        ]),
    );
    chain.submit(signer, &payload, None).await
}

/// `Multisig.cancel_as_multi`: the depositor withdraws a waiting call and gets its deposit back.
pub async fn cancel_as_multi(
    chain: &Chain,
    signer: &Keypair,
    multisig: &MultisigAccount,
    when: Timepoint,
    hash: [u8; 32],
) -> Result<TxOutcome, ChainError> {
    let payload = subxt::dynamic::tx(
        "Multisig",
        "cancel_as_multi",
        Composite::unnamed([
            Value::u128(multisig.threshold.into()),
            others_value(multisig, &signer.account_id()),
            timepoint_value(Some(when)),
            Value::from_bytes(hash),
        ]),
    );
    chain.submit(signer, &payload, None).await
}

/// What the executing approval's `MultisigExecuted` says of the call: `None` when it was not
/// executed in `tx`, `Some(Err(why))` when it was and failed.
pub async fn executed(
    chain: &Chain,
    tx: &TxOutcome,
) -> Result<Option<Result<(), DispatchFailure>>, ChainError> {
    let Some(event) = tx.find("Multisig", "MultisigExecuted").next() else {
        return Ok(None);
    };
    let Some(result) = event.field("result") else {
        return Err(ChainError::Decode("MultisigExecuted has no result".into()));
    };
    match &result.value {
        ValueDef::Variant(v) if v.name == "Ok" => Ok(Some(Ok(()))),
        ValueDef::Variant(v) => {
            let metadata = chain.metadata().await?;
            let error = v
                .values
                .values()
                .next()
                .cloned()
                .unwrap_or(Value::bool(false));
            Ok(Some(Err(crate::chain::describe_dispatch_value(
                &metadata, &error,
            ))))
        }
        _ => Err(ChainError::Decode(
            "MultisigExecuted result is no Result".into(),
        )),
    }
}
