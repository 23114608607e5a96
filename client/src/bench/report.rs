//! The benchmark results as Markdown tables (BENCHMARKS.md and the command's text output).

use std::fmt::Write as _;

use super::costs::CostRow;
use super::BenchReport;
use crate::units::TokenUnits;

fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        "–".into()
    } else {
        format!("{:.1}×", a as f64 / b as f64)
    }
}

fn deposit(units: &TokenUnits, d: i128) -> String {
    if d < 0 {
        format!("−{}", units.format(d.unsigned_abs()))
    } else {
        units.format(d as u128)
    }
}

fn cost_line(out: &mut String, units: &TokenUnits, r: &CostRow, base: &CostRow) {
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        r.contract,
        r.message,
        r.ref_time,
        r.proof_size,
        ratio(r.ref_time, base.ref_time),
        ratio(r.proof_size, base.proof_size),
        if r.gas_ref_time == 0 {
            "–".to_string()
        } else {
            r.gas_ref_time.to_string()
        },
        deposit(units, r.storage_deposit),
        units.format(r.fee),
    );
}

pub fn markdown(r: &BenchReport, units: &TokenUnits) -> String {
    let mut s = String::new();
    let a = &r.args;
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `escrow bench` ({} setting: {} accounts, {} deals, search at {} offers) on a \
         fresh `{}` dev node (instant seal). Do not edit by hand: run the command again.\n",
        a.setting,
        a.accounts,
        a.deals,
        a.offer_counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        r.node_version
    );

    let _ = writeln!(s, "## Cost per message\n");
    let _ = writeln!(
        s,
        "Weight is what the whole extrinsic was charged (`System::ExtrinsicSuccess`), compared with \
         a plain `Balances.transfer_keep_alive`. Gas is the contract call's own need from its dry \
         run. Storage deposit is what the caller paid (negative: got back). `release` includes \
         the cross-contract report to the reputation contract.\n"
    );
    let _ = writeln!(
        s,
        "| contract | message | ref_time | proof_size | ref_time vs transfer | proof_size vs transfer | gas ref_time (dry run) | storage deposit | fee |"
    );
    let _ = writeln!(s, "|---|---|--:|--:|--:|--:|--:|--:|--:|");
    let base = &r.costs.baseline;
    cost_line(&mut s, units, base, base);
    for row in &r.costs.messages {
        cost_line(&mut s, units, row, base);
    }
    cost_line(&mut s, units, &r.costs.lifecycle, base);
    let _ = writeln!(
        s,
        "\nWhole deal = {}.\n",
        r.costs.lifecycle_steps.join(" + ")
    );

    let _ = writeln!(s, "## Code size\n");
    let _ = writeln!(s, "| contract | optimised .wasm bytes |");
    let _ = writeln!(s, "|---|--:|");
    for c in &r.code_sizes {
        let _ = writeln!(s, "| {} | {} |", c.contract, c.wasm_bytes);
    }

    let t = &r.throughput;
    let _ = writeln!(s, "\n## Throughput\n");
    let _ = writeln!(
        s,
        "{} fresh accounts (half sellers, half buyers) send pipelined transactions with \
         client-side nonces, all at once. A deal is accept + deliver + release (3 transactions). \
         The same accounts then send as many plain transfers the same way.\n",
        t.accounts
    );
    let _ = writeln!(
        s,
        "| what | count | transactions | seconds | per second | transactions per second |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|");
    let _ = writeln!(
        s,
        "| deals settled | {} | {} | {:.2} | {:.2} | {:.2} |",
        t.deals,
        t.deal_transactions,
        t.deal_seconds,
        t.deals_per_second,
        t.deal_transactions_per_second
    );
    let _ = writeln!(
        s,
        "| transfers | {} | {} | {:.2} | {:.2} | {:.2} |",
        t.transfers,
        t.transfers,
        t.transfer_seconds,
        t.transfers_per_second,
        t.transfers_per_second
    );
    let _ = writeln!(
        s,
        "\nDeals settled per second ÷ transfers per second: **{:.3}**; contract transactions \
         per second ÷ transfers per second: **{:.2}**.\n",
        t.deal_ratio, t.transaction_ratio
    );

    let _ = writeln!(s, "## Offer search\n");
    let _ = writeln!(
        s,
        "`offer list --text \"item 0001\"` through the local offer index: cold = no index on \
         disk (full paged sync, {} offers per read), warm = index current (nothing to read but \
         the offer count). Reads are contract dry runs.\n",
        crate::ops::types::MAX_PAGE
    );
    let _ = writeln!(
        s,
        "| offers | cold ms | cold reads | warm ms | warm reads | matches |"
    );
    let _ = writeln!(s, "|--:|--:|--:|--:|--:|--:|");
    for q in &r.search {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {} | {:.1} | {} | {} |",
            q.offers, q.cold_ms, q.cold_reads, q.warm_ms, q.warm_reads, q.matches
        );
    }
    s
}
