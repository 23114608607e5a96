//! The `escrow` command line: clap definitions and dispatch to [`escrow_client::ops`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::deployment_cli::DeploymentCmd;
use crate::output::{Report, Shown};
use crate::requests_cli::{ProposalCmd, RequestCmd};
use crate::screening_cli::ScreeningFlags;
use escrow_client::ops::{self, OpError, OpResult, OutputMode, Settings};
use escrow_client::signer::Scheme;
use escrow_client::units::TokenUnits;

/// Where `--help` lists the options every command takes.
pub const GLOBAL_HEADING: &str = "Global options";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "escrow",
    version,
    about = "P2P escrow on a Substrate contracts chain"
)]
pub struct Cli {
    /// Node WebSocket URL [default: ws://127.0.0.1:<rpc_port of node-config/dev-node.toml>]
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, env = "ESCROW_URL")]
    pub url: Option<String>,
    /// Output format.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Deployment file [default: $ESCROW_HOME/deployments.json or ~/.escrow/deployments.json]
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "FILE")]
    pub deployment: Option<PathBuf>,
    /// Keystore file [default: $ESCROW_HOME/keys.json or ~/.escrow/keys.json]
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// Signing account: a keystore name or an sr25519 secret URI (deploy and fund default to
    /// //Alice).
    #[arg(long = "as", global = true, help_heading = GLOBAL_HEADING, value_name = "ACCOUNT")]
    pub as_account: Option<String>,
    /// Sign with this sr25519 secret URI: `//Alice`, a mnemonic, `<mnemonic>//hard/soft///password`
    /// or `0x<seed>` (as cargo-contract's --suri). ESCROW_SURI is used when neither --suri nor
    /// --as is given.
    #[arg(
        long,
        global = true, help_heading = GLOBAL_HEADING,
        value_name = "SURI",
        conflicts_with = "as_account"
    )]
    pub suri: Option<String>,
    /// Dry-run the write and print what it would do (decoded result, gas, storage deposit,
    /// fee, value); nothing is sent.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub dry_run: bool,
    /// Wait until a transaction is in a best block or in a finalized one [default: in-block
    /// on a Development chain, finalized elsewhere].
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_enum)]
    pub wait: Option<WaitArg>,
    /// Send writes without asking. Off Development chains every write shows its value and fee
    /// and asks first; without a terminal to ask on, it needs -y.
    #[arg(short = 'y', long = "yes", global = true, help_heading = GLOBAL_HEADING)]
    pub assume_yes: bool,
    /// Sign the (first) transaction with this nonce. Without it the client takes the
    /// account's next nonce, counting the pool, and sends once more with a fresh one if a
    /// parallel transaction took it; with it, never.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "N")]
    pub nonce: Option<u64>,
    /// Pay the block author this much on top of the fee, e.g. `0.01` or `0.01 UNIT`.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub tip: Option<String>,
    /// The storage deposit limit of contract calls [default: what the dry run charges, plus
    /// 10 % and at least 10^9 plancks]. Below the dry run's charge the call is refused.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub storage_deposit_limit: Option<String>,
    /// Blocks a transaction stays valid: a power of two from 4 to 65536, or 0 / `immortal`
    /// [default: immortal on a Development chain, 64 elsewhere].
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "BLOCKS", value_parser = escrow_client::chain::Mortality::parse)]
    pub mortality: Option<escrow_client::chain::Mortality>,
    /// Read the password of a keystore key from the first line of FILE [default:
    /// ESCROW_PASSWORD, else asked on the terminal]. Dev URIs (//Alice) need none.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Show progress notes ("deploy: waiting for inclusion…") on stderr in text output even
    /// when stderr is not a terminal (they show on a terminal anyway). ESCROW_LOG overrides.
    #[arg(short = 'v', long, global = true, help_heading = GLOBAL_HEADING)]
    pub verbose: bool,
    /// Make every write from the multisig account of these signatories (comma-separated
    /// keystore names, secret URIs or addresses): the signer (--as) is one of them and starts
    /// the call with Multisig.as_multi; `escrow multisig approve` completes it.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "SIGNATORIES", value_delimiter = ',', requires = "threshold")]
    pub multisig: Option<Vec<String>>,
    /// How many signatories of --multisig must approve a call (at least 2).
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "N", requires = "multisig")]
    pub threshold: Option<u16>,
    /// Sign nothing: print the write's signer payload and call data for an offline signer
    /// (Polkadot Vault, `subkey sign`), with its nonce, mortality, tip, genesis and versions;
    /// `escrow submit` sends it once signed. --as may be an address.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, conflicts_with = "multisig")]
    pub unsigned: bool,
    /// Also save that unsigned transaction as JSON in FILE (implies --unsigned).
    #[arg(long, global = true, help_heading = GLOBAL_HEADING, value_name = "FILE", conflicts_with = "multisig")]
    pub unsigned_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitArg {
    /// Done once in a best block (a reorg may still retract it).
    InBlock,
    /// Done once in a finalized block.
    Finalized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Lines for people.
    Text,
    /// One JSON document per result, tagged with its `type`.
    Json,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Upload the escrow and requests code, instantiate reputation, create the escrow through
    /// it (the escrow instantiates its requests contract), save the addresses.
    Deploy(DeployCmd),
    /// Deployments: join one somebody else made (add, import), list, use, remove, export.
    #[command(subcommand)]
    Deployment(DeploymentCmd),
    /// The escrow's configuration: fee, fixed settings (minimum windows, prune delay,
    /// reputation report limits) and counters.
    Config,
    /// Arbiters: register, update, retire, show, list (offers may only name a registered one).
    #[command(subcommand)]
    Arbiter(ArbiterCmd),
    /// Offers: create, update, withdraw, show, list.
    #[command(subcommand)]
    Offer(OfferCmd),
    /// Task requests: create, list, show, cancel, close, award.
    #[command(subcommand)]
    Request(RequestCmd),
    /// Proposals on task requests: submit, list, withdraw.
    #[command(subcommand)]
    Proposal(ProposalCmd),
    /// Deals: accept an offer and everything after.
    #[command(subcommand)]
    Deal(DealCmd),
    /// Calls of a multisig account (--multisig, --threshold) waiting for approvals: pending,
    /// approve, cancel.
    #[command(subcommand)]
    Multisig(crate::multisig_cli::MultisigCmd),
    /// Send a transaction made with --unsigned-file, with the offline signer's signature.
    Submit(crate::multisig_cli::SubmitCmd),
    /// Rate the other party of an ended deal (commit, then reveal).
    #[command(subcommand)]
    Rate(RateCmd),
    /// Show what an account earned: ratings, completed deals, disputes, arbitrations.
    Reputation {
        /// Keystore name, secret URI (//Dev) or address (SS58 in any format, or 0x hex).
        account: String,
    },
    /// Withdraw your credit from the escrow (failed payouts; the fee recipient's platform fees).
    Withdraw,
    /// Free balance and escrow credit of an account.
    Balance {
        /// Keystore name, secret URI (//Dev) or address (SS58 in any format, or 0x hex).
        account: String,
    },
    /// Keys: new, list, import, fund.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Escrow and reputation events, decoded by name.
    Events {
        /// Keep watching for new events.
        #[arg(long)]
        follow: bool,
        /// First block to scan [default: the deployment block].
        #[arg(long)]
        from_block: Option<u64>,
    },
    /// A complete trade, a ruled dispute and an awarded task request on a temporary dev node
    /// (or --url).
    Demo(DemoCmd),
    /// Run the dev node from node-config/dev-node.toml until Ctrl-C, then stop it cleanly.
    Node(NodeCmd),
    /// Serve the block explorer (web page + JSON API) for the node until Ctrl-C.
    Explorer(ExplorerCmd),
    /// Measure cost per message, code size, throughput and search latency on a fresh dev
    /// node (or --url), and the event store on synthetic rows, and write BENCHMARKS.md.
    Bench(BenchCmd),
}

#[derive(Debug, Clone, Args)]
pub struct BenchCmd {
    /// The quick CI setting (4 accounts, 12 deals, search at 50 and 150 offers and requests, the store at
    /// 2,000 offers and blocks); prints only.
    #[arg(long)]
    pub small: bool,
    /// Accounts sending at once [full: 20].
    #[arg(long)]
    pub accounts: Option<usize>,
    /// Deals in the throughput run [full: 400].
    #[arg(long)]
    pub deals: Option<usize>,
    /// Offer counts for the search timing, comma-separated [full: 1000,10000,100000].
    #[arg(long, value_delimiter = ',')]
    pub offers: Option<Vec<u64>>,
    /// Request counts for the search timing, comma-separated [full: 1000,10000,100000].
    #[arg(long, value_delimiter = ',')]
    pub requests: Option<Vec<u64>>,
    /// Markdown report to write [full: BENCHMARKS.md; --small: none].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoCmd {
    /// Leave the node running afterwards and serve the explorer over the demo's deals until
    /// Ctrl-C, then stop both.
    #[arg(long)]
    pub keep: bool,
    /// The explorer's HTTP port with --keep (0 picks a free one).
    #[arg(long, default_value_t = 8080, requires = "keep")]
    pub explorer_port: u16,
}

#[derive(Debug, Clone, Args)]
pub struct ExplorerCmd {
    /// HTTP port (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on; the default keeps the explorer local to this machine.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
}

#[derive(Debug, Clone, Args)]
pub struct NodeCmd {
    /// RPC port [default: rpc_port of node-config/dev-node.toml; 0 picks a free one].
    #[arg(long)]
    pub port: Option<u16>,
    /// A throwaway chain in a temporary directory, removed on exit.
    #[arg(long, conflicts_with = "base_path")]
    pub tmp: bool,
    /// Persistent chain directory [default: base_path of node-config/dev-node.toml].
    #[arg(long)]
    pub base_path: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct DeployCmd {
    /// Platform fee in basis points (100 = 1%; at most 1000); it can only be lowered later.
    #[arg(long, default_value_t = 100)]
    pub fee_bps: u16,
    /// Fee floor in basis points: the fee can never go below it, and that part of every fee
    /// goes to the reputation contract for good, so a record costs that much to fake (0: a
    /// record costs only transaction fees to fake).
    #[arg(long, default_value_t = 0)]
    pub fee_floor_bps: u16,
    /// Who gets the platform fees [default: the deployer].
    #[arg(long)]
    pub fee_recipient: Option<String>,
    /// How long the parties of an ended deal may commit ratings (e.g. 7d); deals are prunable after twice that.
    #[arg(long, default_value = "7d")]
    pub rating_window: String,
    /// Smallest deal that counts for reputation (counters and ratings), e.g. `1 UNIT`.
    #[arg(long, default_value = "1")]
    pub min_rated_amount: String,
    /// Shortest delivery window an offer may set, fixed forever (e.g. 1h).
    #[arg(long, default_value = "1h")]
    pub min_delivery_window: String,
    /// Shortest review window an offer may set, fixed forever (e.g. 1d).
    #[arg(long, default_value = "1d")]
    pub min_review_window: String,
    /// Shortest ruling window an offer may set, fixed forever (e.g. 1d).
    #[arg(long, default_value = "1d")]
    pub min_ruling_window: String,
    /// Most ref_time the reputation report of an ended deal may use, fixed forever.
    #[arg(long, default_value_t = ops::deploy::DEFAULT_REPORT_REF_TIME)]
    pub report_ref_time: u64,
    /// Most proof_size the reputation report of an ended deal may use, fixed forever.
    #[arg(long, default_value_t = ops::deploy::DEFAULT_REPORT_PROOF_SIZE)]
    pub report_proof_size: u64,
    /// Most storage deposit the reputation report may charge, fixed forever (e.g. `1 UNIT`).
    #[arg(long, default_value = "1")]
    pub report_deposit_limit: String,
    /// How long after its proposal deadline a task request can still be awarded (e.g. 7d);
    /// then anyone may close it and the budget goes back.
    #[arg(long, default_value = "7d")]
    pub award_window: String,
    /// The name to save the deployment under (it is put in use) [default: the escrow's
    /// address, shortened].
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ArbiterCmd {
    /// Register the --as account as an arbiter (or re-activate it with new terms).
    Register(ArbiterTerms),
    /// Change the terms of the --as account, which must be registered already.
    Update(ArbiterTerms),
    /// Stop taking new deals (open deals are still yours to rule).
    Retire,
    /// Retired arbiter: leave the registry and get its storage deposit back (open deals are
    /// still yours to rule).
    Remove,
    /// An account's arbiter terms.
    Show {
        /// Keystore name, //Dev URI or SS58 address.
        account: String,
    },
    /// Registered arbiters, in order of registration.
    List {
        /// Leave out retired arbiters.
        #[arg(long)]
        active: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ArbiterTerms {
    /// Fee on a disputed deal you rule, in basis points (at most 2000 = 20%).
    #[arg(long)]
    pub fee_bps: u16,
    /// Smallest deal you arbitrate, e.g. `5 UNIT` [register: 0; update: unchanged].
    #[arg(long)]
    pub min_amount: Option<String>,
    /// Your profile (terms, contact, policy), published on chain with the call (public, at most
    /// 4 KiB); or the 0x-hash of one kept elsewhere [register: none; update: unchanged].
    #[arg(long)]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum OfferCmd {
    /// List a new offer (stakes bond-per-unit × quantity).
    Create(OfferCreate),
    /// Change price and/or quantity (bumps the version).
    Update {
        /// The offer's id.
        offer: u64,
        /// New price of one unit, e.g. `12.5 UNIT`.
        #[arg(long)]
        price: Option<String>,
        /// New number of units for sale (the bond stake follows).
        #[arg(long)]
        quantity: Option<u32>,
    },
    /// Withdraw an offer and get its bond back.
    Withdraw {
        /// The offer's id.
        offer: u64,
    },
    /// Remove a withdrawn offer from storage and get its storage deposit back.
    Remove {
        /// The offer's id.
        offer: u64,
    },
    /// One offer: terms, seller, arbiter, units left and bond.
    Show {
        /// The offer's id.
        offer: u64,
    },
    /// Search offers by price, seller, text, rating and arbiter.
    List(OfferListCmd),
}

#[derive(Debug, Clone, Args)]
pub struct OfferCreate {
    /// What is for sale, at most 64 bytes.
    #[arg(long)]
    pub title: String,
    /// Details or a content hash, at most 256 bytes.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Price of one unit, e.g. `12.5` or `12.5 UNIT`.
    #[arg(long)]
    pub price: String,
    /// Units for sale; the bond stake is bond-per-unit × quantity.
    #[arg(long, default_value_t = 1)]
    pub quantity: u32,
    /// A registered arbiter (`escrow arbiter list`); its registered fee applies.
    #[arg(long)]
    pub arbiter: String,
    /// Time from acceptance to the delivery deadline, e.g. 3d, 90m, 1h 30m.
    #[arg(long, default_value = "3d")]
    pub delivery_window: String,
    /// Time the buyer has after delivery to release or dispute.
    #[arg(long, default_value = "3d")]
    pub review_window: String,
    /// Time the arbiter has to rule once a dispute is opened.
    #[arg(long, default_value = "3d")]
    pub ruling_window: String,
    /// Security deposit per unit, paid to the buyer if you fail to deliver, e.g. `1 UNIT`.
    #[arg(long, default_value = "0")]
    pub bond_per_unit: String,
    /// Rules a buyer must meet to accept.
    #[command(flatten)]
    pub screening: ScreeningFlags,
    /// Pay deals in steps: `AMOUNT:WINDOW` per unit, repeated (at most 8), adding up to the
    /// price, e.g. `--milestone 4:2d --milestone 6:3d`. Each window runs from the payment of
    /// the step before; together they are the delivery window.
    #[arg(
        long = "milestone",
        value_name = "AMOUNT:WINDOW",
        conflicts_with = "delivery_window"
    )]
    pub milestones: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct OfferListCmd {
    /// Lowest unit price, e.g. `5 UNIT`.
    #[arg(long)]
    pub min_price: Option<String>,
    /// Highest unit price.
    #[arg(long)]
    pub max_price: Option<String>,
    /// Only this seller's offers (keystore name, URI or address).
    #[arg(long)]
    pub seller: Option<String>,
    /// Words of the title or description: each must start a word there (`bik` finds
    /// "e-bike"), case and accents ignored.
    #[arg(long)]
    pub text: Option<String>,
    /// Minimum average rating of the seller (0-5).
    #[arg(long)]
    pub min_rating: Option<f64>,
    /// Only offers naming this arbiter.
    #[arg(long)]
    pub arbiter: Option<String>,
    /// Include withdrawn offers.
    #[arg(long)]
    pub all: bool,
    /// First offer id to look at.
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// Most offers to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DealCmd {
    /// Buy units of an offer (pays price × quantity into escrow).
    Accept {
        /// The offer's id.
        offer: u64,
        /// Units to buy.
        #[arg(long, default_value_t = 1)]
        quantity: u32,
        /// The offer version you saw [default: the current one].
        #[arg(long)]
        version: Option<u32>,
    },
    /// Seller: mark the deal delivered.
    Deliver {
        /// The deal's id.
        deal: u64,
        /// The milestone you deliver (1-based); refused unless it is the current one.
        #[arg(long)]
        milestone: Option<u8>,
        /// What you delivered (a tracking id, how to collect it), published on chain with the
        /// call (public, at most 4 KiB); or the 0x-hash of a document kept elsewhere.
        #[arg(long)]
        note: Option<String>,
        /// A link added to the note (repeatable).
        #[arg(long = "link", requires = "note")]
        links: Vec<String>,
    },
    /// Buyer: pay the seller the current milestone (a deal without milestones: everything).
    Release {
        /// The deal's id.
        deal: u64,
        /// Part of the current milestone to release, e.g. `4 UNIT` [default: all of it].
        #[arg(long)]
        amount: Option<String>,
        /// The milestone you release (1-based); refused unless it is the current one, so a
        /// repeated command cannot pay the next.
        #[arg(long)]
        milestone: Option<u8>,
    },
    /// Anyone: end a deal whose review or ruling window is over.
    Finalize {
        /// The deal's id.
        deal: u64,
    },
    /// Anyone: refund the buyer (plus the bond) after a missed delivery deadline.
    Reclaim {
        /// The deal's id.
        deal: u64,
    },
    /// Seller: refund the buyer.
    Refund {
        /// The deal's id.
        deal: u64,
    },
    /// Buyer or seller: propose a split (seller's share in bps or percent).
    Propose {
        /// The deal's id.
        deal: u64,
        /// The seller's share: basis points (7000) or percent (70%).
        #[arg(long = "seller-share", alias = "seller-bps")]
        seller_share: String,
    },
    /// The other party: accept the proposed split.
    AcceptSettlement {
        /// The deal's id.
        deal: u64,
        /// The share you expect, refused if the proposal on record differs [default: any].
        #[arg(long = "seller-share", alias = "seller-bps")]
        seller_share: Option<String>,
        /// The milestone you settle (1-based), refused unless it is the current one
        /// [default: the current one when sent; the contract refuses the split if a payment
        /// moved the deal on before it lands].
        #[arg(long)]
        milestone: Option<u8>,
    },
    /// Buyer or seller: open a dispute.
    Dispute {
        /// The deal's id.
        deal: u64,
        /// Your case, published on chain with the call (public, at most 4 KiB); or the
        /// 0x-hash of a document kept elsewhere.
        #[arg(long, alias = "evidence")]
        statement: Option<String>,
        /// A link added to the statement (repeatable).
        #[arg(long = "link", requires = "statement")]
        links: Vec<String>,
    },
    /// Evidence in a dispute, from the buyer, the seller or the arbiter.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Arbiter: rule a split (seller's share in bps or percent).
    Rule {
        /// The deal's id.
        deal: u64,
        /// The seller's share of what the deal holds after your fee: bps (3000) or percent (30%).
        #[arg(long = "seller-share", alias = "seller-bps")]
        seller_share: String,
        /// The seller was at fault: its bond goes to the buyer and the deal counts as failed
        /// by the seller [default: when the seller gets less than half].
        #[arg(long, conflicts_with = "no_fault")]
        fault: bool,
        /// The seller was not at fault: its bond goes back, even with a refund to the buyer.
        #[arg(long)]
        no_fault: bool,
        /// Why you ruled so, published on chain with the ruling (public, at most 4 KiB); or
        /// the 0x-hash of a document kept elsewhere.
        #[arg(long)]
        reasons: Option<String>,
        /// A link added to the reasons (repeatable).
        #[arg(long = "link", requires = "reasons")]
        links: Vec<String>,
    },
    /// Buyer: remove an ended deal once its rating period is over, getting its storage deposit back.
    Prune {
        /// The deal's id.
        deal: u64,
    },
    /// Anyone: send an ended deal's pending reputation report again.
    RetryReport {
        /// The deal's id.
        deal: u64,
    },
    /// State, parties, amounts, deadlines and history.
    Show {
        /// The deal's id.
        deal: u64,
    },
    /// Deals an account takes part in.
    List {
        /// The --as account's deals.
        #[arg(long)]
        mine: bool,
        /// This account's deals (keystore name, URI or address).
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum EvidenceCmd {
    /// Cite evidence while the dispute is open (before the ruling deadline), at most 8 per
    /// side.
    Add {
        /// The deal's id.
        deal: u64,
        /// The evidence, published on chain with the call (public, at most 4 KiB); or the
        /// 0x-hash of a document kept elsewhere.
        text: String,
        /// A link added to the evidence (repeatable).
        #[arg(long = "link")]
        links: Vec<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum RateCmd {
    /// Commit a hidden rating (1-5) of the other party.
    Commit {
        /// The deal's id.
        deal: u64,
        /// Your score of the other party, 1 to 5.
        #[arg(long)]
        score: u8,
        /// Your comment, kept here and published on chain at the reveal (public, at most
        /// 4 KiB); or the 0x-hash of one kept elsewhere.
        #[arg(long, alias = "comment-hash")]
        comment: Option<String>,
    },
    /// Reveal the rating committed earlier.
    Reveal {
        /// The deal's id.
        deal: u64,
    },
    /// Anyone, after the reveal window: count ratings committed and never revealed against their raters.
    CountWithheld {
        /// The deal's id.
        deal: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// Schnorrkel, as polkadot.js and subkey use by default.
    Sr25519,
    /// Edwards curve, through ed25519-dalek.
    Ed25519,
}

impl From<SchemeArg> for Scheme {
    fn from(s: SchemeArg) -> Self {
        match s {
            SchemeArg::Sr25519 => Scheme::Sr25519,
            SchemeArg::Ed25519 => Scheme::Ed25519,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum AccountCmd {
    /// Generate a key from a new mnemonic, shown this once (and kept in the keystore).
    New {
        /// Name in the keystore.
        name: String,
        /// Signature scheme of the key.
        #[arg(long, value_enum, default_value_t = SchemeArg::Sr25519)]
        scheme: SchemeArg,
        /// Words of the mnemonic: 12, 15, 18, 21 or 24.
        #[arg(long, default_value_t = 12)]
        words: usize,
    },
    /// Keys in the keystore, with addresses in the chain's SS58 format.
    List,
    /// Import a key: a mnemonic, a secret URI or a hex seed (--secret), kept encrypted under a
    /// new password (a dev URI such as //Alice needs none), or a polkadot.js JSON export
    /// (--json FILE), kept as it is: its password is asked for to check it, and not kept.
    #[command(group(clap::ArgGroup::new("source").required(true).args(["secret", "json"])))]
    Import {
        /// Name in the keystore.
        name: String,
        /// `<mnemonic>`, `//Alice`, `<mnemonic>//hard/soft///password` or `0x<32-byte seed>`.
        #[arg(long)]
        secret: Option<String>,
        /// A polkadot.js JSON account export (sr25519 or ed25519).
        #[arg(long, value_name = "FILE", conflicts_with = "scheme")]
        json: Option<PathBuf>,
        /// The secret's scheme [default: sr25519].
        #[arg(long, value_enum)]
        scheme: Option<SchemeArg>,
    },
    /// A key's polkadot.js JSON, encrypted under its password, as polkadot.js and Talisman
    /// import it (a dev URI: the URI); or with --secret the mnemonic or URI it was made from.
    Export {
        /// Name in the keystore.
        name: String,
        /// Write the JSON to FILE instead of printing it.
        #[arg(long, value_name = "FILE", conflicts_with = "secret")]
        out: Option<PathBuf>,
        /// Print the mnemonic or URI the key was made from (needs its password).
        #[arg(long)]
        secret: bool,
    },
    /// Send funds from a dev account (--as, default //Alice).
    Fund {
        /// Who receives (keystore name, URI or address).
        account: String,
        /// How much, e.g. `1000` or `1000 UNIT`.
        #[arg(long, default_value = "1000")]
        amount: String,
    },
}

impl Cli {
    pub fn settings(&self) -> Settings {
        Settings {
            url: self.url.clone(),
            output: match self.output {
                Format::Text => OutputMode::Text,
                Format::Json => OutputMode::Json,
            },
            deployment: self.deployment.clone(),
            keystore: self.keystore.clone(),
            as_account: self.as_account.clone(),
            suri: self.suri.clone().or_else(|| {
                // ESCROW_SURI only when the command line names no signer: an explicit --as
                // wins over the environment.
                if self.as_account.is_some() {
                    return None;
                }
                std::env::var("ESCROW_SURI").ok().filter(|s| !s.is_empty())
            }),
            dry_run: self.dry_run,
            nonce: self.nonce,
            tip: self.tip.clone(),
            storage_deposit_limit: self.storage_deposit_limit.clone(),
            mortality: self.mortality,
            passwords: Some(crate::password::source(self.password_file.clone())),
            multisig: self.multisig.clone(),
            threshold: self.threshold,
            unsigned: self.unsigned || self.unsigned_file.is_some(),
            unsigned_out: self.unsigned_file.clone(),
            assume_yes: self.assume_yes,
            confirm: None,
            wait: self.wait.map(|w| match w {
                WaitArg::InBlock => escrow_client::chain::WaitFor::InBlock,
                WaitArg::Finalized => escrow_client::chain::WaitFor::Finalized,
            }),
        }
    }
}

/// Runs one command. `events --follow` and `demo` print as they go through `print`. Writes
/// off a Development chain ask `confirm`, when given, before they send anything.
pub async fn run(
    cli: Cli,
    confirm: Option<ops::Confirmer>,
    print: &mut dyn FnMut(Report, &TokenUnits),
) -> OpResult<Option<Shown>> {
    match run_command(cli, confirm, print).await {
        // A write stopped after its dry run: that is the result asked for.
        Err(OpError::DryRun(report)) => Ok(Some(Shown {
            units: report.token.clone(),
            report: Report::DryRun(report),
        })),
        // Handed to other signers: what they need is the result.
        Err(OpError::Deferred(deferred)) => Ok(Some(Shown {
            units: deferred.token().clone(),
            report: Report::Deferred(deferred),
        })),
        other => other,
    }
}

async fn run_command(
    cli: Cli,
    confirm: Option<ops::Confirmer>,
    print: &mut dyn FnMut(Report, &TokenUnits),
) -> OpResult<Option<Shown>> {
    let no_units = TokenUnits::default();
    let settings = Settings {
        confirm,
        ..cli.settings()
    };
    // Commands that need no node.
    match &cli.command {
        Command::Node(cmd) => {
            let args = ops::node::NodeArgs {
                port: cmd.port,
                temporary: cmd.tmp,
                base_path: cmd.base_path.clone(),
            };
            let stopped =
                ops::node::run(args, |ready| print(Report::NodeReady(ready), &no_units)).await?;
            return Ok(Some(Shown::new(Report::NodeStopped(stopped), &no_units)));
        }
        Command::Explorer(cmd) => {
            let args = escrow_client::explorer::ExplorerArgs {
                port: cmd.port,
                bind: cmd.bind,
            };
            // Starts without the node: the page says when it is down and reconnects.
            let stopped = escrow_client::explorer::serve(settings, args, |ready| {
                print(Report::ExplorerReady(ready), &no_units)
            })
            .await?;
            return Ok(Some(Shown::new(
                Report::ExplorerStopped(stopped),
                &no_units,
            )));
        }
        Command::Bench(cmd) => {
            let mut args = if cmd.small {
                escrow_client::bench::BenchArgs::small()
            } else {
                escrow_client::bench::BenchArgs::full()
            };
            if let Some(n) = cmd.accounts {
                args.accounts = n;
            }
            if let Some(n) = cmd.deals {
                args.deals = n;
            }
            if let Some(mut counts) = cmd.offers.clone() {
                counts.sort_unstable();
                args.offer_counts = counts;
            }
            if let Some(mut counts) = cmd.requests.clone() {
                counts.sort_unstable();
                args.request_counts = counts;
            }
            if cmd.out.is_some() {
                args.out = cmd.out.clone();
            }
            let quiet = settings.output == OutputMode::Json;
            let report = escrow_client::bench::run(settings, args, |line| {
                if !quiet {
                    eprintln!("[bench] {line}");
                }
            })
            .await?;
            return Ok(Some(Shown::new(Report::Bench(Box::new(report)), &no_units)));
        }
        Command::Account(AccountCmd::New {
            name,
            scheme,
            words,
        }) => {
            let key = ops::accounts::new_key(&settings, name, (*scheme).into(), *words).await?;
            return Ok(Some(Shown::new(Report::Key(key), &no_units)));
        }
        Command::Account(AccountCmd::Import {
            name,
            secret,
            json,
            scheme,
        }) => {
            let from = match (secret, json) {
                (Some(secret), None) => ops::accounts::ImportFrom::Secret {
                    secret: secret.clone(),
                    scheme: scheme.map(Scheme::from).unwrap_or_default(),
                },
                (None, Some(path)) => {
                    ops::accounts::ImportFrom::PolkadotJsFile { path: path.clone() }
                }
                _ => return Err(ops::usage("pass either --secret or --json")),
            };
            let key = ops::accounts::import_key(&settings, name, from).await?;
            return Ok(Some(Shown::new(Report::Key(key), &no_units)));
        }
        Command::Account(AccountCmd::Export { name, out, secret }) => {
            let what = match secret {
                true => ops::accounts::ExportWhat::SecretUri,
                false => ops::accounts::ExportWhat::Json { out: out.clone() },
            };
            let key = ops::accounts::export_key(&settings, name, what).await?;
            return Ok(Some(Shown::new(Report::KeyExport(key), &no_units)));
        }
        Command::Account(AccountCmd::List) => {
            let keys = ops::accounts::list_keys(&settings).await?;
            return Ok(Some(Shown::new(Report::Keys(keys), &no_units)));
        }
        Command::Demo(cmd) if cmd.keep => {
            let (result, kept) = ops::demo::demo_keep(settings, |step| {
                print(Report::DemoStep(step.clone()), &step.token)
            })
            .await?;
            let token = result.token.clone();
            print(Report::Demo(result), &token);
            let args = escrow_client::explorer::ExplorerArgs {
                port: cmd.explorer_port,
                bind: std::net::IpAddr::from([127, 0, 0, 1]),
            };
            // Until Ctrl-C or SIGTERM; the node stops even when the explorer could not start.
            let served = escrow_client::explorer::serve(kept.settings().clone(), args, |ready| {
                print(Report::ExplorerReady(ready), &no_units)
            })
            .await;
            let node = kept.stop().await?;
            let explorer = served?;
            let last = match node {
                Some(node) => {
                    print(Report::ExplorerStopped(explorer), &no_units);
                    Report::NodeStopped(node)
                }
                None => Report::ExplorerStopped(explorer),
            };
            return Ok(Some(Shown::new(last, &no_units)));
        }
        Command::Demo(_) => {
            let result = ops::demo::demo(settings, |step| {
                print(Report::DemoStep(step.clone()), &step.token)
            })
            .await?;
            let token = result.token.clone();
            return Ok(Some(Shown::new(Report::Demo(result), &token)));
        }
        _ => {}
    }
    let mut ctx = ops::Ctx::connect(settings).await?;
    let units = ctx.units().clone();
    let c = &mut ctx;
    let report = match cli.command {
        Command::Deploy(d) => {
            let duration = escrow_client::units::parse_duration_ms;
            let args = ops::deploy::DeployArgs {
                fee_bps: d.fee_bps,
                fee_floor_bps: d.fee_floor_bps,
                fee_recipient: d.fee_recipient,
                rating_window_ms: duration(&d.rating_window)?,
                min_rated_amount: units.parse(&d.min_rated_amount)?,
                min_delivery_window_ms: duration(&d.min_delivery_window)?,
                min_review_window_ms: duration(&d.min_review_window)?,
                min_ruling_window_ms: duration(&d.min_ruling_window)?,
                report_ref_time: d.report_ref_time,
                report_proof_size: d.report_proof_size,
                report_deposit_limit: units.parse(&d.report_deposit_limit)?,
                award_window_ms: duration(&d.award_window)?,
                name: d.name,
            };
            Report::Deploy(ops::deploy::deploy(c, args).await?)
        }
        Command::Deployment(cmd) => crate::deployment_cli::run(c, cmd).await?,
        Command::Multisig(cmd) => crate::multisig_cli::run(c, cmd).await?,
        Command::Submit(cmd) => crate::multisig_cli::submit(c, cmd).await?,
        Command::Config => Report::Config(ops::deploy::config(c).await?),
        Command::Arbiter(cmd) => {
            use ops::arbiters;
            let terms = |t: ArbiterTerms| arbiters::RegisterArgs {
                fee_bps: t.fee_bps,
                min_amount: t.min_amount,
                profile: t.profile,
            };
            match cmd {
                ArbiterCmd::Register(t) => Report::Arbiter(arbiters::register(c, terms(t)).await?),
                ArbiterCmd::Update(t) => Report::Arbiter(arbiters::update(c, terms(t)).await?),
                ArbiterCmd::Retire => Report::Arbiter(arbiters::retire(c).await?),
                ArbiterCmd::Remove => Report::Arbiter(arbiters::remove(c).await?),
                ArbiterCmd::Show { account } => Report::Arbiter(arbiters::show(c, &account).await?),
                ArbiterCmd::List { active } => Report::Arbiters(
                    escrow_client::ops::stored_requests::arbiters(c, active).await?,
                ),
            }
        }
        Command::Offer(cmd) => match cmd {
            OfferCmd::Create(o) => Report::Offer(
                ops::offers::create(
                    c,
                    ops::offers::CreateOfferArgs {
                        title: o.title,
                        description: o.description,
                        price: o.price,
                        quantity: o.quantity,
                        arbiter: o.arbiter,
                        delivery_window: o.delivery_window,
                        review_window: o.review_window,
                        ruling_window: o.ruling_window,
                        bond_per_unit: o.bond_per_unit,
                        screening: o.screening.args(),
                        milestones: o.milestones,
                    },
                )
                .await?,
            ),
            OfferCmd::Update {
                offer,
                price,
                quantity,
            } => Report::Offer(ops::offers::update(c, offer, price, quantity).await?),
            OfferCmd::Withdraw { offer } => Report::Offer(ops::offers::withdraw(c, offer).await?),
            OfferCmd::Remove { offer } => Report::Offer(ops::offers::remove(c, offer).await?),
            OfferCmd::Show { offer } => Report::Offer(ops::stored_offers::show(c, offer).await?),
            OfferCmd::List(l) => Report::Offers(
                ops::stored_offers::list(
                    c,
                    ops::stored_offers::ListFilter {
                        min_price: l.min_price,
                        max_price: l.max_price,
                        seller: l.seller,
                        text: l.text,
                        min_rating: l.min_rating,
                        arbiter: l.arbiter,
                        include_inactive: l.all,
                        from: l.from,
                        limit: l.limit,
                    },
                )
                .await?,
            ),
        },
        Command::Request(cmd) => crate::requests_cli::run_request(c, cmd).await?,
        Command::Proposal(cmd) => crate::requests_cli::run_proposal(c, cmd).await?,
        Command::Deal(cmd) => {
            use ops::deals;
            match cmd {
                DealCmd::Accept {
                    offer,
                    quantity,
                    version,
                } => Report::Deal(deals::accept(c, offer, quantity, version).await?),
                DealCmd::Deliver {
                    deal,
                    milestone,
                    note,
                    links,
                } => {
                    let note = words(note, links);
                    Report::Deal(deals::deliver(c, deal, milestone, note.as_ref()).await?)
                }
                DealCmd::Release {
                    deal,
                    amount,
                    milestone,
                } => Report::Deal(deals::release(c, deal, amount, milestone).await?),
                DealCmd::Finalize { deal } => Report::Deal(deals::finalize(c, deal).await?),
                DealCmd::Reclaim { deal } => Report::Deal(deals::reclaim(c, deal).await?),
                DealCmd::Refund { deal } => Report::Deal(deals::refund(c, deal).await?),
                DealCmd::Propose { deal, seller_share } => {
                    Report::Deal(deals::propose(c, deal, &seller_share).await?)
                }
                DealCmd::AcceptSettlement {
                    deal,
                    seller_share,
                    milestone,
                } => Report::Deal(
                    deals::accept_settlement(c, deal, seller_share.as_deref(), milestone).await?,
                ),
                DealCmd::Dispute {
                    deal,
                    statement,
                    links,
                } => {
                    let statement = words(statement, links);
                    Report::Deal(deals::dispute(c, deal, statement.as_ref()).await?)
                }
                DealCmd::Evidence(EvidenceCmd::Add { deal, text, links }) => {
                    let evidence = deals::Words { text, links };
                    Report::Deal(deals::add_evidence(c, deal, &evidence).await?)
                }
                DealCmd::Rule {
                    deal,
                    seller_share,
                    fault,
                    no_fault,
                    reasons,
                    links,
                } => {
                    let at_fault = (fault || no_fault).then_some(fault);
                    let reasons = words(reasons, links);
                    Report::Deal(
                        deals::rule(c, deal, &seller_share, at_fault, reasons.as_ref()).await?,
                    )
                }
                DealCmd::Prune { deal } => Report::Deal(deals::prune(c, deal).await?),
                DealCmd::RetryReport { deal } => Report::Deal(deals::retry_report(c, deal).await?),
                DealCmd::Show { deal } => {
                    Report::DealDetails(ops::stored_deals::show(c, deal).await?)
                }
                DealCmd::List { mine, account } => {
                    if mine && account.is_some() {
                        return Err(ops::usage("pass either --mine or --account, not both"));
                    }
                    if !mine && account.is_none() {
                        return Err(ops::usage(
                            "deal list needs --mine (with --as) or --account ACCOUNT",
                        ));
                    }
                    Report::Deals(ops::stored_deals::list(c, account.as_deref()).await?)
                }
            }
        }
        Command::Rate(RateCmd::Commit {
            deal,
            score,
            comment,
        }) => Report::Rating(ops::ratings::commit(c, deal, score, comment.as_deref()).await?),
        Command::Rate(RateCmd::Reveal { deal }) => {
            Report::Rating(ops::ratings::reveal(c, deal).await?)
        }
        Command::Rate(RateCmd::CountWithheld { deal }) => {
            Report::Withheld(ops::ratings::count_withheld(c, deal).await?)
        }
        Command::Reputation { account } => {
            Report::Reputation(ops::ratings::reputation(c, &account).await?)
        }
        Command::Withdraw => Report::Withdraw(ops::accounts::withdraw(c).await?),
        Command::Balance { account } => Report::Balance(ops::accounts::balance(c, &account).await?),
        Command::Account(AccountCmd::Fund { account, amount }) => {
            Report::Fund(ops::accounts::fund(c, &account, &amount).await?)
        }
        Command::Events { follow, from_block } => {
            if follow {
                ops::events::follow(c, from_block, |e| print(Report::Event(e.clone()), &units))
                    .await?;
                return Ok(None);
            }
            Report::Events(ops::events::list(c, from_block).await?)
        }
        Command::Account(_)
        | Command::Demo(_)
        | Command::Node(_)
        | Command::Explorer(_)
        | Command::Bench(_) => {
            return Err(OpError::Failed("handled above".into()));
        }
    };
    Ok(Some(Shown::new(report, &units)))
}

/// The words of a `--note`, `--statement` or `--reasons` flag and its `--link`s.
fn words(text: Option<String>, links: Vec<String>) -> Option<ops::deals::Words> {
    text.map(|text| ops::deals::Words { text, links })
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument and subcommand of `cmd` and below without a help line, as paths.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() {
                out.push(format!("{path} <{}>", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_name() != "help" {
                out.push(sub_path.clone());
            }
            undocumented(sub, &sub_path, out);
        }
    }

    #[test]
    fn every_option_argument_and_command_has_a_help_line() {
        let mut missing = Vec::new();
        undocumented(&Cli::command(), "escrow", &mut missing);
        assert!(missing.is_empty(), "no help line: {missing:#?}");
    }

    #[test]
    fn global_options_stand_under_their_own_heading() {
        let cli = Cli::command();
        let offer_create = cli
            .find_subcommand("offer")
            .and_then(|o| o.find_subcommand("create"))
            .expect("offer create");
        for arg in cli.get_arguments().filter(|a| a.is_global_set()) {
            assert_eq!(
                arg.get_help_heading(),
                Some(super::GLOBAL_HEADING),
                "--{}",
                arg.get_id()
            );
        }
        // A command's own options keep the default heading.
        let title = offer_create
            .get_arguments()
            .find(|a| a.get_id() == "title")
            .expect("--title");
        assert_eq!(title.get_help_heading(), None);
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
