//! Joining a deployment somebody else made: `deployment add|import` check each contract's code
//! and that the reputation contract created the escrow; `list|use|remove|export` manage several
//! deployments per chain; a client built with other bundles trades on an imported deployment
//! with the metadata the export carried; a file of the old one-deployment-per-chain format is
//! migrated on first use. Each test runs a dev node of its own.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use escrow_client::chain::Chain;
use escrow_client::contract::{Contract, ContractBundle};
use escrow_client::node_config::contract_bundle;
use escrow_client::signer::Keypair;
use serde_json::Value;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// `0x` + the code hash of this client's bundle `name`.
fn bundle_hash(name: &str) -> String {
    let bundle = ContractBundle::load(contract_bundle(name)).unwrap();
    format!("0x{}", hex::encode(bundle.code_hash))
}

/// A directory of bundles named escrow, reputation and requests that hold other code (the
/// floor contract's): what a client built with other versions of the contracts carries.
/// ESCROW_CONTRACTS_DIR replaces the built-in bundles with these at run time.
fn other_bundles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["escrow", "reputation", "requests"] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::copy(
            contract_bundle("floor"),
            dir.path().join(name).join(format!("{name}.contract")),
        )
        .unwrap();
    }
    dir
}

/// The files in `dir`, sorted (none when it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Instantiates `bundle`'s `constructor(args)` as //Ferdie straight through pallet-contracts
/// (no reputation contract involved); returns the new contract's address.
fn instantiate(env: &Env, bundle: &str, constructor: &str, args: &[String]) -> String {
    let bundle = ContractBundle::load(contract_bundle(bundle)).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let chain = Chain::connect(&env.node.url(), Duration::from_secs(10))
            .await
            .unwrap();
        let signer = Keypair::sr25519_from_uri(FERDIE).unwrap();
        let salt = rand_salt();
        let (contract, _) =
            Contract::upload_and_instantiate(&chain, &signer, &bundle, constructor, args, 0, &salt)
                .await
                .unwrap();
        chain.ss58(&contract.address.0)
    })
}

fn rand_salt() -> Vec<u8> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        .to_le_bytes()
        .to_vec()
}

/// A client whose bundles are other code than the deployment's joins it from its export alone
/// (`deployment add` refuses the code it does not know), and trades on it: //Charlie accepts an
/// offer //Bob listed through the deploying client, and both clients read the same deal back.
#[test]
fn a_client_built_with_other_bundles_joins_from_the_export_and_trades() {
    let env = Env::new();
    let deployed = env.deploy();
    let escrow = s(&deployed["escrow"]).to_string();
    let offer = env.offer("10", 2, "0", ["3d", "2d", "1d"]);
    let offer_id = id(&offer["offer"]["id"]);

    // The marketplace publishes its export: chain, addresses, code hashes and metadata.
    let export_path = env.home.path().join("marketplace.json");
    let export_file = export_path.to_str().unwrap();
    let exported = env.ok(&["deployment", "export", "--out", export_file]);
    assert_eq!(exported["type"], "deployment_export", "{exported}");
    let hashes = [
        bundle_hash("escrow"),
        bundle_hash("reputation"),
        bundle_hash("requests"),
    ];
    let mut carried: Vec<&str> = exported["metadata_of"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    carried.sort();
    let mut expected: Vec<&str> = hashes.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(carried, expected);
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&export_path).unwrap()).unwrap();
    assert_eq!(file["format"], "p2p-escrow-deployment");
    assert_eq!(file["genesis"], deployed["genesis"]);
    for (role, hash) in ["escrow", "reputation", "requests"].iter().zip(&hashes) {
        assert_eq!(file[role], deployed[role], "{role}");
        assert_eq!(file["code_hashes"][role], hash.as_str(), "{role}");
        let metadata = &file["metadata"][hash.as_str()];
        assert_eq!(metadata["contract"]["name"], *role);
        assert!(
            metadata["source"].get("wasm").is_none(),
            "no code in an export"
        );
    }

    // The joining client: a home of its own, and bundles of other code.
    let other = other_bundles();
    let home = tempfile::tempdir().unwrap();
    let joiner = |args: &[&str]| {
        let mut cmd = env.cmd_in(home.path(), args);
        cmd.env("ESCROW_CONTRACTS_DIR", other.path());
        cmd
    };
    let args = ["deployment", "add", "--escrow", &escrow];
    let refused = fails_with(joiner(&args), &args, 2);
    let text = s(&refused["error"]);
    assert!(
        text.contains(&format!(
            "the escrow contract at {escrow} runs code {}, which this client does not know",
            hashes[0]
        )),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(!home.path().join("deployments.json").exists());
    assert!(files_in(&home.path().join("metadata")).is_empty());
    let args = ["offer", "show", &offer_id];
    let none = fails_with(joiner(&args), &args, 2);
    assert!(
        s(&none["error"]).contains("deployment import FILE"),
        "{none}"
    );

    let args = ["deployment", "import", export_file];
    let imported = succeeds(joiner(&args), &args);
    assert_eq!(imported["action"], "imported", "{imported}");
    let joined = &imported["deployment"];
    assert_eq!(joined["in_use"], true);
    assert_eq!(joined["origin"], "imported");
    assert_eq!(joined["escrow"], escrow.as_str());
    assert_eq!(joined["requests"], deployed["requests"]);
    assert_eq!(joined["code_hashes"], file["code_hashes"]);
    assert!(joined.get("deployer").is_none(), "{joined}");
    // Its events begin where the deploying client says they do.
    let listed = env.ok(&["deployment", "list"]);
    assert_eq!(joined["block"], listed["deployments"][0]["block"]);
    // The metadata of each code hash is kept in the joining client's home.
    let kept: Vec<String> = hashes.iter().map(|h| format!("{h}.json")).collect();
    let mut kept_sorted = kept.clone();
    kept_sorted.sort();
    assert_eq!(files_in(&home.path().join("metadata")), kept_sorted);

    // It trades: //Charlie buys one unit; the deal reads back the same from both clients.
    let args = ["balance", CHARLIE];
    let charlie0 = plancks(&succeeds(joiner(&args), &args)["free"]);
    let args = ["--as", CHARLIE, "deal", "accept", &offer_id];
    let accepted = succeeds(joiner(&args), &args);
    let deal_id = id(&accepted["deal"]["id"]);
    assert_eq!(accepted["deal"]["state"], "Funded");
    assert_eq!(event_names(&accepted["tx"]), ["DealOpened"]);
    let args = ["balance", CHARLIE];
    let charlie1 = plancks(&succeeds(joiner(&args), &args)["free"]);
    assert_eq!(
        delta(charlie0, charlie1),
        -(10 * UNIT as i128) - tx_cost(&accepted["tx"])
    );
    let args = ["deal", "show", &deal_id];
    let shown = succeeds(joiner(&args), &args);
    assert_eq!(shown["deal"]["state"], "Funded");
    assert_eq!(
        shown["deal"]["buyer"],
        env.ok(&["balance", CHARLIE])["account"]
    );
    assert_eq!(plancks(&shown["deal"]["amount"]), 10 * UNIT);
    assert_eq!(env.ok(&["deal", "show", &deal_id])["deal"], shown["deal"]);
    let args = ["offer", "show", &offer_id];
    let seen_by_joiner = succeeds(joiner(&args), &args);
    assert_eq!(seen_by_joiner["offer"]["terms"]["quantity"], 1);
    assert_eq!(seen_by_joiner["offer"], env.ok(&args)["offer"]);
}

/// An escrow the marketplace's reputation contract did not create is refused even though it
/// names that reputation contract and runs the real escrow code; so are an address without a
/// contract and a contract whose code this client does not know. Nothing is saved.
#[test]
fn add_refuses_a_forged_escrow_a_non_contract_and_unknown_code() {
    let env = Env::new();
    let deployed = env.deploy();
    let reputation = s(&deployed["reputation"]);
    let alice = s(&deployed["deployer"]);
    // The escrow's own constructor, called directly: same code, names the real reputation.
    let forged = instantiate(
        &env,
        "escrow",
        "new",
        &[
            alice.to_string(),
            "100".into(),
            alice.to_string(),
            format!("Some({reputation})"),
            "Settings { min_delivery_window: 1, min_review_window: 1, min_ruling_window: 1, \
             prune_after: 1000, report_ref_time: 1000000000, report_proof_size: 100000, \
             report_deposit_limit: 1000000000, requests_code: None, award_window: 0, \
             fee_floor_bps: 0 }"
                .into(),
        ],
    );
    let floor = instantiate(&env, "floor", "new", &[]);
    let before = std::fs::read_to_string(env.deployment_file()).unwrap();

    let err = env.fails(&["deployment", "add", "--escrow", &forged], 2);
    assert_eq!(
        s(&err["error"]),
        format!(
            "the escrow {forged} was not created by the reputation contract {reputation} it \
             names (is_authorized is false): refused"
        )
    );
    let ferdie = env.ok(&["balance", FERDIE])["account"].clone();
    let err = env.fails(&["deployment", "add", "--escrow", s(&ferdie)], 2);
    assert_eq!(
        s(&err["error"]),
        format!(
            "the escrow address {} holds no contract on this chain",
            s(&ferdie)
        )
    );
    let err = env.fails(&["deployment", "add", "--escrow", &floor], 2);
    let text = s(&err["error"]);
    assert!(
        text.starts_with(&format!(
            "the escrow contract at {floor} runs code {}, which this client does not know",
            bundle_hash("floor")
        )),
        "{text}"
    );
    // The reputation contract is a contract this client knows, but not an escrow.
    let err = env.fails(&["deployment", "add", "--escrow", reputation], 2);
    assert_eq!(
        s(&err["error"]),
        format!(
            "the escrow address {reputation} runs code {} of the reputation contract, not of \
             the escrow",
            bundle_hash("reputation")
        )
    );
    let err = env.fails(&["deployment", "add", "--escrow", "not-an-address"], 2);
    assert!(s(&err["error"]).contains("not-an-address"), "{err}");
    assert_eq!(
        std::fs::read_to_string(env.deployment_file()).unwrap(),
        before,
        "nothing saved"
    );
}

/// Two deployments on one chain: list, use, remove, export and import them, with the exit
/// codes and output of each, and the refusals of bad names and of exports that do not match
/// the chain.
#[test]
fn list_use_remove_export_import_round_trip() {
    let env = Env::new();
    let deploy = |name: Option<&str>| {
        let mut args = vec!["deploy", "--fee-recipient", EVE];
        args.extend(SHORT_MINIMUMS);
        if let Some(name) = name {
            args.extend(["--name", name]);
        }
        env.ok(&args)
    };
    let first = deploy(Some("first"));
    assert_eq!(first["name"], "first");
    let second = deploy(None);
    let second_name = s(&second["escrow"])[..8].to_string();
    assert_eq!(second["name"], second_name.as_str());
    let err = env.fails(
        &[&["deploy", "--name", "first"], &SHORT_MINIMUMS[..]].concat(),
        2,
    );
    assert!(
        s(&err["error"]).contains("the name 'first' is taken"),
        "{err}"
    );

    // The latest deploy is in use.
    let list = env.ok(&["deployment", "list"]);
    assert_eq!(list["type"], "deployments");
    assert_eq!(list["in_use"], second_name.as_str());
    let names: Vec<&str> = list["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| s(&d["name"]))
        .collect();
    let mut expected = vec!["first", second_name.as_str()];
    expected.sort();
    assert_eq!(names, expected);
    for d in list["deployments"].as_array().unwrap() {
        assert_eq!(d["origin"], "deployed");
        assert_eq!(d["code_hashes"]["escrow"], bundle_hash("escrow").as_str());
        assert_eq!(d["in_use"], d["name"] == second_name.as_str());
    }
    assert_eq!(env.ok(&["config"])["escrow"], second["escrow"]);
    let text = env.text(&["deployment", "list"]);
    assert!(
        text.contains(&format!("* {second_name} (deployed, from block")),
        "{text}"
    );
    assert!(text.contains("  first (deployed, from block"), "{text}");

    // `use` by name switches what every command talks to.
    let used = env.ok(&["deployment", "use", "first"]);
    assert_eq!(
        (&used["action"], &used["deployment"]["in_use"]),
        (&"in_use".into(), &true.into())
    );
    assert_eq!(env.ok(&["config"])["escrow"], first["escrow"]);
    let text = env.text(&["deployment", "use", s(&second["escrow"])]);
    assert!(
        text.starts_with(&format!("{second_name} now in use")),
        "{text}"
    );
    assert_eq!(env.ok(&["config"])["escrow"], second["escrow"]);

    // Bad names: exit 2, nothing changed.
    let err = env.fails(&["deployment", "use", "nope"], 2);
    assert!(
        s(&err["error"]).starts_with("no deployment named 'nope' on this chain"),
        "{err}"
    );
    env.fails(&["deployment", "remove", "nope"], 2);
    let err = env.fails(
        &[
            "deployment",
            "add",
            "--escrow",
            s(&first["escrow"]),
            "--name",
            "a b",
        ],
        2,
    );
    assert!(
        s(&err["error"]).contains("invalid deployment name 'a b'"),
        "{err}"
    );
    assert_eq!(
        env.ok(&["deployment", "list"])["in_use"],
        second_name.as_str()
    );

    // Export the one in use, then forget it: no deployment is in use until `use`.
    let export_path = env.home.path().join("second.json");
    let export_file = export_path.to_str().unwrap();
    let exported = env.ok(&["deployment", "export", "--out", export_file]);
    assert_eq!(exported["deployment"]["name"], second_name.as_str());
    let small_path = env.home.path().join("small.json");
    let small = env.ok(&[
        "deployment",
        "export",
        "first",
        "--out",
        small_path.to_str().unwrap(),
        "--no-metadata",
    ]);
    assert_eq!(small["metadata_of"], serde_json::json!([]));
    assert!(plancks(&small["bytes"]) < 2_000, "{small}");
    assert!(plancks(&exported["bytes"]) > plancks(&small["bytes"]) * 20);

    let removed = env.ok(&["deployment", "remove", &second_name]);
    assert_eq!(removed["action"], "removed");
    let list = env.ok(&["deployment", "list"]);
    assert_eq!(list["in_use"], Value::Null);
    assert_eq!(list["deployments"].as_array().unwrap().len(), 1);
    let err = env.fails(&["config"], 2);
    assert!(
        s(&err["error"]).contains("no deployment is in use on this chain")
            && s(&err["error"]).contains("pick one of first with `escrow deployment use NAME`"),
        "{err}"
    );
    assert!(env
        .text(&["deployment", "list"])
        .contains("none in use: `escrow deployment use NAME`"));

    // Import it back under a new name: in use again, the same contracts, checked on chain.
    let imported = env.ok(&["deployment", "import", export_file, "--name", "again"]);
    let d = &imported["deployment"];
    assert_eq!(
        (&d["name"], &d["origin"]),
        (&"again".into(), &"imported".into())
    );
    assert_eq!(d["escrow"], second["escrow"]);
    assert_eq!(d["block"], exported["deployment"]["block"]);
    assert_eq!(env.ok(&["config"])["escrow"], second["escrow"]);
    // An export without metadata imports where the code is known.
    env.ok(&["deployment", "remove", "first"]);
    let back = env.ok(&["deployment", "import", small_path.to_str().unwrap()]);
    assert_eq!(back["deployment"]["name"], &s(&first["escrow"])[..8]);
    env.ok(&["deployment", "use", "again"]);

    // Exports that do not match the chain are refused.
    let text = std::fs::read_to_string(&export_path).unwrap();
    let mut other_chain: Value = serde_json::from_str(&text).unwrap();
    other_chain["genesis"] =
        "0x1111111111111111111111111111111111111111111111111111111111111111".into();
    let bad = env.home.path().join("bad.json");
    std::fs::write(&bad, other_chain.to_string()).unwrap();
    let err = env.fails(&["deployment", "import", bad.to_str().unwrap()], 2);
    assert!(
        s(&err["error"]).starts_with("the export is of chain 0x1111"),
        "{err}"
    );
    let mut wrong_code: Value = serde_json::from_str(&text).unwrap();
    wrong_code["code_hashes"]["requests"] = wrong_code["code_hashes"]["escrow"].clone();
    std::fs::write(&bad, wrong_code.to_string()).unwrap();
    let err = env.fails(&["deployment", "import", bad.to_str().unwrap()], 2);
    assert_eq!(
        s(&err["error"]),
        format!(
            "the requests contract runs code {} on chain, but the export says {}: refused",
            bundle_hash("requests"),
            bundle_hash("escrow")
        )
    );
    std::fs::write(&bad, "{\"format\": \"something else\"}").unwrap();
    let err = env.fails(&["deployment", "import", bad.to_str().unwrap()], 2);
    assert!(
        s(&err["error"]).contains("not a deployment export"),
        "{err}"
    );
    assert_eq!(env.ok(&["deployment", "list"])["in_use"], "again");
}

/// A deployments.json written before deployments could be joined (one deployment per chain,
/// no code hashes) keeps working: the first command reads it as the deployment in use,
/// records the code its contracts run and keeps that code's metadata.
#[test]
fn an_old_deployment_file_is_migrated_on_first_use() {
    let env = Env::new();
    let deployed = env.deploy();
    let offer = env.offer("5", 1, "0", ["3d", "2d", "1d"]);
    let path = env.deployment_file();
    let current: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let genesis = s(&deployed["genesis"]);
    let (_, d) = current["chains"][genesis]["deployments"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    // What `escrow deploy` wrote before.
    let old = serde_json::json!({"deployments": {genesis: {
        "escrow": d["escrow"], "reputation": d["reputation"], "requests": d["requests"],
        "deployer": d["deployer"], "block": d["block"],
    }}});
    std::fs::write(&path, old.to_string()).unwrap();
    std::fs::remove_dir_all(env.home.path().join("metadata")).unwrap();

    let shown = env.ok(&["offer", "show", &id(&offer["offer"]["id"])]);
    assert_eq!(shown["offer"]["id"], offer["offer"]["id"]);
    let migrated: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(migrated["version"], 2);
    let name = &s(&deployed["escrow"])[..8];
    assert_eq!(migrated["chains"][genesis]["in_use"], name);
    let entry = &migrated["chains"][genesis]["deployments"][name];
    assert_eq!(entry["origin"], "deployed");
    assert_eq!(entry["block"], d["block"]);
    for role in ["escrow", "reputation", "requests"] {
        assert_eq!(
            entry["code_hashes"][role],
            bundle_hash(role).as_str(),
            "{role}"
        );
    }
    assert_eq!(files_in(&env.home.path().join("metadata")).len(), 3);
}
