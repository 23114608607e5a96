//! Embeds the contract bundles that exist when the client is built (node-config/setup puts
//! release builds in $ESCROW_CONTRACTS_DIR, by default
//! ~/.cache/p2p-escrow/target-contracts/release-bundles), so that an installed `escrow` deploys
//! and decodes without the source tree. A bundle missing at build time is simply not embedded:
//! the binary then looks for it at run time.

use std::path::PathBuf;

const CONTRACTS: [&str; 4] = ["escrow", "reputation", "requests", "floor"];

fn bundles_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ESCROW_CONTRACTS_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("p2p-escrow/target-contracts/release-bundles"))
}

fn main() {
    println!("cargo:rerun-if-env-changed=ESCROW_CONTRACTS_DIR");
    println!("cargo:rerun-if-env-changed=XDG_CACHE_HOME");
    let mut entries = String::new();
    if let Some(dir) = bundles_dir() {
        for name in CONTRACTS {
            let path = dir.join(name).join(format!("{name}.contract"));
            println!("cargo:rerun-if-changed={}", path.display());
            if path.is_file() {
                entries.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
            }
        }
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = format!(
        "/// Contract bundles found when this binary was built: (name, `.contract` JSON).\n\
         pub static EMBEDDED_BUNDLES: &[(&str, &[u8])] = &[\n{entries}];\n"
    );
    std::fs::write(out.join("embedded_bundles.rs"), code).expect("OUT_DIR is writable");
}
