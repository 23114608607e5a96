//! Text rendering of task requests and proposals (the JSON is their serialisation).

use std::fmt::Write as _;

use crate::deal_output::deal;
use crate::text::{amount, ts, tx};
use escrow_client::documents::Words;
use escrow_client::ops::requests::ProposalResult;
use escrow_client::ops::stored_requests::{ProposalList, RequestDetails, RequestList};
use escrow_client::ops::types::{ProposalStatus, Request, Screening, StoredProposal};
use escrow_client::units::{format_duration_ms, TokenUnits};

pub fn request(s: &mut String, r: &Request, u: &TokenUnits) {
    let t = &r.terms;
    let _ = writeln!(
        s,
        "request {} [{}] {}: budget {}{}",
        r.id,
        r.state.name(),
        t.title,
        amount(u, t.budget),
        if t.auto_award { ", auto-award" } else { "" }
    );
    if !t.description.is_empty() {
        let _ = writeln!(s, "  {}", t.description);
    }
    let _ = writeln!(s, "  poster     {}", r.poster);
    let _ = writeln!(
        s,
        "  proposals  until {} ({} competing, {} so far); award until {}",
        ts(r.proposal_deadline),
        r.competing.len(),
        r.proposal_count,
        ts(r.award_deadline)
    );
    let _ = writeln!(
        s,
        "  windows    delivery up to {}, review {}, ruling {}",
        format_duration_ms(t.delivery_window),
        format_duration_ms(t.review_window),
        format_duration_ms(t.ruling_window)
    );
    let arbiters: Vec<String> = t.arbiters.iter().map(|a| a.to_string()).collect();
    let _ = writeln!(s, "  arbiters   {}", arbiters.join(", "));
    let _ = writeln!(s, "  workers    {}", screening(&t.screening, u));
    if let (Some(index), Some(deal_id)) = (r.winner, r.deal_id) {
        let _ = writeln!(s, "  awarded    proposal {index}, deal {deal_id}");
    }
}

/// The rules a counterparty must meet, in one line ("anyone" without rules).
pub fn screening(sc: &Screening, u: &TokenUnits) -> String {
    if sc.is_open() {
        return "anyone".into();
    }
    let mut rules = Vec::new();
    if sc.min_deals > 0 {
        rules.push(format!("at least {} deals", sc.min_deals));
    }
    if sc.min_rating_centi > 0 {
        rules.push(format!(
            "weighted rating at least {:.2}",
            f64::from(sc.min_rating_centi) / 100.0
        ));
    }
    if sc.max_disputes_lost_bps < escrow_client::ops::types::BPS {
        rules.push(format!(
            "at most {}% of disputes lost",
            sc.max_disputes_lost_bps / 100
        ));
    }
    if sc.max_failed_bps < escrow_client::ops::types::BPS {
        rules.push(format!(
            "at most {}% of deals as seller failed",
            sc.max_failed_bps / 100
        ));
    }
    if sc.min_volume > 0 {
        rules.push(format!("volume at least {}", amount(u, sc.min_volume)));
    }
    if sc.max_ratings_withheld < u32::MAX {
        rules.push(format!(
            "at most {} ratings withheld",
            sc.max_ratings_withheld
        ));
    }
    if !sc.allow.is_empty() {
        rules.push(format!("only {} listed accounts", sc.allow.len()));
    }
    if !sc.block.is_empty() {
        rules.push(format!("{} blocked accounts", sc.block.len()));
    }
    rules.join("; ")
}

pub fn list(s: &mut String, l: &RequestList, u: &TokenUnits) {
    if l.requests.is_empty() {
        let _ = writeln!(s, "no requests match");
    }
    for item in &l.requests {
        let r = &item.request.request;
        let _ = writeln!(
            s,
            "#{:<4} [{}] {:<30} budget {}  poster {} ({}), {} proposals",
            r.id,
            r.state.name(),
            r.terms.title,
            amount(u, r.terms.budget),
            r.poster,
            match item.poster_weighted_rating_centi {
                None => "no rating".to_string(),
                Some(centi) => format!(
                    "{:.2}★ weighted, {} ratings",
                    f64::from(centi) / 100.0,
                    item.poster_ratings_count
                ),
            },
            r.competing.len()
        );
    }
    if let Some(cursor) = &l.next_cursor {
        let _ = writeln!(s, "more: --cursor {cursor}");
    }
}

pub fn details(s: &mut String, d: &RequestDetails, u: &TokenUnits) {
    let r = &d.request.request;
    request(s, r, u);
    if let Some(details) = &d.details {
        let _ = writeln!(s, "  the whole description:");
        crate::words_output::words(s, "    ", details);
    }
    proposals(s, r.id, &d.proposals, u);
    if let Some(dl) = &d.deal {
        deal(s, dl, Some(r.id), u);
    }
}

pub fn proposals(s: &mut String, request_id: u64, list: &[StoredProposal], u: &TokenUnits) {
    if list.is_empty() {
        let _ = writeln!(s, "no proposals on request {request_id}");
    }
    for p in list {
        stored_proposal_line(s, p, u);
    }
}

/// A proposal the store keeps, with where it stands unless it still competes.
fn stored_proposal_line(s: &mut String, p: &StoredProposal, u: &TokenUnits) {
    proposal_line(s, p.index, &p.proposal, u);
    let status = match p.status {
        ProposalStatus::Open => return,
        ProposalStatus::Rejected => "rejected by the poster",
        ProposalStatus::Awarded => "awarded",
        ProposalStatus::NotAwarded => "not awarded: the request ended",
        ProposalStatus::Withdrawn => "withdrawn by its worker",
    };
    let _ = writeln!(s, "    {status}");
}

/// `proposal list`: each proposal (competing ones first), then its worker's record today.
pub fn proposal_list(s: &mut String, l: &ProposalList, u: &TokenUnits) {
    if l.proposals.is_empty() {
        let _ = writeln!(s, "no proposals on request {}", l.request_id);
    }
    for item in &l.proposals {
        stored_proposal_line(s, &item.proposal, u);
        let r = &item.worker_record;
        let rating = match r.average_rating_centi {
            None => "no rating".to_string(),
            Some(centi) => format!(
                "rated {:.2} ({})",
                f64::from(centi) / 100.0,
                r.ratings_count
            ),
        };
        let _ = writeln!(
            s,
            "    worker today: {rating}; failed {} of {} deals as seller; {} disputes lost",
            r.deals_failed_as_seller, r.deals_as_seller, r.disputes_lost
        );
        match &item.pitch {
            Some(Words::OnChain { text }) => {
                for line in text.lines() {
                    let _ = writeln!(s, "    | {line}");
                }
            }
            Some(Words::NotOnChain) => {
                let _ = writeln!(
                    s,
                    "    pitch not on chain: its words cannot be checked here"
                );
            }
            Some(Words::DoesNotMatch) => {
                let _ = writeln!(s, "    pitch does not match its hash: not shown");
            }
            None => {}
        }
    }
}

fn proposal_line(
    s: &mut String,
    index: u32,
    p: &escrow_client::ops::types::Proposal,
    u: &TokenUnits,
) {
    // Scores run from 1 to 5: 0 is no rating at all, not the worst one.
    let rating = match p.rating_centi {
        0 => "no rating".to_string(),
        r => format!("rating {:.2}", f64::from(r) / 100.0),
    };
    let _ = writeln!(
        s,
        "  proposal {index}: {} by {}, delivery within {}, arbiter {} at {}%, {rating} when \
         proposed",
        amount(u, p.price),
        p.worker,
        format_duration_ms(p.delivery_window),
        p.arbiter,
        f64::from(p.arbiter_fee_bps) / 100.0,
    );
    if !p.milestones.is_empty() {
        let _ = writeln!(
            s,
            "    paid in milestones: {}",
            crate::milestone_output::plan(&p.milestones, u)
        );
    }
}

pub fn proposal_result(s: &mut String, p: &ProposalResult, u: &TokenUnits) {
    match &p.proposal {
        Some(prop) if p.rejected => {
            let _ = writeln!(s, "request {}: rejected", p.request_id);
            proposal_line(s, p.index.unwrap_or_default(), prop, u);
        }
        Some(prop) => {
            let _ = writeln!(s, "request {}:", p.request_id);
            proposal_line(s, p.index.unwrap_or_default(), prop, u);
        }
        None => match p.index {
            Some(index) => {
                let _ = writeln!(s, "request {}: proposal {index} withdrawn", p.request_id);
            }
            None => {
                let _ = writeln!(
                    s,
                    "request {}: your place on it is freed (its deposit came back)",
                    p.request_id
                );
            }
        },
    }
    tx(s, &p.tx, u);
}
