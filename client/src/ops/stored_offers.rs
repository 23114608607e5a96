//! `escrow offer show|list`: offers as the event store holds them (synced first), with their
//! sellers' reputations. Needs the `store` feature.

use serde::Serialize;

use super::index::synced_store;
use super::input::{parse_price, rating_centi};
use super::offers::OfferResult;
use super::types::{AccountReputation, Localize, Offer};
use super::{usage, Ctx, OpResult};
use crate::indexer::{store_error, Backfill, SyncReport};
use crate::store::OfferQuery;
use crate::types::rating_or_none;

#[derive(Debug, Clone, Serialize)]
pub struct OfferListItem {
    #[serde(flatten)]
    pub offer: Offer,
    /// The seller's average rating ×100 (none without ratings).
    pub seller_average_rating_centi: Option<u32>,
    pub seller_ratings_count: u32,
    /// The seller's counted deals as seller, and of those the ones it failed.
    pub seller_deals: u32,
    pub seller_deals_failed: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferList {
    pub offers: Vec<OfferListItem>,
    /// The id to pass as --from for the next page, if there may be more.
    pub next_from: Option<u64>,
    /// What bringing the event store up to date took (none where a follower keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<SyncReport>,
}

/// Offer `id` and its seller's reputation, from the event store (synced first).
pub async fn stored(ctx: &mut Ctx, id: u64) -> OpResult<(Offer, AccountReputation)> {
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    let mut offer = store
        .offer(id)
        .map_err(store_error)?
        .ok_or_else(|| usage(format!("unknown offer {id}")))?;
    offer.localize(ctx.chain.ss58_prefix());
    let reputation = store
        .reputation(&offer.seller)
        .map_err(store_error)?
        .unwrap_or_default();
    Ok((offer, reputation))
}

/// `offer show`: offer `id` from the event store.
pub async fn show(ctx: &mut Ctx, id: u64) -> OpResult<OfferResult> {
    let offer = stored(ctx, id).await?.0;
    let details = super::published::details_of(ctx, &offer.terms.description).await?;
    Ok(OfferResult {
        offer,
        tx: None,
        removed: false,
        details,
    })
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub seller: Option<String>,
    pub text: Option<String>,
    /// Minimum average rating of the seller, e.g. `4` or `4.5`.
    pub min_rating: Option<f64>,
    pub arbiter: Option<String>,
    pub include_inactive: bool,
    pub from: u64,
    pub limit: u32,
}

/// The offers matching `f`, from the event store (synced first): text is matched word by
/// word (each word starts a word of the title or description, see [`OfferQuery::text`]).
pub async fn list(ctx: &mut Ctx, f: ListFilter) -> OpResult<OfferList> {
    let min_price = f
        .min_price
        .as_deref()
        .map(|p| parse_price(ctx.units(), p))
        .transpose()?;
    let max_price = f
        .max_price
        .as_deref()
        .map(|p| parse_price(ctx.units(), p))
        .transpose()?;
    let seller = f.seller.as_deref().map(|s| ctx.account(s)).transpose()?;
    let arbiter = f.arbiter.as_deref().map(|s| ctx.account(s)).transpose()?;
    let min_rating_centi = f.min_rating.map(rating_centi).transpose()?;
    if f.limit == 0 {
        return Err(usage("--limit must be at least 1"));
    }
    let (store, sync) = synced_store(ctx, Backfill::Skip).await?;
    let query = OfferQuery {
        text: f.text.clone(),
        min_price,
        max_price,
        seller: seller.map(|a| a.0),
        arbiter: arbiter.map(|a| a.0),
        min_rating_centi,
        from_id: f.from,
        include_inactive: f.include_inactive,
        // One more than asked: whether there is a next page.
        limit: f.limit.saturating_add(1),
        offset: 0,
    };
    let mut found = store.search_offers(&query).map_err(store_error)?;
    let next_from = (found.len() > f.limit as usize).then(|| found[f.limit as usize].id);
    found.truncate(f.limit as usize);
    let prefix = ctx.chain.ss58_prefix();
    let mut offers = Vec::with_capacity(found.len());
    for mut offer in found {
        offer.localize(prefix);
        let rep = store
            .reputation(&offer.seller)
            .map_err(store_error)?
            .unwrap_or_default();
        offers.push(OfferListItem {
            offer,
            seller_average_rating_centi: rating_or_none(
                rep.ratings_count,
                rep.average_rating_centi,
            ),
            seller_ratings_count: rep.ratings_count,
            seller_deals: rep.deals_as_seller,
            seller_deals_failed: rep.deals_failed_as_seller,
        });
    }
    Ok(OfferList {
        offers,
        next_from,
        index: sync,
    })
}
