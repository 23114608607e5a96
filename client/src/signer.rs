//! Transaction signers: ed25519 keys (the keystore's) and sr25519 `//Dev` accounts.
//!
//! The runtime's signature type is `sp_runtime::MultiSignature` and its account id is the
//! 32-byte public key for both schemes, so one [`Keypair`] enum implements subxt's
//! [`subxt::tx::Signer`] for any config using [`AccountId32`] and [`MultiSignature`].

use std::str::FromStr;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use ed25519_dalek::{Signer as _, SigningKey};
use scale::Encode;
use subxt::config::Config;
use subxt::utils::{AccountId32, MultiSignature};
use subxt_signer::{DeriveJunction, ExposeSecret, SecretUri};

/// Why a key could not be built from a seed or URI.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("invalid secret URI '{uri}': {reason}")]
    InvalidUri { uri: String, reason: String },
    #[error("ed25519 keys only support hard derivation (//); soft junction in '{uri}'")]
    SoftDerivation { uri: String },
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
}

/// A key able to sign transactions.
#[derive(Clone)]
pub enum Keypair {
    Ed25519(SigningKey),
    Sr25519(subxt_signer::sr25519::Keypair),
}

impl std::fmt::Debug for Keypair {
    // Never print secret material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keypair::{}({})", self.scheme(), self.ss58())
    }
}

impl Keypair {
    /// An ed25519 key from its 32-byte seed (secret key).
    pub fn ed25519_from_seed(seed: [u8; 32]) -> Self {
        Keypair::Ed25519(SigningKey::from_bytes(&seed))
    }

    /// A fresh random ed25519 key.
    pub fn ed25519_generate() -> Self {
        Keypair::Ed25519(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// An ed25519 key from a Substrate secret URI (`//Alice`, `<mnemonic>//hard`, `0x<seed>//x`),
    /// derived exactly like `sp_core::ed25519::Pair::from_string` (hard junctions only).
    pub fn ed25519_from_uri(uri: &str) -> Result<Self, SignerError> {
        Ok(Self::ed25519_from_seed(ed25519_seed_from_uri(uri)?))
    }

    /// An sr25519 key from a Substrate secret URI, e.g. the dev accounts `//Alice`, `//Bob`.
    pub fn sr25519_from_uri(uri: &str) -> Result<Self, SignerError> {
        let parsed = parse_uri(uri)?;
        subxt_signer::sr25519::Keypair::from_uri(&parsed)
            .map(Keypair::Sr25519)
            .map_err(|e| SignerError::InvalidUri {
                uri: uri.to_string(),
                reason: e.to_string(),
            })
    }

    /// `"ed25519"` or `"sr25519"`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Keypair::Ed25519(_) => "ed25519",
            Keypair::Sr25519(_) => "sr25519",
        }
    }

    /// The 32-byte public key, which is also the on-chain account id.
    pub fn public_key(&self) -> [u8; 32] {
        match self {
            Keypair::Ed25519(k) => k.verifying_key().to_bytes(),
            Keypair::Sr25519(k) => k.public_key().0,
        }
    }

    pub fn account_id(&self) -> AccountId32 {
        AccountId32(self.public_key())
    }

    /// SS58 address (generic Substrate prefix 42).
    pub fn ss58(&self) -> String {
        self.account_id().to_string()
    }

    /// Sign arbitrary bytes, returning the runtime's `MultiSignature`.
    pub fn sign_bytes(&self, message: &[u8]) -> MultiSignature {
        match self {
            Keypair::Ed25519(k) => MultiSignature::Ed25519(k.sign(message).to_bytes()),
            Keypair::Sr25519(k) => MultiSignature::Sr25519(k.sign(message).0),
        }
    }

    /// The ed25519 seed, if this is an ed25519 key (what the keystore stores).
    pub fn ed25519_seed(&self) -> Option<[u8; 32]> {
        match self {
            Keypair::Ed25519(k) => Some(k.to_bytes()),
            Keypair::Sr25519(_) => None,
        }
    }
}

impl<T> subxt::tx::Signer<T> for Keypair
where
    T: Config<AccountId = AccountId32, Signature = MultiSignature>,
{
    fn account_id(&self) -> AccountId32 {
        Keypair::account_id(self)
    }

    fn sign(&self, signer_payload: &[u8]) -> MultiSignature {
        self.sign_bytes(signer_payload)
    }
}

fn parse_uri(uri: &str) -> Result<SecretUri, SignerError> {
    SecretUri::from_str(uri).map_err(|e| SignerError::InvalidUri {
        uri: uri.to_string(),
        reason: e.to_string(),
    })
}

/// The ed25519 seed a Substrate secret URI stands for.
pub fn ed25519_seed_from_uri(uri: &str) -> Result<[u8; 32], SignerError> {
    let parsed = parse_uri(uri)?;
    let invalid = |reason: String| SignerError::InvalidUri {
        uri: uri.to_string(),
        reason,
    };
    let phrase = parsed.phrase.expose_secret();
    let mut seed: [u8; 32] = if let Some(hex_seed) = phrase.strip_prefix("0x") {
        let bytes = hex::decode(hex_seed).map_err(|e| invalid(format!("bad hex seed: {e}")))?;
        bytes
            .try_into()
            .map_err(|_| invalid("a hex seed must be 32 bytes".to_string()))?
    } else {
        let mnemonic = subxt_signer::bip39::Mnemonic::from_str(phrase)
            .map_err(|e| invalid(format!("bad mnemonic: {e}")))?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let password = parsed
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default();
        let big_seed = seed_from_entropy(&entropy[..len], &password);
        big_seed[..32].try_into().expect("64 >= 32")
    };
    for junction in &parsed.junctions {
        match junction {
            DeriveJunction::Hard(chain_code) => {
                seed = blake2_256(&("Ed25519HDKD", seed, chain_code).encode());
            }
            DeriveJunction::Soft(_) => {
                return Err(SignerError::SoftDerivation {
                    uri: uri.to_string(),
                })
            }
        }
    }
    Ok(seed)
}

/// `substrate-bip39`'s seed: PBKDF2-HMAC-SHA512 over the mnemonic *entropy* with salt
/// `"mnemonic" + password`, 2048 rounds (what sp-core uses; differs from plain BIP-39).
fn seed_from_entropy(entropy: &[u8], password: &str) -> [u8; 64] {
    let salt = format!("mnemonic{password}");
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2::<hmac::Hmac<sha2::Sha512>>(entropy, salt.as_bytes(), 2048, &mut seed)
        .expect("HMAC accepts keys of any length");
    seed
}

pub(crate) fn blake2_256(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    use subxt::tx::Signer;
    use subxt::SubstrateConfig;

    #[test]
    fn ed25519_signature_verifies_with_public_key() {
        let key = Keypair::ed25519_from_seed([7u8; 32]);
        let msg = b"escrow payload";
        let MultiSignature::Ed25519(sig) = <Keypair as Signer<SubstrateConfig>>::sign(&key, msg)
        else {
            panic!("expected an ed25519 signature");
        };
        let vk = VerifyingKey::from_bytes(&key.public_key()).unwrap();
        vk.verify(msg, &Signature::from_bytes(&sig)).unwrap();
        assert!(vk.verify(b"other", &Signature::from_bytes(&sig)).is_err());
    }

    #[test]
    fn multisignature_encoding_is_variant_byte_plus_64() {
        let key = Keypair::ed25519_generate();
        let enc = key.sign_bytes(b"x").encode();
        assert_eq!(enc.len(), 65);
        assert_eq!(enc[0], 0, "Ed25519 is variant 0");
        let alice = Keypair::sr25519_from_uri("//Alice").unwrap();
        let enc = alice.sign_bytes(b"x").encode();
        assert_eq!((enc.len(), enc[0]), (65, 1), "Sr25519 is variant 1");
    }

    #[test]
    fn ed25519_account_id_is_public_key() {
        let key = Keypair::ed25519_from_seed([1u8; 32]);
        let id = <Keypair as Signer<SubstrateConfig>>::account_id(&key);
        assert_eq!(id.0, key.public_key());
        assert_eq!(key.ed25519_seed(), Some([1u8; 32]));
    }

    #[test]
    fn dev_alice_sr25519_address() {
        let alice = Keypair::sr25519_from_uri("//Alice").unwrap();
        assert_eq!(
            alice.ss58(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        assert_eq!(alice.scheme(), "sr25519");
    }

    #[test]
    fn ed25519_from_uri_matches_substrate_derivation() {
        // `subkey inspect --scheme ed25519 //Alice`
        let alice = Keypair::ed25519_from_uri("//Alice").unwrap();
        assert_eq!(
            alice.ss58(),
            "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"
        );
        assert!(matches!(
            Keypair::ed25519_from_uri("/soft"),
            Err(SignerError::SoftDerivation { .. })
        ));
        assert!(Keypair::ed25519_from_uri("not a uri at all !!").is_err());
    }

    #[test]
    fn debug_does_not_leak_secret() {
        let key = Keypair::ed25519_from_seed([9u8; 32]);
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&hex::encode([9u8; 32])));
        assert!(dbg.contains(&key.ss58()));
    }
}
