//! A JSON keystore of named ed25519 keys, and resolution of account arguments.
//!
//! The file (`$ESCROW_HOME/keys.json`, else `~/.escrow/keys.json`) holds hex seeds, so it is
//! written with mode 0600 in a 0700 directory, and a file readable by group or others is refused
//! on load.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use subxt::utils::AccountId32;

use crate::signer::{ed25519_seed_from_uri, Keypair, SignerError};
use crate::units::parse_account;

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
    #[error("invalid secret for '{name}': expected a 32-byte hex seed or a //URI ({reason})")]
    InvalidSecret { name: String, reason: String },
    #[error(transparent)]
    Signer(#[from] SignerError),
    #[error("unknown account '{0}': not a keystore name, an SS58 address or a //Dev URI")]
    UnknownAccount(String),
}

type Result<T, E = KeystoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct StoredKey {
    scheme: String,
    /// Hex (no 0x) of the 32-byte ed25519 seed.
    seed: String,
    /// SS58 address, for humans reading the file.
    address: String,
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
    pub scheme: String,
    pub address: String,
    pub account: [u8; 32],
}

/// An account argument after resolution.
#[derive(Debug, Clone)]
pub enum ResolvedAccount {
    /// A keystore key or a `//Dev` account: can sign.
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
                        version: 1,
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

    /// Generate a new random ed25519 key under `name` and save.
    pub fn new_key(&mut self, name: &str) -> Result<KeyInfo> {
        self.insert(name, Keypair::ed25519_generate())
    }

    /// Import an ed25519 key from a hex seed (`0x` optional) or a secret URI (`//Alice`,
    /// `<mnemonic>//path`) and save.
    pub fn import(&mut self, name: &str, secret: &str) -> Result<KeyInfo> {
        let secret = secret.trim();
        let hex_part = secret.strip_prefix("0x").unwrap_or(secret);
        let keypair = if hex_part.len() == 64 && hex_part.chars().all(|c| c.is_ascii_hexdigit()) {
            let seed: [u8; 32] = hex::decode(hex_part)
                .expect("checked hex")
                .try_into()
                .expect("checked length");
            Keypair::ed25519_from_seed(seed)
        } else if secret.contains("//") || secret.contains(' ') {
            Keypair::ed25519_from_seed(ed25519_seed_from_uri(secret).map_err(|e| {
                KeystoreError::InvalidSecret {
                    name: name.to_string(),
                    reason: e.to_string(),
                }
            })?)
        } else {
            return Err(KeystoreError::InvalidSecret {
                name: name.to_string(),
                reason: "neither 64 hex digits nor a URI".to_string(),
            });
        };
        self.insert(name, keypair)
    }

    /// All keys, sorted by name.
    pub fn list(&self) -> Vec<KeyInfo> {
        self.file
            .keys
            .iter()
            .filter_map(|(name, k)| self.info(name, k).ok())
            .collect()
    }

    /// The signing key stored under `name`.
    pub fn get(&self, name: &str) -> Result<Keypair> {
        let stored = self
            .file
            .keys
            .get(name)
            .ok_or_else(|| KeystoreError::NotFound(name.to_string()))?;
        stored_keypair(name, stored)
    }

    /// Resolve an account argument: a `//Dev` URI (sr25519 dev account), a keystore name, or an
    /// SS58 / 0x-hex address (read-only). Names win over addresses.
    pub fn resolve(&self, arg: &str) -> Result<ResolvedAccount> {
        let arg = arg.trim();
        if arg.starts_with("//") {
            return Ok(ResolvedAccount::Signer {
                label: arg.to_string(),
                keypair: Box::new(Keypair::sr25519_from_uri(arg)?),
            });
        }
        if self.file.keys.contains_key(arg) {
            return Ok(ResolvedAccount::Signer {
                label: arg.to_string(),
                keypair: Box::new(self.get(arg)?),
            });
        }
        parse_account(arg)
            .map(|bytes| ResolvedAccount::ReadOnly {
                account: AccountId32(bytes),
            })
            .map_err(|_| KeystoreError::UnknownAccount(arg.to_string()))
    }

    fn info(&self, name: &str, stored: &StoredKey) -> Result<KeyInfo> {
        let keypair = stored_keypair(name, stored)?;
        Ok(KeyInfo {
            name: name.to_string(),
            scheme: stored.scheme.clone(),
            address: keypair.ss58(),
            account: keypair.public_key(),
        })
    }

    fn insert(&mut self, name: &str, keypair: Keypair) -> Result<KeyInfo> {
        validate_name(name)?;
        if self.file.keys.contains_key(name) {
            return Err(KeystoreError::Exists(name.to_string()));
        }
        let seed = keypair
            .ed25519_seed()
            .expect("the keystore only creates ed25519 keys");
        let stored = StoredKey {
            scheme: "ed25519".to_string(),
            seed: hex::encode(seed),
            address: keypair.ss58(),
        };
        self.file.keys.insert(name.to_string(), stored.clone());
        if let Err(e) = self.save() {
            self.file.keys.remove(name);
            return Err(e);
        }
        self.info(name, &stored)
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

fn stored_keypair(name: &str, stored: &StoredKey) -> Result<Keypair> {
    let bad = |reason: &str| KeystoreError::InvalidSecret {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    if stored.scheme != "ed25519" {
        return Err(bad("unsupported scheme in keystore"));
    }
    let seed: [u8; 32] = hex::decode(&stored.seed)
        .map_err(|_| bad("stored seed is not hex"))?
        .try_into()
        .map_err(|_| bad("stored seed is not 32 bytes"))?;
    Ok(Keypair::ed25519_from_seed(seed))
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(KeystoreError::InvalidName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home").join("keys.json");
        (dir, path)
    }

    #[test]
    fn new_import_list_get_roundtrip() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        assert!(ks.list().is_empty());
        let a = ks.new_key("alice").unwrap();
        let b = ks
            .import("bob", &format!("0x{}", hex::encode([2u8; 32])))
            .unwrap();
        let c = ks.import("carol", "//Alice").unwrap();
        assert_eq!(
            c.address,
            "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"
        );
        assert_eq!(
            b.account,
            Keypair::ed25519_from_seed([2u8; 32]).public_key()
        );

        let reopened = Keystore::open(&path).unwrap();
        let names: Vec<_> = reopened.list().into_iter().map(|k| k.name).collect();
        assert_eq!(names, ["alice", "bob", "carol"]);
        assert_eq!(reopened.get("alice").unwrap().public_key(), a.account);
        assert!(matches!(
            reopened.get("dave"),
            Err(KeystoreError::NotFound(_))
        ));
    }

    #[test]
    fn rejects_duplicates_bad_names_and_bad_secrets() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        ks.new_key("k").unwrap();
        assert!(matches!(ks.new_key("k"), Err(KeystoreError::Exists(_))));
        for bad in ["", "a b", "//x", ".hidden", &"x".repeat(65)] {
            assert!(
                matches!(ks.new_key(bad), Err(KeystoreError::InvalidName(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            ks.import("z", "1234"),
            Err(KeystoreError::InvalidSecret { .. })
        ));
        assert!(ks.import("z", "//Soft/x").is_err());
    }

    #[test]
    fn file_and_dir_permissions() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        ks.new_key("k").unwrap();
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
    fn resolves_names_addresses_and_dev_uris() {
        let (_dir, path) = temp_store();
        let mut ks = Keystore::open(&path).unwrap();
        let info = ks.new_key("seller").unwrap();

        let r = ks.resolve("seller").unwrap();
        assert_eq!(r.account_id().0, info.account);
        assert!(r.keypair().is_some());

        let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let r = ks.resolve("//Alice").unwrap();
        assert_eq!(r.account_id().to_string(), alice);
        assert_eq!(r.keypair().unwrap().scheme(), "sr25519");

        let r = ks.resolve(alice).unwrap();
        assert!(matches!(r, ResolvedAccount::ReadOnly { .. }));
        assert_eq!(r.account_id().to_string(), alice);

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
