//! Text output of `escrow deployment …`.

use std::fmt::Write as _;

use escrow_client::ops::deployments::{
    DeploymentList, DeploymentResult, DeploymentView, ExportResult,
};
use escrow_client::ops::{hash_hex, Which};

/// One deployment: name, addresses, code hashes, first block.
fn deployment(s: &mut String, v: &DeploymentView) {
    let d = &v.deployment;
    let mark = if v.in_use { "* " } else { "  " };
    let _ = writeln!(
        s,
        "{mark}{} ({}, from block {}){}",
        v.name,
        d.origin.as_str(),
        d.block,
        if v.in_use { " — in use" } else { "" }
    );
    for which in Which::ALL {
        if let Some(address) = d.address(which) {
            let code = d
                .code_hashes
                .get(which)
                .map(|h| hash_hex(&h))
                .unwrap_or_else(|| "not recorded yet".into());
            let _ = writeln!(s, "    {:<10}  {address}  code {code}", which.name());
        }
    }
}

pub fn list(s: &mut String, l: &DeploymentList) {
    if l.deployments.is_empty() {
        let _ = writeln!(s, "no deployments saved for chain {}", l.genesis);
        return;
    }
    let _ = writeln!(
        s,
        "deployments of chain {} ({}):",
        l.genesis, l.deployment_file
    );
    for v in &l.deployments {
        deployment(s, v);
    }
    if l.in_use.is_none() {
        let _ = writeln!(s, "none in use: `escrow deployment use NAME`");
    }
}

pub fn result(s: &mut String, r: &DeploymentResult) {
    let what = match r.action {
        "in_use" => "now in use",
        other => other,
    };
    let _ = writeln!(s, "{} {what} (chain {})", r.deployment.name, r.genesis);
    deployment(s, &r.deployment);
    let _ = writeln!(s, "  saved in {}", r.deployment_file);
}

pub fn export(s: &mut String, e: &ExportResult) {
    let _ = writeln!(
        s,
        "exported {} to {} ({} bytes; metadata of {} code hash(es))",
        e.deployment.name,
        e.file,
        e.bytes,
        e.metadata_of.len()
    );
    deployment(s, &e.deployment);
}
