//! `escrow offer create|update|withdraw|show|list`.

use serde::Serialize;

use super::index::synced_store;
use super::input::{check_text, parse_price, rating_centi, window};
use super::screening::ScreeningArgs;
use super::types::{AccountReputation, Localize, Offer, OfferTerms};
use super::{usage, Ctx, OpResult, TxReport};
use crate::api::Escrow;
use crate::indexer::{store_error, Backfill, SyncReport};
use crate::store::OfferQuery;

/// `offer create` input, as typed by the user.
#[derive(Debug, Clone, Default)]
pub struct CreateOfferArgs {
    pub title: String,
    pub description: String,
    pub price: String,
    pub quantity: u32,
    /// A registered, active arbiter (`escrow arbiter register`); its fee is the registry's.
    pub arbiter: String,
    pub delivery_window: String,
    pub review_window: String,
    pub ruling_window: String,
    pub bond_per_unit: String,
    /// Rules a buyer must meet to accept.
    pub screening: ScreeningArgs,
    /// `AMOUNT:WINDOW` per unit, adding up to the price; their windows replace the delivery
    /// window.
    pub milestones: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferResult {
    pub offer: Offer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxReport>,
    /// The call removed the offer from storage: `offer` is what it was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferListItem {
    #[serde(flatten)]
    pub offer: Offer,
    /// The seller's average rating ×100 (0 without ratings).
    pub seller_average_rating_centi: u32,
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

/// Checks the terms as the contract will, before any fee is spent.
pub fn build_terms(ctx: &Ctx, a: &CreateOfferArgs) -> OpResult<OfferTerms> {
    check_text(&a.title, &a.description)?;
    let price = parse_price(ctx.units(), &a.price)?;
    if price == 0 {
        return Err(usage("the price must be above zero"));
    }
    if a.quantity == 0 {
        return Err(usage("the quantity must be above zero"));
    }
    let arbiter = ctx.account(&a.arbiter)?;
    let (milestones, plan_window) =
        super::milestones::parse_plan(ctx.units(), &a.milestones, price, "the price")?;
    let delivery_window = match plan_window {
        Some(total) => total,
        None => window("delivery window", &a.delivery_window)?,
    };
    Ok(OfferTerms {
        title: a.title.clone(),
        description: a.description.clone(),
        price,
        quantity: a.quantity,
        arbiter: arbiter.0.into(),
        delivery_window,
        review_window: window("review window", &a.review_window)?,
        ruling_window: window("ruling window", &a.ruling_window)?,
        bond_per_unit: ctx.units().parse(&a.bond_per_unit)?,
        screening: super::screening::build(ctx, &a.screening)?,
        milestones,
    })
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

pub async fn get_offer(ctx: &mut Ctx, id: u64) -> OpResult<Offer> {
    let offer: Option<Offer> = Escrow::new(ctx).offer(id).await?;
    offer.ok_or_else(|| usage(format!("unknown offer {id}")))
}

pub async fn create(ctx: &mut Ctx, args: CreateOfferArgs) -> OpResult<OfferResult> {
    let signer = ctx.signer(None)?;
    let terms = build_terms(ctx, &args)?;
    if terms.arbiter == signer.public_key() {
        return Err(usage("the arbiter cannot be the seller"));
    }
    let bond = terms
        .bond_per_unit
        .checked_mul(u128::from(terms.quantity))
        .ok_or_else(|| usage("bond per unit × quantity does not fit"))?;
    let (id, tx) = Escrow::new(ctx).create_offer(&signer, &terms, bond).await?;
    Ok(OfferResult {
        offer: get_offer(ctx, id).await?,
        tx: Some(tx),
        removed: false,
    })
}

pub async fn update(
    ctx: &mut Ctx,
    id: u64,
    price: Option<String>,
    quantity: Option<u32>,
) -> OpResult<OfferResult> {
    let signer = ctx.signer(None)?;
    if price.is_none() && quantity.is_none() {
        return Err(usage("nothing to update: pass --price and/or --quantity"));
    }
    let price = price.map(|p| parse_price(ctx.units(), &p)).transpose()?;
    if price == Some(0) {
        return Err(usage("the price must be above zero"));
    }
    let offer = get_offer(ctx, id).await?;
    let price = price.unwrap_or(offer.terms.price);
    let quantity = quantity.unwrap_or(offer.terms.quantity);
    let needed = offer
        .terms
        .bond_per_unit
        .checked_mul(u128::from(quantity))
        .ok_or_else(|| usage("bond per unit × quantity does not fit"))?;
    let shortfall = needed.saturating_sub(offer.bond_stake);
    let tx = Escrow::new(ctx)
        .update_offer(&signer, id, price, quantity, shortfall)
        .await?;
    Ok(OfferResult {
        offer: get_offer(ctx, id).await?,
        tx: Some(tx),
        removed: false,
    })
}

pub async fn withdraw(ctx: &mut Ctx, id: u64) -> OpResult<OfferResult> {
    let signer = ctx.signer(None)?;
    get_offer(ctx, id).await?;
    let tx = Escrow::new(ctx).withdraw_offer(&signer, id).await?;
    Ok(OfferResult {
        offer: get_offer(ctx, id).await?,
        tx: Some(tx),
        removed: false,
    })
}

/// The seller of a withdrawn offer: removes it from storage, which returns the deposit it paid
/// when listing. The result is the offer as it was.
pub async fn remove(ctx: &mut Ctx, id: u64) -> OpResult<OfferResult> {
    let signer = ctx.signer(None)?;
    let offer = get_offer(ctx, id).await?;
    let tx = Escrow::new(ctx).remove_offer(&signer, id).await?;
    Ok(OfferResult {
        offer,
        tx: Some(tx),
        removed: true,
    })
}

/// `offer show`: offer `id` from the event store.
pub async fn show(ctx: &mut Ctx, id: u64) -> OpResult<OfferResult> {
    Ok(OfferResult {
        offer: stored(ctx, id).await?.0,
        tx: None,
        removed: false,
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
            seller_average_rating_centi: rep.average_rating_centi,
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
