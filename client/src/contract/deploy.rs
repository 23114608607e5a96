//! Deploying a bundle: dry-run `ContractsApi_instantiate`, then `instantiate_with_code` (or
//! `instantiate` when the code is already stored), and the storage reads that say whether code
//! or a contract is on chain. Apart from calls: deploying starts from a bundle, not an address.

use contract_transcode::Value as InkValue;
use scale_value::Value;
use subxt::utils::AccountId32;

use super::dry_run::{self, RawInstantiateResult};
use super::error::{with_message, ContractClientError, Result};
use super::{CallOutcome, Contract, ContractBundle, ContractCodec, DryRun, GAS_MARGIN_PERCENT};
use crate::chain::value_account;
use crate::chain::{Chain, TxOutcome};
use crate::signer::Keypair;

impl Contract {
    /// Dry-run deploying `bundle` with `constructor(args)` (`ContractsApi_instantiate`):
    /// nothing is sent. The result says whether it would succeed and, in `address`, where.
    pub async fn dry_run_deploy(
        chain: &Chain,
        origin: &AccountId32,
        bundle: &ContractBundle,
        constructor: &str,
        args: &[String],
        value: u128,
        salt: &[u8],
    ) -> Result<DryRun> {
        let checked =
            dry_run_instantiate(chain, origin, bundle, constructor, args, value, salt).await?;
        Ok(checked.dry)
    }

    /// Deploy `bundle` with `constructor(args)`: dry-run `ContractsApi_instantiate`, then
    /// `instantiate_with_code` (or `instantiate` when the code is already on chain), and read
    /// the address from `Contracts::Instantiated`.
    pub async fn upload_and_instantiate(
        chain: &Chain,
        signer: &Keypair,
        bundle: &ContractBundle,
        constructor: &str,
        args: &[String],
        value: u128,
        salt: &[u8],
    ) -> Result<(Contract, CallOutcome)> {
        let CheckedDeploy {
            codec,
            data,
            code_exists,
            dry,
        } = dry_run_instantiate(
            chain,
            &signer.account_id(),
            bundle,
            constructor,
            args,
            value,
            salt,
        )
        .await?;
        let gas_limit = dry.gas_required.with_margin(GAS_MARGIN_PERCENT).to_value();
        let limit = super::call::deposit_limit_with_margin(dry.storage_deposit.limit());
        let deposit_limit = Some(limit);
        let return_value = dry.into_value()?;
        let outcome = if code_exists {
            let tx = subxt::dynamic::tx(
                "Contracts",
                "instantiate",
                (
                    value,
                    gas_limit,
                    deposit_limit,
                    Value::from_bytes(bundle.code_hash),
                    data,
                    salt.to_vec(),
                ),
            );
            chain.submit(signer, &tx, None).await
        } else {
            let tx = subxt::dynamic::tx(
                "Contracts",
                "instantiate_with_code",
                (
                    value,
                    gas_limit,
                    deposit_limit,
                    bundle.wasm.clone(),
                    data,
                    salt.to_vec(),
                ),
            );
            chain.submit(signer, &tx, None).await
        }
        .map_err(|e| with_message(constructor, e))?;
        let address = outcome
            .find("Contracts", "Instantiated")
            .find_map(|e| e.field("contract").and_then(value_account))
            .ok_or(ContractClientError::MissingEvent("Contracts::Instantiated"))?;
        let contract = Contract::new(address, codec);
        // A constructor's return is the instantiation's, not a message value to decode.
        let outcome = contract.call_outcome(outcome, limit, return_value, Vec::new());
        Ok((contract, outcome))
    }
}

impl Contract {
    /// Stores `bundle`'s code (`Contracts.upload_code`) so that a contract can instantiate it
    /// by hash, unless it is stored already (then `None`: nothing sent).
    pub async fn upload_code(
        chain: &Chain,
        signer: &Keypair,
        bundle: &ContractBundle,
    ) -> Result<Option<TxOutcome>> {
        if code_exists(chain, &bundle.code_hash).await? {
            return Ok(None);
        }
        let tx = subxt::dynamic::tx(
            "Contracts",
            "upload_code",
            (
                bundle.wasm.clone(),
                None::<u128>,
                Value::unnamed_variant("Enforced", []),
            ),
        );
        let outcome = chain
            .submit(signer, &tx, None)
            .await
            .map_err(|e| with_message("upload_code", e))?;
        Ok(Some(outcome))
    }
}

/// The contract that `deployer` instantiated in `tx` (`Contracts::Instantiated`), if any: how
/// a client learns the address of a contract another contract created.
pub fn instantiated_by(tx: &TxOutcome, deployer: &AccountId32) -> Option<AccountId32> {
    tx.find("Contracts", "Instantiated")
        .filter(|e| e.field("deployer").and_then(value_account) == Some(*deployer))
        .find_map(|e| e.field("contract").and_then(value_account))
}

/// Is `code_hash` already stored (`Contracts.CodeInfoOf`)?
pub async fn code_exists(chain: &Chain, code_hash: &[u8; 32]) -> Result<bool> {
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "CodeInfoOf");
    let found = at
        .storage()
        .try_fetch(addr, (Value::from_bytes(code_hash),))
        .await
        .map_err(crate::chain::rpc_err)?;
    Ok(found.is_some())
}

/// Is there a contract at `address` (`Contracts.ContractInfoOf`)?
pub async fn contract_exists(chain: &Chain, address: &AccountId32) -> Result<bool> {
    let at = chain.at_best().await?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "ContractInfoOf");
    let found = at
        .storage()
        .try_fetch(addr, (Value::from_bytes(address.0),))
        .await
        .map_err(crate::chain::rpc_err)?;
    Ok(found.is_some())
}

/// A deployment that passed through `ContractsApi_instantiate`, with what the real
/// transaction needs besides the dry run.
struct CheckedDeploy {
    codec: ContractCodec,
    /// Constructor selector + SCALE arguments.
    data: Vec<u8>,
    /// The code is already stored: instantiate from its hash instead of uploading it.
    code_exists: bool,
    dry: DryRun,
}

/// Encode `constructor(args)`, look up whether the code is stored and dry-run the deployment
/// (`ContractsApi_instantiate` with no gas or deposit limit): the one dry run behind both
/// [`Contract::dry_run_deploy`] and [`Contract::upload_and_instantiate`].
async fn dry_run_instantiate(
    chain: &Chain,
    origin: &AccountId32,
    bundle: &ContractBundle,
    constructor: &str,
    args: &[String],
    value: u128,
    salt: &[u8],
) -> Result<CheckedDeploy> {
    let codec = bundle.codec()?;
    let data = codec.encode(constructor, args)?;
    let code_exists = code_exists(chain, &bundle.code_hash).await?;
    let code = if code_exists {
        Value::unnamed_variant("Existing", [Value::from_bytes(bundle.code_hash)])
    } else {
        Value::unnamed_variant("Upload", [Value::from_bytes(&bundle.wasm)])
    };
    let payload = subxt::dynamic::runtime_api_call::<_, RawInstantiateResult>(
        "ContractsApi",
        "instantiate",
        (
            *origin,
            value,
            None::<Value>,
            None::<u128>,
            code,
            data.clone(),
            salt.to_vec(),
        ),
    );
    let dry = dry_run::run(chain, payload, constructor, |reverted, data| {
        // A successful constructor returns nothing to decode in some ink! versions.
        if data.is_empty() && !reverted {
            Ok(InkValue::Unit)
        } else {
            codec.decode_constructor_return(constructor, data)
        }
    })
    .await?;
    Ok(CheckedDeploy {
        codec,
        data,
        code_exists,
        dry,
    })
}
