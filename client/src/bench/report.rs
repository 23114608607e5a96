//! The benchmark results as Markdown tables (BENCHMARKS.md and the command's text output).

use std::fmt::Write as _;

use super::costs::{CostRow, Costs};
use super::goals::cost_goals;
use super::BenchReport;
use crate::units::TokenUnits;

/// `a` as a multiple of `b`: two decimals below 10×, one above; "–" without a baseline.
fn ratio(a: u64, b: u64) -> String {
    if b == 0 {
        return "–".into();
    }
    let r = a as f64 / b as f64;
    if r < 10.0 {
        format!("{r:.2}×")
    } else {
        format!("{r:.1}×")
    }
}

fn deposit(units: &TokenUnits, d: i128) -> String {
    if d < 0 {
        format!("−{}", units.format(d.unsigned_abs()))
    } else {
        units.format(d as u128)
    }
}

/// One cost row; `transfer` and `floor` are the two baselines it is divided by.
fn cost_line(
    out: &mut String,
    units: &TokenUnits,
    r: &CostRow,
    transfer: &CostRow,
    floor: &CostRow,
) {
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        r.contract,
        r.message,
        r.ref_time,
        r.proof_size,
        ratio(r.ref_time, transfer.ref_time),
        ratio(r.proof_size, transfer.proof_size),
        ratio(r.ref_time, floor.ref_time),
        ratio(r.proof_size, floor.proof_size),
        if r.gas_ref_time == 0 {
            "–".to_string()
        } else {
            r.gas_ref_time.to_string()
        },
        deposit(units, r.storage_deposit),
        units.format(r.fee),
    );
}

/// Each message against its own floor: the floor contract's `touch` doing as many storage
/// reads and writes (`bench/accesses.rs`), so what is left is the message's own work: code
/// size, checks, events, transfers and nested calls.
fn own_floor_table(s: &mut String, costs: &Costs) {
    let _ = writeln!(s, "### Over each message's own floor\n");
    let _ = writeln!(
        s,
        "Each message's own floor is `touch(reads - 1, writes - 1)` of `contracts/floor`: the \
         root cell read and written like `set`, and as many more cells read and written as the \
         message touches, counted from the contracts' code (`client/src/bench/accesses.rs`, \
         the root included). The overhead is what the message costs beyond its storage \
         accesses: its code size (1 B of proof per byte, the callee's too), checks, events, \
         transfers and nested calls.\n"
    );
    let _ = writeln!(
        s,
        "| contract | message | reads | writes | floor ref_time | floor proof_size | ref_time over floor | proof_size over floor | × own floor (ref_time) |"
    );
    let _ = writeln!(s, "|---|---|--:|--:|--:|--:|--:|--:|--:|");
    for (row, own) in costs.messages.iter().zip(&costs.own_floors) {
        let Some(own) = own else {
            let _ = writeln!(
                s,
                "| {} | {} | – | – | – | – | – | – | – |",
                row.contract, row.message
            );
            continue;
        };
        let over = |a: u64, b: u64| a as i128 - b as i128;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.contract,
            row.message,
            own.reads,
            own.writes,
            own.floor.ref_time,
            own.floor.proof_size,
            over(row.ref_time, own.floor.ref_time),
            over(row.proof_size, own.floor.proof_size),
            ratio(row.ref_time, own.floor.ref_time),
        );
    }
    let _ = writeln!(s);
}

pub fn markdown(r: &BenchReport, units: &TokenUnits) -> String {
    let mut s = String::new();
    let a = &r.args;
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `escrow bench` ({} setting: {} accounts, {} deals, search at {} offers) on a \
         fresh `{}` dev node (instant seal), with a {} build of the client (`cargo run --release \
         --bin escrow -- bench`; a debug client signs and decodes many times slower). Do not \
         edit by hand: run the command again.\n",
        a.setting,
        a.accounts,
        a.deals,
        a.offer_counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        r.node_version,
        r.client_build
    );

    let _ = writeln!(s, "## Cost per message\n");
    let _ = writeln!(
        s,
        "Weight is what the whole extrinsic was charged (`System::ExtrinsicSuccess`), as a \
         multiple of two baselines measured on the same node in the same run: a plain \
         `Balances.transfer_keep_alive` (× transfer) and the floor, the `set` message of \
         `contracts/floor` (× floor): a minimal ink! 5 contract built the same way whose \
         message does one storage write, the least any contract call costs here. Gas is the \
         contract call's own need from its dry run. Storage deposit is what the caller paid \
         (negative: got back). `release` includes the cross-contract report to the reputation \
         contract; the requests contract's `propose` its screening read of the reputation \
         contract (the bench's requests screen nothing, so it reads none), and `award` and \
         `auto_award` the nested `open_requested_deal` that opens the deal in the escrow. \
         `System.remark_with_event (1 KiB document)` is what publishing 1 KiB of words beside \
         a call adds to it (a delivery note, evidence, reasons, a pitch): the remark's own \
         weight and fee; it reads and writes no storage and takes no deposit. The requests' \
         `propose` publishes its pitch that way.\n"
    );
    let _ = writeln!(
        s,
        "| contract | message | ref_time | proof_size | ref_time × transfer | proof_size × transfer | ref_time × floor | proof_size × floor | gas ref_time (dry run) | storage deposit | fee |"
    );
    let _ = writeln!(s, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let transfer = &r.costs.baseline;
    let floor = &r.costs.floor;
    cost_line(&mut s, units, transfer, transfer, floor);
    cost_line(&mut s, units, floor, transfer, floor);
    for row in &r.costs.messages {
        cost_line(&mut s, units, row, transfer, floor);
    }
    cost_line(&mut s, units, &r.costs.lifecycle, transfer, floor);
    let _ = writeln!(
        s,
        "\nWhole deal = {}.\n",
        r.costs.lifecycle_steps.join(" + ")
    );
    own_floor_table(&mut s, &r.costs);

    let _ = writeln!(s, "## Code size\n");
    let _ = writeln!(
        s,
        "The Wasm deployed above, from each `.contract` bundle; the build mode is cargo-contract's \
         (`source.build_info.build_mode` of the bundle's metadata). The bench refuses any bundle \
         not built with `--release`.\n"
    );
    let _ = writeln!(s, "| contract | optimised .wasm bytes | build mode |");
    let _ = writeln!(s, "|---|--:|---|");
    for c in &r.code_sizes {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            c.contract,
            c.wasm_bytes,
            c.build_mode.to_lowercase()
        );
    }

    goals_section(&mut s, r);

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

    search_section(&mut s, r);
    explorer_section(&mut s, r);
    history_section(&mut s, r);
    store_section(&mut s, r);
    s
}

/// " (missed)" after a goal that was not met, as every section marks it.
fn missed(met: bool) -> &'static str {
    if met {
        ""
    } else {
        " (missed)"
    }
}

/// The escrow's cost goals against the tables above.
fn goals_section(s: &mut String, r: &BenchReport) {
    let _ = writeln!(s, "\n## Cost goals\n");
    let _ = writeln!(
        s,
        "The goals the escrow was set, from the two tables above. contracts/README.md (\"What a \
         call costs\") prices each storage access and explains why, with the reputation report \
         part of every closing, these cannot all be met.\n"
    );
    let _ = writeln!(s, "| measure | value | goal |");
    let _ = writeln!(s, "|---|--:|---|");
    for g in cost_goals(&r.costs, &r.code_sizes) {
        let _ = writeln!(
            s,
            "| {} | {} | {}{} |",
            g.measure,
            g.value,
            g.goal,
            missed(g.met)
        );
    }
}

/// The explorer served in-process over the same node: its API under concurrent requests, and
/// how soon a new block's changes reach it.
fn explorer_section(s: &mut String, r: &BenchReport) {
    let e = &r.explorer;
    let q = &e.requests;
    let l = &e.index_lag;
    let _ = writeln!(s, "\n## Explorer\n");
    let _ = writeln!(
        s,
        "`escrow explorer` served in-process on 127.0.0.1 over the same node and deployment, \
         with the offers and deals above, once its live task had indexed the best block. \
         Requests: {} sent at once, each its own task over a pooled HTTP/1.1 client on \
         localhost, from sending to the last byte of the answer, every endpoint in turn: \
         offer search (`/api/offers?text=item`) and list (20 a page), the latest offers' pages, \
         request list and search (`/api/requests?text=benchmark`, 20 a page), the latest task \
         requests' pages, the latest deals' pages and their sellers' and buyers' pages, the \
         block list (`/api/blocks?limit=10`), the latest blocks' pages and `/api/search?q=` a \
         deal id; timed in the second of two identical rounds, and every answer was 200 (any \
         other fails the bench). Each endpoint has the goal of the whole burst on its own. \
         Index lag: \
         an offer is created through the library, as `offer create` does, and timed from its \
         block reaching the client (`chain_subscribeNewHeads` on a connection of its own, or \
         the transaction's inclusion if that came first) to `/api/live` reporting that block \
         indexed; `/api/offers` must then list the offer. A goal is met when the p99 \
         (requests) or the slowest sample (lag) is within it; a lag sample is 0 when the \
         explorer's own notice of the block came first. A burst ends about when the last of \
         its requests has had its share of the machine's cores (which the node shares too), \
         so its p99 grows with its size and with the work per request, broken down by \
         endpoint below it.\n",
        q.concurrent
    );
    let _ = writeln!(s, "| measure | count | p50 / median | p99 / max | goal |");
    let _ = writeln!(s, "|---|--:|--:|--:|---|");
    let _ = writeln!(
        s,
        "| API requests at once (warm) | {} | {:.1} ms | {:.1} ms / {:.1} ms | p99 ≤ {:.0} ms{} |",
        q.concurrent,
        q.latency.median_ms,
        q.latency.p99_ms,
        q.max_ms,
        q.goal_ms,
        missed(q.meets_goal())
    );
    for e in &q.endpoints {
        let _ = writeln!(
            s,
            "| … of which `{}` | {} | {:.1} ms | {:.1} ms / {:.1} ms | p99 ≤ {:.0} ms{} |",
            e.endpoint,
            e.latency.runs,
            e.latency.median_ms,
            e.latency.p99_ms,
            e.max_ms,
            q.goal_ms,
            missed(e.meets_goal())
        );
    }
    let _ = writeln!(
        s,
        "| index lag: block at the client → indexed (`/api/live`) | {} | {:.0} ms | {:.0} ms | max ≤ {:.0} ms{} |",
        l.samples,
        l.median_ms,
        l.max_ms,
        l.goal_ms,
        missed(l.meets_goal())
    );
}

/// How fast a new store fills in the chain's earlier history.
fn history_section(s: &mut String, r: &BenchReport) {
    let h = &r.history;
    let _ = writeln!(s, "\n## History fill\n");
    let _ = writeln!(
        s,
        "A new event store in a directory of its own, on the same node and deployment once the \
         chain is {} blocks long or more (the bench added {} blocks of empty remarks from five \
         dev accounts to reach it) and finalized: it starts at the tip (one bulk read of the \
         contracts' state, untimed), then fills in the history before it down to the \
         deployment, timed: every block's hash, parent, timestamp and contract events, and the \
         documents published in it, written to the store as it goes. Read {}: \
         `state_queryStorage` over `System.Events`, `System.Number`, `System.ParentHash`, \
         `Timestamp.Now` and `System.LastRuntimeUpgrade`, {} blocks a call, {} calls side by \
         side (block by block, a few calls each, when the node refuses it). The goal is met at \
         {:.0} blocks a second or more.\n",
        r.args.history_blocks,
        h.added_blocks,
        h.reader,
        crate::indexer::RANGE,
        crate::indexer::RANGES_AT_ONCE,
        h.goal
    );
    let _ = writeln!(
        s,
        "| measure | blocks | seconds | blocks per second | goal |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|---|");
    let _ = writeln!(
        s,
        "| History fill: tip (block {}) → deployment | {} | {:.2} | {:.0} | ≥ {:.0} blocks/s{} |",
        h.chain_blocks,
        h.blocks,
        h.seconds,
        h.blocks_per_second,
        h.goal,
        missed(h.meets_goal())
    );
}

/// The event store's latencies, with what the store held and how the runs were timed: the
/// rows are synthetic, so the text says what they are like.
fn store_section(s: &mut String, r: &BenchReport) {
    use super::store::{EVENTS_PER_DEAL, OFFER_LIST_PAGE};
    let sizes = &r.args.store;
    let _ = writeln!(s, "\n## Event store (SQLite, synthetic rows)\n");
    let _ = writeln!(
        s,
        "The client's event store (`client/src/store/`) in a temporary directory, no node. \
         Offers: a catalogue whose titles and descriptions come from a fixed vocabulary \
         (nouns, adjectives, materials, conditions, cities), priced 1 to 1,000 UNIT, one in \
         ten inactive, its sellers rated 3.00 to 4.99 on average, loaded as a cold start \
         loads them (`replace_state`). Each offer query is the store work of one `offer list` \
         page: the first {} matches (one more than the page of {}, to tell whether there is a \
         next page) and the reputation of each shown offer's seller. Chains: blocks applied \
         one transaction each (`apply_block`), {} deals' {} events each spread over the \
         whole chain, an offer event in each block without a deal event; each timeline read \
         is of another deal. Read through one read-only connection (`Store::open_reader`). \
         Each query runs once untimed, then {} times: median and p99 (nearest rank) of those \
         runs. A goal is met when the p99 is within it.\n",
        OFFER_LIST_PAGE + 1,
        OFFER_LIST_PAGE,
        sizes.deals,
        EVENTS_PER_DEAL,
        sizes.runs
    );
    let _ = writeln!(s, "| measure | size | median | p99 | goal |");
    let _ = writeln!(s, "|---|--:|--:|--:|---|");
    for row in &r.store {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} ms | {:.2} ms | ≤ {:.0} ms{} |",
            row.measure,
            row.size,
            row.latency.median_ms,
            row.latency.p99_ms,
            row.goal_ms,
            missed(row.meets_goal())
        );
    }
}

/// Offer and request search, cold and warm, each row against its goals.
fn search_section(s: &mut String, r: &BenchReport) {
    use super::search::{Catalogue, COLD_GOAL_MS, WARM_GOAL_MS};
    for (catalogue, title, command) in [
        (Catalogue::Offers, "Offer search", "offer list"),
        (Catalogue::Requests, "Request search", "request list"),
    ] {
        let _ = writeln!(s, "## {title}\n");
        let _ = writeln!(
            s,
            "`{command} --text \"item 0001\"` through the event store (SQLite, FTS5): cold = no \
             store on disk (one bulk read of the contracts' child tries at the finalized block: \
             `childstate_getKeysPaged` and `childstate_getStorageEntries`, then the best-chain \
             blocks after it, counted as cold blocks), warm = the median of 7 searches with the \
             store current (an RPC to see that nothing changed, and the SQL query). Goals: cold \
             ≤ {COLD_GOAL_MS:.0} ms, warm ≤ {WARM_GOAL_MS} ms.\n"
        );
        let _ = writeln!(
            s,
            "| {} | cold ms | cold blocks | warm ms | warm blocks | matches | goals |",
            match catalogue {
                Catalogue::Offers => "offers",
                Catalogue::Requests => "requests",
            }
        );
        let _ = writeln!(s, "|--:|--:|--:|--:|--:|--:|:--|");
        for q in r.search.iter().filter(|q| q.catalogue == catalogue) {
            let _ = writeln!(
                s,
                "| {} | {:.0} | {} | {:.2} | {} | {} | {} |",
                q.items,
                q.cold_ms,
                q.cold_blocks,
                q.warm_ms,
                q.warm_blocks,
                q.matches,
                if q.meets_goal() { "met" } else { "missed" }
            );
        }
        let _ = writeln!(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::costs::{Costs, OwnFloor};
    use crate::bench::explorer::{EndpointLatency, ExplorerBench, IndexLag, RequestLoad};
    use crate::bench::history::HistoryFill;
    use crate::bench::search::SearchRow;
    use crate::bench::store::{StoreRow, StoreSize};
    use crate::bench::throughput::Throughput;
    use crate::bench::timing::Latency;
    use crate::bench::{BenchArgs, CodeSize};

    fn report() -> BenchReport {
        BenchReport {
            args: BenchArgs::small(),
            node_version: "0.42.0-test".into(),
            client_build: "debug".into(),
            costs: Costs {
                baseline: CostRow::sample("Balances", "transfer_keep_alive", 250, 4_000),
                floor: CostRow::sample("floor", "set", 1_000, 10_000),
                messages: vec![CostRow::sample("escrow", "release", 4_500, 290_000)],
                lifecycle: CostRow::sample("escrow + reputation", "whole deal", 19_000, 1_100_000),
                lifecycle_steps: vec!["release".into()],
                own_floors: vec![Some(OwnFloor {
                    reads: 7,
                    writes: 6,
                    floor: CostRow::sample("floor", "touch(6, 5)", 3_000, 130_000),
                })],
            },
            code_sizes: vec![
                CodeSize {
                    contract: "escrow".into(),
                    wasm_bytes: 37_895,
                    build_mode: "Release".into(),
                },
                CodeSize {
                    contract: "floor".into(),
                    wasm_bytes: 1_234,
                    build_mode: "Release".into(),
                },
            ],
            throughput: Throughput {
                accounts: 4,
                deals: 12,
                deal_transactions: 36,
                deal_seconds: 1.0,
                deals_per_second: 12.0,
                deal_transactions_per_second: 36.0,
                transfers: 36,
                transfer_seconds: 0.5,
                transfers_per_second: 72.0,
                deal_ratio: 0.167,
                transaction_ratio: 0.5,
            },
            search: vec![
                SearchRow {
                    catalogue: crate::bench::search::Catalogue::Offers,
                    items: 50,
                    cold_ms: 10.0,
                    cold_blocks: 2,
                    warm_ms: 1.0,
                    warm_blocks: 1,
                    matches: 5,
                },
                SearchRow {
                    catalogue: crate::bench::search::Catalogue::Requests,
                    items: 150,
                    cold_ms: 2_500.0,
                    cold_blocks: 3,
                    warm_ms: 0.5,
                    warm_blocks: 0,
                    matches: 50,
                },
            ],
            explorer: ExplorerBench {
                requests: RequestLoad {
                    concurrent: 50,
                    latency: Latency {
                        runs: 50,
                        median_ms: 12.34,
                        p99_ms: 87.6,
                    },
                    max_ms: 91.0,
                    goal_ms: 100.0,
                    endpoints: vec![
                        EndpointLatency {
                            endpoint: "/api/deals/{id}".into(),
                            latency: Latency {
                                runs: 10,
                                median_ms: 20.0,
                                p99_ms: 91.0,
                            },
                            max_ms: 91.0,
                        },
                        EndpointLatency {
                            endpoint: "/api/requests/{id}".into(),
                            latency: Latency {
                                runs: 5,
                                median_ms: 80.0,
                                p99_ms: 150.0,
                            },
                            max_ms: 150.0,
                        },
                    ],
                },
                index_lag: IndexLag {
                    samples: 3,
                    median_ms: 420.4,
                    max_ms: 1_250.0,
                    goal_ms: 1_000.0,
                },
            },
            history: HistoryFill {
                chain_blocks: 2_010,
                added_blocks: 1_500,
                blocks: 2_005,
                seconds: 2.5,
                blocks_per_second: 802.0,
                reader: "by ranges".into(),
                goal: 2_000.0,
            },
            store: vec![
                StoreRow {
                    measure: "text search, word prefix: `offer list --text gui`".into(),
                    size: StoreSize::Offers { offers: 2_000 },
                    latency: Latency {
                        runs: 100,
                        median_ms: 0.123,
                        p99_ms: 0.456,
                    },
                    goal_ms: 20.0,
                    returned: 25,
                },
                StoreRow {
                    measure: "deal timeline (5 events)".into(),
                    size: StoreSize::Chain {
                        blocks: 2_000,
                        deals: 100,
                    },
                    latency: Latency {
                        runs: 100,
                        median_ms: 8.0,
                        p99_ms: 12.5,
                    },
                    goal_ms: 10.0,
                    returned: 5,
                },
            ],
            markdown: String::new(),
            written_to: None,
        }
    }

    /// The cells of the Markdown table row that starts with `| {contract} | {message} |`.
    fn cells(md: &str, contract: &str, message: &str) -> Vec<String> {
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("| {contract} | {message} |")))
            .unwrap_or_else(|| panic!("no row {contract}.{message} in\n{md}"));
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(4_500, 1_000), "4.50×");
        assert_eq!(ratio(290_000, 10_000), "29.0×");
        assert_eq!(ratio(250, 1_000), "0.25×");
        assert_eq!(ratio(1, 0), "–");
    }

    #[test]
    fn every_cost_row_is_a_multiple_of_the_transfer_and_the_floor() {
        let md = markdown(&report(), &TokenUnits::default());
        let header = md
            .lines()
            .find(|l| l.starts_with("| contract | message |"))
            .unwrap();
        assert!(
            header.contains(
                "| ref_time × transfer | proof_size × transfer | ref_time × floor | proof_size × floor |"
            ),
            "{header}"
        );
        let release = cells(&md, "escrow", "release");
        assert_eq!(release.len(), 11, "{release:?}");
        assert_eq!(&release[4..8], ["18.0×", "72.5×", "4.50×", "29.0×"]);
        let floor = cells(&md, "floor", "set");
        assert_eq!(&floor[4..8], ["4.00×", "2.50×", "1.00×", "1.00×"]);
        let transfer = cells(&md, "Balances", "transfer_keep_alive");
        assert_eq!(&transfer[4..8], ["1.00×", "1.00×", "0.25×", "0.40×"]);
        let deal = cells(&md, "escrow + reputation", "whole deal");
        assert_eq!(&deal[6..8], ["19.0×", "110.0×"]);
    }

    #[test]
    fn each_message_is_shown_over_a_floor_touching_as_many_cells() {
        let md = markdown(&report(), &TokenUnits::default());
        let table: Vec<&str> = md
            .lines()
            .skip_while(|l| !l.starts_with("| contract | message | reads | writes |"))
            .collect();
        let release = table
            .iter()
            .find(|l| l.starts_with("| escrow | release |"))
            .expect("release over its own floor");
        assert_eq!(
            *release,
            "| escrow | release | 7 | 6 | 3000 | 130000 | 1500 | 160000 | 1.50× |"
        );
    }

    #[test]
    fn code_size_table_has_the_floor_and_the_build_mode() {
        let md = markdown(&report(), &TokenUnits::default());
        assert!(md.contains("| contract | optimised .wasm bytes | build mode |"));
        assert!(md.contains("| escrow | 37895 | release |"), "{md}");
        assert!(md.contains("with a debug build of the client"), "{md}");
        assert!(md.contains("| floor | 1234 | release |"), "{md}");
    }

    #[test]
    fn the_cost_goals_section_marks_each_missed_goal() {
        let md = markdown(&report(), &TokenUnits::default());
        let section = md
            .split("## Cost goals")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("a cost goals section");
        assert!(section.contains("| measure | value | goal |"));
        // release's proof is 290,000 / 4,000 = 72.5 transfers; the escrow is 37,895 bytes.
        assert!(
            section.contains(
                "| largest proof_size of one message (`escrow.release`) | 72.5× a transfer | ≤ 30× (missed) |"
            ),
            "{section}"
        );
        assert!(
            section.contains("| escrow optimised Wasm | 37895 bytes | ≤ 32768 bytes (missed) |"),
            "{section}"
        );
    }

    #[test]
    fn the_store_section_has_a_row_per_measure_and_marks_a_missed_goal() {
        let md = markdown(&report(), &TokenUnits::default());
        let section = md
            .split("## Event store (SQLite, synthetic rows)")
            .nth(1)
            .unwrap_or_else(|| panic!("no store section in\n{md}"));
        assert!(section.contains("| measure | size | median | p99 | goal |"));
        assert!(section.contains("then 100 times"), "{section}");
        assert!(section.contains("100 deals' 5 events"), "{section}");
        assert!(
            section.contains(
                "| text search, word prefix: `offer list --text gui` | 2000 offers | 0.12 ms | 0.46 ms | ≤ 20 ms |"
            ),
            "{section}"
        );
        assert!(
            section.contains(
                "| deal timeline (5 events) | 2000 blocks, 100 deals | 8.00 ms | 12.50 ms | ≤ 10 ms (missed) |"
            ),
            "{section}"
        );
    }

    #[test]
    fn the_explorer_section_has_both_measures_and_marks_each_missed_goal() {
        let md = markdown(&report(), &TokenUnits::default());
        let section = md
            .split("## Explorer")
            .nth(1)
            .and_then(|rest| rest.split("## Event store").next())
            .unwrap_or_else(|| panic!("no explorer section before the store's in\n{md}"));
        assert!(section.contains("| measure | count | p50 / median | p99 / max | goal |"));
        assert!(section.contains("50 sent at once"), "{section}");
        assert!(
            section.contains(
                "| API requests at once (warm) | 50 | 12.3 ms | 87.6 ms / 91.0 ms | p99 ≤ 100 ms |"
            ),
            "{section}"
        );
        assert!(
            section.contains(
                "| … of which `/api/deals/{id}` | 10 | 20.0 ms | 91.0 ms / 91.0 ms | p99 ≤ 100 ms |"
            ),
            "{section}"
        );
        // Each endpoint is held to the goal on its own.
        assert!(
            section.contains(
                "| … of which `/api/requests/{id}` | 5 | 80.0 ms | 150.0 ms / 150.0 ms | p99 ≤ 100 ms (missed) |"
            ),
            "{section}"
        );
        assert!(
            section.contains("| 3 | 420 ms | 1250 ms | max ≤ 1000 ms (missed) |"),
            "{section}"
        );
    }

    #[test]
    fn each_search_row_is_in_its_catalogues_table_and_says_whether_it_met_the_goals() {
        let md = markdown(&report(), &TokenUnits::default());
        let offers = md
            .split("## Offer search")
            .nth(1)
            .and_then(|rest| rest.split("## Request search").next())
            .unwrap_or_else(|| panic!("no offer search before the request search in\n{md}"));
        assert!(
            offers.contains("| 50 | 10 | 2 | 1.00 | 1 | 5 | met |"),
            "{offers}"
        );
        assert!(!offers.contains("| 150 |"), "{offers}");
        let requests = md.split("## Request search").nth(1).unwrap();
        assert!(requests.contains("`request list --text"), "{requests}");
        assert!(
            requests.contains("| 150 | 2500 | 3 | 0.50 | 0 | 50 | missed |"),
            "{requests}"
        );
    }

    #[test]
    fn the_history_section_has_the_fill_rate_and_marks_a_missed_goal() {
        let mut r = report();
        let md = markdown(&r, &TokenUnits::default());
        let section = md
            .split("## History fill")
            .nth(1)
            .and_then(|rest| rest.split("## Event store").next())
            .unwrap_or_else(|| panic!("no history section before the store's in\n{md}"));
        assert!(section.contains("2000 blocks long or more"), "{section}");
        assert!(section.contains("added 1500 blocks"), "{section}");
        assert!(
            section.contains(
                "| History fill: tip (block 2010) → deployment | 2005 | 2.50 | 802 | ≥ 2000 blocks/s (missed) |"
            ),
            "{section}"
        );
        r.history.blocks_per_second = 2_000.0;
        let md = markdown(&r, &TokenUnits::default());
        assert!(md.contains("| 2000 | ≥ 2000 blocks/s |"), "{md}");
    }
}
