//! A stand-in for the escrow's arbiter registry, for tests in ink!'s off-chain engine.
//!
//! `propose` reads the arbiter it names from the escrow (`arbiter(account)`), a call to
//! another contract, and the off-chain engine that runs `#[ink::test]`s and the property
//! test panics on any such call. A test that installs a registry here has `propose` read it
//! instead, in this thread (the engine is per thread too). Compiled only with `std`, which is
//! where that engine runs: the contract is built without `std` and always asks the escrow, and
//! a `std` build with no registry installed calls the escrow as well.

use escrow::Arbiter;
use ink::primitives::AccountId;
use std::cell::RefCell;
use std::collections::BTreeMap;

thread_local! {
    static REGISTRY: RefCell<Option<BTreeMap<AccountId, Arbiter>>> = const { RefCell::new(None) };
}

/// From now on, in this thread, `propose` finds exactly `arbiters` in the escrow's registry
/// (any other account reads as never registered). Replaces a registry installed before.
pub fn install_registry(arbiters: impl IntoIterator<Item = (AccountId, Arbiter)>) {
    REGISTRY.with(|r| *r.borrow_mut() = Some(arbiters.into_iter().collect()));
}

/// Registers, updates or retires one arbiter of the installed registry (installing an empty
/// one first if there was none).
pub fn set_arbiter(account: AccountId, arbiter: Arbiter) {
    REGISTRY.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(BTreeMap::new)
            .insert(account, arbiter);
    });
}

/// The installed registry's entry for `account`: `None` when no registry is installed (the
/// escrow is called), `Some(None)` for an account it does not hold.
pub(crate) fn registered_arbiter(account: AccountId) -> Option<Option<Arbiter>> {
    REGISTRY.with(|r| {
        r.borrow()
            .as_ref()
            .map(|arbiters| arbiters.get(&account).copied())
    })
}
