//! Transcode tests against ink! metadata built in code (shaped like the escrow contract's),
//! so they need no compiled contract.

use super::dry_run::flags_revert;
use super::*;
use crate::chain::value_account;
use crate::chain::{ChainEvent, TxOutcome};
use crate::signer::blake2_256;
use contract_transcode::ink_metadata::layout::{Layout, LayoutKey, RootLayout, StructLayout};
use contract_transcode::ink_metadata::InkProject;
use contract_transcode::ink_metadata::{
    ConstructorSpec, ContractSpec, EnvironmentSpec, EventParamSpec, EventSpec, MessageParamSpec,
    MessageSpec, ReturnTypeSpec, TypeSpec,
};
use contract_transcode::Value as InkValue;
use ink_primitives::{AccountId, ConstructorResult, Hash, LangError, MessageResult};
use scale::Encode;
use scale_value::{Composite, Value};
use subxt::utils::AccountId32;

#[derive(scale_info::TypeInfo, Encode)]
#[codec(crate = scale)]
pub enum Error {
    StaleVersion,
    NotFound,
    InsufficientBond { needed: u128 },
}

#[derive(scale_info::TypeInfo, Encode)]
#[codec(crate = scale)]
pub struct OfferTerms {
    title: String,
    price: u128,
    quantity: u32,
    arbiter: Option<AccountId>,
}

const SIG_OFFER_CREATED: [u8; 32] = [7u8; 32];
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn alice_bytes() -> [u8; 32] {
    crate::units::parse_account(ALICE).unwrap()
}

fn named<T: scale_info::TypeInfo + 'static>(name: &'static str) -> TypeSpec {
    TypeSpec::with_name_str::<T>(name)
}

fn message(
    label: &'static str,
    selector: [u8; 4],
    args: Vec<contract_transcode::ink_metadata::MessageParamSpec>,
    ret: TypeSpec,
) -> MessageSpec {
    MessageSpec::from_label(label)
        .selector(selector)
        .mutates(true)
        .payable(label == "create_offer")
        .args(args)
        .returns(ReturnTypeSpec::new(ret))
        .docs(vec!["test message"])
        .done()
}

fn arg(label: &'static str, ty: TypeSpec) -> contract_transcode::ink_metadata::MessageParamSpec {
    MessageParamSpec::new(label).of_type(ty).done()
}

fn project() -> InkProject {
    let spec = ContractSpec::new()
        .constructors(vec![ConstructorSpec::from_label("new")
            .selector([0x9b, 0xae, 0x9d, 0x5e])
            .payable(false)
            .args(vec![
                arg("fee_bps", named::<u16>("u16")),
                arg("reputation", named::<Option<AccountId>>("Option")),
            ])
            .returns(ReturnTypeSpec::new(named::<ConstructorResult<()>>(
                "ink_primitives::ConstructorResult",
            )))
            .docs(Vec::<&str>::new())
            .done()])
        .messages(vec![
            message(
                "create_offer",
                [1, 0, 0, 0],
                vec![arg("terms", named::<OfferTerms>("OfferTerms"))],
                named::<MessageResult<Result<u64, Error>>>("ink_primitives::MessageResult"),
            ),
            message(
                "update_offer",
                [2, 0, 0, 0],
                vec![
                    arg("offer_id", named::<u64>("u64")),
                    arg("price", named::<u128>("Balance")),
                    arg("quantity", named::<u32>("u32")),
                ],
                named::<MessageResult<Result<u32, Error>>>("ink_primitives::MessageResult"),
            ),
            message(
                "offer_count",
                [3, 0, 0, 0],
                vec![],
                named::<MessageResult<u64>>("ink_primitives::MessageResult"),
            ),
        ])
        .events(vec![EventSpec::new("OfferCreated")
            .module_path("escrow::escrow")
            .signature_topic(Some(SIG_OFFER_CREATED))
            .args([
                EventParamSpec::new("offer_id")
                    .of_type(TypeSpec::of_type::<u64>())
                    .indexed(true)
                    .done(),
                EventParamSpec::new("seller")
                    .of_type(TypeSpec::of_type::<AccountId>())
                    .indexed(true)
                    .done(),
                EventParamSpec::new("price")
                    .of_type(TypeSpec::of_type::<u128>())
                    .indexed(false)
                    .done(),
            ])
            .docs(Vec::<&str>::new())
            .done()])
        .lang_error(TypeSpec::of_type::<LangError>())
        .environment(
            EnvironmentSpec::new()
                .account_id(TypeSpec::of_type::<AccountId>())
                .balance(TypeSpec::of_type::<u128>())
                .hash(TypeSpec::of_type::<Hash>())
                .timestamp(TypeSpec::of_type::<u64>())
                .block_number(TypeSpec::of_type::<u32>())
                .chain_extension(TypeSpec::of_type::<()>())
                .max_event_topics(4)
                .static_buffer_size(16384)
                .done(),
        )
        .docs(Vec::<&str>::new())
        .done();
    let layout = Layout::Root(RootLayout::new_empty(
        LayoutKey::new(0u32),
        StructLayout::new("Escrow", vec![]),
    ));
    InkProject::new(layout, spec)
}

fn codec() -> ContractCodec {
    ContractCodec::from_ink_project(project())
}

#[test]
fn encodes_struct_literal_with_option_account() {
    let c = codec();
    let encoded = c
        .encode(
            "create_offer",
            &[format!(
                r#"OfferTerms {{ title: "bike", price: 5_000, quantity: 2, arbiter: Some({ALICE}) }}"#
            )],
        )
        .unwrap();
    let mut expected = vec![1, 0, 0, 0];
    OfferTerms {
        title: "bike".into(),
        price: 5000,
        quantity: 2,
        arbiter: Some(AccountId::from(alice_bytes())),
    }
    .encode_to(&mut expected);
    assert_eq!(encoded, expected);

    let ctor = c.encode("new", &["100".into(), "None".into()]).unwrap();
    let mut expected = vec![0x9b, 0xae, 0x9d, 0x5e];
    (100u16, None::<AccountId>).encode_to(&mut expected);
    assert_eq!(ctor, expected);
}

#[test]
fn encode_errors_are_readable() {
    let c = codec();
    let err = c
        .encode("update_offer", &["1".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 3"), "{err}");
    let err = c.encode("creat_offer", &[]).unwrap_err().to_string();
    assert!(
        err.contains("'creat_offer'") && err.contains("Did you mean"),
        "{err}"
    );
}

#[test]
fn decodes_ok_values() {
    let c = codec();
    let data = MessageResult::<Result<u64, Error>>::Ok(Ok(7)).encode();
    assert_eq!(
        c.decode_message_return("create_offer", &data).unwrap(),
        InkValue::UInt(7)
    );
    let data = MessageResult::<u64>::Ok(3).encode();
    assert_eq!(
        c.decode_message_return("offer_count", &data).unwrap(),
        InkValue::UInt(3)
    );
}

#[test]
fn contract_err_becomes_typed_error() {
    let c = codec();
    let data = MessageResult::<Result<u32, Error>>::Ok(Err(Error::StaleVersion)).encode();
    let err = c.decode_message_return("update_offer", &data).unwrap_err();
    let ContractClientError::Contract(e) = err else {
        panic!("expected a contract error, got {err}");
    };
    assert_eq!(e.message, "update_offer");
    assert_eq!(e.variant, "StaleVersion");
    assert_eq!(e.to_string(), "update_offer failed: StaleVersion");

    let data = MessageResult::<Result<u32, Error>>::Ok(Err(Error::InsufficientBond { needed: 42 }))
        .encode();
    let ContractClientError::Contract(e) =
        c.decode_message_return("update_offer", &data).unwrap_err()
    else {
        panic!("expected a contract error");
    };
    assert_eq!(e.variant, "InsufficientBond");
    assert!(
        e.details.contains("needed") && e.details.contains("42"),
        "{}",
        e.details
    );
    let _ = Error::NotFound;
}

#[test]
fn lang_error_is_reported() {
    let c = codec();
    let data = MessageResult::<u64>::Err(LangError::CouldNotReadInput).encode();
    let err = c.decode_message_return("offer_count", &data).unwrap_err();
    assert!(
        matches!(&err, ContractClientError::LangError { variant, .. } if variant == "CouldNotReadInput"),
        "{err}"
    );
}

#[test]
fn decodes_constructor_return() {
    let c = codec();
    let data = ConstructorResult::<()>::Ok(()).encode();
    assert!(c.decode_constructor_return("new", &data).is_ok());
}

#[test]
fn message_info() {
    let info = codec().info("create_offer").unwrap();
    assert!(info.payable && info.mutates && !info.constructor);
    assert_eq!(
        info.args,
        vec![("terms".to_string(), "OfferTerms".to_string())]
    );
    let ctor = codec().info("new").unwrap();
    assert!(ctor.constructor);
    assert_eq!(ctor.args.len(), 2);
    assert!(codec().info("nope").is_err());
    assert_eq!(codec().messages().len(), 3);
}

fn emitted(contract: [u8; 32], topics: Vec<[u8; 32]>, data: &[u8]) -> ChainEvent {
    let mut field_bytes = contract.to_vec();
    data.to_vec().encode_to(&mut field_bytes);
    ChainEvent {
        pallet: "Contracts".into(),
        variant: "ContractEmitted".into(),
        fields: Composite::named([
            ("contract", Value::from_bytes(contract)),
            ("data", Value::from_bytes(data)),
        ]),
        field_bytes,
        topics,
    }
}

#[test]
fn decodes_contract_events_by_topic() {
    let contract = [9u8; 32];
    let data = (5u64, AccountId::from(alice_bytes()), 1000u128).encode();
    let outcome = TxOutcome {
        block_hash: [0; 32],
        extrinsic_hash: [0; 32],
        events: vec![
            emitted(contract, vec![SIG_OFFER_CREATED, [1; 32]], &data),
            // Another contract's event: kept, not decoded.
            emitted([8u8; 32], vec![[3; 32]], b"xyz"),
        ],
        fee_paid: None,
        weight: None,
        finalized: false,
    };
    let c = codec();
    let events = decode_contract_events(&outcome, &[&c], Some(&AccountId32(contract)));
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].name.as_deref(), Some("OfferCreated"));
    assert_eq!(events[0].field("offer_id"), Some(&InkValue::UInt(5)));
    assert_eq!(events[0].field("price"), Some(&InkValue::UInt(1000)));
    assert_eq!(events[0].field("seller").unwrap().to_string(), ALICE);
    assert_eq!(events[1].name, None);
    assert_eq!(events[1].contract, AccountId32([8u8; 32]));
    assert_eq!(events[1].data, b"xyz");
}

#[test]
fn revert_flag_and_deposit_limit() {
    let flags = Value::named_composite([("bits", Value::u128(1))]);
    assert!(flags_revert(&flags));
    assert!(!flags_revert(&Value::named_composite([(
        "bits",
        Value::u128(0)
    )])));
    assert_eq!(StorageDeposit::Charge(5).limit(), 5);
    assert_eq!(StorageDeposit::Refund(5).limit(), 0);
    let wrapped = Value::unnamed_composite([Value::from_bytes([4u8; 32])]);
    assert_eq!(value_account(&wrapped), Some(AccountId32([4u8; 32])));
}

#[test]
fn bundle_from_contract_file() {
    let mut json = serde_json::json!({
        "source": {
            "hash": format!("0x{}", hex::encode([0u8; 32])),
            "language": "ink! 5.1.1",
            "compiler": "rustc 1.86.0",
            "wasm": "0x0061736d01000000",
        },
        "contract": { "name": "escrow", "version": "0.1.0", "authors": ["test"] },
    });
    let abi = serde_json::to_value(project()).unwrap();
    for (k, v) in abi.as_object().unwrap() {
        json[k] = v.clone();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escrow.contract");
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();

    let bundle = ContractBundle::load(&path).unwrap();
    assert_eq!(bundle.name(), "escrow");
    assert_eq!(bundle.wasm, hex::decode("0061736d01000000").unwrap());
    assert_eq!(bundle.code_hash, blake2_256(&bundle.wasm));
    let c = bundle.codec().unwrap();
    assert!(c.encode("offer_count", &[]).is_ok());

    // The plain .json metadata has no code.
    json["source"].as_object_mut().unwrap().remove("wasm");
    let json_path = dir.path().join("escrow.json");
    std::fs::write(&json_path, serde_json::to_string(&json).unwrap()).unwrap();
    let err = ContractBundle::load(&json_path).unwrap_err().to_string();
    assert!(err.contains(".contract bundle"), "{err}");
    assert!(ContractCodec::load(&json_path).is_ok());
}

#[test]
fn bundle_build_mode_from_build_info() {
    let write = |dir: &std::path::Path, build_info: Option<serde_json::Value>| {
        let mut json = serde_json::json!({
            "source": {
                "hash": format!("0x{}", hex::encode([0u8; 32])),
                "language": "ink! 5.1.1",
                "compiler": "rustc 1.86.0",
                "wasm": "0x0061736d01000000",
            },
            "contract": { "name": "floor", "version": "0.1.0", "authors": ["test"] },
        });
        if let Some(info) = build_info {
            json["source"]["build_info"] = info;
        }
        let abi = serde_json::to_value(project()).unwrap();
        for (k, v) in abi.as_object().unwrap() {
            json[k] = v.clone();
        }
        let path = dir.join("floor.contract");
        std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
        ContractBundle::load(&path).unwrap()
    };
    let info = |mode: &str| {
        // What cargo-contract 5.0.3 writes.
        serde_json::json!({
            "rust_toolchain": "stable-x86_64-unknown-linux-gnu",
            "cargo_contract_version": "5.0.3",
            "build_mode": mode,
            "wasm_opt_settings": { "optimization_passes": "Z", "keep_debug_symbols": false },
        })
    };
    let dir = tempfile::tempdir().unwrap();

    let release = write(dir.path(), Some(info("Release")));
    assert_eq!(release.build_mode(), Some("Release"));
    assert!(release.is_release());
    assert!(write(dir.path(), Some(info("Verifiable"))).is_release());

    let debug = write(dir.path(), Some(info("Debug")));
    assert_eq!(debug.build_mode(), Some("Debug"));
    assert!(!debug.is_release());

    let unknown = write(dir.path(), None);
    assert_eq!(unknown.build_mode(), None);
    assert!(!unknown.is_release());
}
