//! Transactions signed elsewhere: what an offline signer (Polkadot Vault, `subkey sign`) is
//! given, kept in a small JSON file ([`UnsignedTx`]), and the extrinsic assembled from that
//! file and the signature the signer made.

use serde::{Deserialize, Serialize};
use subxt::config::{ParamsFor, SubstrateExtrinsicParamsBuilder};
use subxt::utils::{AccountId32, MultiSignature, H256};

use crate::chain::{rpc_err, Chain, ChainConfig, ChainError, Mortality, TxOutcome, MORTAL_PERIOD};

/// The `format` of an [`UnsignedTx`] file.
pub const FORMAT: &str = "escrow-unsigned-transaction/1";

/// An unsigned transaction: what to sign, and everything needed to assemble and send it
/// later. Every number is a decimal string or integer, every byte string `0x` hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsignedTx {
    /// [`FORMAT`].
    pub format: String,
    /// What the call does, for the person who signs (`Escrow.release(deal_id: 3, …)`).
    pub description: String,
    /// The account that signs (SS58 of the chain) and its public key.
    pub signer: String,
    pub signer_public_key: String,
    /// The bytes to sign: the SCALE signer payload, or its blake2_256 when it is longer than
    /// 256 bytes (as Polkadot Vault and `subkey sign` take it).
    pub signer_payload: String,
    /// The SCALE-encoded call (pallet and call index, then the arguments).
    pub call_data: String,
    pub nonce: u64,
    /// Plancks paid to the block author on top of the fee.
    pub tip: String,
    /// `None`: immortal.
    pub mortality: Option<Era>,
    pub genesis_hash: String,
    pub spec_version: u32,
    pub transaction_version: u32,
}

/// A mortal transaction's validity: `period` blocks from block `birth_number`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Era {
    pub period: u64,
    pub birth_number: u64,
    pub birth_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The file does not describe a transaction this chain would take now.
    #[error("{0}")]
    Invalid(String),
    /// The signature is not the signer's over the file's signer payload.
    #[error("{0}")]
    BadSignature(String),
}

fn hex_field(name: &str, text: &str) -> Result<Vec<u8>, OfflineError> {
    hex::decode(text.trim_start_matches("0x"))
        .map_err(|e| OfflineError::Invalid(format!("{name} is not hex: {e}")))
}

fn hash_field(name: &str, text: &str) -> Result<[u8; 32], OfflineError> {
    hex_field(name, text)?
        .try_into()
        .map_err(|_| OfflineError::Invalid(format!("{name} is not 32 bytes")))
}

/// The transaction parameters of `tx`, as they were when its signer payload was made.
fn params(tx: &UnsignedTx) -> Result<ParamsFor<ChainConfig>, OfflineError> {
    let tip: u128 = tx
        .tip
        .parse()
        .map_err(|_| OfflineError::Invalid(format!("tip '{}' is not plancks", tx.tip)))?;
    let builder = SubstrateExtrinsicParamsBuilder::<ChainConfig>::new()
        .nonce(tx.nonce)
        .tip(tip);
    Ok(match &tx.mortality {
        None => builder.immortal(),
        Some(era) => builder.mortal_from_unchecked(
            era.period,
            era.birth_number,
            H256(hash_field("mortality.birth_hash", &era.birth_hash)?),
        ),
    }
    .build())
}

/// The signer payload of `tx` against the chain's best block (its metadata).
async fn signer_payload(chain: &Chain, tx: &UnsignedTx) -> Result<Vec<u8>, OfflineError> {
    let call = hex_field("call_data", &tx.call_data)?;
    let txs = chain.at_best().await?.transactions();
    let payload = txs
        .from_call_data_bytes(&call)
        .map_err(|e| OfflineError::Invalid(format!("call_data: {e}")))?;
    let signable = txs
        .create_signable_offline(&payload, params(tx)?)
        .map_err(|e| OfflineError::Invalid(e.to_string()))?;
    signable
        .signer_payload()
        .map_err(|e| OfflineError::Invalid(e.to_string()))
}

/// The unsigned transaction of `call_data` from `account`: its nonce, tip and mortality are
/// the session's (`--nonce`, `--tip`, `--mortality`) or the client's defaults.
pub async fn prepare(
    chain: &Chain,
    account: &AccountId32,
    call_data: &[u8],
    description: String,
) -> Result<UnsignedTx, OfflineError> {
    let choices = chain.tx_choices();
    let nonce = match choices.nonce {
        Some(n) => n,
        None => chain.next_nonce(account).await?,
    };
    let mortality = choices.mortality.unwrap_or(if chain.is_development() {
        Mortality::Immortal
    } else {
        Mortality::Period(MORTAL_PERIOD)
    });
    let mortality = match mortality {
        Mortality::Immortal => None,
        Mortality::Period(period) => {
            let hash = chain
                .rpc()
                .chain_get_block_hash(None)
                .await
                .map_err(rpc_err)?
                .ok_or_else(|| ChainError::Rpc("node has no best block".into()))?;
            let header = chain
                .rpc()
                .chain_get_header(Some(hash))
                .await
                .map_err(rpc_err)?
                .ok_or_else(|| ChainError::Rpc("node has no best block header".into()))?;
            Some(Era {
                period,
                birth_number: header.number,
                birth_hash: format!("0x{}", hex::encode(hash.0)),
            })
        }
    };
    let at = chain.at_best().await?;
    let mut tx = UnsignedTx {
        format: FORMAT.to_string(),
        description,
        signer: chain.ss58(&account.0),
        signer_public_key: format!("0x{}", hex::encode(account.0)),
        signer_payload: String::new(),
        call_data: format!("0x{}", hex::encode(call_data)),
        nonce,
        tip: choices.tip.to_string(),
        mortality,
        genesis_hash: format!("0x{}", hex::encode(chain.genesis_hash())),
        spec_version: at.spec_version(),
        transaction_version: at.transaction_version(),
    };
    tx.signer_payload = format!("0x{}", hex::encode(signer_payload(chain, &tx).await?));
    Ok(tx)
}

/// The runtime signature `signature` is, when it is the signer's over `payload`: 64 bytes
/// (sr25519 or ed25519, as `subkey sign` prints it) or 65 with the `MultiSignature` variant
/// byte first (0 ed25519, 1 sr25519, as Polkadot Vault gives it).
pub fn check_signature(
    public: &[u8; 32],
    payload: &[u8],
    signature: &[u8],
) -> Result<MultiSignature, OfflineError> {
    let (allowed, bytes): (&[u8], &[u8]) = match signature.len() {
        64 => (&[0, 1], signature),
        65 => (&signature[..1], &signature[1..]),
        n => {
            return Err(OfflineError::BadSignature(format!(
                "--signature is {n} bytes: expected 64 (or 65 with its scheme byte)"
            )))
        }
    };
    let bytes: [u8; 64] = bytes.try_into().expect("64 bytes");
    if allowed.contains(&1) {
        let ok = schnorrkel::PublicKey::from_bytes(public)
            .ok()
            .zip(schnorrkel::Signature::from_bytes(&bytes).ok())
            .is_some_and(|(key, sig)| key.verify_simple(b"substrate", payload, &sig).is_ok());
        if ok {
            return Ok(MultiSignature::Sr25519(bytes));
        }
    }
    if allowed.contains(&0) {
        let ok = ed25519_dalek::VerifyingKey::from_bytes(public)
            .ok()
            .is_some_and(|key| {
                key.verify_strict(payload, &ed25519_dalek::Signature::from_bytes(&bytes))
                    .is_ok()
            });
        if ok {
            return Ok(MultiSignature::Ed25519(bytes));
        }
    }
    Err(OfflineError::BadSignature(
        "--signature is not a signature of the transaction's signer payload by its signer: \
         nothing was sent"
            .into(),
    ))
}

/// Assembles `tx` with `signature` and sends it. Refused, with nothing sent, when the file is
/// not for this chain and runtime, its signer payload does not match its contents, or the
/// signature is not the signer's.
pub async fn submit(
    chain: &Chain,
    tx: &UnsignedTx,
    signature: &[u8],
) -> Result<TxOutcome, OfflineError> {
    if tx.format != FORMAT {
        return Err(OfflineError::Invalid(format!(
            "not an unsigned transaction file (format '{}', expected '{FORMAT}')",
            tx.format
        )));
    }
    if hash_field("genesis_hash", &tx.genesis_hash)? != chain.genesis_hash() {
        return Err(OfflineError::Invalid(
            "the transaction is for another chain (genesis hash differs)".into(),
        ));
    }
    let at = chain.at_best().await?;
    if (at.spec_version(), at.transaction_version()) != (tx.spec_version, tx.transaction_version) {
        return Err(OfflineError::Invalid(format!(
            "the runtime changed since the transaction was made (spec {} tx {}, now {} {}): \
             make it again",
            tx.spec_version,
            tx.transaction_version,
            at.spec_version(),
            at.transaction_version()
        )));
    }
    let payload = signer_payload(chain, tx).await?;
    if payload != hex_field("signer_payload", &tx.signer_payload)? {
        return Err(OfflineError::Invalid(
            "signer_payload does not match the file's call and parameters".into(),
        ));
    }
    let public = hash_field("signer_public_key", &tx.signer_public_key)?;
    let signature = check_signature(&public, &payload, signature)?;
    let call = hex_field("call_data", &tx.call_data)?;
    let txs = at.transactions();
    let call = txs
        .from_call_data_bytes(&call)
        .map_err(|e| OfflineError::Invalid(format!("call_data: {e}")))?;
    let extrinsic = txs
        .create_signable_offline(&call, params(tx)?)
        .and_then(|mut s| s.sign_with_account_and_signature(&AccountId32(public), &signature))
        .map_err(|e| OfflineError::Invalid(e.to_string()))?
        .into_encoded();
    Ok(chain.submit_encoded(extrinsic).await?)
}
