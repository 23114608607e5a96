//! Accounts as a Substrate developer expects them: sr25519 by default, mnemonics shown once and
//! kept, secret URIs with derivation paths, polkadot.js JSON exports, one URI = one account
//! whichever way it is given (`account import --secret`, `--as`, `--suri`), and addresses in
//! the chain's SS58 format.
//!
//! The first tests need no node (key commands work offline, with the generic prefix 42 when no
//! node answers); the others start a dev node each and need the contract bundles only for the
//! deploy of the SS58 test. Run: `cargo test -p escrow-client --features node-tests --test accounts`.

// Needs substrate-contracts-node and the contract bundles: `bash tests/run` (or
// `cargo test --features node-tests` after `bash node-config/setup`).
#![cfg(feature = "node-tests")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use common::*;
use escrow_client::dev_node::DevNodeOptions;
use serde_json::Value;
use subxt_signer::SecretUri;

const ALICE_42: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
/// The password the key commands get from ESCROW_PASSWORD in these tests.
const PASSWORD: &str = "keys at rest";
/// `subkey inspect --scheme ed25519 //Alice`
const ALICE_ED25519_42: &str = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";

/// tests/fixtures/polkadot-js-account.json: made by @polkadot/keyring
/// (tests/fixtures/make-polkadot-js.mjs).
fn fixture() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/polkadot-js-account.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The address subxt-signer derives for an sr25519 secret URI (generic prefix).
fn subxt_signer_address(uri: &str) -> String {
    let key = subxt_signer::sr25519::Keypair::from_uri(&SecretUri::from_str(uri).unwrap()).unwrap();
    subxt::utils::AccountId32(key.public_key().0).to_string()
}

/// The `escrow` binary with a private ESCROW_HOME and no node: a closed port, so key commands
/// print the generic prefix 42.
struct Offline {
    home: tempfile::TempDir,
    url: String,
}

impl Offline {
    fn new() -> Offline {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Offline {
            home: tempfile::tempdir().unwrap(),
            url: format!("ws://127.0.0.1:{port}"),
        }
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("escrow").unwrap();
        cmd.env("ESCROW_HOME", self.home.path())
            .env_remove("ESCROW_URL")
            .env_remove("ESCROW_SURI")
            .env("ESCROW_PASSWORD", PASSWORD)
            .timeout(Duration::from_secs(60))
            .args(["--url", &self.url, "--output", "json"])
            .args(args);
        cmd
    }

    fn ok(&self, args: &[&str]) -> Value {
        succeeds(self.cmd(args), args)
    }

    /// Expects exit 2 and returns the JSON error's message.
    fn usage_error(&self, args: &[&str]) -> String {
        let v = fails_with(self.cmd(args), args, 2);
        assert_eq!(v["kind"], "usage", "{v}");
        v["error"].as_str().unwrap().to_string()
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn mnemonic_round_trip_new_export_import() {
    let env = Offline::new();
    let made = env.ok(&["account", "new", "shop"]);
    assert_eq!(made["scheme"], "sr25519");
    assert_eq!(made["ss58_prefix"], 42);
    let mnemonic = s(&made["mnemonic"]).to_string();
    assert_eq!(mnemonic.split(' ').count(), 12, "{mnemonic}");
    let address = s(&made["address"]).to_string();
    assert_eq!(address, subxt_signer_address(&mnemonic));

    // Shown once: listing does not show it; the keystore keeps it, mode 0600.
    let listed = env.ok(&["account", "list"]);
    assert_eq!(listed["keys"][0]["address"], address.as_str());
    assert!(listed["keys"][0].get("mnemonic").is_none(), "{listed}");
    let keys = env.home.path().join("keys.json");
    let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // keys.json holds it encrypted, nowhere in clear.
    let text = std::fs::read_to_string(&keys).unwrap();
    assert!(!text.contains(&mnemonic), "{text}");
    for pair in mnemonic.split(' ').collect::<Vec<_>>().windows(2) {
        assert!(!text.contains(&pair.join(" ")), "{pair:?} in {text}");
    }

    // Export gives the polkadot.js JSON (no password needed), which decrypts with the key's
    // password to the key; --secret gives the mnemonic back, with the password.
    let exported = env.ok(&["account", "export", "shop"]);
    assert_eq!(exported["address"], address.as_str());
    let json = &exported["secret"]["polkadot_js"];
    assert_eq!(json["address"], address.as_str());
    let key = subxt_signer::polkadot_js_compat::decrypt_json(&json.to_string(), PASSWORD).unwrap();
    assert_eq!(
        subxt::utils::AccountId32(key.public_key().0).to_string(),
        address
    );
    let file = env.home.path().join("shop.json");
    let written = env.ok(&["account", "export", "shop", "--out", file.to_str().unwrap()]);
    assert_eq!(written["written_to"], file.to_str().unwrap());
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(&on_disk, json);
    let revealed = env.ok(&["account", "export", "shop", "--secret"]);
    assert_eq!(revealed["secret"]["suri"], mnemonic.as_str());
    // Importing the mnemonic elsewhere gives the same account.
    let other = Offline::new();
    let imported = other.ok(&["account", "import", "shop", "--secret", &mnemonic]);
    assert_eq!(imported["address"], address.as_str());
    let text = std::fs::read_to_string(other.home.path().join("keys.json")).unwrap();
    assert!(!text.contains(&mnemonic), "{text}");
    assert_eq!(imported["scheme"], "sr25519");
    assert!(imported.get("mnemonic").is_none());

    // ed25519 on request: its own round trip, a different account from the same phrase.
    let ed = env.ok(&[
        "account", "new", "ed", "--scheme", "ed25519", "--words", "24",
    ]);
    assert_eq!(ed["scheme"], "ed25519");
    let ed_phrase = s(&ed["mnemonic"]).to_string();
    assert_eq!(ed_phrase.split(' ').count(), 24);
    let back = other.ok(&[
        "account", "import", "ed", "--secret", &ed_phrase, "--scheme", "ed25519",
    ]);
    assert_eq!(back["address"], ed["address"]);
    let as_sr = other.ok(&["account", "import", "ed-sr", "--secret", &ed_phrase]);
    assert_ne!(as_sr["address"], ed["address"]);
    assert_eq!(as_sr["address"], subxt_signer_address(&ed_phrase).as_str());

    // Bad input: exit 2, one line, naming the problem and not echoing the phrase.
    let bad = mnemonic.replace(mnemonic.split(' ').next().unwrap(), "zzzz");
    let err = other.usage_error(&["account", "import", "typo", "--secret", &bad]);
    assert!(err.contains("invalid secret for 'typo'"), "{err}");
    assert!(!err.contains(&bad[5..]), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let err = other.usage_error(&["account", "new", "w", "--words", "13"]);
    assert!(err.contains("word count 13"), "{err}");
    let err = other.usage_error(&["account", "import", "shop", "--secret", "//Bob"]);
    assert!(err.contains("'shop' already exists"), "{err}");
    let err = other.usage_error(&["account", "export", "nobody"]);
    assert!(err.contains("no key named 'nobody'"), "{err}");
    // A malformed --suri is bad usage even before (and without) a node.
    let err = other.usage_error(&["--suri", "not a phrase", "account", "fund", "//Bob"]);
    assert!(err.starts_with("--suri: invalid secret URI"), "{err}");
}

/// A keys.json of an older client, its secrets in clear, is encrypted on first use under the
/// password given then; until one is given, it is not used.
#[test]
fn an_older_plaintext_keystore_is_encrypted_on_first_use() {
    let env = Offline::new();
    // A keystore written before this change: ed25519 hex seeds, `scheme` possibly missing.
    let keys = env.home.path().join("keys.json");
    let seed = "0101010101010101010101010101010101010101010101010101010101010101";
    std::fs::write(
        &keys,
        serde_json::json!({
            "version": 1,
            "keys": {"legacy": {"scheme": "ed25519", "seed": seed, "address": "x"}}
        })
        .to_string(),
    )
    .unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = std::fs::read_to_string(&keys).unwrap();
    let args = ["account", "list"];
    let err = fails_with(env.cmd(&args).env_remove("ESCROW_PASSWORD"), &args, 2);
    let text = s(&err["error"]);
    assert!(
        text.contains("holds 1 secret(s) in clear, written by an older client")
            && text.contains("--password-file FILE or ESCROW_PASSWORD"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), before, "untouched");

    // A password file gives it (its first line).
    let password_file = env.home.path().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let args = [
        "--password-file",
        password_file.to_str().unwrap(),
        "account",
        "list",
    ];
    let listed = succeeds(env.cmd(&args).env_remove("ESCROW_PASSWORD"), &args);
    assert_eq!(listed["keys"][0]["scheme"], "ed25519");
    let text = std::fs::read_to_string(&keys).unwrap();
    assert!(!text.contains(seed), "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["version"], 3);
    let exported = env.ok(&["account", "export", "legacy", "--secret"]);
    assert_eq!(exported["secret"]["suri"], format!("0x{seed}"));
    let args = ["account", "export", "legacy", "--secret"];
    let wrong = fails_with(env.cmd(&args).env("ESCROW_PASSWORD", "not it"), &args, 2);
    assert_eq!(wrong["error"], "wrong password for key 'legacy'");
    // The same account as importing that seed as an ed25519 key.
    let again = env.ok(&[
        "account",
        "import",
        "again",
        "--secret",
        &format!("0x{seed}"),
        "--scheme",
        "ed25519",
    ]);
    assert_eq!(again["address"], listed["keys"][0]["address"]);
    let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// `args` run with ESCROW_PASSWORD `password`, expecting success.
fn with_password(env: &Env, password: &str, args: &[&str]) -> Value {
    succeeds(env.cmd(args).env("ESCROW_PASSWORD", password), args)
}

/// A real polkadot.js export (made by @polkadot/keyring) imports to the address polkadot.js
/// gave it, kept as it came and without its password, and signs on chain as that account
/// once given that password. A wrong password sends nothing; a dev URI needs none.
#[test]
fn polkadot_js_json_export_imports_and_signs() {
    let f = fixture();
    let password = s(&f["password"]);
    let env = Env::with_node(start_node(DevNodeOptions::for_tests()));
    let file = env.home.path().join("export.json");
    std::fs::write(&file, f["export"].to_string()).unwrap();
    let file = file.to_str().unwrap();

    let import = ["account", "import", "pjs", "--json", file];
    let err = fails_with(env.cmd(&import).env("ESCROW_PASSWORD", "wrong"), &import, 2);
    assert!(s(&err["error"]).contains("wrong password"), "{err}");
    let err = env.fails(&import, 2);
    assert_eq!(
        s(&err["error"]),
        "the JSON export imported as 'pjs' needs its password: type it on a terminal, or give \
         it with --password-file FILE or ESCROW_PASSWORD"
    );
    let missing = ["account", "import", "pjs", "--json", "/nonexistent.json"];
    let err = fails_with(env.cmd(&missing).env("ESCROW_PASSWORD", "x"), &missing, 2);
    assert!(s(&err["error"]).contains("/nonexistent.json"), "{err}");

    let imported = with_password(&env, password, &import);
    assert_eq!(imported["address"], f["address_42"]);
    assert_eq!(imported["scheme"], "sr25519");
    // Its secret URI (kept in the fixture) is the same account.
    assert_eq!(subxt_signer_address(s(&f["suri"])), s(&f["address_42"]));
    let keys = std::fs::read_to_string(env.home.path().join("keys.json")).unwrap();
    assert!(
        !keys.contains(password),
        "the export's password is not kept"
    );

    // It signs: funded by //Alice (a dev URI: no password), it pays //Ferdie.
    env.ok(&["account", "fund", "pjs", "--amount", "100"]);
    let before = env.free("pjs");
    let pay = ["--as", "pjs", "account", "fund", FERDIE, "--amount", "7"];
    let block = env.best_block();
    let err = fails_with(env.cmd(&pay).env("ESCROW_PASSWORD", "wrong"), &pay, 2);
    assert_eq!(err["error"], "wrong password for key 'pjs'");
    let err = env.fails(&pay, 2);
    assert!(
        s(&err["error"]).starts_with("key 'pjs' is encrypted and needs its password"),
        "{err}"
    );
    assert_eq!(env.best_block(), block, "nothing was sent");
    assert_eq!(env.free("pjs"), before);
    let paid = with_password(&env, password, &pay);
    assert_eq!(paid["from"], f["address_42"]);
    let fee = plancks(&paid["fee_paid"]);
    assert_eq!(before - env.free("pjs"), 7 * UNIT + fee);

    // Export hands back the export as it came; it has no secret URI to show.
    let exported = env.ok(&["account", "export", "pjs"]);
    assert_eq!(exported["secret"]["polkadot_js"], f["export"]);
    let err = env.fails(&["account", "export", "pjs", "--secret"], 2);
    assert!(s(&err["error"]).contains("has no secret URI"), "{err}");

    // A dev URI is no secret: imported and used without any password, kept in clear.
    env.ok(&["account", "import", "dev", "--secret", BOB]);
    let paid = env.ok(&["--as", "dev", "account", "fund", FERDIE, "--amount", "1"]);
    assert_eq!(paid["from"], subxt_signer_address(BOB).as_str());
    assert_eq!(env.ok(&["account", "export", "dev"])["secret"]["suri"], BOB);
}

/// `--suri "<mnemonic>//hard/soft"` signs as the account subxt-signer (and polkadot.js)
/// derive for that path; ESCROW_SURI does the same; --as and --suri together are refused.
#[test]
fn suri_with_a_derivation_path_signs_as_the_derived_account() {
    let f = fixture();
    let mnemonic = s(&f["suri"]).split("//").next().unwrap().to_string();
    let uri = format!("{mnemonic}//hard/soft");
    let expected = subxt_signer_address(&uri);
    assert_eq!(
        expected,
        s(&f["hard_soft_address"]),
        "subxt-signer = polkadot.js"
    );
    assert_ne!(expected, subxt_signer_address(&mnemonic));

    let env = Env::with_node(start_node(DevNodeOptions::for_tests()));
    env.ok(&["account", "fund", &expected, "--amount", "100"]);
    let before = env.free(&expected);
    let paid = env.ok(&["--suri", &uri, "account", "fund", FERDIE, "--amount", "3"]);
    assert_eq!(paid["from"], expected.as_str());
    assert_eq!(
        before - env.free(&expected),
        3 * UNIT + plancks(&paid["fee_paid"])
    );
    // The same URI imported, then used by name, and given to --as: the same account.
    let imported = with_password(
        &env,
        PASSWORD,
        &["account", "import", "derived", "--secret", &uri],
    );
    assert_eq!(imported["address"], expected.as_str());
    for signer in ["derived", uri.as_str()] {
        let paid = with_password(
            &env,
            PASSWORD,
            &["--as", signer, "account", "fund", FERDIE, "--amount", "1"],
        );
        assert_eq!(paid["from"], expected.as_str(), "{signer}");
    }

    // The environment variable, as cargo-contract's users set it.
    let out = env
        .cmd(&["account", "fund", FERDIE, "--amount", "1"])
        .env("ESCROW_SURI", &uri)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["from"], expected.as_str());
    // An explicit --as wins over ESCROW_SURI.
    let out = env
        .cmd(&["--as", BOB, "account", "fund", FERDIE, "--amount", "1"])
        .env("ESCROW_SURI", &uri)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["from"], subxt_signer_address(BOB).as_str());

    let block = env.best_block();
    let err = env.fails(&["--as", BOB, "--suri", &uri, "account", "fund", FERDIE], 2);
    assert!(s(&err["error"]).contains("--suri"), "{err}");
    let err = env.fails(
        &[
            "--suri",
            &format!("{mnemonic} extra//x"),
            "account",
            "fund",
            FERDIE,
        ],
        2,
    );
    let text = s(&err["error"]);
    assert!(text.starts_with("--suri: invalid secret URI"), "{text}");
    assert!(
        !text.contains("curtain"),
        "the phrase is not echoed: {text}"
    );
    assert_eq!(env.best_block(), block, "nothing was sent");
}

/// One secret URI, one account: `account import --secret //Alice`, `--as //Alice`,
/// `--suri //Alice` and `--as <imported name>` all sign as sr25519 //Alice.
#[test]
fn the_same_uri_is_the_same_account_everywhere() {
    let env = Env::with_node(start_node(DevNodeOptions::for_tests()));
    let imported = env.ok(&["account", "import", "alice", "--secret", ALICE]);
    assert_eq!(imported["address"], ALICE_42);
    assert_eq!(imported["scheme"], "sr25519");
    let ed = env.ok(&[
        "account", "import", "alice-ed", "--secret", ALICE, "--scheme", "ed25519",
    ]);
    assert_eq!(ed["address"], ALICE_ED25519_42);

    for signer in [
        vec!["--as", ALICE],
        vec!["--suri", ALICE],
        vec!["--as", "alice"],
    ] {
        let mut args = signer.clone();
        args.extend(["account", "fund", FERDIE, "--amount", "1"]);
        let paid = env.ok(&args);
        assert_eq!(paid["from"], ALICE_42, "{signer:?}");
    }
    for who in [ALICE, "alice", ALICE_42] {
        assert_eq!(env.ok(&["balance", who])["account"], ALICE_42, "{who}");
    }
    assert_eq!(
        env.ok(&["balance", "alice-ed"])["account"],
        ALICE_ED25519_42
    );
}

/// A dev chain whose properties say ss58Format 0 (Polkadot's): every address the CLI prints
/// uses that prefix, and addresses in any format are accepted.
#[test]
fn addresses_use_the_chain_ss58_prefix() {
    require_bundles();
    let f = fixture();
    let alice_0 = s(&f["alice_address_0"]);
    let mut config = config();
    config.chain.ss58_format = 0;
    let node = escrow_client::dev_node::DevNode::start(&config, DevNodeOptions::for_tests())
        .unwrap_or_else(|e| panic!("{e}"));
    let props = node
        .rpc("system_properties", serde_json::json!([]))
        .unwrap();
    assert_eq!(props["ss58Format"], 0);
    let env = Env::with_node(node);

    // Accepted in any format (generic 42, Polkadot 0, hex, a URI), printed with prefix 0.
    let hex = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    for who in [ALICE_42, alice_0, hex, ALICE] {
        assert_eq!(env.ok(&["balance", who])["account"], alice_0, "{who}");
    }
    let paid = env.ok(&["account", "fund", s(&f["address_2"]), "--amount", "5"]);
    assert_eq!(paid["from"], alice_0);
    assert_eq!(paid["to"], f["address_0"]);

    // Key commands ask the node for its prefix.
    let imported = with_password(
        &env,
        PASSWORD,
        &["account", "import", "pjs-uri", "--secret", s(&f["suri"])],
    );
    assert_eq!(imported["address"], f["address_0"]);
    assert_eq!(imported["ss58_prefix"], 0);
    let listed = env.ok(&["account", "list"]);
    assert_eq!(listed["keys"][0]["address"], f["address_0"]);

    // Deploy, a contract write and its events.
    let deployed = env.deploy();
    for field in ["escrow", "reputation", "deployer"] {
        let addr = s(&deployed[field]);
        assert!(addr.starts_with('1'), "{field}: {addr}");
    }
    assert_eq!(deployed["deployer"], alice_0);
    let created = env.offer("10", 1, "0", ["3d", "2d", "1d"]);
    let bob_0 = escrow_client::units::to_ss58_with_prefix(
        &escrow_client::units::parse_account(&subxt_signer_address(BOB)).unwrap(),
        0,
    );
    assert_eq!(created["tx"]["signer"], bob_0.as_str());
    assert_eq!(created["offer"]["seller"], bob_0.as_str());
    let event = &created["tx"]["events"][0];
    assert_eq!(event["name"], "OfferCreated");
    assert_eq!(event["contract"], "escrow");
    assert_eq!(event["fields"]["seller"], bob_0.as_str(), "{event}");

    // Text output too.
    let text = assert_cmd::Command::cargo_bin("escrow")
        .unwrap()
        .env("ESCROW_HOME", env.home.path())
        .args(["--url", &env.node.url(), "balance", ALICE])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(alice_0), "{text}");
    assert!(!text.contains(ALICE_42), "{text}");
}

/// A chain whose spec says "Live": no dev-account defaults, no write without a yes (and no
/// terminal to ask on here, so -y), mortal transactions. --dry-run needs no yes.
#[test]
fn off_development_a_write_needs_a_signer_and_a_yes_and_is_mortal() {
    let env = Env::live();
    assert_eq!(
        env.node
            .rpc("system_chainType", serde_json::json!([]))
            .unwrap(),
        "Live"
    );
    let block = env.best_block();

    let no_signer = env.fails(&["deploy"], 2);
    assert!(s(&no_signer["error"]).contains("--suri"), "{no_signer}");
    let fund = env.fails(&["account", "fund", FERDIE, "--amount", "1"], 2);
    assert!(s(&fund["error"]).contains("--as"), "{fund}");

    let deploy = [&["--suri", ALICE, "deploy"][..], &SHORT_MINIMUMS].concat();
    let unconfirmed = env.fails(&deploy, 2);
    assert!(
        s(&unconfirmed["error"]).contains("Live chain needs confirmation"),
        "{unconfirmed}"
    );
    assert!(s(&unconfirmed["error"]).contains("-y"), "{unconfirmed}");
    let dry = env.ok(&[&["--dry-run"], &deploy[..]].concat());
    assert_eq!(dry["type"], "dry_run", "{dry}");
    assert_eq!(env.best_block(), block, "nothing was sent");
    assert!(!env.deployment_file().exists());

    let deployed = env.ok(&[&["-y"], &deploy[..]].concat());
    assert_eq!(
        signed_extrinsic(&env, s(&deployed["create_escrow"]["block_hash"])).period,
        Some(escrow_client::chain::MORTAL_PERIOD)
    );
    let ferdie0 = env.free(FERDIE);
    let funded = env.ok(&[
        "-y", "--suri", ALICE, "account", "fund", FERDIE, "--amount", "2",
    ]);
    assert_eq!(env.free(FERDIE) - ferdie0, 2 * UNIT, "{funded}");
}

/// On a terminal, and with neither --password-file nor ESCROW_PASSWORD, the password is asked
/// without echo: a new one twice (when the two differ, once more), an existing one once.
#[test]
fn passwords_are_asked_on_the_terminal_without_echo() {
    use rexpect::session::spawn_command;
    let env = Offline::new();
    let on_terminal = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escrow"));
        cmd.env("ESCROW_HOME", env.home.path())
            .env_remove("ESCROW_URL")
            .env_remove("ESCROW_SURI")
            .env_remove("ESCROW_PASSWORD")
            .args(["--url", &env.url, "--output", "json"])
            .args(args);
        spawn_command(cmd, Some(60_000)).expect("spawn escrow on a pty")
    };
    let typed = "typed on a terminal";
    let mut p = on_terminal(&["account", "new", "shop"]);
    p.exp_string("new password for key 'shop': ").unwrap();
    p.send_line("first try").unwrap();
    p.exp_string("the same again: ").unwrap();
    p.send_line("second try").unwrap();
    p.exp_string("the two differ; once more").unwrap();
    p.exp_string("new password for key 'shop': ").unwrap();
    p.send_line(typed).unwrap();
    p.exp_string("the same again: ").unwrap();
    p.send_line(typed).unwrap();
    let (shown, _) = p.exp_regex("\"mnemonic\": \"[a-z ]+\"").unwrap();
    assert!(
        !shown.contains("try") && !shown.contains(typed),
        "echoed: {shown}"
    );
    p.exp_eof().unwrap();

    // The key is encrypted under what was typed.
    let args = ["account", "export", "shop", "--secret"];
    let revealed = succeeds(env.cmd(&args).env("ESCROW_PASSWORD", typed), &args);
    assert_eq!(s(&revealed["secret"]["suri"]).split(' ').count(), 12);
    let mut p = on_terminal(&args);
    p.exp_string("password of key 'shop': ").unwrap();
    p.send_line("not it").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("wrong password for key 'shop'"), "{rest}");
}
