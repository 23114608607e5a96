//! Transaction signers: sr25519 keys (the default, as in polkadot.js and subkey, through
//! subxt-signer) and ed25519 keys (through ed25519-dalek, derived as sp-core derives them).
//!
//! The runtime's signature type is `sp_runtime::MultiSignature` and its account id is the
//! 32-byte public key for both schemes, so one [`Keypair`] enum implements subxt's
//! [`subxt::tx::Signer`] for any config using [`AccountId32`] and [`MultiSignature`].
//!
//! Secrets never appear in error messages or `Debug` output.

use std::fmt;
use std::str::FromStr;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use ed25519_dalek::{Signer as _, SigningKey};
use scale::Encode;
use serde::{Deserialize, Serialize};
use subxt::config::Config;
use subxt::utils::{AccountId32, MultiSignature};
use subxt_signer::bip39::Mnemonic;
use subxt_signer::{DeriveJunction, ExposeSecret, SecretUri};
use zeroize::Zeroizing;

/// Why a key could not be built from a seed, mnemonic, URI or JSON export. The messages name
/// what was wrong without repeating the secret.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("invalid secret URI: {reason}")]
    InvalidUri { reason: String },
    #[error(
        "ed25519 keys only support hard derivation (//); the secret URI has a soft junction (/)"
    )]
    SoftDerivation,
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
    #[error("invalid mnemonic word count {0}: use 12, 15, 18, 21 or 24")]
    WordCount(usize),
    #[error("polkadot.js JSON export: {0}")]
    PolkadotJs(String),
    #[error("polkadot.js JSON export: wrong password (or a damaged export)")]
    WrongPassword,
}

/// A signature scheme: sr25519 (the default) or ed25519.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    #[default]
    Sr25519,
    Ed25519,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Sr25519 => "sr25519",
            Scheme::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sr25519" => Ok(Scheme::Sr25519),
            "ed25519" => Ok(Scheme::Ed25519),
            other => Err(format!("unknown scheme '{other}': use sr25519 or ed25519")),
        }
    }
}

/// A key able to sign transactions.
#[derive(Clone)]
pub enum Keypair {
    Ed25519(SigningKey),
    Sr25519(subxt_signer::sr25519::Keypair),
    /// An account whose key is held elsewhere (an offline signer, `--unsigned`): the client
    /// builds its transactions for signing there and never signs with it. Its "signature" is
    /// all zeros, which no chain accepts.
    Offline(AccountId32),
}

impl fmt::Debug for Keypair {
    // Never print secret material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Keypair::{}({})",
            self.scheme(),
            self.ss58(crate::units::GENERIC_SS58_PREFIX)
        )
    }
}

impl Keypair {
    /// The key a Substrate secret URI stands for under `scheme`: a mnemonic, a `0x` hex seed or
    /// nothing (the dev phrase), then `//hard` and `/soft` junctions, then `///password`.
    /// The same URI gives the same account as `subkey inspect --scheme <scheme>` and
    /// polkadot.js.
    pub fn from_uri(scheme: Scheme, uri: &str) -> Result<Self, SignerError> {
        match scheme {
            Scheme::Sr25519 => Self::sr25519_from_uri(uri),
            Scheme::Ed25519 => Self::ed25519_from_uri(uri),
        }
    }

    /// A fresh key under `scheme` from a new random mnemonic of `words` words; returns the key
    /// and the mnemonic (which is the key's secret URI).
    pub fn generate(scheme: Scheme, words: usize) -> Result<(Self, String), SignerError> {
        let entropy_len = match words {
            12 => 16,
            15 => 20,
            18 => 24,
            21 => 28,
            24 => 32,
            n => return Err(SignerError::WordCount(n)),
        };
        let mut entropy = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut entropy[..entropy_len]);
        let mnemonic = Mnemonic::from_entropy(&entropy[..entropy_len])
            .map_err(|e| SignerError::InvalidSeed(e.to_string()))?;
        let phrase = mnemonic.to_string();
        Ok((Self::from_uri(scheme, &phrase)?, phrase))
    }

    /// The sr25519 key of a polkadot.js JSON account export (`encoding.content` `pkcs8` +
    /// `sr25519`, scrypt + xsalsa20-poly1305), decrypted with `password` by subxt-signer's
    /// polkadot-js-compat loader, which also checks the key against the export's address.
    pub fn from_polkadot_js(json: &str, password: &str) -> Result<Self, SignerError> {
        use subxt_signer::polkadot_js_compat::{decrypt_json, Error};
        decrypt_json(json, password)
            .map(Keypair::Sr25519)
            .map_err(|e| {
                SignerError::PolkadotJs(match e {
                    Error::Secretbox(_) => return SignerError::WrongPassword,
                    Error::UnsupportedEncoding => {
                        "unsupported encoding: only encrypted sr25519 exports (pkcs8, scrypt, \
                         xsalsa20-poly1305, version 3) can be imported"
                            .to_string()
                    }
                    Error::Json(e) => format!("not an account export ({e})"),
                    other => other.to_string(),
                })
            })
    }

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

    /// An sr25519 key from a Substrate secret URI (subxt-signer's derivation, the same as
    /// sp-core's), e.g. the dev accounts `//Alice`, `//Bob`, or `<mnemonic>//hard/soft`.
    pub fn sr25519_from_uri(uri: &str) -> Result<Self, SignerError> {
        let parsed = parse_uri(uri)?;
        subxt_signer::sr25519::Keypair::from_uri(&parsed)
            .map(Keypair::Sr25519)
            .map_err(|e| SignerError::InvalidUri {
                reason: e.to_string(),
            })
    }

    /// The signature scheme of this key.
    pub fn scheme_kind(&self) -> Scheme {
        match self {
            Keypair::Ed25519(_) => Scheme::Ed25519,
            Keypair::Sr25519(_) | Keypair::Offline(_) => Scheme::Sr25519,
        }
    }

    /// `"ed25519"` or `"sr25519"`.
    pub fn scheme(&self) -> &'static str {
        self.scheme_kind().as_str()
    }

    /// The 32-byte public key, which is also the on-chain account id.
    pub fn public_key(&self) -> [u8; 32] {
        match self {
            Keypair::Ed25519(k) => k.verifying_key().to_bytes(),
            Keypair::Sr25519(k) => k.public_key().0,
            Keypair::Offline(account) => account.0,
        }
    }

    pub fn account_id(&self) -> AccountId32 {
        AccountId32(self.public_key())
    }

    /// SS58 address with `prefix` (the chain's: [`crate::chain::Chain::ss58_prefix`]).
    pub fn ss58(&self, prefix: u16) -> String {
        crate::units::to_ss58_with_prefix(&self.public_key(), prefix)
    }

    /// Sign arbitrary bytes, returning the runtime's `MultiSignature`.
    pub fn sign_bytes(&self, message: &[u8]) -> MultiSignature {
        match self {
            Keypair::Ed25519(k) => MultiSignature::Ed25519(k.sign(message).to_bytes()),
            Keypair::Sr25519(k) => MultiSignature::Sr25519(k.sign(message).0),
            Keypair::Offline(_) => MultiSignature::Sr25519([0; 64]),
        }
    }

    /// The ed25519 seed, if this is an ed25519 key.
    pub fn ed25519_seed(&self) -> Option<[u8; 32]> {
        match self {
            Keypair::Ed25519(k) => Some(k.to_bytes()),
            Keypair::Sr25519(_) | Keypair::Offline(_) => None,
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
        reason: e.to_string(),
    })
}

/// The ed25519 seed a Substrate secret URI stands for.
pub fn ed25519_seed_from_uri(uri: &str) -> Result<[u8; 32], SignerError> {
    let parsed = parse_uri(uri)?;
    let mut seed = *root_seed(&parsed)?;
    for junction in &parsed.junctions {
        match junction {
            DeriveJunction::Hard(chain_code) => {
                seed = blake2_256(&("Ed25519HDKD", seed, chain_code).encode());
            }
            DeriveJunction::Soft(_) => return Err(SignerError::SoftDerivation),
        }
    }
    Ok(seed)
}

/// The 32-byte seed a URI's phrase stands for, before its junctions: a `0x` hex seed as it is,
/// a mnemonic through substrate-bip39 with the URI's password (as sp-core and subxt-signer).
fn root_seed(parsed: &SecretUri) -> Result<Zeroizing<[u8; 32]>, SignerError> {
    let invalid = |reason: String| SignerError::InvalidUri { reason };
    let phrase = parsed.phrase.expose_secret();
    if let Some(hex_seed) = phrase.strip_prefix("0x") {
        let bytes = hex::decode(hex_seed).map_err(|e| invalid(format!("bad hex seed: {e}")))?;
        return Ok(Zeroizing::new(bytes.try_into().map_err(|_| {
            invalid("a hex seed must be 32 bytes".to_string())
        })?));
    }
    let mnemonic = subxt_signer::bip39::Mnemonic::from_str(phrase)
        .map_err(|e| invalid(format!("bad mnemonic: {e}")))?;
    let (entropy, len) = mnemonic.to_entropy_array();
    let password = parsed
        .password
        .as_ref()
        .map(|p| p.expose_secret().to_string())
        .unwrap_or_default();
    let big_seed = Zeroizing::new(seed_from_entropy(&entropy[..len], &password));
    Ok(Zeroizing::new(big_seed[..32].try_into().expect("64 >= 32")))
}

/// The secret and public key of the `scheme` key a secret URI stands for, as polkadot.js keeps
/// them in its JSON keystore (see [`crate::keystore`]): for sr25519, schnorrkel's secret key in
/// its ed25519 form, derived as subxt-signer derives it (checked against subxt-signer's public
/// key); for ed25519, seed ‖ public key.
pub fn pkcs8_parts(
    scheme: Scheme,
    uri: &str,
) -> Result<(Zeroizing<[u8; 64]>, [u8; 32]), SignerError> {
    let mut secret = Zeroizing::new([0u8; 64]);
    let public = match scheme {
        Scheme::Sr25519 => {
            use schnorrkel::derive::{ChainCode, Derivation};
            use schnorrkel::{ExpansionMode, MiniSecretKey};
            let parsed = parse_uri(uri)?;
            let mini = MiniSecretKey::from_bytes(&root_seed(&parsed)?[..])
                .map_err(|e| SignerError::InvalidSeed(e.to_string()))?;
            let mut key = mini.expand(ExpansionMode::Ed25519);
            for junction in &parsed.junctions {
                key = match junction {
                    DeriveJunction::Soft(cc) => key.derived_key_simple(ChainCode(*cc), []).0,
                    DeriveJunction::Hard(cc) => key
                        .hard_derive_mini_secret_key(Some(ChainCode(*cc)), b"")
                        .0
                        .expand(ExpansionMode::Ed25519),
                };
            }
            let public = key.to_public().to_bytes();
            if public != Keypair::sr25519_from_uri(uri)?.public_key() {
                return Err(SignerError::InvalidUri {
                    reason: "its sr25519 secret key does not give its public key".into(),
                });
            }
            secret.copy_from_slice(&key.to_ed25519_bytes());
            public
        }
        Scheme::Ed25519 => {
            let seed = Zeroizing::new(ed25519_seed_from_uri(uri)?);
            let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
            secret[..32].copy_from_slice(&seed[..]);
            secret[32..].copy_from_slice(&public);
            public
        }
    };
    Ok((secret, public))
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
            alice.ss58(42),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        assert_eq!(alice.scheme(), "sr25519");
    }

    #[test]
    fn ed25519_from_uri_matches_substrate_derivation() {
        // `subkey inspect --scheme ed25519 //Alice`
        let alice = Keypair::ed25519_from_uri("//Alice").unwrap();
        assert_eq!(
            alice.ss58(42),
            "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"
        );
        assert!(matches!(
            Keypair::ed25519_from_uri("/soft"),
            Err(SignerError::SoftDerivation)
        ));
        assert!(Keypair::ed25519_from_uri("not a uri at all !!").is_err());
    }

    #[test]
    fn debug_does_not_leak_secret() {
        let key = Keypair::ed25519_from_seed([9u8; 32]);
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&hex::encode([9u8; 32])));
        assert!(dbg.contains(&key.ss58(42)));
    }

    fn fixture() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/polkadot-js-account.json"
        ))
        .unwrap()
    }

    fn generic(key: &Keypair) -> String {
        crate::units::to_ss58_with_prefix(&key.public_key(), 42)
    }

    /// Addresses @polkadot/keyring derives (tests/fixtures/make-polkadot-js.mjs).
    #[test]
    fn sr25519_uris_match_polkadot_js() {
        let f = fixture();
        let mnemonic = f["suri"].as_str().unwrap().split("//").next().unwrap();
        for (uri, field) in [
            (mnemonic.to_string(), "mnemonic_address"),
            (format!("{mnemonic}//hard/soft"), "hard_soft_address"),
            (f["suri"].as_str().unwrap().to_string(), "address_42"),
        ] {
            let key = Keypair::from_uri(Scheme::Sr25519, &uri).unwrap();
            assert_eq!(generic(&key), f[field].as_str().unwrap(), "{field}");
            assert_eq!(key.scheme_kind(), Scheme::Sr25519);
        }
        // Soft and hard junctions differ; a password changes the key.
        let hard = Keypair::sr25519_from_uri(&format!("{mnemonic}//hard//soft")).unwrap();
        assert_ne!(generic(&hard), f["hard_soft_address"].as_str().unwrap());
        let with_password = Keypair::sr25519_from_uri(&format!("{mnemonic}///pw")).unwrap();
        assert_ne!(
            generic(&with_password),
            f["mnemonic_address"].as_str().unwrap()
        );
    }

    #[test]
    fn polkadot_js_export_decrypts_to_its_address() {
        let f = fixture();
        let export = f["export"].to_string();
        let key = Keypair::from_polkadot_js(&export, f["password"].as_str().unwrap()).unwrap();
        assert_eq!(generic(&key), f["address_42"].as_str().unwrap());
        // The same account as its secret URI.
        let from_uri = Keypair::sr25519_from_uri(f["suri"].as_str().unwrap()).unwrap();
        assert_eq!(key.public_key(), from_uri.public_key());

        let err = Keypair::from_polkadot_js(&export, "not the password").unwrap_err();
        assert!(err.to_string().contains("wrong password"), "{err}");
        let err = Keypair::from_polkadot_js("{\"x\": 1}", "pw").unwrap_err();
        assert!(err.to_string().contains("not an account export"), "{err}");
        let mut ed = f["export"].clone();
        ed["encoding"]["content"] = serde_json::json!(["pkcs8", "ed25519"]);
        let err = Keypair::from_polkadot_js(&ed.to_string(), "pw").unwrap_err();
        assert!(err.to_string().contains("unsupported encoding"), "{err}");
    }

    #[test]
    fn generated_keys_come_from_their_mnemonic() {
        for scheme in [Scheme::Sr25519, Scheme::Ed25519] {
            let (key, phrase) = Keypair::generate(scheme, 12).unwrap();
            assert_eq!(phrase.split(' ').count(), 12);
            assert_eq!(key.scheme_kind(), scheme);
            let again = Keypair::from_uri(scheme, &phrase).unwrap();
            assert_eq!(again.public_key(), key.public_key());
        }
        let (_, phrase) = Keypair::generate(Scheme::Sr25519, 24).unwrap();
        assert_eq!(phrase.split(' ').count(), 24);
        assert!(matches!(
            Keypair::generate(Scheme::Sr25519, 13),
            Err(SignerError::WordCount(13))
        ));
    }

    #[test]
    fn errors_do_not_repeat_the_secret() {
        let bad = "bottom drive obey lake curtain smoke basket hold race lonely fit fit";
        for scheme in [Scheme::Sr25519, Scheme::Ed25519] {
            let err = Keypair::from_uri(scheme, bad).unwrap_err().to_string();
            assert!(!err.contains("curtain"), "{err}");
            assert!(err.starts_with("invalid secret URI"), "{err}");
        }
    }

    #[test]
    fn scheme_names() {
        assert_eq!("sr25519".parse::<Scheme>(), Ok(Scheme::Sr25519));
        assert_eq!("ed25519".parse::<Scheme>(), Ok(Scheme::Ed25519));
        assert!("ecdsa".parse::<Scheme>().unwrap_err().contains("'ecdsa'"));
        assert_eq!(Scheme::default(), Scheme::Sr25519);
    }
}
