//! State-changing contract calls: dry run, confirmation, submission, and what the block says.

use subxt::utils::AccountId32;

use crate::chain::Weight;
use crate::contract::{decode_contract_events, CallOutcome, ContractClientError};
use crate::documents::Document;
use crate::signer::Keypair;

use super::ctx::Ctx;
use super::deployment::Contracts;
use super::dry_run;
use super::error::{refusal, usage, OpError, OpResult};
use super::views::{event_view, ink_to_json, GasView, TxReport};
use super::which::Which;

impl Ctx {
    /// Dry-runs a write from `from` without sending it: `Ok` when the contract would accept
    /// it now, its refusal ([`OpError::Contract`]) otherwise.
    pub(crate) async fn check_write<A: scale::Encode>(
        &mut self,
        which: Which,
        from: &AccountId32,
        message: &str,
        args: &A,
        value: u128,
    ) -> OpResult<()> {
        let contracts = self.contracts().await?;
        let contract = contracts.get(which)?;
        let input = contract.codec.encode_typed(message, args)?;
        let dry = contract
            .dry_run_input(&self.chain, from, message, input, value)
            .await?;
        dry.into_value().map(|_| ()).map_err(|e| refusal(which, e))
    }

    /// A state-changing call: dry run (a refusal becomes [`OpError::Contract`]), fee estimate,
    /// submission behind a spinner, decoded events of every contract.
    pub(crate) async fn write<A: scale::Encode>(
        &mut self,
        which: Which,
        signer: &Keypair,
        message: &str,
        args: &A,
        value: u128,
        document: Option<&Document>,
    ) -> OpResult<TxReport> {
        let contracts = self.contracts().await?;
        let contract = contracts.get(which)?;
        let input = contract.codec.encode_typed(message, args)?;
        // A multisig account's call is dry-run as that account: it is what executes it.
        let (origin, multisig) = self.write_origin(signer).await?;
        let mut prepared = contract
            .prepare_call_from(&self.chain, &origin, message, input, value)
            .await
            .map_err(|e| refusal(which, e))?;
        if let Some(limit) = self.deposit_limit_flag()? {
            let need = prepared.storage_deposit.limit();
            if limit < need {
                return Err(usage(format!(
                    "--storage-deposit-limit {} is below the {} storage deposit {message} needs",
                    self.units().format(limit),
                    self.units().format(need)
                )));
            }
            prepared.deposit_limit = limit;
        }
        prepared.document = document.cloned();
        // The bytes a multisig executes or an offline signer signs: this very call.
        let call_data = self
            .chain
            .at_best()
            .await?
            .transactions()
            .call_data(&contract.call_payload(&prepared))
            .map_err(|e| OpError::Failed(format!("cannot encode {message}: {e}")))?;
        let mut notes = Vec::new();
        let fee_estimate = match &multisig {
            None => contract
                .estimate_fee(&self.chain, signer, &prepared)
                .await
                .ok(),
            Some(m) => {
                notes.push(format!(
                    "from the multisig account {} ({} of {}): {} approves call hash 0x{} \
                     with Multisig.as_multi (the fee is that transaction's)",
                    self.chain.ss58(&origin.0),
                    m.threshold,
                    m.signatories.len(),
                    self.chain.ss58(&signer.public_key()),
                    hex::encode(crate::multisig::call_hash(&call_data))
                ));
                let weight = crate::multisig::pallet::call_weight(&self.chain, &call_data).await?;
                let as_multi = crate::multisig::pallet::as_multi_payload(
                    &self.chain,
                    &signer.account_id(),
                    m,
                    None,
                    &call_data,
                    weight,
                )
                .await?;
                self.chain.estimate_fee(signer, &as_multi).await.ok()
            }
        };
        if let Some(d) = document {
            notes.push(format!(
                "publishes a document of {} bytes, id 0x{}, on chain in the same transaction \
                 (System.remark_with_event): anyone can read it, for good",
                d.bytes().len(),
                hex::encode(d.hash())
            ));
        }
        if self.settings.unsigned {
            notes.push(
                "not signed here: the transaction is printed for an offline signer".to_string(),
            );
        }
        let units = self.units().clone();
        self.note(format!(
            "{message}: dry run ok; gas required ref_time {} / proof_size {}, storage deposit {}{}",
            prepared.gas_required.ref_time,
            prepared.gas_required.proof_size,
            units.format(prepared.storage_deposit.limit()),
            fee_estimate
                .map(|f| format!(", estimated fee {}", units.format(f)))
                .unwrap_or_default()
        ));
        let gas_required = prepared.gas_required;
        let storage_deposit = prepared.storage_deposit.limit();
        let return_value = prepared.return_value.clone();
        let shown_result = ink_to_json(&return_value, contracts.ss58_prefix);
        let report = || {
            // The arguments come from the very bytes that will be sent.
            let args = contract
                .codec
                .decode_message_call(&prepared.input)
                .map(|(_, args)| {
                    args.iter()
                        .map(|(name, v)| dry_run::CallArg {
                            name: name.clone(),
                            value: ink_to_json(v, contracts.ss58_prefix),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Box::new(dry_run::DryRunReport {
                call: format!("{}.{message}", which.name()),
                signer: self.chain.ss58(&signer.public_key()),
                contract: Some(contracts.ss58(&contract.address.0)),
                args,
                call_data: Some(format!("0x{}", hex::encode(&prepared.input))),
                value: value.to_string(),
                result: shown_result.clone(),
                gas_required: Some(GasView {
                    ref_time: gas_required.ref_time,
                    proof_size: gas_required.proof_size,
                }),
                storage_deposit: storage_deposit.to_string(),
                storage_deposit_limit: Some(prepared.deposit_limit.to_string()),
                fee_estimate: fee_estimate.map(|f| f.to_string()),
                notes: notes.clone(),
                document: document.map(|d| d.text().to_string()),
                then: Vec::new(),
                token: units.clone(),
            })
        };
        if self.stop_before_sending(report)? {
            // The user took time to answer: send the call shown only if the chain would still
            // do what was shown with it. Never re-resolve it behind the user's back.
            let again = contract
                .dry_run_input(&self.chain, &origin, message, prepared.input.clone(), value)
                .await?;
            let deposit_now = again.storage_deposit.limit();
            let why = match again.into_value() {
                Err(e) => Some(format!("it would now be refused ({})", refusal(which, e))),
                Ok(now) => super::confirm::changed_since_shown(
                    &shown_result,
                    &ink_to_json(&now, contracts.ss58_prefix),
                    prepared.deposit_limit,
                    deposit_now,
                ),
            };
            if let Some(why) = why {
                return Err(OpError::ChangedSinceConfirmed {
                    call: format!("{}.{message}", which.name()),
                    why,
                    first_write: self.writes_sent == 0,
                });
            }
        }
        if let Some(m) = &multisig {
            return Err(self.start_multisig(signer, m, &call_data).await?);
        }
        if self.settings.unsigned {
            return Err(self.leave_unsigned(signer, &call_data).await?);
        }
        if document.is_some() {
            self.warn_before_first_document(signer)?;
        }
        self.note(format!("{message}: waiting for inclusion…"));
        let result = contract
            .submit_prepared(&self.chain, signer, prepared)
            .await;
        self.writes_sent += 1;
        let outcome = match result {
            Ok(o) => o,
            Err(ContractClientError::Dispatch { failure, .. })
                if failure.name.ends_with("ContractReverted") =>
            {
                // Passed the dry run, reverted in the block (the fee was paid): say why.
                self.check_write(which, &signer.account_id(), message, args, value)
                    .await?;
                return Err(OpError::Failed(format!(
                    "{message} reverted in its block ({failure})"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        // A call that passed its dry run can still revert in its block (e.g. a deadline passed
        // in between: the dry run sees the previous block's timestamp). Every write message of
        // the contracts emits an event when it succeeds, so no event means it reverted.
        if !outcome
            .tx
            .find("Contracts", "ContractEmitted")
            .any(|e| e.field_bytes.get(..32) == Some(&contract.address.0[..]))
        {
            self.check_write(which, &signer.account_id(), message, args, value)
                .await?;
            return Err(OpError::Failed(format!(
                "{message} was included in block 0x{} but changed nothing (the contract \
                 reverted)",
                hex::encode(outcome.tx.block_hash)
            )));
        }
        Ok(self.tx_report(
            &contracts,
            signer,
            message,
            gas_required,
            storage_deposit,
            fee_estimate,
            &outcome,
        ))
    }

    /// Before the first document `signer` publishes from this client: a warning (shown even
    /// to scripts) that anyone can read it, for good.
    fn warn_before_first_document(&self, signer: &Keypair) -> OpResult<()> {
        let path = self.settings.published_path();
        let mut told: std::collections::BTreeSet<String> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let who = self.chain.ss58(&signer.public_key());
        if told.insert(who.clone()) {
            tracing::warn!(
                "{who} publishes a document on chain for the first time: anyone can read it, \
                 and it can never be changed or deleted"
            );
            super::deployment::write_json_file(&path, &told)?;
        }
        Ok(())
    }

    /// The report of an included contract call: costs, the dry run's return value and the
    /// decoded events of every contract of `contracts`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tx_report(
        &self,
        contracts: &Contracts,
        signer: &Keypair,
        message: &str,
        gas_required: Weight,
        storage_deposit: u128,
        fee_estimate: Option<u128>,
        outcome: &CallOutcome,
    ) -> TxReport {
        let deposit_net = net_storage_deposit(&outcome.tx, &signer.account_id());
        let events = decode_contract_events(&outcome.tx, &contracts.codecs(), None);
        TxReport {
            message: message.to_string(),
            signer: self.chain.ss58(&signer.public_key()),
            block_hash: format!("0x{}", hex::encode(outcome.tx.block_hash)),
            finalized: outcome.tx.finalized,
            fee_estimate: fee_estimate.map(|f| f.to_string()),
            fee_paid: outcome.fee_paid.map(|f| f.to_string()),
            gas_required: GasView {
                ref_time: gas_required.ref_time,
                proof_size: gas_required.proof_size,
            },
            weight: outcome.weight.map(|w| GasView {
                ref_time: w.ref_time,
                proof_size: w.proof_size,
            }),
            storage_deposit: storage_deposit.to_string(),
            storage_deposit_limit: outcome.deposit_limit.to_string(),
            storage_deposit_paid: deposit_net.to_string(),
            return_value: ink_to_json(&outcome.return_value, contracts.ss58_prefix),
            return_data: outcome.return_data.clone(),
            events: events.iter().map(|e| event_view(e, contracts)).collect(),
        }
    }
}

/// Net storage deposit moved from `who` by a transaction (held minus released).
pub fn net_storage_deposit(tx: &crate::chain::TxOutcome, who: &AccountId32) -> i128 {
    let account = |e: &crate::chain::ChainEvent, field: &str| {
        e.field(field).and_then(crate::chain::value_account)
    };
    let mut net: i128 = 0;
    for e in &tx.events {
        if e.pallet != "Contracts" {
            continue;
        }
        let amount = e
            .field("amount")
            .and_then(crate::chain::value_u128)
            .unwrap_or(0) as i128;
        match e.variant.as_str() {
            "StorageDepositTransferredAndHeld" if account(e, "from") == Some(*who) => net += amount,
            "StorageDepositTransferredAndReleased" if account(e, "to") == Some(*who) => {
                net -= amount
            }
            _ => {}
        }
    }
    net
}
