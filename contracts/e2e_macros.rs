//! Macros the contracts' e2e tests share, included with
//! `#[macro_use] #[path = "../../e2e_macros.rs"] mod e2e_macros;`.

/// Submits a message that must succeed and returns its `Ok` value.
macro_rules! tx {
    ($client:ident, $signer:expr, $msg:expr) => {
        tx!($client, $signer, $msg, 0)
    };
    ($client:ident, $signer:expr, $msg:expr, $value:expr) => {
        $client
            .call(&$signer, &$msg)
            .value($value)
            .submit()
            .await
            .expect("transaction included")
            .return_value()
            .expect("message returned Ok")
    };
}

/// Reads a message's return value through a dry run, as Alice or as `$signer`.
macro_rules! read {
    ($client:ident, $msg:expr) => {
        read!($client, ink_e2e::alice(), $msg)
    };
    ($client:ident, $signer:expr, $msg:expr) => {
        $client
            .call(&$signer, &$msg)
            .dry_run()
            .await
            .expect("dry run")
            .return_value()
    };
}

/// The free balance of a dev account.
macro_rules! balance {
    ($client:ident, $who:expr) => {
        $client
            .free_balance(ink_e2e::account_id($who))
            .await
            .expect("balance")
    };
}

/// Waits `ms` and makes a block, so the chain's clock (instant seal: one block per
/// transaction) passes a deadline that far ahead.
macro_rules! wait {
    ($client:ident, $ms:expr) => {
        ink_e2e::tokio::time::sleep(std::time::Duration::from_millis($ms + 500)).await;
        $client
            .runtime_call(
                &ink_e2e::ferdie(),
                "System",
                "remark",
                vec![ink_e2e::subxt::dynamic::Value::from_bytes(b"tick")],
            )
            .await
            .expect("remark");
    };
}

/// A contract known only by its address: one that another contract instantiated (the
/// reputation contract's escrows, an escrow's requests contract).
pub struct Created {
    pub account_id: ink::primitives::AccountId,
}

impl Created {
    /// A call builder for it, as `InstantiationResult::call_builder` gives one.
    pub fn call_builder<C>(&self) -> <C as ink::codegen::ContractCallBuilder>::Type
    where
        C: ink::codegen::ContractCallBuilder + ink::env::ContractEnv,
        <C as ink::env::ContractEnv>::Env:
            ink::env::Environment<AccountId = ink::primitives::AccountId>,
        <C as ink::codegen::ContractCallBuilder>::Type:
            ink::env::call::FromAccountId<<C as ink::env::ContractEnv>::Env>,
    {
        ink_e2e::create_call_builder::<C>(self.account_id)
    }
}
