//! One key of keys.json: sealed under its password in polkadot.js's JSON keystore format, or a
//! dev URI in clear; and the entries older clients wrote in clear, turned into sealed ones.
//!
//! A sealed key holds `json`, a polkadot.js account JSON (what `account export` hands out and
//! polkadot.js or Talisman import as it is), and, when it was made from a mnemonic or URI,
//! `secret_uri`: that URI encrypted the same way under the same password (content `["suri"]`),
//! so `account export --secret` can show it again. An imported polkadot.js export is kept as it
//! came, under its own password. A dev URI (`//Alice`: a path from the public dev phrase) is no
//! secret and stays in clear.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::pjs_json::{self, AccountJson, Encrypted, JsonError};
use super::KeystoreError;
use crate::signer::{pkcs8_parts, Keypair, Scheme, SignerError};
use crate::units::{parse_account, to_ss58_with_prefix, GENERIC_SS58_PREFIX};

type Result<T, E = KeystoreError> = std::result::Result<T, E>;

fn legacy_scheme() -> Scheme {
    Scheme::Ed25519
}

/// One entry of the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct StoredKey {
    /// Missing in entries written before sr25519 keys: those are ed25519.
    #[serde(default = "legacy_scheme")]
    pub scheme: Scheme,
    /// SS58 address (generic prefix 42) of the public key.
    #[serde(default)]
    pub address: String,
    /// A dev URI (`//Alice`), in clear: derived from the public dev phrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_uri: Option<String>,
    /// The key as a polkadot.js account JSON, encrypted under its password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<serde_json::Value>,
    /// The mnemonic or URI the key was made from, encrypted under the same password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_uri: Option<Encrypted>,
    /// Older clients: a secret URI in clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suri: Option<String>,
    /// Older clients (file version 1): hex of an ed25519 seed, in clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<String>,
    /// Older clients: a polkadot.js export with its password in clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    polkadot_js: Option<LegacyPolkadotJs>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct LegacyPolkadotJs {
    export: serde_json::Value,
    password: String,
}

/// Whether a URI is a dev URI: a path from the public dev phrase and no password (`///pw`
/// would make the key depend on a secret), so no secret at all.
pub fn is_dev_uri(uri: &str) -> bool {
    uri.starts_with('/') && !uri.contains("///")
}

fn invalid(name: &str, reason: impl std::fmt::Display) -> KeystoreError {
    KeystoreError::InvalidSecret {
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

fn generic_address(public: &[u8; 32]) -> String {
    to_ss58_with_prefix(public, GENERIC_SS58_PREFIX)
}

impl StoredKey {
    fn empty(scheme: Scheme, public: &[u8; 32]) -> Self {
        StoredKey {
            scheme,
            address: generic_address(public),
            dev_uri: None,
            json: None,
            secret_uri: None,
            suri: None,
            seed: None,
            polkadot_js: None,
        }
    }

    /// The entry of the `scheme` key of secret URI `uri`: a dev URI in clear, anything else
    /// sealed under `password` (which it then needs).
    pub fn from_uri(name: &str, scheme: Scheme, uri: &str, password: Option<&str>) -> Result<Self> {
        let key = Keypair::from_uri(scheme, uri).map_err(|e| invalid(name, e))?;
        let mut entry = Self::empty(scheme, &key.public_key());
        if is_dev_uri(uri) {
            entry.dev_uri = Some(uri.to_string());
            return Ok(entry);
        }
        let password = password.ok_or(KeystoreError::PasswordNeeded {
            what: format!("key '{name}' needs a password to be encrypted with"),
        })?;
        let (secret, public) = pkcs8_parts(scheme, uri).map_err(|e| invalid(name, e))?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let meta = serde_json::json!({"name": name, "whenCreated": now_ms});
        let json = pjs_json::account_json(
            scheme.as_str(),
            &secret,
            &public,
            entry.address.clone(),
            meta,
            password,
        );
        entry.json = Some(serde_json::to_value(json).expect("serialisable"));
        entry.secret_uri = Some(pjs_json::encrypt(uri.as_bytes(), &["suri"], password));
        Ok(entry)
    }

    /// The entry of a polkadot.js export, kept as it came once `password` opens it (the
    /// password is not kept).
    pub fn from_export(name: &str, text: &str, password: &str) -> Result<Self> {
        let export: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| invalid(name, format!("polkadot.js JSON export: not JSON ({e})")))?;
        let key = unlock_json(name, &export, password)?;
        let mut entry = Self::empty(key.scheme_kind(), &key.public_key());
        entry.json = Some(export);
        Ok(entry)
    }

    /// Whether signing with this key needs its password.
    pub fn is_sealed(&self) -> bool {
        self.dev_uri.is_none()
    }

    /// The public key, from the address; nothing is decrypted.
    pub fn public(&self, name: &str) -> Result<[u8; 32]> {
        parse_account(&self.address).map_err(|e| invalid(name, e))
    }

    /// The signing key; a sealed key needs its password.
    pub fn unlock(&self, name: &str, password: Option<&str>) -> Result<Keypair> {
        if let Some(uri) = &self.dev_uri {
            return Keypair::from_uri(self.scheme, uri).map_err(|e| invalid(name, e));
        }
        let json = self.json.as_ref().ok_or_else(|| invalid(name, "no key"))?;
        let password = password.ok_or_else(|| locked(name))?;
        unlock_json(name, json, password)
    }

    /// The secret URI the key was made from; a sealed key needs its password.
    pub fn secret_uri(&self, name: &str, password: Option<&str>) -> Result<Zeroizing<String>> {
        if let Some(uri) = &self.dev_uri {
            return Ok(Zeroizing::new(uri.clone()));
        }
        let sealed = self
            .secret_uri
            .as_ref()
            .ok_or_else(|| KeystoreError::NoSecretUri(name.to_string()))?;
        let password = password.ok_or_else(|| locked(name))?;
        let plain = pjs_json::decrypt(sealed, password).map_err(|e| json_error(name, e))?;
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| invalid(name, "the secret URI is not text"))
    }

    /// Whether an older client wrote this entry with its secret in clear.
    pub fn is_plain(&self) -> bool {
        self.suri.is_some() || self.seed.is_some() || self.polkadot_js.is_some()
    }

    /// Whether sealing this plain entry needs a password (a dev URI does not).
    pub fn plain_needs_password(&self) -> bool {
        self.is_plain() && !self.suri.as_deref().is_some_and(is_dev_uri)
    }

    /// This plain entry sealed under `password` (a polkadot.js export is decrypted with the
    /// password kept beside it and sealed again under `password`, its address and meta kept).
    pub fn sealed(&self, name: &str, password: Option<&str>) -> Result<Self> {
        if let Some(uri) = &self.suri {
            return Self::from_uri(name, self.scheme, uri, password);
        }
        if let Some(seed) = &self.seed {
            if self.scheme != Scheme::Ed25519 {
                return Err(invalid(name, "a stored hex seed must be an ed25519 key"));
            }
            let uri = Zeroizing::new(format!("0x{seed}"));
            return Self::from_uri(name, self.scheme, &uri, password);
        }
        let Some(old) = &self.polkadot_js else {
            return Ok(self.clone());
        };
        let key = unlock_json(name, &old.export, &old.password)?;
        let password = password.ok_or_else(|| locked(name))?;
        let mut account: AccountJson = serde_json::from_value(old.export.clone())
            .map_err(|e| invalid(name, format!("polkadot.js JSON export: {e}")))?;
        let plain = pjs_json::decrypt(&account.encrypted, &old.password)
            .map_err(|e| json_error(name, e))?;
        let content: Vec<&str> = account
            .encrypted
            .encoding
            .content
            .iter()
            .map(String::as_str)
            .collect();
        account.encrypted = pjs_json::encrypt(&plain, &content, password);
        let mut entry = Self::empty(key.scheme_kind(), &key.public_key());
        entry.json = Some(serde_json::to_value(account).expect("serialisable"));
        Ok(entry)
    }
}

fn locked(name: &str) -> KeystoreError {
    KeystoreError::PasswordNeeded {
        what: format!("key '{name}' is encrypted and needs its password"),
    }
}

fn json_error(name: &str, e: JsonError) -> KeystoreError {
    match e {
        JsonError::WrongPassword => KeystoreError::WrongPassword(name.to_string()),
        other => invalid(name, format!("polkadot.js JSON: {other}")),
    }
}

/// The key in polkadot.js account JSON `json`, decrypted with `password` and checked against the
/// address it states.
fn unlock_json(name: &str, json: &serde_json::Value, password: &str) -> Result<Keypair> {
    let account: AccountJson = serde_json::from_value(json.clone()).map_err(|e| {
        invalid(
            name,
            format!("polkadot.js JSON export: not an account ({e})"),
        )
    })?;
    let content = &account.encrypted.encoding.content;
    let key = match content.get(1).map(String::as_str) {
        Some("sr25519") if content[0] == "pkcs8" => {
            // subxt-signer's loader decrypts and checks the key against the address.
            Keypair::from_polkadot_js(&json.to_string(), password).map_err(|e| match e {
                SignerError::WrongPassword => KeystoreError::WrongPassword(name.to_string()),
                other => invalid(name, other),
            })?
        }
        Some("ed25519") if content[0] == "pkcs8" => {
            let plain =
                pjs_json::decrypt(&account.encrypted, password).map_err(|e| json_error(name, e))?;
            let (secret, public) =
                pjs_json::parse_pkcs8(&plain).map_err(|e| json_error(name, e))?;
            let key = Keypair::ed25519_from_seed(secret[..32].try_into().expect("32 bytes"));
            if key.public_key() != public {
                return Err(invalid(
                    name,
                    "the decrypted key does not match its public key",
                ));
            }
            key
        }
        _ => {
            return Err(invalid(
                name,
                format!("polkadot.js JSON export: unsupported content {content:?}"),
            ))
        }
    };
    if parse_account(&account.address).ok() != Some(key.public_key()) {
        return Err(invalid(
            name,
            "polkadot.js JSON export: the key is not the address it states",
        ));
    }
    Ok(key)
}
