//! A JSON keystore of named keys, and resolution of account arguments.
//!
//! The file (`$ESCROW_HOME/keys.json`, else `~/.escrow/keys.json`, version 3) holds no secret in
//! clear: each key is encrypted under its own password in polkadot.js's JSON keystore format
//! ([`pjs_json`], [`entry`]), except dev URIs (`//Alice`), which are no secret. Passwords come
//! from the [`Passwords`] the caller gives ([`password`]); the keystore asks only when a key is
//! made, imported, signed with or its secret URI shown. It is still written with mode 0600 in a
//! 0700 directory, and a file readable by group or others is refused on load.
//!
//! A file of an older client (versions 1 and 2: mnemonics, URIs and hex seeds in clear, and
//! polkadot.js exports beside their passwords) is encrypted when it is opened, under one
//! password asked for that (`PasswordRequest::Migrate`); until one is given it is not used.
//!
//! Keys are sr25519 by default; ed25519 on request.

mod entry;
pub mod password;
pub mod pjs_json;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;
use zeroize::Zeroizing;

use crate::signer::{Keypair, Scheme, SignerError};
use crate::units::parse_account;

pub use entry::is_dev_uri;
use entry::StoredKey;
pub use password::{PasswordAnswer, PasswordRequest, Passwords};

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
    #[error("wrong password for key '{0}'")]
    WrongPassword(String),
    #[error(
        "{what}: type it on a terminal, or give it with --password-file FILE or ESCROW_PASSWORD"
    )]
    PasswordNeeded { what: String },
    #[error("{0}")]
    PasswordSource(String),
    #[error("the password must not be empty: polkadot.js keeps a key without one unencrypted")]
    EmptyPassword,
    #[error(
        "key '{0}' came from a polkadot.js export and has no secret URI: `escrow account export \
         {0}` gives that export"
    )]
    NoSecretUri(String),
}

type Result<T, E = KeystoreError> = std::result::Result<T, E>;

/// The file version written: every secret encrypted (2: in clear; 1: ed25519 hex seeds only).
const FILE_VERSION: u32 = 3;

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
    /// A secret URI: a dev URI, or (`account export --secret`) the mnemonic or URI a key was
    /// made from.
    Suri(String),
    /// The key's polkadot.js JSON, encrypted under its password: polkadot.js and Talisman
    /// import it as it is.
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
    /// The text of a polkadot.js JSON export; its password is asked for
    /// ([`PasswordRequest::Export`]) to check it, and not kept.
    PolkadotJs { json: &'a str },
}

/// An account argument after resolution.
#[derive(Debug, Clone)]
pub enum ResolvedAccount {
    /// A keystore key: signs once unlocked ([`Keystore::get`]).
    Named { name: String, account: AccountId32 },
    /// A secret URI: can sign.
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
            ResolvedAccount::Named { account, .. } => *account,
            ResolvedAccount::Signer { keypair, .. } => keypair.account_id(),
            ResolvedAccount::ReadOnly { account } => *account,
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
    passwords: Option<Passwords>,
    /// Keys unlocked in this session, so that one command asks for a password once.
    unlocked: Mutex<BTreeMap<String, Keypair>>,
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
    pub fn open_default(passwords: Option<Passwords>) -> Result<Self> {
        Self::open(Self::default_path()?, passwords)
    }

    /// Open the keystore at `path` (empty if the file does not exist yet), asking `passwords`
    /// when a key needs one. Refuses a file that group or others can read or write. A file
    /// holding secrets in clear (an older client's) is encrypted first.
    pub fn open(path: impl Into<PathBuf>, passwords: Option<Passwords>) -> Result<Self> {
        let path = path.into();
        let io = |source| KeystoreError::Io {
            path: path.clone(),
            source,
        };
        let mut keystore = Keystore {
            path: path.clone(),
            file: KeystoreFile {
                version: FILE_VERSION,
                keys: BTreeMap::new(),
            },
            passwords,
            unlocked: Mutex::new(BTreeMap::new()),
        };
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(keystore),
            Err(e) => return Err(io(e)),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeystoreError::InsecurePermissions { path, mode });
        }
        let text = fs::read_to_string(&path).map_err(io)?;
        keystore.file = serde_json::from_str(&text).map_err(|source| KeystoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        keystore.seal_plain_entries()?;
        Ok(keystore)
    }

    /// Encrypts what an older client kept in clear, under one password, and saves the file.
    fn seal_plain_entries(&mut self) -> Result<()> {
        let plain: Vec<String> = (self.file.keys.iter())
            .filter(|(_, k)| k.is_plain())
            .map(|(n, _)| n.clone())
            .collect();
        if plain.is_empty() {
            return Ok(());
        }
        let count = (self.file.keys.values())
            .filter(|k| k.plain_needs_password())
            .count();
        let password = match count {
            0 => None,
            _ => Some(self.new_password(&PasswordRequest::Migrate { count }, || {
                format!(
                    "keystore {} holds {count} secret(s) in clear, written by an older client, \
                     and needs a password to encrypt them",
                    self.path.display()
                )
            })?),
        };
        let mut sealed = BTreeMap::new();
        for name in plain {
            let entry = self.file.keys[&name].sealed(&name, password.as_deref().map(|p| &p[..]))?;
            sealed.insert(name, entry);
        }
        self.file.keys.extend(sealed);
        self.file.version = FILE_VERSION;
        self.save()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A password from the caller's source; `Ok(None)` when it has none.
    fn ask(&self, request: &PasswordRequest<'_>) -> Result<Option<Zeroizing<String>>> {
        match &self.passwords {
            None => Ok(None),
            Some(source) => source.ask(request).map_err(KeystoreError::PasswordSource),
        }
    }

    /// A password being chosen: needed, and not empty.
    fn new_password(
        &self,
        request: &PasswordRequest<'_>,
        what: impl FnOnce() -> String,
    ) -> Result<Zeroizing<String>> {
        let password = self
            .ask(request)?
            .ok_or_else(|| KeystoreError::PasswordNeeded { what: what() })?;
        if password.is_empty() {
            return Err(KeystoreError::EmptyPassword);
        }
        Ok(password)
    }

    /// Generate a key under `name` from a new random mnemonic of `words` words and save it,
    /// encrypted under a new password. The mnemonic is returned so the caller can show it once.
    pub fn new_key(&mut self, name: &str, scheme: Scheme, words: usize) -> Result<NewKey> {
        self.check_new_name(name)?;
        let (_, mnemonic) = Keypair::generate(scheme, words)?;
        let password = self.new_password(&PasswordRequest::NewKey { name }, || {
            format!("key '{name}' needs a password to be encrypted with")
        })?;
        let stored = StoredKey::from_uri(name, scheme, &mnemonic, Some(&password))?;
        let info = self.insert(name, stored)?;
        Ok(NewKey { info, mnemonic })
    }

    /// Import a key and save it. A secret gives the same account as `--as`/`--suri` with the
    /// same URI (and as subkey / polkadot.js with the same scheme); it is encrypted under a new
    /// password, but a dev URI, which is no secret. A polkadot.js export is kept as it came,
    /// once its password opens it; the password is not kept.
    pub fn import(&mut self, name: &str, source: ImportSource<'_>) -> Result<KeyInfo> {
        self.check_new_name(name)?;
        let bad = |reason: &str| KeystoreError::InvalidSecret {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let stored = match source {
            ImportSource::Secret { secret, scheme } => {
                let secret = secret.trim();
                if secret.is_empty() {
                    return Err(bad("the secret is empty"));
                }
                // A bare 64-digit hex seed, as version 1 accepted it.
                let suri = Zeroizing::new(
                    if secret.len() == 64 && secret.chars().all(|c| c.is_ascii_hexdigit()) {
                        format!("0x{secret}")
                    } else {
                        secret.to_string()
                    },
                );
                // A malformed secret is refused before any password is asked for.
                Keypair::from_uri(scheme, &suri).map_err(|e| bad(&e.to_string()))?;
                let password = match is_dev_uri(&suri) {
                    true => None,
                    false => Some(self.new_password(&PasswordRequest::NewKey { name }, || {
                        format!("key '{name}' needs a password to be encrypted with")
                    })?),
                };
                StoredKey::from_uri(name, scheme, &suri, password.as_deref().map(|p| &p[..]))?
            }
            ImportSource::PolkadotJs { json } => {
                let password = self
                    .ask(&PasswordRequest::Export { name })?
                    .ok_or_else(|| KeystoreError::PasswordNeeded {
                        what: format!("the JSON export imported as '{name}' needs its password"),
                    })?;
                StoredKey::from_export(name, json, &password)?
            }
        };
        self.insert(name, stored)
    }

    /// All keys, sorted by name; nothing is decrypted.
    pub fn list(&self) -> Vec<KeyInfo> {
        self.file
            .keys
            .iter()
            .filter_map(|(name, k)| info_of(name, k).ok())
            .collect()
    }

    /// The signing key stored under `name`; a sealed key is unlocked with its password.
    pub fn get(&self, name: &str) -> Result<Keypair> {
        let mut unlocked = self.unlocked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(key) = unlocked.get(name) {
            return Ok(key.clone());
        }
        let stored = self.stored(name)?;
        let password = match stored.is_sealed() {
            true => self.ask(&PasswordRequest::Unlock { name })?,
            false => None,
        };
        let key = stored.unlock(name, password.as_deref().map(|p| &p[..]))?;
        unlocked.insert(name.to_string(), key.clone());
        Ok(key)
    }

    /// The key stored under `name` as `account import` takes it back: its polkadot.js JSON
    /// (still encrypted; no password needed), or a dev URI.
    pub fn export(&self, name: &str) -> Result<(KeyInfo, ExportedSecret)> {
        let stored = self.stored(name)?;
        let info = info_of(name, stored)?;
        let secret = match (&stored.dev_uri, &stored.json) {
            (Some(uri), _) => ExportedSecret::Suri(uri.clone()),
            (None, Some(json)) => ExportedSecret::PolkadotJs(json.clone()),
            (None, None) => {
                return Err(KeystoreError::InvalidSecret {
                    name: name.to_string(),
                    reason: "the entry holds no key".into(),
                })
            }
        };
        Ok((info, secret))
    }

    /// The mnemonic or URI the key `name` was made from, decrypted with its password.
    pub fn export_secret_uri(&self, name: &str) -> Result<(KeyInfo, Zeroizing<String>)> {
        let stored = self.stored(name)?;
        let info = info_of(name, stored)?;
        if stored.secret_uri.is_none() && stored.is_sealed() {
            return Err(KeystoreError::NoSecretUri(name.to_string()));
        }
        let password = match stored.is_sealed() {
            true => self.ask(&PasswordRequest::Unlock { name })?,
            false => None,
        };
        let uri = stored.secret_uri(name, password.as_deref().map(|p| &p[..]))?;
        Ok((info, uri))
    }

    /// Resolve an account argument: a secret URI (`//Alice`, `<mnemonic>//hard/soft`: an
    /// sr25519 signer), a keystore name (its address; unlocked only to sign), or an SS58 (any
    /// prefix) / 0x-hex address (read-only).
    pub fn resolve(&self, arg: &str) -> Result<ResolvedAccount> {
        let arg = arg.trim();
        if let Some(stored) = self.file.keys.get(arg) {
            return Ok(ResolvedAccount::Named {
                name: arg.to_string(),
                account: AccountId32(stored.public(arg)?),
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

    fn check_new_name(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        if self.file.keys.contains_key(name) {
            return Err(KeystoreError::Exists(name.to_string()));
        }
        Ok(())
    }

    fn insert(&mut self, name: &str, stored: StoredKey) -> Result<KeyInfo> {
        self.check_new_name(name)?;
        let info = info_of(name, &stored)?;
        self.file.keys.insert(name.to_string(), stored);
        self.file.version = FILE_VERSION;
        if let Err(e) = self.save() {
            self.file.keys.remove(name);
            return Err(e);
        }
        Ok(info)
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

/// Name, scheme and account of an entry; decrypts nothing.
fn info_of(name: &str, stored: &StoredKey) -> Result<KeyInfo> {
    Ok(KeyInfo {
        name: name.to_string(),
        scheme: stored.scheme,
        account: stored.public(name)?,
    })
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
