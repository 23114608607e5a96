//! Instantiating a contract whose crate this one cannot depend on (the escrow depends on
//! this crate, and the requests contract on the escrow's): by code hash and constructor
//! selector, keeping only the new address. A contract instantiated this way starts from its
//! constructor's storage, which is what lets its creator trust it.

use ink::env::call::{build_create, ExecutionInput, FromAccountId};
use ink::env::{ContractEnv, DefaultEnvironment};
use ink::primitives::{AccountId, Hash};

/// A contract just instantiated, known by its address alone.
#[derive(Debug, Clone, Copy)]
pub struct Created(pub AccountId);

impl ContractEnv for Created {
    type Env = DefaultEnvironment;
}

impl FromAccountId<DefaultEnvironment> for Created {
    fn from_account_id(account_id: AccountId) -> Self {
        Created(account_id)
    }
}

/// Instantiates `code_hash` with `input` (a constructor returning `Result<Self, _>`) and
/// `salt`, with all the gas left and no value. `None` when the constructor refused, trapped
/// or ran out of gas, or the address is taken (the same code, input and salt again).
pub fn instantiate<Args: scale::Encode>(
    code_hash: Hash,
    input: ExecutionInput<Args>,
    salt: &[u8],
) -> Option<AccountId> {
    // The error is decoded as its variant index only: any refusal is a `None` here.
    let created = build_create::<Created>()
        .code_hash(code_hash)
        .endowment(0)
        .exec_input(input)
        .salt_bytes(salt)
        .returns::<core::result::Result<Created, u8>>()
        .try_instantiate();
    match created {
        Ok(Ok(Ok(Created(address)))) => Some(address),
        _ => None,
    }
}
