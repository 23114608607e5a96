//! Text output of multisig calls and of transactions for offline signers.

use std::fmt::Write as _;

use escrow_client::ops::multisig::{MultisigDone, MultisigPending, Submitted};
use escrow_client::session::{ContractCallView, Deferred, MultisigCallView};
use escrow_client::units::TokenUnits;

use crate::text::{amount, event_line};

fn plancks(u: &TokenUnits, text: &str) -> String {
    text.parse::<u128>()
        .map(|p| amount(u, p))
        .unwrap_or_else(|_| text.to_string())
}

fn call_line(c: &ContractCallView, u: &TokenUnits) -> String {
    format!(
        "{} on {}, value {}",
        c.signature(),
        c.contract,
        plancks(u, &c.value)
    )
}

fn call(s: &mut String, c: &MultisigCallView, u: &TokenUnits) {
    let _ = writeln!(s, "  call hash   {}", c.call_hash);
    match &c.call {
        Some(call) => {
            let _ = writeln!(s, "  call        {}", call_line(call, u));
        }
        None if c.call_data.is_some() => {
            let _ = writeln!(s, "  call        not a call to this deployment's contracts");
        }
        None => {
            let _ = writeln!(
                s,
                "  call        not on chain: the last approver passes --call-data"
            );
        }
    }
    let _ = writeln!(
        s,
        "  approvals   {} of {}: {}",
        c.approvals.len(),
        c.threshold,
        c.approvals.join(", ")
    );
    let _ = writeln!(
        s,
        "  deposit     {} reserved from {}",
        plancks(u, &c.deposit),
        c.depositor
    );
    let _ = writeln!(s, "  timepoint   {}", c.timepoint);
}

pub fn deferred(s: &mut String, d: &Deferred, u: &TokenUnits) {
    match d {
        Deferred::MultisigStarted { call: c, .. } => {
            let _ = writeln!(
                s,
                "multisig call started for {}: it executes at {} approvals",
                c.multisig, c.threshold
            );
            call(s, c, u);
            let _ = writeln!(
                s,
                "  next: another signatory runs `escrow multisig approve {}` with the same \
                 --multisig and --threshold",
                c.call_hash
            );
        }
        Deferred::Unsigned {
            saved_to,
            call,
            transaction: t,
            ..
        } => {
            let _ = writeln!(
                s,
                "not signed: sign the payload offline, then `escrow submit`"
            );
            let _ = writeln!(s, "  signer          {}", t.signer);
            if let Some(c) = call {
                let _ = writeln!(s, "  call            {}", call_line(c, u));
            }
            let _ = writeln!(s, "  signer payload  {}", t.signer_payload);
            let _ = writeln!(s, "  call data       {}", t.call_data);
            let mortality = match &t.mortality {
                None => "immortal".to_string(),
                Some(e) => format!(
                    "{} blocks from block {} ({})",
                    e.period, e.birth_number, e.birth_hash
                ),
            };
            let _ = writeln!(
                s,
                "  nonce {}, tip {}, {mortality}",
                t.nonce,
                plancks(u, &t.tip)
            );
            let _ = writeln!(
                s,
                "  genesis {}, spec version {}, transaction version {}",
                t.genesis_hash, t.spec_version, t.transaction_version
            );
            match saved_to {
                Some(path) => {
                    let _ = writeln!(
                        s,
                        "  saved to {path}: escrow submit --payload {path} --signature HEX"
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "  pass --unsigned-file FILE to save it for `escrow submit --payload FILE`"
                    );
                }
            }
        }
    }
}

pub fn pending(s: &mut String, p: &MultisigPending, u: &TokenUnits) {
    let _ = writeln!(
        s,
        "{} call(s) waiting for {} ({} approvals execute one)",
        p.calls.len(),
        p.multisig,
        p.threshold
    );
    for c in &p.calls {
        call(s, c, u);
    }
}

pub fn done(s: &mut String, d: &MultisigDone, u: &TokenUnits) {
    let what = match d.outcome.as_str() {
        "executed" => "approved and executed",
        "cancelled" => "cancelled",
        _ => "approved; it waits for more approvals",
    };
    let _ = writeln!(s, "multisig call {what} (by {})", d.signer);
    call(s, &d.call, u);
    let _ = writeln!(s, "  block       {}", d.block_hash);
    for e in &d.events {
        let _ = writeln!(s, "  {}", event_line(e, u));
    }
}

pub fn submitted(s: &mut String, t: &Submitted, u: &TokenUnits) {
    let _ = writeln!(s, "sent, signed offline by {}", t.signer);
    if let Some(c) = &t.call {
        let _ = writeln!(s, "  call   {}", call_line(c, u));
    }
    let _ = writeln!(s, "  block  {}", t.block_hash);
    for e in &t.events {
        let _ = writeln!(s, "  {}", event_line(e, u));
    }
}
