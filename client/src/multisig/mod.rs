//! Multisig accounts of pallet-multisig: the account a set of signatories and a threshold
//! stand for, and the hash that names a call waiting for their approvals. The chain calls are
//! in [`pallet`].

pub mod pallet;

use scale::Encode;
use subxt::utils::AccountId32;

use crate::signer::blake2_256;

/// The prefix pallet-multisig hashes with the signatories and the threshold
/// (`Pallet::multi_account_id`).
const MULTI_ACCOUNT_PREFIX: &[u8; 16] = b"modlpy/utilisuba";

/// A multisig account: its signatories (sorted, without repeats, as the pallet wants them)
/// and how many of them must approve a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultisigAccount {
    pub signatories: Vec<AccountId32>,
    pub threshold: u16,
}

/// Why a set of signatories and a threshold make no multisig account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultisigError {
    #[error(
        "--threshold must be at least 2 (a 1-of-N account is not a multisig of pallet-multisig)"
    )]
    ThresholdTooLow,
    #[error("--threshold {threshold} is more than the {signatories} signatories of --multisig")]
    ThresholdTooHigh { threshold: u16, signatories: usize },
    #[error("--multisig names the same account twice")]
    Repeated,
}

impl MultisigAccount {
    pub fn new(
        mut signatories: Vec<AccountId32>,
        threshold: u16,
    ) -> Result<MultisigAccount, MultisigError> {
        signatories.sort();
        if signatories.windows(2).any(|w| w[0] == w[1]) {
            return Err(MultisigError::Repeated);
        }
        if threshold < 2 {
            return Err(MultisigError::ThresholdTooLow);
        }
        if usize::from(threshold) > signatories.len() {
            return Err(MultisigError::ThresholdTooHigh {
                threshold,
                signatories: signatories.len(),
            });
        }
        Ok(MultisigAccount {
            signatories,
            threshold,
        })
    }

    /// The account, derived as pallet-multisig's `multi_account_id` does:
    /// `blake2_256(b"modlpy/utilisuba" ++ SCALE(sorted signatories) ++ SCALE(threshold))`.
    pub fn account_id(&self) -> AccountId32 {
        let signatories: Vec<[u8; 32]> = self.signatories.iter().map(|a| a.0).collect();
        let entropy = (MULTI_ACCOUNT_PREFIX, signatories, self.threshold).encode();
        AccountId32(blake2_256(&entropy))
    }

    pub fn has(&self, who: &AccountId32) -> bool {
        self.signatories.contains(who)
    }

    /// The signatories other than `me`, sorted: what the pallet's calls take.
    pub fn others(&self, me: &AccountId32) -> Vec<AccountId32> {
        self.signatories
            .iter()
            .filter(|a| *a != me)
            .copied()
            .collect()
    }
}

/// The hash that names a multisig call: `blake2_256` of the encoded call (pallet and call
/// index, then its arguments), the bytes the last approval executes.
pub fn call_hash(call_data: &[u8]) -> [u8; 32] {
    blake2_256(call_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> AccountId32 {
        AccountId32([byte; 32])
    }

    #[test]
    fn the_account_does_not_depend_on_the_order_of_the_signatories() {
        let a = MultisigAccount::new(vec![id(3), id(1), id(2)], 2).unwrap();
        let b = MultisigAccount::new(vec![id(1), id(2), id(3)], 2).unwrap();
        assert_eq!(a.account_id(), b.account_id());
        let c = MultisigAccount::new(vec![id(1), id(2), id(3)], 3).unwrap();
        assert_ne!(a.account_id(), c.account_id());
    }

    #[test]
    fn the_account_hashes_the_prefix_the_length_the_keys_and_the_threshold() {
        let m = MultisigAccount::new(vec![id(2), id(1)], 2).unwrap();
        let mut bytes = b"modlpy/utilisuba".to_vec();
        bytes.push(2 << 2); // compact length 2
        bytes.extend([1u8; 32]);
        bytes.extend([2u8; 32]);
        bytes.extend(2u16.to_le_bytes());
        assert_eq!(m.account_id().0, blake2_256(&bytes));
    }

    #[test]
    fn bad_thresholds_and_repeats_are_refused() {
        let two = vec![id(1), id(2)];
        assert_eq!(
            MultisigAccount::new(two.clone(), 1),
            Err(MultisigError::ThresholdTooLow)
        );
        assert!(matches!(
            MultisigAccount::new(two, 3),
            Err(MultisigError::ThresholdTooHigh { .. })
        ));
        assert_eq!(
            MultisigAccount::new(vec![id(1), id(1), id(2)], 2),
            Err(MultisigError::Repeated)
        );
        let m = MultisigAccount::new(vec![id(1), id(2), id(3)], 2).unwrap();
        assert_eq!(m.others(&id(2)), vec![id(1), id(3)]);
    }
}
