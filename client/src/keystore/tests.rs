use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::*;
use crate::units::to_ss58_with_prefix;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
/// `subkey inspect --scheme ed25519 //Alice`
const ALICE_ED25519: &str = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";
const PASSWORD: &str = "test password";

fn temp_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("home").join("keys.json");
    (dir, path)
}

fn open(path: &std::path::Path, password: &str) -> Keystore {
    Keystore::open(path, Some(Passwords::fixed(password))).unwrap()
}

fn ss58(account: &[u8; 32]) -> String {
    to_ss58_with_prefix(account, 42)
}

fn secret(secret: &str, scheme: Scheme) -> ImportSource<'_> {
    ImportSource::Secret { secret, scheme }
}

/// tests/fixtures/polkadot-js-account.json: an export @polkadot/keyring made.
pub(super) fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/polkadot-js-account.json"
    ))
    .unwrap()
}

#[test]
fn new_import_list_get_roundtrip() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    assert!(ks.list().is_empty());
    let a = ks.new_key("alice", Scheme::Sr25519, 12).unwrap();
    assert_eq!(a.mnemonic.split(' ').count(), 12);
    assert_eq!(a.info.scheme, Scheme::Sr25519);
    let b = ks
        .import(
            "bob",
            secret(&format!("0x{}", hex::encode([2u8; 32])), Scheme::Ed25519),
        )
        .unwrap();
    let c = ks
        .import("carol", secret("//Alice", Scheme::Sr25519))
        .unwrap();
    let d = ks
        .import("dan", secret("//Alice", Scheme::Ed25519))
        .unwrap();
    assert_eq!(ss58(&c.account), ALICE);
    assert_eq!(ss58(&d.account), ALICE_ED25519);
    assert_eq!(
        b.account,
        Keypair::ed25519_from_seed([2u8; 32]).public_key()
    );

    let reopened = open(&path, PASSWORD);
    let names: Vec<_> = reopened.list().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["alice", "bob", "carol", "dan"]);
    assert_eq!(reopened.get("alice").unwrap().public_key(), a.info.account);
    assert_eq!(reopened.get("alice").unwrap().scheme(), "sr25519");
    assert_eq!(reopened.get("bob").unwrap().public_key(), b.account);
    assert_eq!(reopened.get("dan").unwrap().scheme(), "ed25519");
    assert!(matches!(
        reopened.get("dave"),
        Err(KeystoreError::NotFound(_))
    ));

    // The secret URI comes back with the password; importing it elsewhere gives the account.
    let (info, uri) = reopened.export_secret_uri("alice").unwrap();
    assert_eq!(&uri[..], a.mnemonic);
    assert_eq!(info.account, a.info.account);
    let mut other = open(&temp_store().1, "another");
    let again = other
        .import("alice2", secret(&a.mnemonic, Scheme::Sr25519))
        .unwrap();
    assert_eq!(again.account, a.info.account);
}

/// No mnemonic, URI or seed stands in the file; dev URIs, which are no secret, do.
#[test]
fn the_file_holds_no_secret_in_clear() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    let made = ks.new_key("made", Scheme::Sr25519, 12).unwrap();
    let seed = hex::encode([3u8; 32]);
    ks.import("seeded", secret(&seed, Scheme::Ed25519)).unwrap();
    let uri = format!("{}//hard/soft", made.mnemonic);
    ks.import("derived", secret(&uri, Scheme::Sr25519)).unwrap();
    ks.import("dev", secret("//Bob", Scheme::Sr25519)).unwrap();
    // A dev path with a password is a secret.
    ks.import("dev-pw", secret("//Bob///hidden words", Scheme::Sr25519))
        .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(!text.contains("hidden words"), "{text}");
    for word in made.mnemonic.split(' ') {
        assert!(!text.contains(&format!(" {word} ")), "{word} in {text}");
    }
    assert!(!text.contains(&made.mnemonic));
    assert!(!text.contains(&seed));
    assert!(text.contains("\"//Bob\""));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 3);
    let json = &v["keys"]["made"]["json"];
    assert_eq!(
        json["encoding"],
        serde_json::json!({"content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"], "version": "3"})
    );
    assert_eq!(json["meta"]["name"], "made");
    assert_eq!(
        v["keys"]["seeded"]["json"]["encoding"]["content"][1],
        "ed25519"
    );
    assert_eq!(
        v["keys"]["derived"]["secret_uri"]["encoding"]["content"][0],
        "suri"
    );
}

#[test]
fn a_wrong_or_missing_password_unlocks_nothing() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    ks.new_key("k", Scheme::Sr25519, 12).unwrap();
    ks.import("e", secret(&hex::encode([4u8; 32]), Scheme::Ed25519))
        .unwrap();
    ks.import("dev", secret("//Alice", Scheme::Sr25519))
        .unwrap();
    let wrong = open(&path, "wrong");
    for name in ["k", "e"] {
        let err = wrong.get(name).unwrap_err();
        assert!(
            matches!(err, KeystoreError::WrongPassword(ref n) if n == name),
            "{err}"
        );
        assert_eq!(err.to_string(), format!("wrong password for key '{name}'"));
    }
    assert!(matches!(
        wrong.export_secret_uri("k"),
        Err(KeystoreError::WrongPassword(_))
    ));
    let none = Keystore::open(&path, None).unwrap();
    let err = none.get("k").unwrap_err().to_string();
    assert!(
        err.starts_with("key 'k' is encrypted and needs its password"),
        "{err}"
    );
    // Listing and resolving names need no password; nor does a dev URI.
    assert_eq!(none.list().len(), 3);
    assert!(matches!(
        none.resolve("k").unwrap(),
        ResolvedAccount::Named { .. }
    ));
    assert_eq!(ss58(&none.get("dev").unwrap().public_key()), ALICE);
    // New keys need a password, and not an empty one.
    let mut none = Keystore::open(&path, None).unwrap();
    assert!(matches!(
        none.new_key("n", Scheme::Sr25519, 12),
        Err(KeystoreError::PasswordNeeded { .. })
    ));
    let mut empty = open(&path, "");
    assert!(matches!(
        empty.new_key("n", Scheme::Sr25519, 12),
        Err(KeystoreError::EmptyPassword)
    ));
    assert_eq!(open(&path, PASSWORD).list().len(), 3, "nothing added");
}

/// What older clients wrote in clear (version 1: ed25519 hex seeds, some without a scheme;
/// version 2: mnemonics and URIs, and polkadot.js exports beside their passwords) is encrypted
/// under one password when the file is opened, and every key stays the same account.
#[test]
fn an_older_plaintext_file_is_encrypted_when_opened() {
    let (_dir, path) = temp_store();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = fixture();
    let mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow";
    let seed = hex::encode([5u8; 32]);
    let old = serde_json::json!({
        "version": 2,
        "keys": {
            "old": {"scheme": "ed25519", "seed": seed, "address": "ignored"},
            "older": {"seed": hex::encode([6u8; 32]), "address": "ignored"},
            "phrase": {"scheme": "sr25519", "suri": mnemonic, "address": "x"},
            "dev": {"scheme": "sr25519", "suri": "//Alice", "address": "x"},
            "pjs": {"scheme": "sr25519", "polkadot_js": {
                "export": f["export"], "password": f["password"]
            }, "address": f["address_42"]}
        }
    });
    fs::write(&path, old.to_string()).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let before = fs::read_to_string(&path).unwrap();

    // No password to be had: refused, the file untouched.
    let err = Keystore::open(&path, None).unwrap_err().to_string();
    assert!(err.contains("holds 4 secret(s) in clear"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), before);

    let ks = open(&path, "new password");
    let text = fs::read_to_string(&path).unwrap();
    for clear in [mnemonic, &seed, f["password"].as_str().unwrap()] {
        assert!(!text.contains(clear), "{clear} still in {text}");
    }
    let expected = [
        ("old", Keypair::ed25519_from_seed([5u8; 32]).public_key()),
        ("older", Keypair::ed25519_from_seed([6u8; 32]).public_key()),
        (
            "phrase",
            Keypair::sr25519_from_uri(mnemonic).unwrap().public_key(),
        ),
        (
            "pjs",
            Keypair::sr25519_from_uri(f["suri"].as_str().unwrap())
                .unwrap()
                .public_key(),
        ),
    ];
    for (name, public) in expected {
        assert_eq!(ks.get(name).unwrap().public_key(), public, "{name}");
    }
    assert_eq!(ss58(&ks.get("dev").unwrap().public_key()), ALICE);
    assert_eq!(&ks.export_secret_uri("phrase").unwrap().1[..], mnemonic);
    assert_eq!(
        &ks.export_secret_uri("old").unwrap().1[..],
        format!("0x{seed}")
    );
    // The polkadot.js export keeps its address and meta, now under the new password.
    let (_, ExportedSecret::PolkadotJs(export)) = ks.export("pjs").unwrap() else {
        panic!("a JSON export");
    };
    assert_eq!(export["address"], f["export"]["address"]);
    assert_eq!(export["meta"], f["export"]["meta"]);
    assert!(Keypair::from_polkadot_js(&export.to_string(), "new password").is_ok());
    // Opened again, nothing is left to encrypt: no password asked.
    assert_eq!(Keystore::open(&path, None).unwrap().list().len(), 5);
}

#[test]
fn polkadot_js_import_keeps_the_export_and_not_its_password() {
    let f = fixture();
    let (_dir, path) = temp_store();
    let json = f["export"].to_string();
    let password = f["password"].as_str().unwrap();
    let mut ks = open(&path, "nope");
    let wrong = ks
        .import("pjs", ImportSource::PolkadotJs { json: &json })
        .unwrap_err();
    assert!(wrong.to_string().contains("wrong password"), "{wrong}");
    assert!(ks.list().is_empty());
    let mut ks = open(&path, password);
    let info = ks
        .import("pjs", ImportSource::PolkadotJs { json: &json })
        .unwrap();
    assert_eq!(ss58(&info.account), f["address_42"].as_str().unwrap());
    assert!(!fs::read_to_string(&path).unwrap().contains(password));
    let ks = open(&path, password);
    assert_eq!(ks.get("pjs").unwrap().public_key(), info.account);
    let (_, exported) = ks.export("pjs").unwrap();
    assert_eq!(exported, ExportedSecret::PolkadotJs(f["export"].clone()));
    assert!(matches!(
        ks.export_secret_uri("pjs"),
        Err(KeystoreError::NoSecretUri(_))
    ));
}

#[test]
fn rejects_duplicates_bad_names_and_bad_secrets() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    ks.new_key("k", Scheme::Sr25519, 12).unwrap();
    assert!(matches!(
        ks.new_key("k", Scheme::Sr25519, 12),
        Err(KeystoreError::Exists(_))
    ));
    for bad in ["", "a b", "//x", ".hidden", &"x".repeat(65)] {
        assert!(
            matches!(
                ks.new_key(bad, Scheme::Sr25519, 12),
                Err(KeystoreError::InvalidName(_))
            ),
            "{bad:?}"
        );
    }
    for bad in ["1234", "", "not a mnemonic at all"] {
        let err = ks.import("z", secret(bad, Scheme::Sr25519)).unwrap_err();
        assert!(
            matches!(err, KeystoreError::InvalidSecret { .. }),
            "{bad:?}: {err}"
        );
    }
    // ed25519 has no soft derivation.
    let err = ks
        .import("z", secret("//Soft/x", Scheme::Ed25519))
        .unwrap_err();
    assert!(err.to_string().contains("soft junction"), "{err}");
    assert!(ks.import("z", secret("//Soft/x", Scheme::Sr25519)).is_ok());
}

#[test]
fn file_and_dir_permissions() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    ks.import("k", secret("//Alice", Scheme::Sr25519)).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Keystore::open(&path, None).unwrap_err();
    assert!(matches!(
        err,
        KeystoreError::InsecurePermissions { mode: 0o644, .. }
    ));
    assert!(err.to_string().contains("chmod 600"), "{err}");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(Keystore::open(&path, None).unwrap().list().len(), 1);
}

#[test]
fn resolves_names_addresses_and_uris() {
    let (_dir, path) = temp_store();
    let mut ks = open(&path, PASSWORD);
    let made = ks.new_key("seller", Scheme::Sr25519, 12).unwrap();

    let r = ks.resolve("seller").unwrap();
    assert_eq!(r.account_id().0, made.info.account);
    assert!(matches!(r, ResolvedAccount::Named { .. }));

    let r = ks.resolve("//Alice").unwrap();
    assert_eq!(ss58(&r.account_id().0), ALICE);

    // A mnemonic with a path is a URI too, and its label does not show the phrase.
    let r = ks.resolve(&format!("{}//1", made.mnemonic)).unwrap();
    let ResolvedAccount::Signer { label, keypair } = &r else {
        panic!("a signer");
    };
    assert_eq!(label, "secret URI");
    assert_eq!(
        keypair.public_key(),
        Keypair::sr25519_from_uri(&format!("{}//1", made.mnemonic))
            .unwrap()
            .public_key()
    );

    // Addresses with any prefix (Polkadot's 0 here) are read-only.
    let r = ks
        .resolve("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
        .unwrap();
    assert!(matches!(r, ResolvedAccount::ReadOnly { .. }));
    assert_eq!(ss58(&r.account_id().0), ALICE);

    let err = ks.resolve("nobody").unwrap_err();
    assert!(err.to_string().contains("'nobody'"), "{err}");
}

#[test]
fn corrupt_file_is_a_clear_error() {
    let (_dir, path) = temp_store();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "{not json").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(
        Keystore::open(&path, None),
        Err(KeystoreError::Corrupt { .. })
    ));
}

/// tests/fixtures/escrow-export.json: exports `escrow account export` wrote, as
/// @polkadot/keyring decoded them (the address of the decrypted key, and a signature made with
/// it verifying), and an ed25519 export @polkadot/keyring made
/// (tests/fixtures/check-escrow-export.mjs).
#[test]
fn exports_written_here_are_the_keys_polkadot_js_decodes_and_its_ed25519_export_imports() {
    let f: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/escrow-export.json")).unwrap();
    let password = f["password"].as_str().unwrap();
    for (scheme, e) in f["exports"].as_object().unwrap() {
        assert_eq!(e["polkadot_js_type"], scheme.as_str());
        assert_eq!(e["signature_verifies"], true, "{scheme}");
        let (_dir, path) = temp_store();
        let mut ks = open(&path, password);
        let json = e["written_by_escrow"].to_string();
        let info = ks
            .import(scheme, ImportSource::PolkadotJs { json: &json })
            .unwrap();
        assert_eq!(
            ss58(&info.account),
            e["polkadot_js_address"].as_str().unwrap()
        );
        assert_eq!(ks.get(scheme).unwrap().scheme(), scheme.as_str());
    }
    // The same URIs give the same keys here: what polkadot.js decoded is what this client made.
    let mnemonic = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
    for (scheme, uri) in [
        (Scheme::Sr25519, format!("{mnemonic}//escrow/buyer")),
        (Scheme::Ed25519, format!("{mnemonic}//escrow//buyer")),
    ] {
        let key = Keypair::from_uri(scheme, &uri).unwrap();
        assert_eq!(
            ss58(&key.public_key()),
            f["exports"][scheme.as_str()]["polkadot_js_address"]
                .as_str()
                .unwrap()
        );
    }
    let theirs = &f["polkadot_js_ed25519"];
    let (_dir, path) = temp_store();
    let mut ks = open(&path, password);
    let json = theirs["export"].to_string();
    let info = ks
        .import("ed", ImportSource::PolkadotJs { json: &json })
        .unwrap();
    assert_eq!(info.scheme, Scheme::Ed25519);
    assert_eq!(ss58(&info.account), theirs["address"].as_str().unwrap());
    let key = ks.get("ed").unwrap();
    assert_eq!(
        key.public_key(),
        Keypair::ed25519_from_uri(theirs["suri"].as_str().unwrap())
            .unwrap()
            .public_key()
    );
}
