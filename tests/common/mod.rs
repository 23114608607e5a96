//! Shared helpers of tests/cli.rs: a real dev node per test, the `escrow` binary run with
//! `--output json` in a private ESCROW_HOME, and balance/block helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use escrow_client::dev_node::{DevNode, DevNodeOptions};
use escrow_client::node_config::{contract_bundle, NodeConfig};
use serde_json::Value;

pub const UNIT: u128 = 1_000_000_000_000;

pub const ALICE: &str = "//Alice";
pub const BOB: &str = "//Bob";
pub const CHARLIE: &str = "//Charlie";
pub const DAVE: &str = "//Dave";
pub const EVE: &str = "//Eve";
pub const FERDIE: &str = "//Ferdie";

/// `deploy` flags for 1 ms minimum windows, so the tests' short windows pass.
pub const SHORT_MINIMUMS: [&str; 6] = [
    "--min-delivery-window",
    "1ms",
    "--min-review-window",
    "1ms",
    "--min-ruling-window",
    "1ms",
];

/// Fails with a clear message when the contract bundles are not built.
pub fn require_bundles() {
    for name in ["escrow", "reputation", "requests"] {
        let path = contract_bundle(name);
        assert!(
            path.is_file(),
            "contract bundle {} is missing: run `bash node-config/setup` (release builds of every \
             contract, copied to $ESCROW_CONTRACTS_DIR)",
            path.display()
        );
    }
}

pub fn config() -> NodeConfig {
    NodeConfig::load_default().unwrap_or_else(|e| panic!("node config: {e}"))
}

pub fn start_node(options: DevNodeOptions) -> DevNode {
    DevNode::start(&config(), options).unwrap_or_else(|e| {
        panic!("{e}\nThese tests need substrate-contracts-node 0.42.0 (`bash node-config/setup`).")
    })
}

/// A dev node plus a private ESCROW_HOME for the CLI.
pub struct Env {
    pub node: DevNode,
    pub home: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        require_bundles();
        Env::with_node(start_node(DevNodeOptions::for_tests()))
    }

    /// A node on a free port with a base path of its own, so it can be stopped or killed and
    /// started again on the same chain. Keep the directory alive as long as the env.
    pub fn restartable() -> (Env, tempfile::TempDir) {
        require_bundles();
        let base = tempfile::tempdir().unwrap();
        let node = start_node(DevNodeOptions {
            rpc_port: Some(0),
            base_path: Some(base.path().join("chain")),
            ..DevNodeOptions::default()
        });
        (Env::with_node(node), base)
    }

    /// A node whose chain spec says "Live" (sealing unchanged): the client behaves as on a
    /// real chain, with no dev-account defaults and a yes for every write.
    pub fn live() -> Env {
        require_bundles();
        let mut config = config();
        config.chain.chain_type = "Live".into();
        let node =
            DevNode::start(&config, DevNodeOptions::for_tests()).unwrap_or_else(|e| panic!("{e}"));
        Env::with_node(node)
    }

    pub fn with_node(node: DevNode) -> Env {
        Env {
            node,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// Library settings pointing at this env's node, deployment and keystore.
    pub fn settings(&self) -> escrow_client::ops::Settings {
        escrow_client::ops::Settings {
            url: Some(self.node.url()),
            output: escrow_client::ops::OutputMode::Json,
            deployment: Some(self.deployment_file()),
            keystore: Some(self.home.path().join("keys.json")),
            as_account: None,
            suri: None,
            dry_run: false,
            assume_yes: false,
            wait: None,
            confirm: None,
            nonce: None,
            tip: None,
            storage_deposit_limit: None,
            mortality: None,
            passwords: None,
            ..Default::default()
        }
    }

    pub fn deployment_file(&self) -> PathBuf {
        self.home.path().join("deployments.json")
    }

    /// `escrow --url <node> --output json <args>` with ESCROW_HOME set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_in(self.home.path(), args)
    }

    /// [`Env::cmd`] for another client of the same node, whose ESCROW_HOME is `home`.
    pub fn cmd_in(&self, home: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("escrow").unwrap();
        cmd.env("ESCROW_HOME", home)
            .env_remove("ESCROW_URL")
            .env_remove("ESCROW_PASSWORD")
            .timeout(Duration::from_secs(120))
            .args(["--url", &self.node.url(), "--output", "json"])
            .args(args);
        cmd
    }

    /// Runs and expects success; returns the parsed JSON.
    pub fn ok(&self, args: &[&str]) -> Value {
        succeeds(self.cmd(args), args)
    }

    /// Runs with `--output text` and expects success; returns what it printed.
    pub fn text(&self, args: &[&str]) -> String {
        let out = self.cmd(args).args(["--output", "text"]).output().unwrap();
        assert!(
            out.status.success(),
            "escrow {args:?} failed ({:?})",
            out.status.code()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects exit code `code` and nothing on stdout; returns the JSON error object
    /// from stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> Value {
        fails_with(self.cmd(args), args, code)
    }

    /// Deploys with a 1% fee to //Eve and 1 ms minimum windows (so the tests' short windows
    /// pass), then registers //Dave as an arbiter with a 5% fee. Returns deploy's output.
    pub fn deploy(&self) -> Value {
        let deployed = self.deploy_only();
        self.register_arbiter(DAVE, "500");
        deployed
    }

    /// Deploys as [`Env::deploy`] does, without registering an arbiter.
    pub fn deploy_only(&self) -> Value {
        self.deploy_with_rating_window("10m")
    }

    /// Deploys as [`Env::deploy_only`] does with a rating window of `window`: commits close
    /// that long after a deal ends, reveals twice that long after.
    pub fn deploy_with_rating_window(&self, window: &str) -> Value {
        self.deploy_with(&["--rating-window", window])
    }

    /// Deploys as [`Env::deploy_only`] does (1% fee to Eve, deals from 0.001 rated, 1 ms
    /// minimum windows), with `extra` deploy flags after those.
    pub fn deploy_with(&self, extra: &[&str]) -> Value {
        let mut args = vec![
            "deploy",
            "--fee-bps",
            "100",
            "--fee-recipient",
            EVE,
            "--min-rated-amount",
            "0.001",
        ];
        args.extend(SHORT_MINIMUMS);
        args.extend(extra);
        self.ok(&args)
    }

    /// Bob lists one unit at `price` with bond `bond` and `windows`; Charlie accepts it.
    /// Returns the offer's and the deal's ids.
    pub fn accepted_deal(&self, price: &str, bond: &str, windows: [&str; 3]) -> (String, String) {
        let created = self.offer(price, 1, bond, windows);
        let offer_id = id(&created["offer"]["id"]);
        let accepted = self.ok(&["--as", CHARLIE, "deal", "accept", &offer_id]);
        (offer_id, id(&accepted["deal"]["id"]))
    }

    /// `who` posts a request for `budget` accepting //Dave as arbiter (delivery within 3d,
    /// review 2d, ruling 1d), with `extra` flags.
    pub fn post_request(&self, who: &str, title: &str, budget: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "--as",
            who,
            "request",
            "create",
            "--title",
            title,
            "--budget",
            budget,
            "--delivery-window",
            "3d",
            "--review-window",
            "2d",
            "--ruling-window",
            "1d",
            "--arbiter",
            DAVE,
        ];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// `who` registers as an arbiter with `fee_bps` (no minimum amount).
    pub fn register_arbiter(&self, who: &str, fee_bps: &str) -> Value {
        self.ok(&["--as", who, "arbiter", "register", "--fee-bps", fee_bps])
    }

    pub fn free(&self, who: &str) -> u128 {
        plancks(&self.ok(&["balance", who])["free"])
    }

    pub fn credit(&self, who: &str) -> u128 {
        plancks(&self.ok(&["balance", who])["escrow_credit"])
    }

    pub fn best_block(&self) -> u64 {
        let header = self
            .node
            .rpc("chain_getHeader", serde_json::json!([]))
            .unwrap();
        let hex = header["number"].as_str().unwrap().trim_start_matches("0x");
        u64::from_str_radix(hex, 16).unwrap()
    }

    /// Creates an offer as //Bob (arbiter //Dave, registered by [`Env::deploy`] with a 5% fee).
    pub fn offer(&self, price: &str, quantity: u32, bond: &str, windows: [&str; 3]) -> Value {
        self.ok(&[
            "--as",
            BOB,
            "offer",
            "create",
            "--title",
            "Vintage camera",
            "--description",
            "Leica M3",
            "--price",
            price,
            "--quantity",
            &quantity.to_string(),
            "--arbiter",
            DAVE,
            "--delivery-window",
            windows[0],
            "--review-window",
            windows[1],
            "--ruling-window",
            windows[2],
            "--bond-per-unit",
            bond,
        ])
    }
}

/// Runs `cmd` (made of `args`) and expects success; returns the parsed JSON.
pub fn succeeds(mut cmd: impl std::borrow::BorrowMut<Command>, args: &[&str]) -> Value {
    let out = cmd.borrow_mut().output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "escrow {args:?} failed ({:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("escrow {args:?}: not JSON ({e}):\n{stdout}"))
}

/// Runs `cmd` (made of `args`) and expects exit code `code` and nothing on stdout; returns the
/// JSON error object from stderr.
pub fn fails_with(
    mut cmd: impl std::borrow::BorrowMut<Command>,
    args: &[&str],
    code: i32,
) -> Value {
    let out = cmd.borrow_mut().output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "escrow {args:?}: expected exit {code}:\n{stdout}\n{stderr}"
    );
    assert!(stdout.trim().is_empty(), "errors go to stderr: {stdout}");
    error_json(&stderr, code)
}

/// An id from the JSON output, as a CLI argument.
pub fn id(v: &Value) -> String {
    v.as_u64().unwrap().to_string()
}

/// A plancks string (or number) from the JSON output.
pub fn plancks(v: &Value) -> u128 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not plancks: {v}")),
        Value::Number(n) => n.as_u64().unwrap() as u128,
        other => panic!("not plancks: {other}"),
    }
}

/// What the signer of a write paid: fee + storage deposit (signed).
pub fn tx_cost(tx: &Value) -> i128 {
    plancks(&tx["fee_paid"]) as i128
        + tx["storage_deposit_paid"]
            .as_str()
            .unwrap()
            .parse::<i128>()
            .unwrap()
}

pub fn event_names(tx: &Value) -> Vec<String> {
    tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// `after - before` as a signed number.
pub fn delta(before: u128, after: u128) -> i128 {
    after as i128 - before as i128
}

/// The JSON error object a failed `--output json` run printed on stderr (clap's usage errors
/// included), with the exit code it names.
pub fn error_json(stderr: &str, code: i32) -> Value {
    let v: Value = serde_json::from_str(stderr)
        .unwrap_or_else(|e| panic!("not a JSON error ({e}):\n{stderr}"));
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(v["exit_code"], code, "{v}");
    v
}

/// What the signer chose in a signed extrinsic: era, nonce and tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedChoices {
    /// The mortality period; `None`: immortal.
    pub period: Option<u64>,
    pub nonce: u64,
    pub tip: u128,
}

/// The choices of the one signed extrinsic in block `hash`. A signed v4 extrinsic is: compact
/// length, 0x84, MultiAddress::Id (1 + 32 bytes), MultiSignature::Sr25519 (1 + 64 bytes), then
/// the extensions that carry data, in the runtime's order: the era (one 0x00 byte when
/// immortal, else two bytes whose low 4 bits are log2(period) - 1), the compact nonce, the
/// compact tip.
pub fn signed_extrinsic(env: &Env, hash: &str) -> SignedChoices {
    use scale::{Compact, Decode};
    let block = env
        .node
        .rpc("chain_getBlock", serde_json::json!([hash]))
        .unwrap();
    let signed: Vec<Vec<u8>> = block["block"]["extrinsics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| hex::decode(x.as_str().unwrap().trim_start_matches("0x")).unwrap())
        .map(|bytes| {
            // Strip the compact length prefix (1, 2 or 4 bytes by its low two bits).
            let prefix = [1, 2, 4][usize::from(bytes[0] & 0b11).min(2)];
            bytes[prefix..].to_vec()
        })
        .filter(|body| body[0] == 0x84)
        .collect();
    assert_eq!(signed.len(), 1, "one signed extrinsic in {hash}");
    let era = &signed[0][1 + 33 + 65..];
    let (period, rest) = match era[0] {
        0 => (None, &era[1..]),
        _ => (
            Some(1 << ((u16::from_le_bytes([era[0], era[1]]) & 0xf) + 1)),
            &era[2..],
        ),
    };
    let rest = &mut &rest[..];
    let nonce = Compact::<u32>::decode(rest).unwrap().0.into();
    let tip = Compact::<u128>::decode(rest).unwrap().0;
    SignedChoices { period, nonce, tip }
}

/// The hash of the best block.
pub fn best_hash(env: &Env) -> String {
    let hash = env
        .node
        .rpc("chain_getBlockHash", serde_json::json!([env.best_block()]))
        .unwrap();
    hash.as_str().unwrap().to_string()
}

/// The next nonce of the sr25519 account of `uri`, counting the pool.
pub fn next_nonce(env: &Env, uri: &str) -> u64 {
    let address = escrow_client::signer::Keypair::sr25519_from_uri(uri)
        .unwrap()
        .account_id()
        .to_string();
    env.node
        .rpc("system_accountNextIndex", serde_json::json!([address]))
        .unwrap()
        .as_u64()
        .unwrap()
}
