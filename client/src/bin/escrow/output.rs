//! Printing of command results: human text or `--output json`.

use std::fmt::Write as _;

use serde::Serialize;

use escrow_client::bench::BenchReport;
use escrow_client::explorer::ExplorerView;
use escrow_client::keystore::ExportedSecret;
use escrow_client::ops::accounts::{
    BalanceView, FundResult, KeyExport, KeyList, KeyView, WithdrawResult,
};
use escrow_client::ops::arbiters::{ArbiterList, ArbiterResult};
use escrow_client::ops::deals::DealResult;
use escrow_client::ops::demo::{DemoResult, DemoStep};
use escrow_client::ops::deploy::{ConfigView, DeployResult};
use escrow_client::ops::deployments::{DeploymentList, DeploymentResult, ExportResult};
use escrow_client::ops::dry_run::DryRunReport;
use escrow_client::ops::events::EventList;
use escrow_client::ops::node::NodeView;
use escrow_client::ops::offers::OfferResult;
use escrow_client::ops::ratings::{RatingResult, ReputationResult, WithheldResult};
use escrow_client::ops::requests::{ProposalResult, RemovedRequest, RequestResult};
use escrow_client::ops::stored_deals::{DealDetails, DealList};
use escrow_client::ops::stored_offers::OfferList;
use escrow_client::ops::stored_requests::{ProposalList, RequestDetails, RequestList};
use escrow_client::ops::types::{EscrowSettings, Offer};
use escrow_client::ops::{EventView, OpError, OutputMode};
use escrow_client::types::{rating_or_none, rating_text};
use escrow_client::units::{format_duration_ms, TokenUnits};

use crate::deal_output::deal;
use crate::text::{amount, amount_str, event_line, ts, tx};

/// The value a write sends, to the planck: what a yes to the confirmation pays.
fn exact_amount_str(u: &TokenUnits, plancks: &str) -> String {
    plancks
        .parse::<u128>()
        .map(|p| u.format(p))
        .unwrap_or_else(|_| plancks.to_string())
}

/// A command's result and the chain token its amounts are counted in.
pub struct Shown {
    pub report: Report,
    pub units: TokenUnits,
}

impl Shown {
    pub fn new(report: Report, units: &TokenUnits) -> Shown {
        Shown {
            report,
            units: units.clone(),
        }
    }
}

/// Signed plancks as `+99 UNIT`, `~-100.1235 UNIT` or `0 UNIT` (the sign after the `~`).
fn signed_amount(u: &TokenUnits, plancks: &str) -> String {
    let Ok(v) = plancks.parse::<i128>() else {
        return plancks.to_string();
    };
    let sign = match v.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    let shown = amount(u, v.unsigned_abs());
    match shown.strip_prefix('~') {
        Some(figure) => format!("~{sign}{figure}"),
        None => format!("{sign}{shown}"),
    }
}

/// Everything a command can print.
// One report per command run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
/// In JSON each report is an object whose `type` names it (`"offer"`, `"deals"`, ...).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Report {
    Deploy(DeployResult),
    Deployments(DeploymentList),
    Deployment(DeploymentResult),
    DeploymentExport(ExportResult),
    Config(ConfigView),
    Arbiter(ArbiterResult),
    Arbiters(ArbiterList),
    Withheld(WithheldResult),
    Offer(OfferResult),
    Offers(OfferList),
    Deal(DealResult),
    DealDetails(DealDetails),
    Deals(DealList),
    Request(RequestResult),
    RequestRemoved(RemovedRequest),
    Requests(RequestList),
    RequestDetails(RequestDetails),
    Proposal(ProposalResult),
    Proposals(ProposalList),
    Rating(RatingResult),
    Reputation(ReputationResult),
    Withdraw(WithdrawResult),
    Balance(BalanceView),
    Key(KeyView),
    KeyExport(KeyExport),
    Keys(KeyList),
    Fund(FundResult),
    Events(EventList),
    Event(EventView),
    Demo(DemoResult),
    DemoStep(DemoStep),
    NodeReady(NodeView),
    NodeStopped(NodeView),
    ExplorerReady(ExplorerView),
    ExplorerStopped(ExplorerView),
    Bench(Box<BenchReport>),
    DryRun(Box<DryRunReport>),
    /// A write handed to other signers: a started multisig call, or an unsigned transaction.
    Deferred(Box<escrow_client::session::Deferred>),
    MultisigPending(escrow_client::ops::multisig::MultisigPending),
    MultisigDone(escrow_client::ops::multisig::MultisigDone),
    Submitted(escrow_client::ops::multisig::Submitted),
}

/// Print a report on stdout in the chosen format. Streamed items (`Event`, `DemoStep`) are one
/// JSON object per line; the final demo result is skipped in text mode (its steps were printed).
pub fn print(report: &Report, mode: OutputMode, u: &TokenUnits) {
    let text = match mode {
        OutputMode::Json => match report {
            Report::Event(_)
            | Report::NodeReady(_)
            | Report::NodeStopped(_)
            | Report::ExplorerReady(_)
            | Report::ExplorerStopped(_) => json_line(report),
            Report::DemoStep(_) => return,
            _ => json_document(report),
        },
        OutputMode::Text => render(report, u),
    };
    write_or_exit(&mut std::io::stdout().lock(), &text);
}

/// Print an error on stderr: a line in text mode; with `--output json` an object of type
/// `"error"`, so that stdout only ever holds results.
pub fn print_error(e: &OpError, mode: OutputMode) {
    let text = match mode {
        OutputMode::Text => format!("error: {e}\n"),
        OutputMode::Json => json_document(&serde_json::json!({
            "type": "error",
            "error": e.to_string(),
            "kind": e.kind(),
            "exit_code": e.exit_code(),
            "contract_error": e.contract_variant(),
        })),
    };
    write_or_exit(&mut std::io::stderr().lock(), &text);
}

fn json_line(value: &impl Serialize) -> String {
    // Serializing our own reports cannot fail: every map key is a string.
    let mut line = serde_json::to_string(value).unwrap_or_default();
    line.push('\n');
    line
}

fn json_document(value: &impl Serialize) -> String {
    let mut doc = serde_json::to_string_pretty(value).unwrap_or_default();
    doc.push('\n');
    doc
}

/// Writes `text`; a reader that went away (`escrow offer list | head`) ends the process
/// quietly with success, as other command-line tools do, instead of a panic.
fn write_or_exit(out: &mut impl std::io::Write, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        // Nowhere left to report it.
        Err(_) => std::process::exit(1),
    }
}

pub fn render(report: &Report, u: &TokenUnits) -> String {
    let mut s = String::new();
    match report {
        Report::NodeReady(n) => {
            let kind = if n.temporary {
                "temporary"
            } else {
                "persistent"
            };
            let _ = writeln!(
                s,
                "dev node ready at {} (pid {})",
                n.url,
                n.pid.unwrap_or(0)
            );
            let _ = writeln!(s, "  chain: {} ({kind})", n.base_path);
            let _ = writeln!(s, "  log:   {}", n.log);
            let _ = writeln!(s, "  Ctrl-C stops it");
        }
        Report::NodeStopped(n) => {
            let _ = writeln!(s, "dev node at {} stopped", n.url);
        }
        Report::ExplorerReady(e) => {
            let _ = writeln!(s, "explorer at {} (node {})", e.url, e.node);
            let _ = writeln!(s, "  JSON API under {}api/", e.url);
            let _ = writeln!(s, "  Ctrl-C stops it");
        }
        Report::DryRun(d) => {
            let _ = writeln!(s, "dry run only, nothing was sent:");
            dry_run(&mut s, d, u);
        }
        Report::Deferred(d) => crate::multisig_output::deferred(&mut s, d, u),
        Report::MultisigPending(p) => crate::multisig_output::pending(&mut s, p, u),
        Report::MultisigDone(d) => crate::multisig_output::done(&mut s, d, u),
        Report::Submitted(t) => crate::multisig_output::submitted(&mut s, t, u),
        Report::Bench(b) => {
            s.push_str(&b.markdown);
            if let Some(path) = &b.written_to {
                let _ = writeln!(s, "\n(written to {path})");
            }
        }
        Report::ExplorerStopped(e) => {
            let _ = writeln!(s, "explorer at {} stopped", e.url);
        }
        Report::Deploy(d) => {
            let _ = writeln!(s, "deployed on chain {}", d.genesis);
            let _ = writeln!(s, "  reputation  {}", d.reputation);
            let _ = writeln!(s, "  escrow      {}", d.escrow);
            let _ = writeln!(
                s,
                "  requests    {} (award window {})",
                d.requests,
                format_duration_ms(d.award_window_ms)
            );
            let _ = writeln!(
                s,
                "  fee {} bps to {} (it can only go down); rating window {}; deals from {} are rated",
                d.fee_bps,
                d.fee_recipient,
                format_duration_ms(d.rating_window_ms),
                amount_str(u, &d.min_rated_amount)
            );
            settings(&mut s, &d.settings, u);
            let _ = writeln!(s, "  saved in {} as {} (in use)", d.deployment_file, d.name);
            tx(&mut s, &d.create_escrow, u);
        }
        Report::Deployments(l) => crate::deployment_output::list(&mut s, l),
        Report::Deployment(r) => crate::deployment_output::result(&mut s, r),
        Report::DeploymentExport(e) => crate::deployment_output::export(&mut s, e),
        Report::Config(c) => {
            let cfg = &c.config;
            let _ = writeln!(s, "escrow {} (owner {})", c.escrow, cfg.owner);
            let _ = writeln!(
                s,
                "  platform fee {} bps (floor {} bps, paid to the reputation contract) to {}; fees due {}",
                cfg.fee_bps,
                cfg.settings.fee_floor_bps,
                cfg.fee_recipient,
                amount(u, cfg.fees_due)
            );
            let _ = writeln!(
                s,
                "  reputation {} (rating window {}, deals from {} are rated)",
                cfg.reputation
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "none".into()),
                format_duration_ms(c.rating_window_ms),
                amount_str(u, &c.min_rated_amount)
            );
            settings(&mut s, &cfg.settings, u);
            let _ = writeln!(
                s,
                "  {} offers, {} deals, {} arbiters; owes {}",
                cfg.offer_count,
                cfg.deal_count,
                cfg.arbiter_count,
                amount(u, cfg.owed)
            );
            match &c.requests_contract {
                Some(r) => {
                    let _ = writeln!(
                        s,
                        "requests {}: award window {}; {} requests, budgets held {}, credits owed {}",
                        r.address,
                        format_duration_ms(r.config.award_window),
                        r.config.request_count,
                        amount(u, r.config.held),
                        amount(u, r.config.credited)
                    );
                }
                None => {
                    let _ = writeln!(s, "no requests contract (deployed before task requests)");
                }
            }
        }
        Report::Arbiter(a) => {
            if a.removed {
                let _ = writeln!(s, "removed from the registry; storage deposit returned:");
            }
            arbiter_line(&mut s, &a.arbiter, u);
            if let Some(profile) = &a.profile {
                let _ = writeln!(s, "  profile:");
                crate::words_output::words(&mut s, "    ", profile);
            }
            if let Some(t) = &a.tx {
                tx(&mut s, t, u);
            }
        }
        Report::Arbiters(l) => {
            if l.arbiters.is_empty() {
                let _ = writeln!(s, "no arbiters registered");
            }
            for a in &l.arbiters {
                arbiter_line(&mut s, a, u);
            }
        }
        Report::Withheld(w) => {
            let _ = writeln!(
                s,
                "deal {}: {} withheld rating(s) counted",
                w.deal_id, w.counted
            );
            if let Some(t) = &w.tx {
                tx(&mut s, t, u);
            }
        }
        Report::Offer(o) => {
            if o.removed {
                let _ = writeln!(s, "removed from storage; storage deposit returned:");
            }
            offer(&mut s, &o.offer, u);
            if let Some(details) = &o.details {
                let _ = writeln!(s, "  the whole description:");
                crate::words_output::words(&mut s, "    ", details);
            }
            if let Some(t) = &o.tx {
                tx(&mut s, t, u);
            }
        }
        Report::Offers(l) => {
            if l.offers.is_empty() {
                let _ = writeln!(s, "no offers match");
            }
            for o in &l.offers {
                let t = &o.offer.terms;
                let _ = writeln!(
                    s,
                    "#{:<4} v{} {:<30} {} × {}  seller {} ({}; {} of {} deals failed){}",
                    o.offer.id,
                    o.offer.version,
                    t.title,
                    t.quantity,
                    amount(u, t.price),
                    o.offer.seller,
                    match o.seller_average_rating_centi {
                        None => "rating none".to_string(),
                        rating => format!("{}★ of {}", rating_text(rating), o.seller_ratings_count),
                    },
                    o.seller_deals_failed,
                    o.seller_deals,
                    if o.offer.active { "" } else { " [withdrawn]" }
                );
            }
            if let Some(n) = l.next_from {
                let _ = writeln!(s, "more: --from {n}");
            }
        }
        Report::Request(r) => {
            crate::request_output::request(&mut s, &r.request, u);
            if let Some(d) = &r.deal {
                deal(&mut s, d, Some(r.request.id), u);
            }
            if let Some(t) = &r.tx {
                tx(&mut s, t, u);
            }
        }
        Report::RequestRemoved(r) => {
            let _ = writeln!(
                s,
                "request {} [{}] removed; its storage deposit came back",
                r.removed.id,
                r.removed.state.name()
            );
            tx(&mut s, &r.tx, u);
        }
        Report::Requests(l) => crate::request_output::list(&mut s, l, u),
        Report::RequestDetails(d) => crate::request_output::details(&mut s, d, u),
        Report::Proposal(p) => crate::request_output::proposal_result(&mut s, p, u),
        Report::Proposals(l) => crate::request_output::proposal_list(&mut s, l, u),
        Report::Deal(d) => {
            deal(&mut s, &d.deal, None, u);
            if let Some(t) = &d.tx {
                tx(&mut s, t, u);
            }
        }
        Report::DealDetails(d) => {
            deal(&mut s, &d.deal, d.request_id, u);
            if d.deadlines.is_empty() {
                let _ = writeln!(s, "  no open deadline (final state)");
            }
            for dl in &d.deadlines {
                let _ = writeln!(
                    s,
                    "  {} deadline {}{}",
                    dl.name,
                    ts(dl.at),
                    if dl.passed { " — passed" } else { "" }
                );
                let _ = writeln!(s, "    before: {}", dl.before);
                let _ = writeln!(s, "    after:  {}", dl.after);
            }
            let _ = writeln!(s, "  history:");
            if !d.history_complete {
                let _ = writeln!(
                    s,
                    "    (events before block {} are not indexed: the store started there)",
                    d.history_indexed_from
                );
            }
            for e in &d.history {
                let _ = writeln!(s, "    {}", event_line(e, u));
            }
            crate::words_output::on_record(&mut s, &d.words);
        }
        Report::Deals(l) => {
            let _ = writeln!(s, "deals of {}:", l.account);
            if l.deals.is_empty() {
                let _ = writeln!(s, "  none");
            }
            for d in &l.deals {
                let _ = writeln!(
                    s,
                    "  deal {:<4} {:<12} {} × {}  {}  buyer {} seller {}",
                    d.id,
                    d.state.name(),
                    if d.from_request() {
                        "task request".to_string()
                    } else {
                        format!("offer {}", d.offer_id)
                    },
                    d.quantity,
                    amount(u, d.amount),
                    d.buyer,
                    d.seller
                );
            }
        }
        Report::Rating(r) => {
            let _ = writeln!(
                s,
                "deal {}: rating {} by {} (commitment {})",
                r.deal_id, r.score, r.rater, r.commitment
            );
            if let Some(rec) = &r.record {
                let _ = writeln!(
                    s,
                    "  buyer committed: {}, seller committed: {}, buyer's score: {}, seller's score: {}",
                    rec.buyer_commitment.is_some(),
                    rec.seller_commitment.is_some(),
                    rec.buyer_score.map(|v| v.to_string()).unwrap_or("none".into()),
                    rec.seller_score.map(|v| v.to_string()).unwrap_or("none".into())
                );
            }
            tx(&mut s, &r.tx, u);
        }
        Report::Reputation(r) => {
            let p = &r.reputation;
            let _ = writeln!(s, "reputation of {}", r.account);
            let _ = writeln!(
                s,
                "  ratings {} average {} (value-weighted {})",
                p.ratings_count,
                rating_text(rating_or_none(p.ratings_count, p.average_rating_centi)),
                rating_text(rating_or_none(p.ratings_count, p.weighted_average_centi))
            );
            let _ = writeln!(
                s,
                "  completed deals: {} as buyer, {} as seller; volume {}",
                p.deals_completed_as_buyer,
                p.deals_completed_as_seller,
                amount(u, p.volume)
            );
            let _ = writeln!(
                s,
                "  failed as seller: {} of {} deals",
                p.deals_failed_as_seller, p.deals_as_seller
            );
            let _ = writeln!(
                s,
                "  disputes opened {} (won {}, lost {}); answered {} (won {}, lost {}); arbitrations {} ({} in time)",
                p.disputes_opened,
                p.disputes_won,
                p.disputes_lost,
                p.disputes_answered,
                p.disputes_answered_won,
                p.disputes_answered_lost,
                p.arbitrations,
                p.arbitrations_in_time
            );
            let _ = writeln!(
                s,
                "  ratings withheld (committed, never revealed): {}",
                p.ratings_withheld
            );
        }
        Report::Withdraw(w) => {
            let _ = writeln!(s, "{} withdrew {}", w.account, amount_str(u, &w.amount));
            tx(&mut s, &w.tx, u);
        }
        Report::Balance(b) => {
            let _ = writeln!(s, "{}: free {}", b.account, amount_str(u, &b.free));
            if let Some(c) = &b.escrow_credit {
                let _ = writeln!(s, "  withdrawable from the escrow {}", amount_str(u, c));
            }
        }
        Report::Key(k) => {
            let _ = writeln!(s, "{} ({}) {}", k.name, k.scheme, k.address);
            if let Some(m) = &k.mnemonic {
                let _ = writeln!(s, "secret phrase (shown this once; write it down):");
                let _ = writeln!(s, "  {m}");
                let _ = writeln!(
                    s,
                    "it is kept in the keystore, encrypted: `escrow account export {} --secret` prints it again",
                    k.name
                );
            }
        }
        Report::KeyExport(e) => {
            match (&e.secret, &e.written_to) {
                (ExportedSecret::Suri(suri), _) => {
                    let _ = writeln!(s, "{} ({}) {}", e.key.name, e.key.scheme, e.key.address);
                    let _ = writeln!(s, "secret URI (keep it private):");
                    let _ = writeln!(s, "  {suri}");
                }
                (ExportedSecret::PolkadotJs(_), Some(path)) => {
                    let _ = writeln!(
                        s,
                        "{} ({}) {}: polkadot.js JSON written to {path} (encrypted under the key's password)",
                        e.key.name, e.key.scheme, e.key.address
                    );
                }
                // The JSON alone, so that `escrow account export NAME > NAME.json` is the file
                // polkadot.js imports.
                (ExportedSecret::PolkadotJs(json), None) => {
                    let _ = writeln!(
                        s,
                        "{}",
                        serde_json::to_string_pretty(json).unwrap_or_default()
                    );
                }
            }
        }
        Report::Keys(l) => {
            let _ = writeln!(s, "keystore {}", l.keystore);
            for k in &l.keys {
                let _ = writeln!(s, "  {:<20} {} {}", k.name, k.scheme, k.address);
            }
        }
        Report::Fund(f) => {
            let _ = writeln!(
                s,
                "sent {} from {} to {} (fee {}); balance now {}",
                amount_str(u, &f.amount),
                f.from,
                f.to,
                f.fee_paid
                    .as_deref()
                    .map(|f| amount_str(u, f))
                    .unwrap_or("?".into()),
                amount_str(u, &f.balance)
            );
        }
        Report::Events(l) => {
            let _ = writeln!(s, "blocks {}..={}:", l.from_block, l.to_block);
            if l.misses_history() {
                let _ = writeln!(
                    s,
                    "  (events before block {} are not indexed: the store started there)",
                    l.indexed_from
                );
            }
            for e in &l.events {
                let _ = writeln!(s, "  {}", event_line(e, u));
            }
        }
        Report::Event(e) => {
            let _ = writeln!(s, "{}", event_line(e, u));
        }
        Report::Demo(d) => {
            let _ = writeln!(
                s,
                "demo done on {}{}: escrow {}, reputation {}",
                d.url,
                match (d.temporary_node, d.node_kept) {
                    (true, true) => " (temporary node, left running)",
                    (true, false) => " (temporary node, now stopped)",
                    _ => "",
                },
                d.escrow,
                d.reputation
            );
            let _ = writeln!(s, "net change of free balances:");
            for n in &d.net_changes {
                let _ = writeln!(s, "   {:<22} {}", n.who, signed_amount(u, &n.change));
            }
        }
        Report::DemoStep(st) => {
            let _ = writeln!(s, "== {} ({})", st.step, st.actor);
            let _ = writeln!(s, "   {}", st.summary);
            if let Some(f) = &st.fee_paid {
                let _ = writeln!(s, "   fee paid {}", amount_str(u, f));
            }
            if !st.events.is_empty() {
                let _ = writeln!(s, "   events: {}", st.events.join(", "));
            }
            let _ = writeln!(s, "   {:<22} {:>24} {:>24}", "", "this step", "since start");
            for b in &st.balances {
                let _ = writeln!(
                    s,
                    "   {:<22} {:>24} {:>24}",
                    b.who,
                    signed_amount(u, &b.step_change),
                    signed_amount(u, &b.change)
                );
            }
        }
    }
    s
}

fn offer(s: &mut String, o: &Offer, u: &TokenUnits) {
    let t = &o.terms;
    let _ = writeln!(
        s,
        "offer {} (version {}){}: {}",
        o.id,
        o.version,
        if o.active { "" } else { " [withdrawn]" },
        t.title
    );
    if !t.description.is_empty() {
        let _ = writeln!(s, "  {}", t.description);
    }
    let _ = writeln!(s, "  seller   {}", o.seller);
    let _ = writeln!(
        s,
        "  price    {} × {} available",
        amount(u, t.price),
        t.quantity
    );
    let _ = writeln!(
        s,
        "  arbiter  {} (fee at most {} bps)",
        t.arbiter, o.arbiter_fee_bps
    );
    let _ = writeln!(s, "  platform fee at most {} bps", o.platform_fee_bps);
    let _ = writeln!(
        s,
        "  windows  delivery {}, review {}, ruling {}",
        format_duration_ms(t.delivery_window),
        format_duration_ms(t.review_window),
        format_duration_ms(t.ruling_window)
    );
    if !t.milestones.is_empty() {
        let _ = writeln!(
            s,
            "  paid in  milestones per unit: {}",
            crate::milestone_output::plan(&t.milestones, u)
        );
    }
    let _ = writeln!(
        s,
        "  bond     {} per unit, {} staked",
        amount(u, t.bond_per_unit),
        amount(u, o.bond_stake)
    );
    let _ = writeln!(
        s,
        "  buyers   {}",
        crate::request_output::screening(&t.screening, u)
    );
}

fn settings(s: &mut String, st: &EscrowSettings, u: &TokenUnits) {
    let _ = writeln!(
        s,
        "  minimum windows: delivery {}, review {}, ruling {}; ended deals prunable after {}",
        format_duration_ms(st.min_delivery_window),
        format_duration_ms(st.min_review_window),
        format_duration_ms(st.min_ruling_window),
        format_duration_ms(st.prune_after)
    );
    let _ = writeln!(
        s,
        "  fee floor {} bps (that part of every fee goes to the reputation contract)",
        st.fee_floor_bps
    );
    let _ = writeln!(
        s,
        "  reputation report limits: ref_time {}, proof_size {}, storage deposit {}",
        st.report_ref_time,
        st.report_proof_size,
        amount(u, st.report_deposit_limit)
    );
    let _ = writeln!(
        s,
        "  task requests: {}",
        st.requests_code.map_or("none".into(), |code| format!(
            "the escrow's own requests contract, code 0x{}, award window {}",
            hex::encode(code),
            format_duration_ms(st.award_window)
        ))
    );
}

fn arbiter_line(s: &mut String, a: &escrow_client::ops::arbiters::ArbiterView, u: &TokenUnits) {
    let t = &a.arbiter;
    let _ = writeln!(
        s,
        "arbiter {} [{}] fee {} bps, deals from {}, profile 0x{}",
        a.account,
        if t.active { "active" } else { "retired" },
        t.fee_bps,
        amount(u, t.min_amount),
        hex::encode(t.profile)
    );
}

/// What a write is about to send, for the confirmation question off Development chains.
pub fn render_confirmation(report: &DryRunReport, chain_type: &str, u: &TokenUnits) -> String {
    let mut s = format!("about to send on this {chain_type} chain:\n");
    dry_run(&mut s, report, u);
    s
}

fn dry_run(s: &mut String, d: &DryRunReport, u: &TokenUnits) {
    let _ = writeln!(s, "  {} signed by {}", d.call, d.signer);
    if let Some(contract) = &d.contract {
        let _ = writeln!(s, "    contract:        {contract}");
    }
    for arg in &d.args {
        let value = match &arg.value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(s, "    {:<16} {value}", format!("{}:", arg.name));
    }
    if let Some(data) = &d.call_data {
        let _ = writeln!(s, "    call data:       {data}");
    }
    let _ = writeln!(s, "    value sent:      {}", exact_amount_str(u, &d.value));
    if !d.result.is_null() {
        let _ = writeln!(s, "    result:          {}", d.result);
    }
    if let Some(g) = &d.gas_required {
        let _ = writeln!(
            s,
            "    gas required:    ref_time {} / proof_size {}",
            g.ref_time, g.proof_size
        );
    }
    let _ = writeln!(
        s,
        "    storage deposit: {}",
        amount_str(u, &d.storage_deposit)
    );
    if let Some(limit) = &d.storage_deposit_limit {
        let _ = writeln!(s, "    deposit limit:   {}", amount_str(u, limit));
    }
    if let Some(fee) = &d.fee_estimate {
        let _ = writeln!(s, "    estimated fee:   {}", amount_str(u, fee));
    }
    for note in &d.notes {
        let _ = writeln!(s, "    {note}");
    }
    for next in &d.then {
        dry_run(s, next, u);
    }
}
