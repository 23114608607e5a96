//! The metadata (ink! ABI, contract-metadata JSON) of every code hash this client has used, kept
//! in `$ESCROW_HOME/metadata/0x<code hash>.json`, so that a rebuilt or upgraded client still
//! talks to the deployments it used before: a deployment's calls and events decode with the
//! metadata of the code it runs, never with whatever bundles the client carries now.
//!
//! A code hash is looked up in that store, then in the bundles this client carries
//! ([`load_bundle`]: `ESCROW_CONTRACTS_DIR`, else the ones built in), then in metadata an
//! export file offered. The Wasm code is left out of what is stored: calls need the ABI alone.

use std::path::{Path, PathBuf};

use contract_metadata::ContractMetadata;

use super::deployment::{load_bundle, write_json_file};
use super::deployment_error::{hash_hex, DeploymentError};
use super::error::OpResult;
use super::which::Which;

/// Where a code hash's metadata was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataSource {
    /// The store: used before.
    Stored,
    /// A bundle this client carries.
    Bundle,
    /// An export file being imported.
    Offered,
}

/// The metadata store, plus metadata an import offers until it is saved.
#[derive(Debug, Clone)]
pub struct MetadataStore {
    dir: PathBuf,
    offered: Vec<ContractMetadata>,
}

impl MetadataStore {
    pub fn new(dir: PathBuf) -> Self {
        MetadataStore {
            dir,
            offered: Vec::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, hash: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.json", hash_hex(hash)))
    }

    /// Metadata from an export, found (after the store and the bundles) by its `source.hash`.
    pub fn offer(&mut self, metadata: ContractMetadata) {
        self.offered.push(without_code(metadata));
    }

    /// The metadata of the code `hash`, and where it was found; `None` when nothing here has it.
    pub fn find(&self, hash: &[u8; 32]) -> OpResult<Option<(ContractMetadata, MetadataSource)>> {
        if let Some(stored) = self.stored(hash)? {
            return Ok(Some((stored, MetadataSource::Stored)));
        }
        for which in Which::ALL {
            // A bundle this client lacks, or cannot read, just does not know the hash.
            if let Ok(bundle) = load_bundle(which.name()) {
                if bundle.code_hash == *hash {
                    let mut metadata = without_code(bundle.metadata);
                    metadata.source.hash = (*hash).into();
                    return Ok(Some((metadata, MetadataSource::Bundle)));
                }
            }
        }
        Ok(self
            .offered
            .iter()
            .find(|m| m.source.hash.0 == *hash)
            .map(|m| (m.clone(), MetadataSource::Offered)))
    }

    /// The stored metadata of the code `hash`, if any.
    pub fn stored(&self, hash: &[u8; 32]) -> OpResult<Option<ContractMetadata>> {
        let path = self.path(hash);
        let bad = |reason: String| DeploymentError::File {
            path: path.display().to_string(),
            reason,
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(format!("cannot read it: {e}")).into()),
        };
        let metadata: ContractMetadata = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not contract metadata: {e}")))?;
        if metadata.source.hash.0 != *hash {
            return Err(bad(format!(
                "it holds the metadata of code {}",
                hash_hex(&metadata.source.hash.0)
            ))
            .into());
        }
        Ok(Some(metadata))
    }

    /// Keeps `metadata` (without code) under its `source.hash`, unless it is kept already.
    pub fn save(&self, metadata: &ContractMetadata) -> OpResult<()> {
        let path = self.path(&metadata.source.hash.0);
        if path.is_file() {
            return Ok(());
        }
        write_json_file(&path, &without_code(metadata.clone()))
    }
}

/// The metadata without its Wasm code.
fn without_code(mut metadata: ContractMetadata) -> ContractMetadata {
    metadata.source.wasm = None;
    metadata
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escrow_metadata() -> Option<ContractMetadata> {
        load_bundle("escrow").ok().map(|b| without_code(b.metadata))
    }

    #[test]
    fn saved_metadata_is_found_by_its_code_hash_without_its_code() {
        let Some(metadata) = escrow_metadata() else {
            return; // no bundle built: nothing to store
        };
        let dir = tempfile::tempdir().unwrap();
        let store = MetadataStore::new(dir.path().join("metadata"));
        let hash = metadata.source.hash.0;
        assert!(store.stored(&hash).unwrap().is_none());
        store.save(&metadata).unwrap();
        let stored = store.stored(&hash).unwrap().unwrap();
        assert_eq!(stored.source.hash.0, hash);
        assert!(stored.source.wasm.is_none());
        assert_eq!(stored.contract.name, "escrow");
        assert_eq!(
            store.find(&hash).unwrap().unwrap().1,
            MetadataSource::Stored
        );
        // A file under another code's name is refused, never used.
        let other = [7u8; 32];
        std::fs::copy(store.path(&hash), store.path(&other)).unwrap();
        let err = store.stored(&other).unwrap_err().to_string();
        assert!(err.contains("holds the metadata of code"), "{err}");
    }

    #[test]
    fn offered_metadata_is_found_last() {
        let Some(mut metadata) = escrow_metadata() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut store = MetadataStore::new(dir.path().to_path_buf());
        let hash = [9u8; 32];
        assert!(store.find(&hash).unwrap().is_none());
        metadata.source.hash = hash.into();
        store.offer(metadata);
        let (found, source) = store.find(&hash).unwrap().unwrap();
        assert_eq!(
            (found.source.hash.0, source),
            (hash, MetadataSource::Offered)
        );
    }
}
