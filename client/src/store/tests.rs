use std::collections::BTreeMap;

use serde_json::json;

use super::query::fts_query;
use super::synthetic::*;
use super::*;
use crate::types::{AccountReputation, Deal, DealRecord, DealState, Offer};

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&Store::path_for(dir.path(), &key()), key()).unwrap()
}

/// Block 10: offers 1 (active) and 2 (inactive), deal 1, the seller's reputation.
fn snapshot() -> Snapshot {
    let mut withdrawn = offer(2, SELLER, 900, "Old lamp", "Brass, works");
    withdrawn.active = false;
    Snapshot {
        block: block(10),
        events: vec![],
        offers: vec![
            offer(1, SELLER, 500, "Red bicycle", "Steel frame, new tyres"),
            withdrawn,
        ],
        deals: vec![deal(1, 1, BUYER, DealState::Funded)],
        reputations: vec![(SELLER, reputation(2))],
        records: vec![(1, record(500, None))],
        requests: Vec::new(),
        proposals: Vec::new(),
        arbiters: Vec::new(),
    }
}

fn every_offer(r: &StoreReader) -> Vec<Offer> {
    r.search_offers(&OfferQuery {
        include_inactive: true,
        limit: u32::MAX,
        ..OfferQuery::default()
    })
    .unwrap()
}

fn ids(offers: &[Offer]) -> Vec<u64> {
    offers.iter().map(|o| o.id).collect()
}

fn text_ids(r: &StoreReader, text: &str) -> Vec<u64> {
    ids(&r
        .search_offers(&OfferQuery {
            text: Some(text.to_string()),
            include_inactive: true,
            limit: u32::MAX,
            ..OfferQuery::default()
        })
        .unwrap())
}

/// FTS5's own check that the text index holds exactly the words of the offers table.
fn assert_text_index_matches_offers(store: &Store) {
    store
        .conn
        .execute(
            "INSERT INTO offers_fts(offers_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}

/// Everything a rollback must restore, in comparable form.
#[derive(Debug, PartialEq)]
struct State {
    tip: Option<(u64, [u8; 32])>,
    offers: Vec<Offer>,
    deals: Vec<Option<Deal>>,
    reputations: Vec<Option<AccountReputation>>,
    records: Vec<Option<DealRecord>>,
    events: Vec<(u64, u32, String, String)>,
}

fn state(r: &StoreReader) -> State {
    State {
        tip: r.tip().unwrap(),
        offers: every_offer(r),
        deals: (1..=3).map(|id| r.deal(id).unwrap()).collect(),
        reputations: [SELLER, BUYER, OTHER_SELLER]
            .iter()
            .map(|a| r.reputation(a).unwrap())
            .collect(),
        records: (1..=3).map(|id| r.deal_record(id).unwrap()).collect(),
        events: r
            .events(0, u32::MAX)
            .unwrap()
            .into_iter()
            .map(|e| {
                let fields = serde_json::to_string(&e.event.fields).unwrap();
                (e.block_number, e.index, e.event.name, fields)
            })
            .collect(),
    }
}

/// A store in `dir` with the snapshot at block 10 and block 11 applied on it.
fn at_block_11() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    store.apply_block(block_11()).unwrap();
    (store, dir)
}

/// Block 11 on the snapshot: updates offer 1 (price, title), creates offer 3, removes offer 2,
/// delivers deal 1, opens deal 2, changes the seller's reputation and adds the buyer's.
fn block_11() -> BlockChanges {
    let mut updated = offer(1, SELLER, 450, "Blue tandem", "Steel frame, new tyres");
    updated.version = 2;
    let mut delivered = deal(1, 1, BUYER, DealState::Delivered);
    delivered.delivered_at = 1_700_000_066_000;
    let mut changes = BlockChanges::new(block(11));
    changes.events = vec![
        event(
            0,
            "OfferUpdated",
            json!({"offer_id": 1, "version": 2, "price": 450, "quantity": 3}),
        ),
        event(
            2,
            "OfferCreated",
            json!({"offer_id": 3, "seller": ss58(&OTHER_SELLER), "price": 700, "quantity": 1, "bond": 0}),
        ),
        event(
            5,
            "DealDelivered",
            json!({"deal_id": 1, "review_deadline": 1_700_003_666_000u64}),
        ),
        event(
            7,
            "DealOpened",
            json!({"deal_id": 2, "offer_id": 3, "buyer": ss58(&BUYER), "seller": ss58(&OTHER_SELLER), "quantity": 1, "amount": 700, "bond": 0, "delivery_deadline": 1_700_003_666_000u64}),
        ),
    ];
    changes.offers = BTreeMap::from([
        (1, Some(updated)),
        (2, None),
        (
            3,
            Some(offer(
                3,
                OTHER_SELLER,
                700,
                "Wooden chair",
                "Oak, hand made",
            )),
        ),
    ]);
    changes.deals = BTreeMap::from([
        (1, Some(delivered)),
        (2, Some(deal(2, 3, BUYER, DealState::Funded))),
    ]);
    changes.reputations =
        BTreeMap::from([(SELLER, Some(reputation(3))), (BUYER, Some(reputation(1)))]);
    changes.records = BTreeMap::from([
        (1, Some(record(500, Some(5)))),
        (2, Some(record(700, None))),
    ]);
    changes
}

#[test]
fn rolling_back_the_tip_restores_exactly_the_offers_deals_reputations_and_events_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    let before = state(&store);

    store.apply_block(block_11()).unwrap();
    let after = state(&store);
    assert_eq!(after.tip, Some((11, hash(11, 0xaa))));
    assert_eq!(ids(&after.offers), vec![1, 3]);
    assert_eq!(store.offer(1).unwrap().unwrap().terms.price, 450);
    assert_eq!(store.offer(2).unwrap(), None);
    assert_eq!(store.deal(1).unwrap().unwrap().state, DealState::Delivered);
    assert_eq!(store.deal(2).unwrap().unwrap().offer_id, 3);
    assert_eq!(store.reputation(&BUYER).unwrap(), Some(reputation(1)));
    assert_eq!(after.events.len(), 4);
    assert_eq!(text_ids(&store, "tandem"), vec![1]);
    assert_eq!(text_ids(&store, "bicycle"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "lamp"), Vec::<u64>::new());

    store.rollback_block(hash(11, 0xaa)).unwrap();
    assert_eq!(state(&store), before);
    assert_text_index_matches_offers(&store);
    // The offer created in the block is gone, the updated one reverted, the removed one back,
    // and the text index says so too.
    assert_eq!(store.offer(3).unwrap(), None);
    assert_eq!(store.offer(1).unwrap(), Some(snapshot().offers[0].clone()));
    assert_eq!(store.offer(2).unwrap(), Some(snapshot().offers[1].clone()));
    assert_eq!(text_ids(&store, "bicycle"), vec![1]);
    assert_eq!(text_ids(&store, "lamp"), vec![2]);
    assert_eq!(text_ids(&store, "tandem"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "chair"), Vec::<u64>::new());
    assert_eq!(store.deal_timeline(1).unwrap().len(), 0);
    assert_eq!(store.reputation(&BUYER).unwrap(), None);

    // The same block applies again, and on top of it another one rolls back to it.
    store.apply_block(block_11()).unwrap();
    let mut block_12 = BlockChanges::new(block(12));
    let mut sold_out = offer(3, OTHER_SELLER, 700, "Wooden chair", "Oak, hand made");
    sold_out.active = false;
    block_12.offers.insert(3, Some(sold_out));
    block_12.deals.insert(2, None);
    store.apply_block(block_12).unwrap();
    assert_eq!(
        ids(&store.search_offers(&OfferQuery::default()).unwrap()),
        vec![1]
    );
    store.rollback_block(hash(12, 0xaa)).unwrap();
    assert_eq!(state(&store), after);
    assert_text_index_matches_offers(&store);
}

#[test]
fn only_the_tip_can_be_rolled_back_and_the_snapshot_or_a_finalized_block_not_at_all() {
    let (mut store, dir) = at_block_11();
    store.apply_block(BlockChanges::new(block(12))).unwrap();

    for not_tip in [hash(11, 0xaa), hash(12, 0xbb), hash(99, 0xaa)] {
        let err = store.rollback_block(not_tip).unwrap_err();
        assert!(
            matches!(err, StoreError::NotTip { hash, tip: Some((12, _)) } if hash == not_tip),
            "{err}"
        );
    }
    assert_eq!(store.tip().unwrap(), Some((12, hash(12, 0xaa))));
    assert_eq!(store.offer(3).unwrap().map(|o| o.id), Some(3));

    store.rollback_block(hash(12, 0xaa)).unwrap();
    store.finalize(11).unwrap();
    let err = store.rollback_block(hash(11, 0xaa)).unwrap_err();
    assert!(
        matches!(err, StoreError::NotUndoable { number: 11, .. }),
        "{err}"
    );
    let undo_rows: i64 = store
        .conn
        .query_row("SELECT count(*) FROM undo", [], |r| r.get(0))
        .unwrap();
    assert_eq!(undo_rows, 0);

    let mut fresh = Store::open(&dir.path().join("other.sqlite"), key()).unwrap();
    fresh.replace_state(snapshot()).unwrap();
    let err = fresh.rollback_block(hash(10, 0xaa)).unwrap_err();
    assert!(
        matches!(err, StoreError::NotUndoable { number: 10, .. }),
        "{err}"
    );
    assert_eq!(fresh.first_block().unwrap(), Some((10, hash(10, 0xaa))));
}

#[test]
fn a_block_that_does_not_extend_the_tip_is_refused_and_a_failed_block_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    let before = state(&store);

    for wrong in [block(12), block_on(11, 0xbb), block(10)] {
        let err = store.apply_block(BlockChanges::new(wrong)).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotChild {
                    tip: Some((10, _)),
                    ..
                }
            ),
            "{err}"
        );
    }
    // Offer 4 filed under id 5: refused after the events were written, so none of it stays.
    let mut bad = block_11();
    bad.offers.insert(5, Some(offer(4, SELLER, 1, "x", "")));
    let err = store.apply_block(bad).unwrap_err();
    assert!(
        matches!(err, StoreError::KeyMismatch { key: 5, id: 4, .. }),
        "{err}"
    );
    assert_eq!(state(&store), before);
}

#[test]
fn an_empty_store_starts_its_history_at_the_first_block_applied() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    assert_eq!(store.tip().unwrap(), None);
    assert_eq!(store.first_block().unwrap(), None);
    store.apply_block(block_11()).unwrap();
    assert_eq!(store.first_block().unwrap(), Some((11, hash(11, 0xaa))));
    assert_eq!(store.block(11).unwrap(), Some(block(11)));
    store.rollback_block(hash(11, 0xaa)).unwrap();
    assert_eq!(store.tip().unwrap(), None);
    assert_eq!(every_offer(&store), vec![]);
}

#[test]
fn history_before_a_snapshot_is_prepended_parent_by_parent_and_nothing_else_fits() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    // The snapshot block's own events are history too.
    let delivered = event(1, "DealDelivered", serde_json::json!({ "deal_id": 1 }));
    store
        .replace_state(Snapshot {
            events: vec![delivered],
            ..snapshot()
        })
        .unwrap();
    let before = state(&store);
    let opened = event(0, "DealOpened", serde_json::json!({ "deal_id": 1 }));
    let created = event(2, "OfferCreated", serde_json::json!({ "offer_id": 1 }));
    store
        .prepend_blocks(&[(block(9), vec![opened]), (block(8), vec![created])])
        .unwrap();
    assert_eq!(store.first_block().unwrap(), Some((8, hash(8, 0xaa))));
    assert_eq!(store.tip().unwrap(), Some((10, hash(10, 0xaa))));
    let timeline: Vec<(u64, String)> = store
        .deal_timeline(1)
        .unwrap()
        .into_iter()
        .map(|e| (e.block_number, e.event.name))
        .collect();
    assert_eq!(
        timeline,
        [
            (9, "DealOpened".to_string()),
            (10, "DealDelivered".to_string())
        ]
    );
    assert_eq!(store.events(0, 10).unwrap().len(), 3);
    let after = state(&store);
    assert_eq!(after.offers, before.offers, "rows are not touched");
    assert_eq!(after.deals, before.deals);

    // Not the first block's parent: another branch's block 7, a gap, the tip's child.
    for wrong in [block_on(7, 0xbb), block(6), block(11)] {
        let err = store.prepend_blocks(&[(wrong, vec![])]).unwrap_err();
        assert!(matches!(err, StoreError::NotParent { .. }), "{err}");
    }
    // A refused block refuses the lot: the good block before it is not kept either.
    let err = store
        .prepend_blocks(&[(block(7), vec![]), (block(5), vec![])])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotParent { number: 5, .. }),
        "{err}"
    );
    assert_eq!(store.first_block().unwrap(), Some((8, hash(8, 0xaa))));
}

#[test]
fn blocks_from_lists_each_block_with_its_own_documents_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    let with_docs = BlockInfo {
        documents: vec![
            ([2; 32], 1, b"second".to_vec()),
            ([1; 32], 1, b"first".to_vec()),
        ],
        ..block(9)
    };
    let other = BlockInfo {
        documents: vec![([3; 32], 0, b"other".to_vec())],
        ..block(7)
    };
    store
        .prepend_blocks(&[(with_docs, vec![]), (block(8), vec![]), (other, vec![])])
        .unwrap();
    let listed = store.blocks_from(0).unwrap();
    let numbers: Vec<u64> = listed.iter().map(|b| b.number).collect();
    assert_eq!(numbers, [7, 8, 9, 10]);
    assert_eq!(listed[0].documents, [([3; 32], 0, b"other".to_vec())]);
    assert!(listed[1].documents.is_empty());
    // By extrinsic, then hash.
    assert_eq!(
        listed[2].documents,
        [
            ([1; 32], 1, b"first".to_vec()),
            ([2; 32], 1, b"second".to_vec())
        ]
    );
    assert_eq!(listed[3], store.block(10).unwrap().unwrap());
    assert_eq!(store.blocks_from(9).unwrap().len(), 2);
}

#[test]
fn replacing_the_state_forgets_earlier_blocks_events_and_rows() {
    let (mut store, _dir) = at_block_11();
    let later = Snapshot {
        block: block(40),
        events: vec![],
        offers: vec![offer(7, OTHER_SELLER, 10, "Green kettle", "")],
        deals: vec![],
        reputations: vec![],
        records: vec![],
        requests: Vec::new(),
        proposals: Vec::new(),
        arbiters: Vec::new(),
    };
    store.replace_state(later).unwrap();
    assert_eq!(store.first_block().unwrap(), Some((40, hash(40, 0xaa))));
    assert_eq!(store.tip().unwrap(), Some((40, hash(40, 0xaa))));
    assert_eq!(ids(&every_offer(&store)), vec![7]);
    assert_eq!(store.deal(1).unwrap(), None);
    assert_eq!(store.reputation(&SELLER).unwrap(), None);
    assert_eq!(store.events(0, 100).unwrap().len(), 0);
    assert_eq!(text_ids(&store, "bicycle"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "kettle"), vec![7]);
    assert_text_index_matches_offers(&store);
}

/// The store and its directory, which lives as long as the store is used.
fn search_fixture() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite"), key()).unwrap();
    let mut inactive = offer(6, SELLER, 300, "Bike helmet", "Red, size M");
    inactive.active = false;
    let mut other_arbiter = offer(7, SELLER, 350, "Bike lights", "");
    other_arbiter.terms.arbiter = OTHER_ARBITER.into();
    store
        .replace_state(Snapshot {
            block: block(1),
            events: vec![],
            offers: vec![
                offer(1, SELLER, 500, "Red e-Bike", "Fast and light"),
                offer(2, SELLER, 2_000, "Road bike", "Carbon \"race\" frame"),
                offer(3, OTHER_SELLER, 800, "Mountain BIKE", "Full suspension"),
                offer(
                    4,
                    OTHER_SELLER,
                    100,
                    "Café table",
                    "Marble top; AND OR NOT NEAR",
                ),
                offer(5, SELLER, 50, "Tyre levers", "Fit any bicycle"),
                inactive,
                other_arbiter,
            ],
            deals: vec![],
            reputations: vec![(
                OTHER_SELLER,
                AccountReputation {
                    average_rating_centi: 450,
                    ..reputation(2)
                },
            )],
            records: vec![],
            requests: Vec::new(),
            proposals: Vec::new(),
            arbiters: Vec::new(),
        })
        .unwrap();
    (store, dir)
}

#[test]
fn text_search_finds_words_of_title_or_description_case_accents_and_word_ends_aside() {
    let (store, _dir) = search_fixture();
    assert_eq!(text_ids(&store, "bike"), vec![1, 2, 3, 6, 7]);
    assert_eq!(text_ids(&store, "BIKE red"), vec![1, 6]);
    assert_eq!(text_ids(&store, "bicycle"), vec![5]);
    assert_eq!(text_ids(&store, "suspension"), vec![3]);
    assert_eq!(text_ids(&store, "cafe"), vec![4]);
    assert_eq!(text_ids(&store, "café"), vec![4]);
    assert_eq!(text_ids(&store, "bic"), vec![5]);
    assert_eq!(text_ids(&store, "e-bike"), vec![1]);
    assert_eq!(text_ids(&store, "bike piano"), Vec::<u64>::new());
    // Blank text filters nothing.
    assert_eq!(text_ids(&store, "  "), vec![1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn text_search_takes_quotes_and_operators_as_plain_words() {
    let (store, _dir) = search_fixture();
    for text in [
        "\"",
        "\"race\"",
        "race\"",
        "\"\"",
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "title:bike",
        "-bike",
        "^bike",
        "bike*",
        "*",
        "(",
        ")",
        "'",
        "a'b",
        "{title}: x",
        "+",
        "💡",
        "\\",
        "%",
        "_",
        "NOT bike",
        "bike OR chair",
        "\0",
        "bike\0red",
        "\u{7}\r\n",
    ] {
        store
            .search_offers(&OfferQuery {
                text: Some(text.to_string()),
                ..OfferQuery::default()
            })
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
    assert_eq!(text_ids(&store, "\"race\""), vec![2]);
    assert_eq!(text_ids(&store, "NOT near"), vec![4]);
    assert_eq!(text_ids(&store, "title:bike"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "NOT bike"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "*"), Vec::<u64>::new());
    assert_eq!(text_ids(&store, "bike\0red"), vec![1, 6]);
    assert_eq!(
        fts_query("a \"b\" c"),
        Some("\"a\"* \"\"\"b\"\"\"* \"c\"*".to_string())
    );
    assert_eq!(fts_query(" \t"), None);
}

#[test]
fn text_search_combines_with_price_range_seller_arbiter_rating_activity_and_pages() {
    let (store, _dir) = search_fixture();
    let q = |f: &dyn Fn(&mut OfferQuery)| {
        let mut q = OfferQuery {
            text: Some("bike".into()),
            limit: 100,
            ..OfferQuery::default()
        };
        f(&mut q);
        ids(&store.search_offers(&q).unwrap())
    };
    assert_eq!(q(&|_| ()), vec![1, 2, 3, 7]);
    assert_eq!(q(&|q| q.include_inactive = true), vec![1, 2, 3, 6, 7]);
    assert_eq!(q(&|q| q.min_price = Some(500)), vec![1, 2, 3]);
    assert_eq!(q(&|q| q.max_price = Some(800)), vec![1, 3, 7]);
    assert_eq!(
        q(&|q| {
            q.min_price = Some(400);
            q.max_price = Some(900);
        }),
        vec![1, 3]
    );
    assert_eq!(q(&|q| q.seller = Some(SELLER)), vec![1, 2, 7]);
    assert_eq!(
        q(&|q| {
            q.seller = Some(SELLER);
            q.max_price = Some(600);
        }),
        vec![1, 7]
    );
    assert_eq!(q(&|q| q.arbiter = Some(OTHER_ARBITER)), vec![7]);
    assert_eq!(q(&|q| q.seller = Some(BUYER)), Vec::<u64>::new());
    assert_eq!(
        q(&|q| {
            q.limit = 2;
            q.offset = 1;
        }),
        vec![2, 3]
    );
    assert_eq!(q(&|q| q.offset = u64::MAX), Vec::<u64>::new());
    // The seller's average rating: a seller without ratings has 0.
    assert_eq!(q(&|q| q.min_rating_centi = Some(450)), vec![3]);
    assert_eq!(q(&|q| q.min_rating_centi = Some(451)), Vec::<u64>::new());
    assert_eq!(q(&|q| q.min_rating_centi = Some(0)), vec![1, 2, 3, 7]);
    assert_eq!(q(&|q| q.from_id = 3), vec![3, 7]);
    assert_eq!(q(&|q| q.from_id = u64::MAX), Vec::<u64>::new());
    // Without text, prices above u64 still order right.
    let all = OfferQuery {
        min_price: Some(u128::from(u64::MAX) + 1),
        include_inactive: true,
        ..OfferQuery::default()
    };
    assert_eq!(ids(&store.search_offers(&all).unwrap()), Vec::<u64>::new());
    assert_eq!(
        ids(&store
            .search_offers(&OfferQuery {
                max_price: Some(100),
                ..OfferQuery::default()
            })
            .unwrap()),
        vec![4, 5]
    );
}

#[test]
fn a_store_of_another_chain_or_deployment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::path_for(dir.path(), &key());
    open(&dir).replace_state(snapshot()).unwrap();
    let others = [
        StoreKey {
            genesis: [9; 32],
            ..key()
        },
        StoreKey {
            escrow: [9; 32],
            ..key()
        },
        StoreKey {
            reputation: [9; 32],
            ..key()
        },
    ];
    for other in others {
        let err = Store::open(&path, other).err().unwrap();
        assert!(
            matches!(&err, StoreError::OtherChain { stored, wanted, .. } if **stored == key() && **wanted == other),
            "{err}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&hex::encode(other.genesis))
                && message.contains(&hex::encode([2u8; 32])),
            "{message}"
        );
        let err = Store::open_reader(&path, other).err().unwrap();
        assert!(matches!(err, StoreError::OtherChain { .. }), "{err}");
    }
    // Another chain or deployment has its own file; the data of this one is untouched.
    assert_ne!(Store::path_for(dir.path(), &others[0]), path);
    assert_ne!(Store::path_for(dir.path(), &others[1]), path);
    assert_ne!(Store::path_for(dir.path(), &others[2]), path);
    assert_eq!(open(&dir).tip().unwrap(), Some((10, hash(10, 0xaa))));
    assert!(path.starts_with(dir.path().join("store")));
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        "01010101-02020202-03030303.sqlite"
    );
}

#[test]
fn a_store_of_another_version_or_a_damaged_file_is_rebuilt_but_another_chains_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::path_for(dir.path(), &key());
    open(&dir).replace_state(snapshot()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE meta SET value = 1 WHERE key = 'schema_version'", [])
        .unwrap();
    drop(conn);
    let (store, why) = Store::open_or_rebuild(&path, key()).unwrap();
    assert!(
        matches!(why, Some(StoreError::UnknownVersion { found: 1, .. })),
        "{why:?}"
    );
    assert_eq!(store.tip().unwrap(), None, "a new, empty store");
    drop(store);

    std::fs::write(&path, [7u8; 4096]).unwrap();
    let (store, why) = Store::open_or_rebuild(&path, key()).unwrap();
    assert!(matches!(why, Some(StoreError::Open { .. })), "{why:?}");
    assert_eq!(store.tip().unwrap(), None);
    drop(store);

    let (_, why) = Store::open_or_rebuild(&path, key()).unwrap();
    assert!(why.is_none(), "a good store is kept: {why:?}");
    let other = StoreKey {
        escrow: [9; 32],
        ..key()
    };
    let err = Store::open_or_rebuild(&path, other).err().unwrap();
    assert!(matches!(err, StoreError::OtherChain { .. }), "{err}");
    assert!(Store::open(&path, key()).is_ok(), "and left as it was");
}

#[test]
fn a_store_of_an_unknown_schema_version_or_a_foreign_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::path_for(dir.path(), &key());
    drop(open(&dir));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE meta SET value = 99 WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);
    let err = Store::open(&path, key()).err().unwrap();
    assert!(
        matches!(
            err,
            StoreError::UnknownVersion {
                found: 99,
                expected: SCHEMA_VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        Store::open_reader(&path, key()).err().unwrap(),
        StoreError::UnknownVersion { .. }
    ));

    let foreign = dir.path().join("foreign.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute("CREATE TABLE t (x)", [])
        .unwrap();
    let err = Store::open(&foreign, key()).err().unwrap();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");

    // A foreign file is left as it was: not switched to WAL.
    let mode: String = rusqlite::Connection::open(&foreign)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");

    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, [7u8; 4096]).unwrap();
    let err = Store::open(&garbage, key()).err().unwrap();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("garbage.sqlite"), "{err}");

    let missing = dir.path().join("missing.sqlite");
    let err = Store::open_reader(&missing, key()).err().unwrap();
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!missing.exists());
}

#[test]
fn a_new_store_is_in_wal_mode_with_foreign_keys_and_the_bundled_sqlite_has_fts5() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let pragma = |sql: &str| -> String {
        store
            .conn
            .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(pragma("PRAGMA journal_mode"), "Text(\"wal\")");
    assert_eq!(pragma("PRAGMA foreign_keys"), "Integer(1)");
    assert_eq!(
        pragma("SELECT sqlite_compileoption_used('ENABLE_FTS5')"),
        "Integer(1)"
    );
    assert_eq!(store.path(), Store::path_for(dir.path(), &key()));
}

#[test]
fn the_planner_keeps_index_averages_but_no_value_samples_that_would_reprepare_every_query() {
    let (store, dir) = search_fixture();
    let count = |store: &Store, table: &str| -> i64 {
        store
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    // The bundled SQLite gathers samples (STAT4) with its averages.
    assert_eq!(
        store
            .conn
            .query_row(
                "SELECT sqlite_compileoption_used('ENABLE_STAT4')",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        1
    );
    assert!(count(&store, "sqlite_stat1") > 0, "after a snapshot");
    assert_eq!(count(&store, "sqlite_stat4"), 0);
    drop(store);
    // Opening refreshes them too.
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path, key()).unwrap();
    assert_eq!(count(&store, "sqlite_stat4"), 0);
    // ...and writes nothing when they are fresh: every command opens the store.
    let reader = Store::open_reader(&path, key()).unwrap();
    let version = || -> i64 {
        reader
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap()
    };
    let before = version();
    drop(Store::open(&path, key()).unwrap());
    assert_eq!(version(), before, "opening committed a write");
    drop(store);
}

#[test]
fn reopening_keeps_the_data_and_the_tip() {
    let (store, dir) = at_block_11();
    drop(store);
    let mut store = open(&dir);
    assert_eq!(store.tip().unwrap(), Some((11, hash(11, 0xaa))));
    assert_eq!(store.first_block().unwrap(), Some((10, hash(10, 0xaa))));
    assert_eq!(ids(&every_offer(&store)), vec![1, 3]);
    assert_eq!(text_ids(&store, "chair"), vec![3]);
    assert_eq!(store.deal_timeline(2).unwrap().len(), 1);
    // The undo log survived too.
    store.rollback_block(hash(11, 0xaa)).unwrap();
    assert_eq!(ids(&every_offer(&store)), vec![1, 2]);
}

#[test]
fn a_reader_connection_sees_the_writers_committed_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::path_for(dir.path(), &key());
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    let reader = Store::open_reader(&path, key()).unwrap();
    assert_eq!(reader.tip().unwrap(), Some((10, hash(10, 0xaa))));
    assert_eq!(reader.offer(3).unwrap(), None);

    store.apply_block(block_11()).unwrap();
    assert_eq!(reader.tip().unwrap(), Some((11, hash(11, 0xaa))));
    assert_eq!(
        reader.offer(3).unwrap().map(|o| o.terms.title),
        Some("Wooden chair".into())
    );
    assert_eq!(text_ids(&reader, "chair"), vec![3]);

    // A reader on another thread, while the writer holds an open write transaction.
    let tx = store.reader.conn.unchecked_transaction().unwrap();
    tx.execute("DELETE FROM offers WHERE id = 3", []).unwrap();
    let seen = std::thread::spawn(move || reader.offer(3).unwrap().is_some())
        .join()
        .unwrap();
    assert!(seen, "a reader must not see uncommitted changes");
    drop(tx);
    // Readers cannot write.
    let reader = Store::open_reader(&path, key()).unwrap();
    assert!(reader.conn.execute("DELETE FROM offers", []).is_err());
}

#[test]
fn a_deal_timeline_and_an_accounts_events_are_in_chain_order_with_their_blocks() {
    let (mut store, _dir) = at_block_11();
    let mut b12 = BlockChanges::new(block(12));
    b12.events = vec![
        event(
            3,
            "DisputeOpened",
            json!({"deal_id": 2, "opened_by": ss58(&BUYER), "evidence": format!("0x{}", hex::encode(BUYER)), "ruling_deadline": 5}),
        ),
        event(
            1,
            "PaymentReleased",
            json!({"deal_id": 2, "amount": 1, "to_seller": 1, "platform_fee": 0, "remaining": 699}),
        ),
    ];
    store.apply_block(b12).unwrap();

    let timeline = store.deal_timeline(2).unwrap();
    let at: Vec<(u64, u32, &str)> = timeline
        .iter()
        .map(|e| (e.block_number, e.index, e.event.name.as_str()))
        .collect();
    assert_eq!(
        at,
        vec![
            (11, 7, "DealOpened"),
            (12, 1, "PaymentReleased"),
            (12, 3, "DisputeOpened")
        ]
    );
    assert_eq!(timeline[0].block_hash, hash(11, 0xaa));
    assert_eq!(timeline[0].timestamp, block(11).timestamp);
    assert_eq!(timeline[2].timestamp, block(12).timestamp);
    assert_eq!(timeline[2].event.block, Some(12));
    assert_eq!(timeline[2].event.fields["opened_by"], json!(ss58(&BUYER)));
    assert_eq!(store.deal_timeline(1).unwrap().len(), 1);
    assert_eq!(store.deal_timeline(9).unwrap().len(), 0);

    let names = |events: Vec<IndexedEvent>| -> Vec<String> {
        events.into_iter().map(|e| e.event.name).collect()
    };
    // The buyer is named by DealOpened and DisputeOpened; the evidence hash (the buyer's bytes
    // in hex) is not an account.
    assert_eq!(
        names(store.account_events(&BUYER, 0, 100).unwrap()),
        vec!["DealOpened", "DisputeOpened"]
    );
    assert_eq!(
        names(store.account_events(&BUYER, 12, 100).unwrap()),
        vec!["DisputeOpened"]
    );
    assert_eq!(
        names(store.account_events(&OTHER_SELLER, 0, 1).unwrap()),
        vec!["OfferCreated"]
    );
    assert_eq!(
        names(store.events(12, 100).unwrap()),
        vec!["PaymentReleased", "DisputeOpened"]
    );
    assert_eq!(store.events(11, 2).unwrap().len(), 2);

    let json = serde_json::to_value(&timeline[0]).unwrap();
    assert_eq!(
        json["block_hash"],
        json!(format!("0x{}", hex::encode(hash(11, 0xaa))))
    );
    assert_eq!(json["name"], json!("DealOpened"));
    assert_eq!(json["block"], json!(11));
}

#[test]
fn a_deal_a_task_request_opened_is_stored_without_an_offer() {
    let (mut store, _dir) = at_block_11();
    let mut b12 = BlockChanges::new(block(12));
    let awarded = deal(3, crate::types::NO_OFFER, BUYER, DealState::Funded);
    b12.deals = BTreeMap::from([(3, Some(awarded.clone()))]);
    b12.events = vec![event(
        1,
        "DealOpened",
        json!({"deal_id": 3, "offer_id": crate::types::NO_OFFER, "buyer": ss58(&BUYER), "seller": ss58(&SELLER)}),
    )];
    store.apply_block(b12).unwrap();

    let read = store.deal(3).unwrap().unwrap();
    assert_eq!(read, awarded);
    assert!(read.from_request());
    let offer_id: Option<i64> = store
        .conn
        .query_row("SELECT offer_id FROM deals WHERE id = 3", [], |r| r.get(0))
        .unwrap();
    assert_eq!(offer_id, None);
    let timeline = store.deal_timeline(3).unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].event.fields["offer_id"], json!(u64::MAX));
}

#[test]
fn the_deals_of_an_account_are_those_it_buys_sells_or_arbitrates() {
    let (store, _dir) = at_block_11();
    let deal_ids = |a: &AccountBytes| -> Vec<u64> {
        store.deals_of(a).unwrap().iter().map(|d| d.id).collect()
    };
    assert_eq!(deal_ids(&BUYER), vec![1, 2]);
    assert_eq!(deal_ids(&SELLER), vec![1, 2]);
    assert_eq!(deal_ids(&ARBITER), vec![1, 2]);
    assert_eq!(deal_ids(&OTHER_SELLER), Vec::<u64>::new());
}

#[test]
fn an_account_page_gets_the_latest_deals_and_offers_newest_first_and_the_counts() {
    let (store, _dir) = search_fixture();
    let (offers, count) = store.latest_offers_of(&SELLER, 3).unwrap();
    // Inactive ones too (6), the newest first.
    assert_eq!((ids(&offers), count), (vec![7, 6, 5], 5));
    let (offers, count) = store.latest_offers_of(&OTHER_SELLER, 25).unwrap();
    assert_eq!((ids(&offers), count), (vec![4, 3], 2));
    assert_eq!(store.latest_offers_of(&BUYER, 25).unwrap(), (vec![], 0));

    let (store, _dir) = at_block_11();
    let deal_ids = |a: &AccountBytes, limit| {
        let (deals, count) = store.latest_deals_of(a, limit).unwrap();
        (deals.iter().map(|d| d.id).collect::<Vec<_>>(), count)
    };
    assert_eq!(deal_ids(&BUYER, 25), (vec![2, 1], 2));
    assert_eq!(deal_ids(&ARBITER, 1), (vec![2], 2));
    assert_eq!(deal_ids(&OTHER_SELLER, 25), (vec![], 0));
}

#[test]
fn the_latest_blocks_come_newest_first_with_their_extrinsic_counts() {
    let (store, _dir) = at_block_11();
    let latest = store.latest_blocks(5).unwrap();
    assert_eq!(latest, vec![block(11), block(10)]);
    assert_eq!(latest[0].extrinsics, block(11).extrinsics);
    assert_eq!(store.latest_blocks(1).unwrap(), vec![block(11)]);
}

#[test]
fn a_pooled_reader_is_reused_and_sees_blocks_written_after_it_was_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::path_for(dir.path(), &key());
    let mut store = Store::open(&path, key()).unwrap();
    store.replace_state(snapshot()).unwrap();
    let pool = ReaderPool::new();
    {
        let reader = pool.get(&path, key()).unwrap();
        assert_eq!(reader.tip().unwrap().unwrap().0, 10);
        assert_eq!(pool.idle(), 0);
    }
    assert_eq!(pool.idle(), 1, "returned on drop");
    store.apply_block(block_11()).unwrap();
    let reader = pool.get(&path, key()).unwrap();
    assert_eq!(pool.idle(), 0, "the idle one was taken");
    assert_eq!(reader.tip().unwrap().unwrap().0, 11);
    // Another store's file gets a connection of its own.
    let other = dir.path().join("other.sqlite");
    Store::open(&other, key()).unwrap();
    drop(reader);
    let second = pool.get(&other, key()).unwrap();
    assert_eq!(second.tip().unwrap(), None);
    assert_eq!(pool.idle(), 1);
}

#[test]
fn a_hundred_thousand_offers_in_one_snapshot_are_found_by_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    const WORDS: [&str; 10] = [
        "lamp", "chair", "table", "bicycle", "kettle", "guitar", "camera", "jacket", "drill",
        "tent",
    ];
    let offers: Vec<Offer> = (0..100_000u64)
        .map(|id| {
            let word = WORDS[(id % 10) as usize];
            let description = if id % 1_000 < 2 {
                "rare amber finish"
            } else {
                "used, good"
            };
            offer(
                id,
                SELLER,
                u128::from(id % 97) + 1,
                &format!("{word} no {id}"),
                description,
            )
        })
        .collect();
    store
        .replace_state(Snapshot {
            block: block(1),
            events: vec![],
            offers,
            deals: vec![],
            reputations: vec![],
            records: vec![],
            requests: Vec::new(),
            proposals: Vec::new(),
            arbiters: Vec::new(),
        })
        .unwrap();
    let expected: Vec<u64> = (0..100_000u64).filter(|id| id % 1_000 < 2).collect();
    assert_eq!(text_ids(&store, "amber"), expected);
    let amber_chairs: Vec<u64> = expected.iter().copied().filter(|id| id % 10 == 1).collect();
    assert_eq!(amber_chairs.len(), 100);
    assert_eq!(text_ids(&store, "Amber CHAIR"), amber_chairs);
    assert_eq!(text_ids(&store, "99999"), vec![99_999]);
    let cheap_amber = store
        .search_offers(&OfferQuery {
            text: Some("amber".into()),
            max_price: Some(10),
            limit: 1_000,
            ..OfferQuery::default()
        })
        .unwrap();
    let cheap: Vec<u64> = expected.iter().copied().filter(|id| id % 97 < 10).collect();
    assert_eq!(ids(&cheap_amber), cheap);
    assert_text_index_matches_offers(&store);
}

#[test]
fn ids_above_i64_max_are_no_rows_ids_and_read_as_none_rather_than_fail() {
    let (store, _dir) = at_block_11();
    let too_big = [1u64 << 63, u64::MAX];
    for id in too_big {
        assert!(store.offer(id).unwrap().is_none(), "offer {id}");
        assert!(store.deal(id).unwrap().is_none(), "deal {id}");
        assert!(store.deal_record(id).unwrap().is_none(), "record {id}");
        assert!(store.block(id).unwrap().is_none(), "block {id}");
        assert!(store.deal_timeline(id).unwrap().is_empty(), "timeline {id}");
        assert!(store.events(id, 10).unwrap().is_empty(), "events {id}");
        assert!(store.events_from((id, 0), 10).unwrap().is_empty());
        assert!(store.account_events(&BUYER, id, 10).unwrap().is_empty());
    }
    // The largest id SQLite holds is a key like any other.
    assert!(store.offer(i64::MAX as u64).unwrap().is_none());
    assert!(store.block(11).unwrap().is_some());
}

#[test]
fn removing_a_row_under_an_id_above_i64_max_removes_nothing() {
    use super::tables::{Deals, Offers, Table};
    let (store, _dir) = at_block_11();
    Offers::delete(&store.conn, u64::MAX).unwrap();
    Deals::delete(&store.conn, 1 << 63).unwrap();
    assert_eq!(ids(&every_offer(&store)), vec![1, 3]);
    assert!(store.deal(1).unwrap().is_some());
}

#[test]
fn a_block_is_read_by_hash_as_by_number() {
    let (store, _dir) = at_block_11();
    let by_hash = store.block_by_hash(&hash(11, 0xaa)).unwrap();
    assert_eq!(by_hash, store.block(11).unwrap());
    assert_eq!(by_hash.map(|b| b.number), Some(11));
    assert_eq!(store.block_by_hash(&[0x77; 32]).unwrap(), None);
}

#[test]
fn a_block_page_is_kept_for_an_indexed_block_only_and_goes_with_its_rolled_back_block() {
    let (mut store, _dir) = at_block_11();
    let b11 = hash(11, 0xaa);
    assert_eq!(store.block_page(&b11).unwrap(), None);
    assert!(store.keep_block_page(&b11, r#"{"number":11}"#).unwrap());
    // A block's content never changes: the first page kept stays.
    assert!(store.keep_block_page(&b11, r#"{"number":0}"#).unwrap());
    assert_eq!(
        store.block_page(&b11).unwrap().as_deref(),
        Some(r#"{"number":11}"#)
    );
    // Not indexed: nothing is kept.
    let elsewhere = hash(12, 0xbb);
    assert!(!store.keep_block_page(&elsewhere, "{}").unwrap());
    assert_eq!(store.block_page(&elsewhere).unwrap(), None);
    store.rollback_block(b11).unwrap();
    assert_eq!(store.block_page(&b11).unwrap(), None);
}
