//! A JSON keystore of named keys, and resolution of account arguments.
//!
//! The file (`$ESCROW_HOME/keys.json`, else `~/.escrow/keys.json`) holds secrets in clear
//! (mnemonics and secret URIs, hex seeds of older entries, and for a polkadot.js import the
//! export with its password), so it is written with mode 0600 in a 0700 directory, and a file
//! readable by group or others is refused on load.
//!
//! Keys are sr25519 by default; ed25519 on request. Entries written before schemes were
//! chosen have no `scheme` field and are ed25519 keys stored as a hex `seed`: they keep
//! working unchanged.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use crate::signer::{Keypair, Scheme, SignerError};
use crate::units::{parse_account, to_ss58_with_prefix, GENERIC_SS58_PREFIX};

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("cannot find the keystore location: neither ESCROW_HOME nor HOME is set")]
    NoHome,
    #[error("keystore {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("keystore {path} is not valid JSON: {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "keystore {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}` first"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("invalid key name '{0}': use 1-64 letters, digits, '-', '_' or '.'")]
    InvalidName(String),
    #[error("a key named '{0}' already exists")]
    Exists(String),
    #[error("no key named '{0}' in the keystore")]
    NotFound(String),
    #[error("invalid secret for '{name}': {reason}")]
    InvalidSecret { name: String, reason: String },
    #[error(transparent)]
    Signer(#[from] SignerError),
    #[error("unknown account '{0}': not a keystore name, an SS58 address or a secret URI")]
    UnknownAccount(String),
}

type Result<T, E = KeystoreError> = std::result::Result<T, E>;

/// The current file version (1: ed25519 hex seeds only).
const FILE_VERSION: u32 = 2;

fn legacy_scheme() -> Scheme {
    Scheme::Ed25519
}

/// One entry of the file. Exactly one of `suri`, `seed`, `polkadot_js` is set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct StoredKey {
    /// Missing in entries written before sr25519 keys: those are ed25519.
    #[serde(default = "legacy_scheme")]
    scheme: Scheme,
    /// Secret URI: a mnemonic or `0x` seed, with optional junctions and password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suri: Option<String>,
    /// Hex (no 0x) of a 32-byte ed25519 seed (entries of version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<String>,
    /// A polkadot.js JSON export as imported, still encrypted, and its password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    polkadot_js: Option<PolkadotJsSecret>,
    /// SS58 address (generic prefix 42), for humans reading the file.
    address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct PolkadotJsSecret {
    export: serde_json::Value,
    password: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeystoreFile {
    version: u32,
    keys: BTreeMap<String, StoredKey>,
}

/// Public description of one stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub name: String,
    pub scheme: Scheme,
    pub account: [u8; 32],
}

/// A key's secret as `account export` gives it back: what `account import` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportedSecret {
    /// A secret URI (for keys made by `account new`: the mnemonic).
    Suri(String),
    /// The polkadot.js JSON export the key was imported from (still encrypted with its
    /// original password).
    PolkadotJs(serde_json::Value),
}

/// The result of [`Keystore::new_key`]: the key and the mnemonic it was made from.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub info: KeyInfo,
    pub mnemonic: String,
}

/// What [`Keystore::import`] takes.
#[derive(Debug, Clone, Copy)]
pub enum ImportSource<'a> {
    /// A mnemonic, a secret URI (`//Alice`, `phrase//hard/soft///password`) or a 32-byte hex
    /// seed (`0x` optional), under `scheme`.
    Secret { secret: &'a str, scheme: Scheme },
    /// The text of a polkadot.js JSON export (sr25519) and its password.
    PolkadotJs { json: &'a str, password: &'a str },
}

/// An account argument after resolution.
#[derive(Debug, Clone)]
pub enum ResolvedAccount {
    /// A keystore key or a secret URI: can sign.
    Signer {
        label: String,
        keypair: Box<Keypair>,
    },
    /// A bare address: can only be read from or sent to.
    ReadOnly { account: AccountId32 },
}

impl ResolvedAccount {
    pub fn account_id(&self) -> AccountId32 {
        match self {
            ResolvedAccount::Signer { keypair, .. } => keypair.account_id(),
            ResolvedAccount::ReadOnly { account } => *account,
        }
    }

    pub fn keypair(&self) -> Option<&Keypair> {
        match self {
            ResolvedAccount::Signer { keypair, .. } => Some(keypair),
            ResolvedAccount::ReadOnly { .. } => None,
        }
    }
}

/// Whether an account argument is a secret URI rather than a key name or an address: it has a
/// derivation path (`//Alice`, `0x..//x`) or is a phrase (spaces). Key names allow neither,
/// SS58 and hex addresses have neither.
pub fn is_secret_uri(arg: &str) -> bool {
    arg.contains('/') || arg.trim().contains(char::is_whitespace)
}

/// The keystore, loaded in memory; every change is written back at once.
#[derive(Debug)]
pub struct Keystore {
    path: PathBuf,
    file: KeystoreFile,
}

impl Keystore {
    /// `$ESCROW_HOME/keys.json`, else `$HOME/.escrow/keys.json`.
    pub fn default_path() -> Result<PathBuf> {
        if let Some(home) = std::env::var_os("ESCROW_HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(home).join("keys.json"));
        }
        let home = std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .ok_or(KeystoreError::NoHome)?;
        Ok(PathBuf::from(home).join(".escrow").join("keys.json"))
    }

    /// Open the keystore at the default path (empty if the file does not exist yet).
    pub fn open_default() -> Result<Self> {
        Self::open(Self::default_path()?)
    }

    /// Open the keystore at `path` (empty if the file does not exist yet). Refuses a file
    /// that group or others can read or write.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let io = |source| KeystoreError::Io {
            path: path.clone(),
            source,
        };
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Keystore {
                    path,
                    file: KeystoreFile {
                        version: FILE_VERSION,
                        keys: BTreeMap::new(),
                    },
                })
            }
            Err(e) => return Err(io(e)),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeystoreError::InsecurePermissions { path, mode });
        }
        let text = fs::read_to_string(&path).map_err(io)?;
        let file: KeystoreFile =
            serde_json::from_str(&text).map_err(|source| KeystoreError::Corrupt {
                path: path.clone(),
                source,
            })?;
        Ok(Keystore { path, file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Generate a key under `name` from a new random mnemonic of `words` words and save it
    /// (as its mnemonic). The mnemonic is returned so the caller can show it once.
    pub fn new_key(&mut self, name: &str, scheme: Scheme, words: usize) -> Result<NewKey> {
        validate_name(name)?;
        let (keypair, mnemonic) = Keypair::generate(scheme, words)?;
        let info = self.insert(
            name,
            &keypair,
            StoredKey {
                scheme,
                suri: Some(mnemonic.clone()),
                seed: None,
                polkadot_js: None,
                address: String::new(),
            },
        )?;
        Ok(NewKey { info, mnemonic })
    }

    /// Import a key and save it. A secret gives the same account as `--as`/`--suri` with the
    /// same URI (and as subkey / polkadot.js with the same scheme).
    pub fn import(&mut self, name: &str, source: ImportSource<'_>) -> Result<KeyInfo> {
        validate_name(name)?;
        let bad = |reason: String| KeystoreError::InvalidSecret {
            name: name.to_string(),
            reason,
        };
        let (keypair, stored) = match source {
            ImportSource::Secret { secret, scheme } => {
                let secret = secret.trim();
                if secret.is_empty() {
                    return Err(bad("the secret is empty".to_string()));
                }
                // A bare 64-digit hex seed, as version 1 accepted it.
                let suri = if secret.len() == 64 && secret.chars().all(|c| c.is_ascii_hexdigit()) {
                    format!("0x{secret}")
                } else {
                    secret.to_string()
                };
                let keypair = Keypair::from_uri(scheme, &suri).map_err(|e| bad(e.to_string()))?;
                let stored = StoredKey {
                    scheme,
                    suri: Some(suri),
                    seed: None,
                    polkadot_js: None,
                    address: String::new(),
                };
                (keypair, stored)
            }
            ImportSource::PolkadotJs { json, password } => {
                let keypair =
                    Keypair::from_polkadot_js(json, password).map_err(|e| bad(e.to_string()))?;
                let export: serde_json::Value = serde_json::from_str(json)
                    .map_err(|e| bad(format!("polkadot.js JSON export: {e}")))?;
                let stored = StoredKey {
                    scheme: Scheme::Sr25519,
                    suri: None,
                    seed: None,
                    polkadot_js: Some(PolkadotJsSecret {
                        export,
                        password: password.to_string(),
                    }),
                    address: String::new(),
                };
                (keypair, stored)
            }
        };
        self.insert(name, &keypair, stored)
    }

    /// All keys, sorted by name. A polkadot.js entry is listed with the address checked at
    /// import (it is decrypted only to sign).
    pub fn list(&self) -> Vec<KeyInfo> {
        self.file
            .keys
            .iter()
            .filter_map(|(name, k)| info_of(name, k).ok())
            .collect()
    }

    /// The signing key stored under `name`.
    pub fn get(&self, name: &str) -> Result<Keypair> {
        stored_keypair(name, self.stored(name)?)
    }

    /// The secret of the key stored under `name`, as `account import` takes it back.
    pub fn export(&self, name: &str) -> Result<(KeyInfo, ExportedSecret)> {
        let stored = self.stored(name)?;
        let info = info_of(name, stored)?;
        let secret = match (&stored.suri, &stored.seed, &stored.polkadot_js) {
            (Some(suri), _, _) => ExportedSecret::Suri(suri.clone()),
            (None, Some(seed), _) => ExportedSecret::Suri(format!("0x{seed}")),
            (None, None, Some(p)) => ExportedSecret::PolkadotJs(p.export.clone()),
            (None, None, None) => return Err(no_secret(name)),
        };
        Ok((info, secret))
    }

    /// Resolve an account argument: a secret URI (`//Alice`, `<mnemonic>//hard/soft`: an
    /// sr25519 signer), a keystore name, or an SS58 (any prefix) / 0x-hex address (read-only).
    pub fn resolve(&self, arg: &str) -> Result<ResolvedAccount> {
        let arg = arg.trim();
        if self.file.keys.contains_key(arg) {
            return Ok(ResolvedAccount::Signer {
                label: arg.to_string(),
                keypair: Box::new(self.get(arg)?),
            });
        }
        if is_secret_uri(arg) {
            return Ok(ResolvedAccount::Signer {
                // The label is shown to users: a mnemonic is not.
                label: if arg.starts_with("//") {
                    arg.to_string()
                } else {
                    "secret URI".to_string()
                },
                keypair: Box::new(Keypair::sr25519_from_uri(arg)?),
            });
        }
        parse_account(arg)
            .map(|bytes| ResolvedAccount::ReadOnly {
                account: AccountId32(bytes),
            })
            .map_err(|_| KeystoreError::UnknownAccount(arg.to_string()))
    }

    fn stored(&self, name: &str) -> Result<&StoredKey> {
        self.file
            .keys
            .get(name)
            .ok_or_else(|| KeystoreError::NotFound(name.to_string()))
    }

    fn insert(&mut self, name: &str, keypair: &Keypair, mut stored: StoredKey) -> Result<KeyInfo> {
        validate_name(name)?;
        if self.file.keys.contains_key(name) {
            return Err(KeystoreError::Exists(name.to_string()));
        }
        stored.address = to_ss58_with_prefix(&keypair.public_key(), GENERIC_SS58_PREFIX);
        self.file.keys.insert(name.to_string(), stored);
        self.file.version = FILE_VERSION;
        if let Err(e) = self.save() {
            self.file.keys.remove(name);
            return Err(e);
        }
        Ok(KeyInfo {
            name: name.to_string(),
            scheme: keypair.scheme_kind(),
            account: keypair.public_key(),
        })
    }

    /// Write atomically: a 0600 temp file in the same 0700 directory, then rename.
    fn save(&self) -> Result<()> {
        let io = |source| KeystoreError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(io)?;
            }
        }
        let json = serde_json::to_string_pretty(&self.file).expect("keystore serialises");
        let tmp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        f.write_all(json.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .and_then(|_| f.sync_all())
            .map_err(io)?;
        drop(f);
        fs::rename(&tmp, &self.path).map_err(io)?;
        Ok(())
    }
}

fn no_secret(name: &str) -> KeystoreError {
    KeystoreError::InvalidSecret {
        name: name.to_string(),
        reason: "the entry has no suri, seed or polkadot_js secret".to_string(),
    }
}

/// Name, scheme and account of an entry; decrypts nothing.
fn info_of(name: &str, stored: &StoredKey) -> Result<KeyInfo> {
    let account = if stored.polkadot_js.is_some() {
        parse_account(&stored.address).map_err(|e| KeystoreError::InvalidSecret {
            name: name.to_string(),
            reason: e.to_string(),
        })?
    } else {
        stored_keypair(name, stored)?.public_key()
    };
    Ok(KeyInfo {
        name: name.to_string(),
        scheme: stored.scheme,
        account,
    })
}

fn stored_keypair(name: &str, stored: &StoredKey) -> Result<Keypair> {
    let bad = |reason: String| KeystoreError::InvalidSecret {
        name: name.to_string(),
        reason,
    };
    if let Some(suri) = &stored.suri {
        return Keypair::from_uri(stored.scheme, suri).map_err(|e| bad(e.to_string()));
    }
    if let Some(seed) = &stored.seed {
        if stored.scheme != Scheme::Ed25519 {
            return Err(bad("a stored hex seed must be an ed25519 key".to_string()));
        }
        let seed: [u8; 32] = hex::decode(seed)
            .map_err(|_| bad("stored seed is not hex".to_string()))?
            .try_into()
            .map_err(|_| bad("stored seed is not 32 bytes".to_string()))?;
        return Ok(Keypair::ed25519_from_seed(seed));
    }
    if let Some(p) = &stored.polkadot_js {
        return Keypair::from_polkadot_js(&p.export.to_string(), &p.password)
            .map_err(|e| bad(e.to_string()));
    }
    Err(no_secret(name))
}

fn validate_name(name: &str) -> Result<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(KeystoreError::InvalidName(name.to_string()))
    }
}

/// A name for a key or a deployment: 1-64 letters, digits, `-`, `_` or `.`, not starting with `.`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    /// `subkey inspect --scheme ed25519 //Alice`
    const ALICE_ED25519: &str = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";

    fn temp_store() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home").join("keys.json");
        (dir, path)
    }

    fn ss58(account: &[u8; 32]) -> String {
        to_ss58_with_prefix(account, 42)
    }

    fn secret(secret: &str, scheme: Scheme) -> ImportSource<'_> {
        ImportSource::Secret { secret, scheme }
    }

    #[test]
    fn new_import_list_get_roundtrip() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        assert!(ks.list().is_empty());
        let a = ks.new_key("alice", Scheme::Sr25519, 12).unwrap();
        assert_eq!(a.mnemonic.split(' ').count(), 12);
        assert_eq!(a.info.scheme, Scheme::Sr25519);
        let b = ks
            .import(
                "bob",
                secret(&format!("0x{}", hex::encode([2u8; 32])), Scheme::Ed25519),
            )
            .unwrap();
        let c = ks
            .import("carol", secret("//Alice", Scheme::Sr25519))
            .unwrap();
        let d = ks
            .import("dan", secret("//Alice", Scheme::Ed25519))
            .unwrap();
        assert_eq!(ss58(&c.account), ALICE);
        assert_eq!(ss58(&d.account), ALICE_ED25519);
        assert_eq!(
            b.account,
            Keypair::ed25519_from_seed([2u8; 32]).public_key()
        );

        let reopened = Keystore::open(&path).unwrap();
        let names: Vec<_> = reopened.list().into_iter().map(|k| k.name).collect();
        assert_eq!(names, ["alice", "bob", "carol", "dan"]);
        assert_eq!(reopened.get("alice").unwrap().public_key(), a.info.account);
        assert_eq!(reopened.get("alice").unwrap().scheme(), "sr25519");
        assert_eq!(reopened.get("dan").unwrap().scheme(), "ed25519");
        assert!(matches!(
            reopened.get("dave"),
            Err(KeystoreError::NotFound(_))
        ));

        // Export gives back what import takes, and the same account.
        let (info, exported) = reopened.export("alice").unwrap();
        assert_eq!(exported, ExportedSecret::Suri(a.mnemonic.clone()));
        assert_eq!(info.account, a.info.account);
        let mut other = Keystore::open(temp_store().1).unwrap();
        let again = other
            .import("alice2", secret(&a.mnemonic, Scheme::Sr25519))
            .unwrap();
        assert_eq!(again.account, a.info.account);
    }

    #[test]
    fn version_1_ed25519_entries_keep_working() {
        let (_dir, path) = temp_store();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        // What the keystore wrote before sr25519 keys existed (and one with no scheme field).
        let seed = hex::encode([5u8; 32]);
        let old = serde_json::json!({
            "version": 1,
            "keys": {
                "old": {"scheme": "ed25519", "seed": seed, "address": "ignored"},
                "older": {"seed": hex::encode([6u8; 32]), "address": "ignored"}
            }
        });
        fs::write(&path, old.to_string()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let mut ks = Keystore::open(&path).unwrap();
        let expected = Keypair::ed25519_from_seed([5u8; 32]).public_key();
        assert_eq!(ks.get("old").unwrap().public_key(), expected);
        assert_eq!(ks.get("old").unwrap().scheme(), "ed25519");
        assert_eq!(
            ks.get("older").unwrap().public_key(),
            Keypair::ed25519_from_seed([6u8; 32]).public_key()
        );
        let (_, exported) = ks.export("old").unwrap();
        assert_eq!(exported, ExportedSecret::Suri(format!("0x{seed}")));
        // Adding a key rewrites the file; the old entries stay as they were.
        ks.new_key("new", Scheme::Sr25519, 12).unwrap();
        let ks = Keystore::open(&path).unwrap();
        assert_eq!(ks.get("old").unwrap().public_key(), expected);
        let text = fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 2);
        assert_eq!(v["keys"]["old"]["seed"], seed);
        assert_eq!(v["keys"]["new"]["scheme"], "sr25519");
    }

    #[test]
    fn polkadot_js_import_is_stored_and_signs() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/polkadot-js-account.json"
        ))
        .unwrap();
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        let json = fixture["export"].to_string();
        let password = fixture["password"].as_str().unwrap();
        let wrong = ks
            .import(
                "pjs",
                ImportSource::PolkadotJs {
                    json: &json,
                    password: "nope",
                },
            )
            .unwrap_err();
        assert!(wrong.to_string().contains("wrong password"), "{wrong}");
        assert!(ks.list().is_empty());
        let info = ks
            .import(
                "pjs",
                ImportSource::PolkadotJs {
                    json: &json,
                    password,
                },
            )
            .unwrap();
        assert_eq!(ss58(&info.account), fixture["address_42"].as_str().unwrap());
        let ks = Keystore::open(&path).unwrap();
        assert_eq!(ks.list()[0].account, info.account);
        assert_eq!(ks.get("pjs").unwrap().public_key(), info.account);
        let (_, exported) = ks.export("pjs").unwrap();
        assert_eq!(
            exported,
            ExportedSecret::PolkadotJs(fixture["export"].clone())
        );
    }

    #[test]
    fn rejects_duplicates_bad_names_and_bad_secrets() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        ks.new_key("k", Scheme::Sr25519, 12).unwrap();
        assert!(matches!(
            ks.new_key("k", Scheme::Sr25519, 12),
            Err(KeystoreError::Exists(_))
        ));
        for bad in ["", "a b", "//x", ".hidden", &"x".repeat(65)] {
            assert!(
                matches!(
                    ks.new_key(bad, Scheme::Sr25519, 12),
                    Err(KeystoreError::InvalidName(_))
                ),
                "{bad:?}"
            );
        }
        for bad in ["1234", "", "not a mnemonic at all"] {
            let err = ks.import("z", secret(bad, Scheme::Sr25519)).unwrap_err();
            assert!(
                matches!(err, KeystoreError::InvalidSecret { .. }),
                "{bad:?}: {err}"
            );
        }
        // ed25519 has no soft derivation.
        let err = ks
            .import("z", secret("//Soft/x", Scheme::Ed25519))
            .unwrap_err();
        assert!(err.to_string().contains("soft junction"), "{err}");
        assert!(ks.import("z", secret("//Soft/x", Scheme::Sr25519)).is_ok());
    }

    #[test]
    fn file_and_dir_permissions() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        ks.new_key("k", Scheme::Sr25519, 12).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keystore::open(&path).unwrap_err();
        assert!(matches!(
            err,
            KeystoreError::InsecurePermissions { mode: 0o644, .. }
        ));
        assert!(err.to_string().contains("chmod 600"), "{err}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Keystore::open(&path).unwrap().list().len(), 1);
    }

    #[test]
    fn resolves_names_addresses_and_uris() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        let made = ks.new_key("seller", Scheme::Sr25519, 12).unwrap();

        let r = ks.resolve("seller").unwrap();
        assert_eq!(r.account_id().0, made.info.account);
        assert!(r.keypair().is_some());

        let r = ks.resolve("//Alice").unwrap();
        assert_eq!(ss58(&r.account_id().0), ALICE);
        assert_eq!(r.keypair().unwrap().scheme(), "sr25519");

        // A mnemonic with a path is a URI too, and its label does not show the phrase.
        let r = ks.resolve(&format!("{}//1", made.mnemonic)).unwrap();
        let ResolvedAccount::Signer { label, keypair } = &r else {
            panic!("a signer");
        };
        assert_eq!(label, "secret URI");
        assert_eq!(
            keypair.public_key(),
            Keypair::sr25519_from_uri(&format!("{}//1", made.mnemonic))
                .unwrap()
                .public_key()
        );

        // Addresses with any prefix (Polkadot's 0 here) are read-only.
        let r = ks
            .resolve("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
            .unwrap();
        assert!(matches!(r, ResolvedAccount::ReadOnly { .. }));
        assert_eq!(ss58(&r.account_id().0), ALICE);

        let err = ks.resolve("nobody").unwrap_err();
        assert!(err.to_string().contains("'nobody'"), "{err}");
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let (_dir, path) = temp_store();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{not json").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Keystore::open(&path),
            Err(KeystoreError::Corrupt { .. })
        ));
    }
}
