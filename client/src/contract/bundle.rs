//! Loading a `.contract` bundle (metadata plus Wasm code) from a file or from bytes built into
//! the binary, and telling how cargo-contract built it. Apart from the codec because a bundle is
//! also what gets deployed: it carries the code and its on-chain hash.

use std::path::{Path, PathBuf};

use contract_metadata::ContractMetadata;

use super::error::{ContractClientError, Result};
use super::ContractCodec;
use crate::signer::blake2_256;

/// A `.contract` bundle: metadata plus the Wasm code.
#[derive(Debug, Clone)]
pub struct ContractBundle {
    pub metadata: ContractMetadata,
    pub wasm: Vec<u8>,
    /// `blake2_256(wasm)`, the on-chain code hash.
    pub code_hash: [u8; 32],
}

impl ContractBundle {
    /// Load `target/ink/<name>/<name>.contract` (the `.json` has no code and is refused).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bundle_err = |reason: String| ContractClientError::Bundle {
            path: path.to_path_buf(),
            reason,
        };
        let metadata = read_metadata(path)?;
        Self::from_metadata(metadata).map_err(|e| bundle_err(e.to_string()))
    }

    /// A bundle from the bytes of a `.contract` file (the ones built into the binary).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let bundle_err = |reason: String| ContractClientError::Bundle {
            path: PathBuf::from("<built-in bundle>"),
            reason,
        };
        let metadata: ContractMetadata =
            serde_json::from_slice(bytes).map_err(|e| bundle_err(e.to_string()))?;
        Self::from_metadata(metadata).map_err(|e| bundle_err(e.to_string()))
    }

    pub fn from_metadata(metadata: ContractMetadata) -> Result<Self> {
        let wasm = metadata
            .source
            .wasm
            .as_ref()
            .ok_or_else(|| {
                ContractClientError::Transcode(
                    "no Wasm code in the metadata: use the .contract bundle, not the .json".into(),
                )
            })?
            .0
            .clone();
        let code_hash = blake2_256(&wasm);
        Ok(ContractBundle {
            metadata,
            wasm,
            code_hash,
        })
    }

    pub fn name(&self) -> &str {
        &self.metadata.contract.name
    }

    /// How cargo-contract built the code (`source.build_info.build_mode` of the metadata):
    /// `Release`, `Verifiable` (a release build in cargo-contract's container) or `Debug`
    /// (debug printing and panic messages compiled in: bigger and slower code; ink_e2e and a
    /// plain `cargo contract build` make these). `None` when the bundle does not say.
    pub fn build_mode(&self) -> Option<&str> {
        self.metadata
            .source
            .build_info
            .as_ref()?
            .get("build_mode")?
            .as_str()
    }

    /// Built with `cargo contract build --release` (or `--verifiable`, also a release build).
    pub fn is_release(&self) -> bool {
        matches!(self.build_mode(), Some("Release" | "Verifiable"))
    }

    pub fn codec(&self) -> Result<ContractCodec> {
        ContractCodec::from_metadata(&self.metadata)
    }
}

/// The metadata in a `.contract` or `.json` file, read whole and then parsed:
/// `ContractMetadata::load` parses straight from the file with one read(2) per byte, about
/// 0.3 s per bundle (10 s for the explorer's first burst of requests, each loading both).
pub(super) fn read_metadata(path: &Path) -> Result<ContractMetadata> {
    let fail = |reason: String| ContractClientError::Bundle {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        fail(format!(
            "Failed to open metadata file {}: {e}",
            path.display()
        ))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        fail(format!(
            "Failed to deserialize metadata file {}: {e}",
            path.display()
        ))
    })
}
