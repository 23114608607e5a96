//! polkadot.js's JSON keystore format, as `@polkadot/keyring`'s `pair.toJson(password)` writes
//! it and polkadot.js and Talisman import it (`@polkadot/util-crypto` `json/`, `scrypt/`;
//! `@polkadot/keyring` `pair/encode.ts`, `pair/decode.ts`, `pair/toJson.ts`):
//!
//! - `encoded`: base64 of `salt (32) ‖ N ‖ p ‖ r (u32 LE each) ‖ nonce (24) ‖ ciphertext`, where
//!   the key is the first 32 bytes of scrypt(password, salt, N, r, p) and the ciphertext is
//!   xsalsa20-poly1305 (NaCl secretbox) of the content;
//! - `encoding`: `{content: ["pkcs8", "sr25519" | "ed25519"], type: ["scrypt",
//!   "xsalsa20-poly1305"], version: "3"}`;
//! - the content of an account is PKCS8-like: a 16-byte header, the 64-byte secret key, a 5-byte
//!   divider, the 32-byte public key. The secret key of an sr25519 pair is schnorrkel's in
//!   ed25519 form; of an ed25519 pair, seed ‖ public key.
//!
//! The crypto is the scrypt, crypto_secretbox and base64 crates'; nothing here is hand-written
//! but the layout.

use base64::Engine;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The format version polkadot.js writes.
pub const VERSION: &str = "3";
/// `encoding.type` of an encrypted document.
pub const ENCRYPTED: [&str; 2] = ["scrypt", "xsalsa20-poly1305"];
/// The scrypt parameters (N, p, r) this client writes: polkadot.js's default for years, which
/// every version of polkadot.js, Talisman and subxt-signer reads (polkadot.js 14 writes
/// N = 2^17 and reads both).
pub const WRITE_PARAMS: (u32, u32, u32) = (1 << 15, 1, 8);
/// The parameters polkadot.js accepts (`scrypt/defaults.ts`); others are refused, so that a
/// crafted file cannot make the client spend minutes or gigabytes on one scrypt.
const ALLOWED_PARAMS: [(u32, u32, u32); 6] = [
    (1 << 13, 10, 8),
    (1 << 14, 5, 8),
    (1 << 15, 3, 8),
    (1 << 15, 1, 8),
    (1 << 16, 2, 8),
    (1 << 17, 1, 8),
];
const SALT_LEN: usize = 32;
const PARAMS_LEN: usize = SALT_LEN + 12;
const NONCE_LEN: usize = 24;
/// `PAIR_HDR` and `PAIR_DIV` of `@polkadot/keyring` (generation 3).
const PAIR_HDR: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const PAIR_DIV: [u8; 5] = [161, 35, 3, 33, 0];

/// What an encrypted document holds and how it is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoding {
    pub content: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub version: String,
}

/// An encrypted document: `encoded` and `encoding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encrypted {
    pub encoded: String,
    pub encoding: Encoding,
}

/// A polkadot.js account JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountJson {
    #[serde(flatten)]
    pub encrypted: Encrypted,
    /// SS58 address of the public key.
    pub address: String,
    #[serde(default)]
    pub meta: serde_json::Value,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JsonError {
    #[error("wrong password (or damaged data)")]
    WrongPassword,
    #[error("unsupported encoding: {0}")]
    Unsupported(String),
    #[error("malformed: {0}")]
    Malformed(String),
}

/// Encrypts `plain` under `password` with fresh salt and nonce, labelled `content`.
pub fn encrypt(plain: &[u8], content: &[&str], password: &str) -> Encrypted {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let (n, p, r) = WRITE_PARAMS;
    let key = scrypt_key(password, &salt, (n, p, r)).expect("the parameters written are valid");
    let ciphertext = XSalsa20Poly1305::new(&key)
        .encrypt(Nonce::from_slice(&nonce), plain)
        .expect("secretbox encrypts any length");
    let mut encoded = Vec::with_capacity(PARAMS_LEN + NONCE_LEN + ciphertext.len());
    encoded.extend_from_slice(&salt);
    for v in [n, p, r] {
        encoded.extend_from_slice(&v.to_le_bytes());
    }
    encoded.extend_from_slice(&nonce);
    encoded.extend_from_slice(&ciphertext);
    Encrypted {
        encoded: base64::engine::general_purpose::STANDARD.encode(encoded),
        encoding: Encoding {
            content: content.iter().map(|c| c.to_string()).collect(),
            kind: ENCRYPTED.iter().map(|t| t.to_string()).collect(),
            version: VERSION.into(),
        },
    }
}

/// Decrypts a document `encrypt` (or polkadot.js) wrote with `password`.
pub fn decrypt(doc: &Encrypted, password: &str) -> Result<Zeroizing<Vec<u8>>, JsonError> {
    let e = &doc.encoding;
    if e.version != VERSION || !ENCRYPTED.iter().all(|t| e.kind.iter().any(|k| k == t)) {
        return Err(JsonError::Unsupported(format!(
            "type {:?} version {}: only scrypt + xsalsa20-poly1305, version 3, is read",
            e.kind, e.version
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&doc.encoded)
        .map_err(|e| JsonError::Malformed(format!("encoded is not base64: {e}")))?;
    if bytes.len() < PARAMS_LEN + NONCE_LEN {
        return Err(JsonError::Malformed("encoded is too short".into()));
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let params = (word(SALT_LEN), word(SALT_LEN + 4), word(SALT_LEN + 8));
    if !ALLOWED_PARAMS.contains(&params) {
        return Err(JsonError::Unsupported(format!(
            "scrypt N {} p {} r {}",
            params.0, params.1, params.2
        )));
    }
    let key = scrypt_key(password, &bytes[..SALT_LEN], params)?;
    let nonce = Nonce::from_slice(&bytes[PARAMS_LEN..PARAMS_LEN + NONCE_LEN]);
    XSalsa20Poly1305::new(&key)
        .decrypt(nonce, &bytes[PARAMS_LEN + NONCE_LEN..])
        .map(Zeroizing::new)
        .map_err(|_| JsonError::WrongPassword)
}

fn scrypt_key(
    password: &str,
    salt: &[u8],
    (n, p, r): (u32, u32, u32),
) -> Result<Zeroizing<Key>, JsonError> {
    let params = scrypt::Params::new(n.ilog2() as u8, r, p, 32)
        .map_err(|e| JsonError::Unsupported(format!("scrypt parameters: {e}")))?;
    let mut key = Zeroizing::new(Key::default());
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut key)
        .map_err(|e| JsonError::Unsupported(format!("scrypt: {e}")))?;
    Ok(key)
}

/// The content of an account document: header, secret key, divider, public key.
pub fn pkcs8(secret: &[u8; 64], public: &[u8; 32]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(117));
    out.extend_from_slice(&PAIR_HDR);
    out.extend_from_slice(secret);
    out.extend_from_slice(&PAIR_DIV);
    out.extend_from_slice(public);
    out
}

/// The secret and public key of an account document's content (generation 3).
pub fn parse_pkcs8(plain: &[u8]) -> Result<(Zeroizing<[u8; 64]>, [u8; 32]), JsonError> {
    let bad = || JsonError::Malformed("the decrypted key is not a PKCS8 key pair".into());
    if plain.len() != PAIR_HDR.len() + 64 + PAIR_DIV.len() + 32 || plain[..16] != PAIR_HDR {
        return Err(bad());
    }
    if plain[80..85] != PAIR_DIV {
        return Err(bad());
    }
    let mut secret = Zeroizing::new([0u8; 64]);
    secret.copy_from_slice(&plain[16..80]);
    Ok((secret, plain[85..117].try_into().expect("32 bytes")))
}

/// An account document for `secret`/`public` of `scheme` (`"sr25519"` or `"ed25519"`).
pub fn account_json(
    scheme: &str,
    secret: &[u8; 64],
    public: &[u8; 32],
    address: String,
    meta: serde_json::Value,
    password: &str,
) -> AccountJson {
    AccountJson {
        encrypted: encrypt(&pkcs8(secret, public), &["pkcs8", scheme], password),
        address,
        meta,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixture;
    use super::*;

    /// The export @polkadot/keyring made decrypts here to the key pair it holds.
    #[test]
    fn a_polkadot_js_export_decrypts_to_its_public_key() {
        let f = fixture();
        let account: AccountJson = serde_json::from_value(f["export"].clone()).unwrap();
        let password = f["password"].as_str().unwrap();
        let plain = decrypt(&account.encrypted, password).unwrap();
        let (_, public) = parse_pkcs8(&plain).unwrap();
        assert_eq!(
            format!("0x{}", hex::encode(public)),
            f["public_key"].as_str().unwrap()
        );
        assert_eq!(
            decrypt(&account.encrypted, "not it").unwrap_err(),
            JsonError::WrongPassword
        );
    }

    /// What this client writes is what polkadot.js writes: the same fields, encoding and
    /// length; and subxt-signer's loader (tested against polkadot.js's own exports) reads it.
    #[test]
    fn an_account_json_written_here_has_the_polkadot_js_shape_and_decrypts_elsewhere() {
        let f = fixture();
        let key = crate::signer::Keypair::sr25519_from_uri(f["suri"].as_str().unwrap()).unwrap();
        let (secret, public) =
            crate::signer::pkcs8_parts(crate::signer::Scheme::Sr25519, f["suri"].as_str().unwrap())
                .unwrap();
        assert_eq!(public, key.public_key());
        let ours = account_json(
            "sr25519",
            &secret,
            &public,
            f["address_42"].as_str().unwrap().into(),
            serde_json::json!({"name": "escrow fixture"}),
            "pw",
        );
        let ours = serde_json::to_value(&ours).unwrap();
        let theirs = &f["export"];
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&ours), keys(theirs));
        assert_eq!(ours["encoding"], theirs["encoding"]);
        assert_eq!(ours["address"], theirs["address"]);
        let len = |v: &serde_json::Value| {
            base64::engine::general_purpose::STANDARD
                .decode(v["encoded"].as_str().unwrap())
                .unwrap()
                .len()
        };
        assert_eq!(len(&ours), len(theirs));
        let elsewhere =
            subxt_signer::polkadot_js_compat::decrypt_json(&ours.to_string(), "pw").unwrap();
        assert_eq!(elsewhere.public_key().0, key.public_key());
        assert!(subxt_signer::polkadot_js_compat::decrypt_json(&ours.to_string(), "no").is_err());
    }

    #[test]
    fn any_content_round_trips_and_crafted_parameters_are_refused() {
        let doc = encrypt(b"//secret uri", &["suri"], "pw");
        assert_eq!(&decrypt(&doc, "pw").unwrap()[..], b"//secret uri");
        assert_eq!(decrypt(&doc, "").unwrap_err(), JsonError::WrongPassword);
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&doc.encoded)
            .unwrap();
        bytes[32..36].copy_from_slice(&(1u32 << 20).to_le_bytes());
        let crafted = Encrypted {
            encoded: base64::engine::general_purpose::STANDARD.encode(bytes),
            ..doc.clone()
        };
        assert!(matches!(
            decrypt(&crafted, "pw"),
            Err(JsonError::Unsupported(_))
        ));
        let plain = Encrypted {
            encoding: Encoding {
                kind: vec!["none".into()],
                ..doc.encoding.clone()
            },
            ..doc
        };
        assert!(matches!(
            decrypt(&plain, "pw"),
            Err(JsonError::Unsupported(_))
        ));
    }
}
