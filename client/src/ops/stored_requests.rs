//! `escrow request list|show`, `escrow proposal list` and `escrow arbiter list`: task requests,
//! their proposals and the arbiter registry as the event store holds them (synced first), with
//! the posters' and workers' reputations from the store's rows. Needs the `store` feature.

use serde::Serialize;

use super::index::synced_store;
use super::input::{parse_price, rating_centi};
use super::{usage, Ctx, OpResult};
use crate::documents::Words;
use crate::indexer::{store_error, Backfill, SyncReport};
use crate::ops::arbiters::{ArbiterList, ArbiterView};
use crate::store::{PooledReader, RequestCursor, RequestQuery, RequestSort};
use crate::types::{
    rating_or_none, AccountBytes, AccountReputation, Deal, Localize, ProposalStatus,
    StoredProposal, StoredRequest,
};

#[derive(Debug, Clone, Serialize)]
pub struct RequestListItem {
    #[serde(flatten)]
    pub request: StoredRequest,
    /// The poster's value-weighted rating, hundredths; `null` when nobody rated it.
    pub poster_weighted_rating_centi: Option<u32>,
    pub poster_ratings_count: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestList {
    pub requests: Vec<RequestListItem>,
    /// The cursor to pass as --cursor for the next page, if there may be more.
    pub next_cursor: Option<String>,
    /// What bringing the event store up to date took (none where a follower keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<SyncReport>,
}

/// `request show`: the request, every proposal the store saw on it (withdrawn and rejected
/// ones too, each with its status) and the deal it led to.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDetails {
    pub request: StoredRequest,
    pub proposals: Vec<StoredProposal>,
    pub deal: Option<Deal>,
    /// The whole description, when the terms keep a summary of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Words>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProposalList {
    pub request_id: u64,
    pub proposals: Vec<ProposalListItem>,
}

/// A proposal beside its worker's record today (the rating it carried when proposed is in the
/// proposal): what a poster weighs before an award.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalListItem {
    #[serde(flatten)]
    pub proposal: StoredProposal,
    pub worker_record: WorkerRecord,
    /// The worker's pitch, read from the chain and checked against its hash (`None`: the
    /// proposal cites none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pitch: Option<Words>,
}

/// The parts of a worker's reputation a poster screens on.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct WorkerRecord {
    /// Average rating ×100; `null` when nobody rated it.
    pub average_rating_centi: Option<u32>,
    pub ratings_count: u32,
    /// Counted deals as seller, and of those the ones it failed.
    pub deals_as_seller: u32,
    pub deals_failed_as_seller: u32,
    /// Disputes lost, as opener and as respondent.
    pub disputes_lost: u32,
}

impl From<&AccountReputation> for WorkerRecord {
    fn from(rep: &AccountReputation) -> Self {
        WorkerRecord {
            average_rating_centi: rating_or_none(rep.ratings_count, rep.average_rating_centi),
            ratings_count: rep.ratings_count,
            deals_as_seller: rep.deals_as_seller,
            deals_failed_as_seller: rep.deals_failed_as_seller,
            disputes_lost: rep.disputes_lost.saturating_add(rep.disputes_answered_lost),
        }
    }
}

/// `request list` filters, as typed.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub text: Option<String>,
    pub min_budget: Option<String>,
    pub max_budget: Option<String>,
    pub poster: Option<String>,
    /// Lowest value-weighted rating of the poster, 0 to 5.
    pub min_rating: Option<f64>,
    /// Only requests accepting this arbiter.
    pub arbiter: Option<String>,
    /// Awarded, cancelled and closed requests too.
    pub include_ended: bool,
    /// `oldest` (default), `newest`, `budget` or `deadline`.
    pub sort: Option<String>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    pub limit: u32,
}

fn reputation(store: &PooledReader, account: &AccountBytes) -> OpResult<AccountReputation> {
    Ok(store
        .reputation(account)
        .map_err(store_error)?
        .unwrap_or_default())
}

/// `request list`: the requests matching `f`, in its order, a page at a time.
pub async fn list(ctx: &mut Ctx, f: RequestFilter) -> OpResult<RequestList> {
    let parse = |p: &Option<String>| -> OpResult<Option<u128>> {
        p.as_deref()
            .map(|p| parse_price(ctx.units(), p))
            .transpose()
    };
    let (min_budget, max_budget) = (parse(&f.min_budget)?, parse(&f.max_budget)?);
    let poster = f.poster.as_deref().map(|s| ctx.account(s)).transpose()?;
    let arbiter = f.arbiter.as_deref().map(|s| ctx.account(s)).transpose()?;
    let min_rating_centi = f.min_rating.map(rating_centi).transpose()?;
    let sort: RequestSort = f
        .sort
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(usage)?
        .unwrap_or_default();
    let after: Option<RequestCursor> = f
        .cursor
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(usage)?;
    if after.is_some_and(|c| c.sort != sort) {
        return Err(usage(
            "the cursor is of another order: pass the same --sort as the page before",
        ));
    }
    if f.limit == 0 {
        return Err(usage("--limit must be at least 1"));
    }
    let (store, index) = synced_store(ctx, Backfill::Skip).await?;
    let query = RequestQuery {
        text: f.text.clone(),
        min_budget,
        max_budget,
        poster: poster.map(|a| a.0),
        arbiter: arbiter.map(|a| a.0),
        min_rating_centi,
        include_ended: f.include_ended,
        sort,
        after,
        // One more than asked: whether there is a next page.
        limit: f.limit.saturating_add(1),
    };
    let mut found = store.search_requests(&query).map_err(store_error)?;
    let more = found.len() > f.limit as usize;
    found.truncate(f.limit as usize);
    let next_cursor = more
        .then(|| {
            found
                .last()
                .map(|r| RequestCursor::after(sort, r).to_string())
        })
        .flatten();
    let prefix = ctx.chain.ss58_prefix();
    let mut requests = Vec::with_capacity(found.len());
    for mut request in found {
        request.localize(prefix);
        let rep = reputation(&store, &request.request.poster.id())?;
        requests.push(RequestListItem {
            request,
            poster_weighted_rating_centi: rating_or_none(
                rep.ratings_count,
                rep.weighted_average_centi,
            ),
            poster_ratings_count: rep.ratings_count,
        });
    }
    Ok(RequestList {
        requests,
        next_cursor,
        index,
    })
}

/// Request `id` from the synced store, and the store to read its neighbours from.
async fn stored(ctx: &mut Ctx, id: u64) -> OpResult<(StoredRequest, PooledReader)> {
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    let mut request = store
        .request(id)
        .map_err(store_error)?
        .ok_or_else(|| usage(format!("unknown request {id}")))?;
    request.localize(ctx.chain.ss58_prefix());
    Ok((request, store))
}

fn proposals_of(ctx: &Ctx, store: &PooledReader, id: u64) -> OpResult<Vec<StoredProposal>> {
    let mut proposals = store.proposals_of(id).map_err(store_error)?;
    let prefix = ctx.chain.ss58_prefix();
    proposals.iter_mut().for_each(|p| p.localize(prefix));
    Ok(proposals)
}

/// `request show`: request `id` with its proposals and deal, from the event store.
pub async fn show(ctx: &mut Ctx, id: u64) -> OpResult<RequestDetails> {
    let (request, store) = stored(ctx, id).await?;
    let proposals = proposals_of(ctx, &store, id)?;
    let deal = match request.request.deal_id {
        Some(deal_id) => store.deal(deal_id).map_err(store_error)?.map(|mut d| {
            d.localize(ctx.chain.ss58_prefix());
            d
        }),
        None => None,
    };
    drop(store);
    let details = super::published::details_of(ctx, &request.request.terms.description).await?;
    Ok(RequestDetails {
        request,
        proposals,
        deal,
        details,
    })
}

/// `proposal list`: the proposals of a request the store saw (the competing ones first),
/// each beside its worker's record today and its pitch.
pub async fn proposals(ctx: &mut Ctx, request_id: u64) -> OpResult<ProposalList> {
    let (_, store) = stored(ctx, request_id).await?;
    let mut listed = proposals_of(ctx, &store, request_id)?;
    listed.sort_by_key(|p| (p.status != ProposalStatus::Open, p.index));
    let records = listed
        .iter()
        .map(|p| reputation(&store, &p.proposal.worker.id()).map(|r| WorkerRecord::from(&r)))
        .collect::<OpResult<Vec<_>>>()?;
    drop(store);
    let hashes: Vec<[u8; 32]> = listed.iter().map(|p| p.proposal.message).collect();
    let pitches = super::published::words_of(ctx, &hashes).await?;
    let proposals = listed
        .into_iter()
        .zip(records)
        .zip(pitches)
        .map(|((proposal, worker_record), pitch)| ProposalListItem {
            proposal,
            worker_record,
            pitch,
        })
        .collect();
    Ok(ProposalList {
        request_id,
        proposals,
    })
}

/// `arbiter list`: the registry in its order (retired arbiters too unless `active_only`).
pub async fn arbiters(ctx: &mut Ctx, active_only: bool) -> OpResult<ArbiterList> {
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    let arbiters = store
        .arbiters(active_only)
        .map_err(store_error)?
        .into_iter()
        .map(|a| ArbiterView {
            account: ctx.chain.ss58(&a.account.id()),
            arbiter: a.arbiter,
        })
        .collect();
    Ok(ArbiterList { arbiters })
}
