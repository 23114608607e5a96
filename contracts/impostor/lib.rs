#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! Test-only contract: an attacker posing as the requests contract. `pose_as` switches this
//! contract's code to another code hash (the requests contract's) and then, still running
//! this code for the rest of the call, asks the escrow to open a deal naming any buyer. An
//! escrow that trusted a caller's code hash would take it; the e2e tests prove it refuses.

pub use self::impostor::{Impostor, ImpostorRef};

#[ink::contract]
mod impostor {
    use escrow::{EscrowRef, RequestedDeal};
    use ink::codegen::TraitCallBuilder;
    use ink::env::call::FromAccountId;

    #[ink(storage)]
    pub struct Impostor {}

    impl Impostor {
        #[ink(constructor)]
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            Self {}
        }

        /// Anyone, with the deal's value: sets this contract's code hash to `code_hash`, then
        /// calls `escrow.open_requested_deal(deal)` with the value. Returns what the escrow
        /// answered (its refusal reverts this call too).
        #[ink(message, payable)]
        pub fn pose_as(
            &mut self,
            code_hash: Hash,
            escrow: AccountId,
            deal: RequestedDeal,
        ) -> Result<u64, escrow::Error> {
            ink::env::set_code_hash::<ink::env::DefaultEnvironment>(&code_hash)
                .expect("the code is uploaded");
            let mut escrow: EscrowRef = FromAccountId::from_account_id(escrow);
            escrow
                .call_mut()
                .open_requested_deal(deal)
                .transferred_value(self.env().transferred_value())
                .invoke()
        }
    }
}
