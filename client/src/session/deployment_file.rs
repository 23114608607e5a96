//! The deployment file (`$ESCROW_HOME/deployments.json`): per chain (by genesis hash) any number
//! of named deployments and the one in use. A file of version 1 (one deployment per chain,
//! written by `escrow deploy` before deployments could be joined) is read as version 2, its
//! deployment in use, and rewritten as version 2 on first use. Changes are made under a lock
//! on a file beside it, so that two clients never lose each other's change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::deployment::{write_json_file, Deployment};
use super::deployment_error::DeploymentError;
use super::error::OpResult;

/// The version this client writes.
pub const FILE_VERSION: u32 = 2;

/// The deployment file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentFile {
    pub version: u32,
    /// By `0x` + genesis hash.
    #[serde(default)]
    pub chains: BTreeMap<String, ChainDeployments>,
}

impl Default for DeploymentFile {
    fn default() -> Self {
        DeploymentFile {
            version: FILE_VERSION,
            chains: BTreeMap::new(),
        }
    }
}

/// The deployments of one chain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainDeployments {
    /// The name of the deployment commands use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_use: Option<String>,
    #[serde(default)]
    pub deployments: BTreeMap<String, Deployment>,
}

/// What `escrow deploy` wrote before version 2: one deployment per genesis hash.
#[derive(Deserialize)]
struct FileV1 {
    deployments: BTreeMap<String, Deployment>,
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> DeploymentError {
    DeploymentError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl DeploymentFile {
    /// Reads the file (empty when there is none). A version-1 file comes back as version 2;
    /// `.1` says it was one, so the caller can write it back.
    pub fn read(path: &Path) -> OpResult<(Self, bool)> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Self::default(), false))
            }
            Err(e) => return Err(file_error(path, format!("cannot read it: {e}")).into()),
        };
        let invalid = |e: serde_json::Error| file_error(path, format!("not valid: {e}"));
        let value: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(FILE_VERSION) => {
                Ok((serde_json::from_value(value).map_err(invalid)?, false))
            }
            Some(v) => Err(file_error(
                path,
                format!("version {v}, which this client does not read (it reads {FILE_VERSION})"),
            )
            .into()),
            None => {
                let old: FileV1 = serde_json::from_value(value).map_err(invalid)?;
                Ok((Self::from_v1(old), true))
            }
        }
    }

    /// The file as it stands, migrated to version 2 on disk first if it was version 1.
    pub fn load(path: &Path) -> OpResult<Self> {
        let (file, migrated) = Self::read(path)?;
        if migrated {
            return Self::update(path, |f| Ok(f.clone()));
        }
        Ok(file)
    }

    /// Reads the file, applies `change` and writes it back, holding a lock beside it the whole
    /// time. Nothing is written when `change` fails.
    pub fn update<T>(path: &Path, change: impl FnOnce(&mut Self) -> OpResult<T>) -> OpResult<T> {
        let _lock = FileLock::take(path)?;
        let (mut file, _) = Self::read(path)?;
        let out = change(&mut file)?;
        file.version = FILE_VERSION;
        write_json_file(path, &file)?;
        Ok(out)
    }

    fn from_v1(old: FileV1) -> Self {
        let mut file = Self::default();
        for (genesis, deployment) in old.deployments {
            let name = default_name(&deployment.escrow);
            file.chains.insert(
                genesis,
                ChainDeployments {
                    in_use: Some(name.clone()),
                    deployments: BTreeMap::from([(name, deployment)]),
                },
            );
        }
        file
    }

    /// The deployments of chain `genesis` (none yet: empty).
    pub fn chain(&self, genesis: &str) -> ChainDeployments {
        self.chains.get(genesis).cloned().unwrap_or_default()
    }

    /// The deployment in use on chain `genesis`, with its name.
    pub fn in_use(&self, genesis: &str) -> Result<(String, Deployment), DeploymentError> {
        let chain = self.chain(genesis);
        if chain.deployments.is_empty() {
            return Err(DeploymentError::NoneOnChain {
                genesis: genesis.to_string(),
            });
        }
        chain
            .in_use
            .as_ref()
            .and_then(|name| Some((name.clone(), chain.deployments.get(name)?.clone())))
            .ok_or_else(|| DeploymentError::NoneInUse {
                genesis: genesis.to_string(),
                names: chain
                    .deployments
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Saves `deployment` on chain `genesis` and puts it in use. Its name is `name`, else the
    /// name it already had (the same escrow saved before), else the first 8 characters of the
    /// escrow's address (with `-2`, `-3`… when another escrow has them). Returns the name.
    pub fn insert(
        &mut self,
        genesis: &str,
        name: Option<&str>,
        deployment: Deployment,
    ) -> Result<String, DeploymentError> {
        let chain = self.chains.entry(genesis.to_string()).or_default();
        let before = chain
            .deployments
            .iter()
            .find(|(_, d)| d.escrow == deployment.escrow)
            .map(|(n, _)| n.clone());
        let name = match (name, &before) {
            (Some(name), _) => {
                check_name(name)?;
                match chain.deployments.get(name) {
                    Some(other) if other.escrow != deployment.escrow => {
                        return Err(DeploymentError::NameTaken {
                            name: name.to_string(),
                            escrow: other.escrow.clone(),
                        })
                    }
                    _ => name.to_string(),
                }
            }
            (None, Some(before)) => before.clone(),
            (None, None) => {
                let base = default_name(&deployment.escrow);
                (1..)
                    .map(|n| match n {
                        1 => base.clone(),
                        n => format!("{base}-{n}"),
                    })
                    .find(|n| !chain.deployments.contains_key(n))
                    .expect("a free name")
            }
        };
        if let Some(before) = before.filter(|b| *b != name) {
            chain.deployments.remove(&before);
        }
        chain.deployments.insert(name.clone(), deployment);
        chain.in_use = Some(name.clone());
        Ok(name)
    }

    /// Puts the deployment named `name` (or whose escrow is `name`) in use; returns its name.
    pub fn use_deployment(&mut self, genesis: &str, name: &str) -> Result<String, DeploymentError> {
        let found = self.find(genesis, name)?;
        if let Some(chain) = self.chains.get_mut(genesis) {
            chain.in_use = Some(found.clone());
        }
        Ok(found)
    }

    /// Forgets the deployment named `name` (or whose escrow is `name`); when it was in use,
    /// none is until `use`. Returns its name and what it was.
    pub fn remove(
        &mut self,
        genesis: &str,
        name: &str,
    ) -> Result<(String, Deployment), DeploymentError> {
        let found = self.find(genesis, name)?;
        let chain = self.chains.get_mut(genesis).expect("found above");
        let removed = chain.deployments.remove(&found).expect("found above");
        if chain.in_use.as_deref() == Some(found.as_str()) {
            chain.in_use = None;
        }
        if chain.deployments.is_empty() {
            self.chains.remove(genesis);
        }
        Ok((found, removed))
    }

    /// The name of the deployment called `name`, or whose escrow address is `name`.
    pub fn find(&self, genesis: &str, name: &str) -> Result<String, DeploymentError> {
        let chain = self.chain(genesis);
        if chain.deployments.contains_key(name) {
            return Ok(name.to_string());
        }
        chain
            .deployments
            .iter()
            .find(|(_, d)| d.escrow == name)
            .map(|(n, _)| n.clone())
            .ok_or_else(|| DeploymentError::UnknownName {
                name: name.to_string(),
                genesis: genesis.to_string(),
            })
    }
}

/// The name a deployment gets when none is given: its escrow's address, shortened.
pub fn default_name(escrow: &str) -> String {
    escrow.chars().take(8).collect()
}

/// A deployment name: 1-64 letters, digits, `-`, `_` or `.`, not starting with `.`.
pub fn check_name(name: &str) -> Result<(), DeploymentError> {
    if crate::keystore::is_valid_name(name) {
        Ok(())
    } else {
        Err(DeploymentError::InvalidName(name.to_string()))
    }
}

/// An exclusive `flock` on `<file>.lock`, released when dropped (or when the process ends):
/// the lock lives as long as the open file it was taken on.
struct FileLock {
    _held: std::fs::File,
}

impl FileLock {
    fn take(path: &Path) -> OpResult<FileLock> {
        use std::os::fd::AsRawFd;
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| file_error(path, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| file_error(&lock_path, e))?;
        // SAFETY: flock on a descriptor this File owns for as long as the lock lives.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(file_error(&lock_path, std::io::Error::last_os_error()).into());
        }
        Ok(FileLock { _held: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::deployment::{CodeHashes, Origin};

    fn deployment(escrow: &str) -> Deployment {
        Deployment {
            escrow: escrow.into(),
            reputation: "5Rep".into(),
            requests: Some("5Req".into()),
            code_hashes: CodeHashes::default(),
            deployer: Some("5Alice".into()),
            block: 7,
            origin: Origin::Deployed,
        }
    }

    const GENESIS: &str = "0xabc";

    #[test]
    fn a_version_1_file_is_read_as_its_deployment_in_use_and_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployments.json");
        let old = serde_json::json!({"deployments": {GENESIS: {
            "escrow": "5EscrowAddress", "reputation": "5Rep", "requests": "5Req",
            "deployer": "5Alice", "block": 7
        }}});
        std::fs::write(&path, old.to_string()).unwrap();
        let (read, migrated) = DeploymentFile::read(&path).unwrap();
        assert!(migrated);
        assert_eq!(
            read.in_use(GENESIS).unwrap(),
            ("5EscrowA".to_string(), deployment("5EscrowAddress"))
        );
        let loaded = DeploymentFile::load(&path).unwrap();
        assert_eq!(loaded.in_use(GENESIS).unwrap().0, "5EscrowA");
        let on_disk: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(on_disk["version"], 2);
        assert_eq!(on_disk["chains"][GENESIS]["in_use"], "5EscrowA");
        assert_eq!(
            on_disk["chains"][GENESIS]["deployments"]["5EscrowA"]["origin"],
            "deployed"
        );
        assert!(!DeploymentFile::read(&path).unwrap().1, "migrated once");
    }

    #[test]
    fn names_insert_use_and_remove() {
        let mut file = DeploymentFile::default();
        assert!(matches!(
            file.in_use(GENESIS),
            Err(DeploymentError::NoneOnChain { .. })
        ));
        let a = file
            .insert(GENESIS, None, deployment("5AAAAAAAxx"))
            .unwrap();
        assert_eq!(a, "5AAAAAAA");
        // Another escrow with the same first characters gets a suffix.
        let b = file
            .insert(GENESIS, None, deployment("5AAAAAAAyy"))
            .unwrap();
        assert_eq!(b, "5AAAAAAA-2");
        assert_eq!(file.in_use(GENESIS).unwrap().0, b);
        // The same escrow again keeps its name; a new name renames it.
        assert_eq!(
            file.insert(GENESIS, None, deployment("5AAAAAAAxx"))
                .unwrap(),
            a
        );
        assert_eq!(
            file.insert(GENESIS, Some("shop"), deployment("5AAAAAAAxx"))
                .unwrap(),
            "shop"
        );
        assert!(file.find(GENESIS, &a).is_err());
        assert!(matches!(
            file.insert(GENESIS, Some("shop"), deployment("5Other")),
            Err(DeploymentError::NameTaken { .. })
        ));
        assert!(matches!(
            file.insert(GENESIS, Some("a b"), deployment("5Other")),
            Err(DeploymentError::InvalidName(_))
        ));
        // `use` by name or by escrow address.
        assert_eq!(file.use_deployment(GENESIS, "5AAAAAAAyy").unwrap(), b);
        assert_eq!(file.use_deployment(GENESIS, "shop").unwrap(), "shop");
        assert!(matches!(
            file.use_deployment(GENESIS, "nope"),
            Err(DeploymentError::UnknownName { .. })
        ));
        // Removing the one in use leaves none in use.
        file.remove(GENESIS, "shop").unwrap();
        let err = file.in_use(GENESIS).unwrap_err();
        assert!(err.to_string().contains(&b), "{err}");
        file.remove(GENESIS, &b).unwrap();
        assert!(file.chains.is_empty());
    }

    #[test]
    fn a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployments.json");
        std::fs::write(&path, r#"{"version": 3, "chains": {}}"#).unwrap();
        let err = DeploymentFile::read(&path).unwrap_err();
        assert!(err.to_string().contains("version 3"), "{err}");
    }
}
