//! The store's task requests, proposals and arbiters: rollback, cold start, the status a
//! proposal keeps once the contract forgets it, and search with orders and cursor pages.

use serde_json::json;

use super::synthetic::*;
use super::*;
use crate::types::{
    ProposalStatus, Request, RequestState, StoredArbiter, StoredProposal, StoredRequest,
};

const POSTER: AccountBytes = BUYER;
const WORKER: AccountBytes = [21; 32];
const OTHER_WORKER: AccountBytes = [22; 32];
const DAY: u64 = 86_400_000;

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&Store::path_for(dir.path(), &key()), key()).unwrap()
}

fn key_of(request_id: u64, index: u32) -> ProposalKey {
    ProposalKey { request_id, index }
}

/// Request 1 open with proposals 0 and 1 competing; arbiter [`ARBITER`] in slot 0.
fn snapshot() -> Snapshot {
    let mut r = request(
        1,
        POSTER,
        100,
        1_700_000_000_000 + DAY,
        "Logo design",
        "vector",
    );
    r.proposal_count = 2;
    r.competing = vec![0, 1];
    Snapshot {
        requests: vec![r],
        proposals: vec![
            (key_of(1, 0), proposal(WORKER, 80)),
            (key_of(1, 1), proposal(OTHER_WORKER, 90)),
        ],
        arbiters: vec![(ARBITER, arbiter(0))],
        ..Snapshot::empty(block(10))
    }
}

fn request_event(index: u32, name: &str, fields: serde_json::Value) -> BlockEvent {
    let mut e = event(index, name, fields);
    e.event.contract = "requests".into();
    e
}

/// Everything about requests a rollback must restore.
#[derive(Debug, PartialEq)]
struct Rows {
    requests: Vec<Option<StoredRequest>>,
    proposals: Vec<StoredProposal>,
    arbiters: Vec<StoredArbiter>,
    timeline: usize,
}

fn rows(r: &StoreReader) -> Rows {
    Rows {
        requests: (1..=2).map(|id| r.request(id).unwrap()).collect(),
        proposals: (1..=2).flat_map(|id| r.proposals_of(id).unwrap()).collect(),
        arbiters: r.arbiters(false).unwrap(),
        timeline: r.request_timeline(1).unwrap().len(),
    }
}

fn statuses(r: &StoreReader, id: u64) -> Vec<(u32, ProposalStatus)> {
    r.proposals_of(id)
        .unwrap()
        .into_iter()
        .map(|p| (p.index, p.status))
        .collect()
}

/// Block 11: proposal 0 of request 1 wins (deal 5), request 2 is posted, [`ARBITER`] retires
/// and [`OTHER_ARBITER`] registers.
fn block_11_awards() -> BlockChanges {
    let mut awarded = snapshot().requests.remove(0);
    awarded.state = RequestState::Awarded;
    awarded.winner = Some(0);
    awarded.deal_id = Some(5);
    let mut changes = BlockChanges::new(block(11));
    changes.events = vec![
        request_event(
            0,
            "RequestAwarded",
            json!({"request_id": 1, "index": 0, "deal_id": 5}),
        ),
        request_event(1, "RequestPosted", json!({"request_id": 2})),
    ];
    changes.requests.insert(1, Some(awarded));
    changes.requests.insert(
        2,
        Some(request(
            2,
            POSTER,
            50,
            1_700_000_000_000 + 2 * DAY,
            "Translate",
            "",
        )),
    );
    changes
        .proposals
        .insert(key_of(1, 0), Some(proposal(WORKER, 80)));
    changes
        .proposals
        .insert(key_of(1, 1), Some(proposal(OTHER_WORKER, 90)));
    let mut retired = arbiter(0);
    retired.active = false;
    changes.arbiters.insert(ARBITER, Some(retired));
    changes.arbiters.insert(OTHER_ARBITER, Some(arbiter(1)));
    changes
}

#[test]
fn rolling_back_a_block_restores_the_requests_proposals_and_arbiters_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    let before = rows(&store);
    assert_eq!(
        statuses(&store, 1),
        [(0, ProposalStatus::Open), (1, ProposalStatus::Open)]
    );

    store.apply_block(block_11_awards()).unwrap();
    assert_eq!(
        statuses(&store, 1),
        [
            (0, ProposalStatus::Awarded),
            (1, ProposalStatus::NotAwarded)
        ]
    );
    let awarded = store.request(1).unwrap().unwrap();
    assert_eq!(awarded.request.state, RequestState::Awarded);
    assert_eq!(awarded.changed_in, 11);
    assert_eq!(store.request(2).unwrap().unwrap().changed_in, 11);
    let registry: Vec<(AccountBytes, bool)> = store
        .arbiters(false)
        .unwrap()
        .iter()
        .map(|a| (a.account.id(), a.arbiter.active))
        .collect();
    assert_eq!(registry, [(ARBITER, false), (OTHER_ARBITER, true)]);
    assert_eq!(store.arbiters(true).unwrap().len(), 1);
    assert_eq!(store.request_timeline(1).unwrap().len(), 1);
    assert_ne!(rows(&store), before);

    store.rollback_block(hash(11, 0xaa)).unwrap();
    assert_eq!(rows(&store), before);
    assert_eq!(store.request(1).unwrap().unwrap().changed_in, 10);
}

#[test]
fn a_proposal_the_contract_forgets_stays_withdrawn_or_as_it_ended_and_a_rejected_one_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();

    // Block 11: proposal 1 withdrawn from the open request (gone from storage and from the
    // competing list).
    let mut one_left = snapshot().requests.remove(0);
    one_left.competing = vec![0];
    let mut b11 = BlockChanges::new(block(11));
    b11.requests.insert(1, Some(one_left.clone()));
    b11.proposals.insert(key_of(1, 1), None);
    store.apply_block(b11).unwrap();
    assert_eq!(
        statuses(&store, 1),
        [(0, ProposalStatus::Open), (1, ProposalStatus::Withdrawn)]
    );
    let withdrawn = store.proposal(1, 1).unwrap().unwrap();
    assert_eq!(withdrawn.proposal, proposal(OTHER_WORKER, 90));
    assert_eq!(withdrawn.changed_in, 11);

    // Block 12: the poster rejects proposal 0 (it stays stored, no longer competing).
    let mut none_left = one_left.clone();
    none_left.competing = vec![];
    let mut b12 = BlockChanges::new(block(12));
    b12.requests.insert(1, Some(none_left.clone()));
    b12.proposals
        .insert(key_of(1, 0), Some(proposal(WORKER, 80)));
    store.apply_block(b12).unwrap();
    assert_eq!(
        store.proposal(1, 0).unwrap().unwrap().status,
        ProposalStatus::Rejected
    );

    // Block 13: the request is cancelled and its poster removes it; the rejected worker frees
    // its proposal: both rows keep how they ended.
    let mut b13 = BlockChanges::new(block(13));
    b13.requests.insert(1, None);
    b13.proposals.insert(key_of(1, 0), None);
    store.apply_block(b13).unwrap();
    assert_eq!(store.request(1).unwrap(), None);
    assert_eq!(
        statuses(&store, 1),
        [
            (0, ProposalStatus::Rejected),
            (1, ProposalStatus::Withdrawn)
        ]
    );

    // A proposal the store never saw, gone again in the same block: no row.
    let mut b14 = BlockChanges::new(block(14));
    b14.proposals.insert(key_of(1, 7), None);
    store.apply_block(b14).unwrap();
    assert_eq!(store.proposal(1, 7).unwrap(), None);

    store.rollback_block(hash(14, 0xaa)).unwrap();
    store.rollback_block(hash(13, 0xaa)).unwrap();
    assert_eq!(store.request(1).unwrap().unwrap().request, none_left);
    assert_eq!(
        statuses(&store, 1),
        [
            (0, ProposalStatus::Rejected),
            (1, ProposalStatus::Withdrawn)
        ]
    );
}

#[test]
fn a_cold_start_takes_each_proposal_with_the_status_its_request_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.replace_state(snapshot()).unwrap();
    store.apply_block(block_11_awards()).unwrap();

    // A later snapshot: request 1 awarded, proposal 2 rejected (stored, not competing), and
    // a proposal of a request its poster removed.
    let mut awarded = snapshot().requests.remove(0);
    awarded.state = RequestState::Awarded;
    awarded.winner = Some(0);
    awarded.proposal_count = 3;
    awarded.competing = vec![0, 1];
    let later = Snapshot {
        requests: vec![awarded],
        proposals: vec![
            (key_of(1, 0), proposal(WORKER, 80)),
            (key_of(1, 1), proposal(OTHER_WORKER, 90)),
            (key_of(1, 2), proposal([23; 32], 95)),
            (key_of(9, 0), proposal(WORKER, 10)),
        ],
        arbiters: vec![(OTHER_ARBITER, arbiter(3))],
        ..Snapshot::empty(block(40))
    };
    store.replace_state(later).unwrap();
    assert_eq!(
        statuses(&store, 1),
        [
            (0, ProposalStatus::Awarded),
            (1, ProposalStatus::NotAwarded),
            (2, ProposalStatus::Rejected)
        ]
    );
    assert_eq!(statuses(&store, 9), [(0, ProposalStatus::NotAwarded)]);
    assert_eq!(
        store.request(2).unwrap(),
        None,
        "rows before the snapshot are gone"
    );
    let registry = store.arbiters(false).unwrap();
    assert_eq!(registry.len(), 1);
    assert_eq!(registry[0].account.id(), OTHER_ARBITER);
    assert!(store
        .proposals_of(1)
        .unwrap()
        .iter()
        .all(|p| p.changed_in == 40));
}

/// Requests 1–12: budgets 10, 20, 30 cycling (ties broken by id), deadlines falling with the
/// id, posters alternating, every third one ended, words by parity.
fn search_fixture() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let requests: Vec<Request> = (1..=12u64)
        .map(|id| {
            let poster = if id % 2 == 0 { POSTER } else { OTHER_SELLER };
            let title = if id % 2 == 0 {
                "Garden fence"
            } else {
                "Kitchen tiles"
            };
            let mut r = request(
                id,
                poster,
                u128::from(id % 3 + 1) * 10,
                1_700_000_000_000 + (20 - id) * DAY,
                title,
                "weekend job",
            );
            if id % 3 == 0 {
                r.state = RequestState::Closed;
            }
            if id == 5 {
                r.terms.arbiters = vec![OTHER_ARBITER.into()];
            }
            r
        })
        .collect();
    let mut rated = reputation(3);
    rated.weighted_average_centi = 450;
    store
        .replace_state(Snapshot {
            requests,
            reputations: vec![(POSTER, rated)],
            ..Snapshot::empty(block(1))
        })
        .unwrap();
    (store, dir)
}

fn search(r: &StoreReader, q: RequestQuery) -> Vec<u64> {
    r.search_requests(&q)
        .unwrap()
        .iter()
        .map(|r| r.request.id)
        .collect()
}

#[test]
fn request_search_filters_by_text_budget_poster_arbiter_rating_and_state() {
    let (store, _dir) = search_fixture();
    let all = RequestQuery {
        include_ended: true,
        limit: 100,
        ..RequestQuery::default()
    };
    assert_eq!(search(&store, all.clone()), (1..=12).collect::<Vec<_>>());
    let open = RequestQuery {
        include_ended: false,
        ..all.clone()
    };
    assert_eq!(search(&store, open), [1, 2, 4, 5, 7, 8, 10, 11]);
    let q = |f: fn(&mut RequestQuery)| {
        let mut q = all.clone();
        f(&mut q);
        search(&store, q)
    };
    assert_eq!(q(|q| q.text = Some("FENCE".into())), [2, 4, 6, 8, 10, 12]);
    assert_eq!(q(|q| q.text = Some("kit week".into())), [1, 3, 5, 7, 9, 11]);
    assert_eq!(q(|q| q.text = Some("\"fence".into())), [2, 4, 6, 8, 10, 12]);
    assert_eq!(q(|q| q.min_budget = Some(30)), [2, 5, 8, 11]);
    assert_eq!(q(|q| q.max_budget = Some(10)), [3, 6, 9, 12]);
    assert_eq!(q(|q| q.poster = Some(OTHER_SELLER)), [1, 3, 5, 7, 9, 11]);
    assert_eq!(q(|q| q.arbiter = Some(OTHER_ARBITER)), [5]);
    assert_eq!(q(|q| q.min_rating_centi = Some(450)), [2, 4, 6, 8, 10, 12]);
    assert_eq!(q(|q| q.min_rating_centi = Some(451)), Vec::<u64>::new());
    assert_eq!(q(|q| q.min_rating_centi = Some(0)).len(), 12);
    assert_eq!(
        q(|q| {
            q.text = Some("garden".into());
            q.min_budget = Some(20);
            q.sort = RequestSort::Budget;
        }),
        [8, 2, 10, 4]
    );
}

#[test]
fn request_search_sorts_by_newest_budget_and_deadline_and_pages_by_cursor_without_gaps_or_repeats()
{
    let (store, _dir) = search_fixture();
    let full = |sort| {
        search(
            &store,
            RequestQuery {
                include_ended: true,
                sort,
                limit: 100,
                ..RequestQuery::default()
            },
        )
    };
    assert_eq!(
        full(RequestSort::Newest),
        (1..=12).rev().collect::<Vec<_>>()
    );
    // Budget 30 first (ids 2, 5, 8, 11), the newest of a budget first.
    assert_eq!(
        full(RequestSort::Budget),
        [11, 8, 5, 2, 10, 7, 4, 1, 12, 9, 6, 3]
    );
    // Deadlines fall as ids rise: the soonest is the last posted.
    assert_eq!(
        full(RequestSort::Deadline),
        (1..=12).rev().collect::<Vec<_>>()
    );
    for sort in [
        RequestSort::Oldest,
        RequestSort::Newest,
        RequestSort::Budget,
        RequestSort::Deadline,
    ] {
        for page in [1, 3, 5] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let found = store
                    .search_requests(&RequestQuery {
                        include_ended: true,
                        sort,
                        after,
                        limit: page,
                        ..RequestQuery::default()
                    })
                    .unwrap();
                let Some(last) = found.last() else { break };
                // The cursor goes through its text form, as the CLI and the page pass it.
                let cursor = RequestCursor::after(sort, last).to_string();
                after = Some(cursor.parse().unwrap());
                seen.extend(found.iter().map(|r| r.request.id));
                assert!(seen.len() <= 12, "{sort:?} by {page}: {seen:?}");
            }
            assert_eq!(seen, full(sort), "{sort:?} by {page}");
        }
    }
}

#[test]
fn an_id_no_row_can_have_is_an_unknown_request_not_a_failure() {
    let (store, _dir) = search_fixture();
    for id in [i64::MAX as u64 + 1, u64::MAX] {
        assert_eq!(store.request(id).unwrap(), None);
        assert!(store.proposals_of(id).unwrap().is_empty());
        assert!(store.request_timeline(id).unwrap().is_empty());
        assert_eq!(store.proposal(id, 0).unwrap(), None);
    }
    let after_max = RequestCursor {
        sort: RequestSort::Oldest,
        value: 0,
        id: u64::MAX,
    };
    let q = RequestQuery {
        include_ended: true,
        after: Some(after_max),
        ..RequestQuery::default()
    };
    assert!(search(&store, q).is_empty());
}

#[test]
fn a_cursor_reads_back_as_written_and_anything_else_is_refused_naming_it() {
    for text in [
        "o.0",
        "n.18446744073709551615",
        "b.340282366920938463463374607431768211455.3",
        "d.1700000000000.9",
    ] {
        let c: RequestCursor = text.parse().unwrap();
        assert_eq!(c.to_string(), text);
    }
    for bad in [
        "",
        "x.1",
        "o",
        "o.1.2",
        "b.1",
        "b.x.1",
        "d.340282366920938463463374607431768211455.1",
        "o.-1",
    ] {
        let err = bad.parse::<RequestCursor>().unwrap_err();
        assert!(err.contains(&format!("'{bad}'")), "{err}");
    }
    assert_eq!("budget".parse::<RequestSort>(), Ok(RequestSort::Budget));
    assert!("cheapest"
        .parse::<RequestSort>()
        .unwrap_err()
        .contains("oldest, newest, budget, deadline"));
}
