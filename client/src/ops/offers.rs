//! `escrow offer create|update|withdraw`: offers as the contract takes them. Reading them
//! back from the event store is [`super::stored_offers`].

use serde::Serialize;

use super::input::{check_text, fit_description, parse_price, window};
use super::screening::ScreeningArgs;
use super::types::{Offer, OfferTerms};
use super::{usage, Ctx, OpResult, TxReport};
use crate::api::Escrow;

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
    /// The whole description, when the terms keep a summary of it (`offer show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<crate::documents::Words>,
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

pub async fn get_offer(ctx: &mut Ctx, id: u64) -> OpResult<Offer> {
    let offer: Option<Offer> = Escrow::new(ctx).offer(id).await?;
    offer.ok_or_else(|| usage(format!("unknown offer {id}")))
}

pub async fn create(ctx: &mut Ctx, args: CreateOfferArgs) -> OpResult<OfferResult> {
    let signer = ctx.signer(None)?;
    let (description, details) = fit_description(&args.description)?;
    let args = CreateOfferArgs {
        description,
        ..args
    };
    let terms = build_terms(ctx, &args)?;
    if terms.arbiter == signer.public_key() {
        return Err(usage("the arbiter cannot be the seller"));
    }
    let bond = terms
        .bond_per_unit
        .checked_mul(u128::from(terms.quantity))
        .ok_or_else(|| usage("bond per unit × quantity does not fit"))?;
    let (id, tx) = Escrow::new(ctx)
        .create_offer(&signer, &terms, bond, details.as_ref())
        .await?;
    Ok(OfferResult {
        offer: get_offer(ctx, id).await?,
        tx: Some(tx),
        removed: false,
        details: None,
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
        details: None,
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
        details: None,
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
        details: None,
    })
}
