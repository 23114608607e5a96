#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! Test-only contract: a reputation contract gone bad. While `burning`, any call (the
//! escrow's `record_deal` included) loops until it has used all the gas it was given;
//! otherwise it accepts the call and answers `Ok(())`. The escrow's e2e tests point an escrow
//! at it to prove that no exit of a deal depends on the reputation contract.

pub use self::gas_burner::{GasBurner, GasBurnerRef};

#[ink::contract]
mod gas_burner {
    #[ink(storage)]
    pub struct GasBurner {
        burning: bool,
        /// Calls it accepted.
        accepted: u32,
    }

    impl GasBurner {
        #[ink(constructor)]
        pub fn new(burning: bool) -> Self {
            Self {
                burning,
                accepted: 0,
            }
        }

        /// Anyone: switches burning on or off.
        #[ink(message, selector = @)]
        pub fn set_burning(&mut self, burning: bool) {
            self.burning = burning;
        }

        /// Any other selector: burns all the gas while `burning`, else accepts.
        #[ink(message, selector = _)]
        pub fn answer(&mut self) -> Result<(), u8> {
            if self.burning {
                // Never returns: the call runs out of gas.
                loop {
                    self.accepted = core::hint::black_box(self.accepted.wrapping_add(1));
                }
            }
            self.accepted = self.accepted.wrapping_add(1);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn accepts_calls_when_not_burning() {
            let mut burner = GasBurner::new(true);
            burner.set_burning(false);
            assert_eq!(burner.answer(), Ok(()));
            assert_eq!(burner.accepted, 1);
        }
    }
}
