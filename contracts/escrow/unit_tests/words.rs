//! Words on the record: who may cite a document on a deal, and when. The documents' bytes are
//! published beside the call; the contract only checks the speaker and the moment, counts the
//! evidence, and names the hash in `DocumentCited`.

use super::*;
use crate::{Citation, DocumentCited, MAX_EVIDENCE_PER_SIDE};

fn document(n: u8) -> Hash {
    Hash::from([n; 32])
}

#[ink::test]
fn a_delivery_note_and_a_rulings_reasons_are_cited_by_who_made_the_call() {
    let (mut escrow, a) = deploy();
    let (_, id) = open_deal(&mut escrow, &a, 1);
    call_as(a.seller, 0);
    assert_eq!(escrow.mark_delivered(id, Some(document(1))), Ok(()));
    let cited = last::<DocumentCited>();
    assert_eq!(
        (cited.deal_id, cited.by, cited.kind, cited.document),
        (id, a.seller, Citation::DeliveryNote, document(1))
    );
    dispute(&mut escrow, a.buyer, id);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(id, 0, true, Some(document(2))), Ok(()));
    let cited = last::<DocumentCited>();
    assert_eq!(
        (cited.by, cited.kind, cited.document),
        (a.arbiter, Citation::Reasons, document(2))
    );
    // Without a document nothing is cited.
    let before = events_of::<DocumentCited>().len();
    let other = delivered_deal(&mut escrow, &a);
    assert_eq!(deal(&escrow, other).state, DealState::Delivered);
    assert_eq!(events_of::<DocumentCited>().len(), before);
}

#[ink::test]
fn both_parties_and_the_arbiter_cite_evidence_while_the_dispute_is_open() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, id);
    for (n, who) in [a.buyer, a.seller, a.arbiter, a.seller]
        .into_iter()
        .enumerate()
    {
        call_as(who, 0);
        let counted = if n == 3 { 2 } else { 1 };
        assert_eq!(escrow.submit_evidence(id, document(n as u8)), Ok(counted));
        let cited = last::<DocumentCited>();
        assert_eq!(
            (cited.deal_id, cited.by, cited.kind, cited.document),
            (id, who, Citation::Evidence, document(n as u8))
        );
    }
    assert_eq!(deal(&escrow, id).evidence_cited, [1, 2, 1]);
}

#[ink::test]
fn a_stranger_cannot_cite_evidence() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.seller, id);
    for stranger in [a.stranger, a.owner, a.fee_recipient] {
        call_as(stranger, 0);
        assert_eq!(
            escrow.submit_evidence(id, document(1)),
            Err(Error::NotParty)
        );
    }
    assert_eq!(deal(&escrow, id).evidence_cited, [0, 0, 0]);
}

#[ink::test]
fn evidence_is_refused_before_the_dispute_and_after_the_ruling_or_its_deadline() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    call_as(a.buyer, 0);
    assert_eq!(
        escrow.submit_evidence(id, document(1)),
        Err(Error::InvalidState),
        "no dispute yet"
    );
    dispute(&mut escrow, a.buyer, id);
    let ruling_deadline = deal(&escrow, id).ruling_deadline;
    at(ruling_deadline);
    call_as(a.seller, 0);
    assert_eq!(
        escrow.submit_evidence(id, document(1)),
        Err(Error::TooLate),
        "the arbiter's time is over"
    );

    let ruled = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, ruled);
    call_as(a.arbiter, 0);
    assert_eq!(escrow.rule(ruled, 5_000, false, None), Ok(()));
    for who in [a.buyer, a.seller, a.arbiter] {
        call_as(who, 0);
        assert_eq!(
            escrow.submit_evidence(ruled, document(1)),
            Err(Error::InvalidState)
        );
    }
}

#[ink::test]
fn one_side_flooding_the_arbiter_uses_up_only_its_own_evidence() {
    let (mut escrow, a) = deploy();
    let id = delivered_deal(&mut escrow, &a);
    dispute(&mut escrow, a.buyer, id);
    call_as(a.seller, 0);
    for n in 1..=MAX_EVIDENCE_PER_SIDE {
        assert_eq!(escrow.submit_evidence(id, document(n)), Ok(n));
    }
    assert_eq!(
        escrow.submit_evidence(id, document(0)),
        Err(Error::TooMuchEvidence)
    );
    // The buyer and the arbiter still have their say.
    call_as(a.buyer, 0);
    assert_eq!(escrow.submit_evidence(id, document(0)), Ok(1));
    call_as(a.arbiter, 0);
    assert_eq!(escrow.submit_evidence(id, document(0)), Ok(1));
    assert_eq!(
        deal(&escrow, id).evidence_cited,
        [1, MAX_EVIDENCE_PER_SIDE, 1]
    );
}
