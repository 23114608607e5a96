//! Writes that another signer completes: a multisig account's call that its first signatory
//! starts with `as_multi` (the others approve it with `escrow multisig approve`), and a
//! transaction left unsigned for an offline signer. Both end the command with
//! [`OpError::Deferred`], as `--dry-run` ends it with [`OpError::DryRun`].

use scale::{Compact, Decode};
use subxt::utils::AccountId32;

use crate::multisig::{call_hash, pallet, MultisigAccount};
use crate::signer::Keypair;

use super::ctx::Ctx;
use super::deferred_views::{ContractCallView, Deferred, MultisigCallView};
use super::dry_run::CallArg;
use super::error::{OpError, OpResult};
use super::views::ink_to_json;

/// The fields of a `Contracts.call` after its pallet and call index.
#[derive(Decode)]
struct ContractsCallArgs {
    dest: MultiAddressId,
    value: Compact<u128>,
    _ref_time: Compact<u64>,
    _proof_size: Compact<u64>,
    _deposit_limit: Option<Compact<u128>>,
    data: Vec<u8>,
}

#[derive(Decode)]
enum MultiAddressId {
    #[codec(index = 0)]
    Id([u8; 32]),
}

impl Ctx {
    /// [`Self::multisig`], refused on a chain whose runtime has no pallet-multisig.
    pub async fn multisig_on_chain(&self) -> OpResult<Option<MultisigAccount>> {
        let multisig = self.multisig()?;
        if multisig.is_some() && !pallet::available(&self.chain).await? {
            return Err(super::usage(
                "this chain's runtime has no Multisig pallet: --multisig needs pallet-multisig",
            ));
        }
        Ok(multisig)
    }

    /// `--multisig` and `--threshold` as a multisig account, when given.
    pub fn multisig(&self) -> OpResult<Option<MultisigAccount>> {
        let Some(names) = &self.settings.multisig else {
            return Ok(None);
        };
        let threshold = self
            .settings
            .threshold
            .ok_or_else(|| super::usage("--multisig needs --threshold N"))?;
        let signatories = names
            .iter()
            .map(|n| self.account(n))
            .collect::<OpResult<Vec<_>>>()?;
        MultisigAccount::new(signatories, threshold)
            .map(Some)
            .map_err(|e| super::usage(e.to_string()))
    }

    /// The account a write of `signer` comes from: the multisig account with `--multisig`
    /// (of which the signer must be a signatory), else the signer's.
    pub(super) async fn write_origin(
        &self,
        signer: &Keypair,
    ) -> OpResult<(AccountId32, Option<MultisigAccount>)> {
        match self.multisig_on_chain().await? {
            None => Ok((signer.account_id(), None)),
            Some(m) if m.has(&signer.account_id()) => Ok((m.account_id(), Some(m))),
            Some(_) => Err(super::usage(format!(
                "the signer {} is not one of the --multisig signatories",
                self.chain.ss58(&signer.public_key())
            ))),
        }
    }

    /// What `call_data` does, when it is a `Contracts.call` to a contract of the deployment.
    pub async fn describe_call(&mut self, call_data: &[u8]) -> OpResult<Option<ContractCallView>> {
        let metadata = self.chain.metadata().await?;
        let Some(pallet) = metadata.pallet_by_name("Contracts") else {
            return Ok(None);
        };
        let Some(call) = pallet.call_variant_by_name("call") else {
            return Ok(None);
        };
        let Some((&[p, c], mut rest)) = call_data.split_first_chunk::<2>() else {
            return Ok(None);
        };
        if (p, c) != (pallet.call_index(), call.index) {
            return Ok(None);
        }
        let Ok(args) = ContractsCallArgs::decode(&mut rest) else {
            return Ok(None);
        };
        let MultiAddressId::Id(dest) = args.dest;
        let contracts = self.contracts().await?;
        for which in super::Which::ALL {
            let Ok(contract) = contracts.get(which) else {
                continue;
            };
            if contract.address.0 != dest {
                continue;
            }
            let Ok((message, decoded)) = contract.codec.decode_message_call(&args.data) else {
                return Ok(None);
            };
            return Ok(Some(ContractCallView {
                contract: contracts.ss58(&dest),
                contract_name: which.name().to_string(),
                message,
                args: decoded
                    .iter()
                    .map(|(name, v)| CallArg {
                        name: name.clone(),
                        value: ink_to_json(v, contracts.ss58_prefix),
                    })
                    .collect(),
                value: args.value.0.to_string(),
            }));
        }
        Ok(None)
    }

    /// The view of a waiting multisig call of `multisig`.
    pub async fn multisig_call_view(
        &mut self,
        multisig: &MultisigAccount,
        pending: &pallet::PendingCall,
        call_data: Option<&[u8]>,
    ) -> OpResult<MultisigCallView> {
        let call = match call_data {
            Some(data) => self.describe_call(data).await?,
            None => None,
        };
        let ss58 = |a: &AccountId32| self.chain.ss58(&a.0);
        Ok(MultisigCallView {
            multisig: ss58(&multisig.account_id()),
            threshold: multisig.threshold,
            signatories: multisig.signatories.iter().map(ss58).collect(),
            call_hash: format!("0x{}", hex::encode(pending.call_hash)),
            call_data: call_data.map(|d| format!("0x{}", hex::encode(d))),
            call,
            approvals: pending.approvals.iter().map(ss58).collect(),
            depositor: ss58(&pending.depositor),
            deposit: pending.deposit.to_string(),
            timepoint: format!("{}-{}", pending.when.height, pending.when.index),
        })
    }

    /// The first approval of `call_data` for `multisig`, by `signer`: `as_multi` with the
    /// call, so that the other signatories can read it from the chain. Checks that the pallet
    /// named the account this client derived.
    pub(super) async fn start_multisig(
        &mut self,
        signer: &Keypair,
        multisig: &MultisigAccount,
        call_data: &[u8],
    ) -> OpResult<OpError> {
        let weight = pallet::call_weight(&self.chain, call_data).await?;
        self.note("Multisig.as_multi: waiting for inclusion…");
        let tx = pallet::as_multi(&self.chain, signer, multisig, None, call_data, weight).await?;
        self.writes_sent += 1;
        let hash = call_hash(call_data);
        let account = multisig.account_id();
        let named = tx
            .find("Multisig", "NewMultisig")
            .find_map(|e| e.field("multisig").and_then(crate::chain::value_account));
        if named != Some(account) {
            return Err(OpError::Failed(format!(
                "the chain's multisig account is {}, not the {} this client derived: nothing \
                 will execute",
                named.map(|a| self.chain.ss58(&a.0)).unwrap_or_default(),
                self.chain.ss58(&account.0)
            )));
        }
        let pending = pallet::pending(&self.chain, &account)
            .await?
            .into_iter()
            .find(|p| p.call_hash == hash)
            .ok_or_else(|| OpError::Failed("the multisig call is not waiting on chain".into()))?;
        let view = self
            .multisig_call_view(multisig, &pending, Some(call_data))
            .await?;
        Ok(OpError::Deferred(Box::new(Deferred::MultisigStarted {
            call: view,
            token: self.units().clone(),
        })))
    }

    /// The unsigned transaction of `call_data` from `signer`'s account, for an offline signer.
    pub(super) async fn leave_unsigned(
        &mut self,
        signer: &Keypair,
        call_data: &[u8],
    ) -> OpResult<OpError> {
        let call = self.describe_call(call_data).await?;
        let description = call
            .as_ref()
            .map(|c| format!("{} value {}", c.signature(), c.value))
            .unwrap_or_default();
        let tx = crate::offline::prepare(&self.chain, &signer.account_id(), call_data, description)
            .await
            .map_err(offline_error)?;
        let saved_to = match &self.settings.unsigned_out {
            Some(path) => {
                super::write_json_file(path, &tx)?;
                Some(path.display().to_string())
            }
            None => None,
        };
        Ok(OpError::Deferred(Box::new(Deferred::Unsigned {
            saved_to,
            call,
            transaction: Box::new(tx),
            token: self.units().clone(),
        })))
    }
}

/// An offline transaction's error: bad input (a wrong signature, a stale file) is usage,
/// nothing was sent.
pub fn offline_error(e: crate::offline::OfflineError) -> OpError {
    use crate::offline::OfflineError;
    match e {
        OfflineError::Chain(c) => OpError::Chain(c),
        OfflineError::Invalid(m) | OfflineError::BadSignature(m) => OpError::Usage(m),
    }
}
