//! `escrow demo`: a complete trade and a ruled dispute between the dev accounts, on a
//! temporary dev node unless --url is given.

use serde::Serialize;

use super::deploy::{deploy, DeployArgs};
use super::offers::CreateOfferArgs;
use super::{deals, offers, ratings, usage, Ctx, OpError, OpResult, Settings};
use crate::dev_node::{DevNode, DevNodeOptions};
use crate::node_config::NodeConfig;
use crate::units::TokenUnits;

/// The cast.
pub const DEPLOYER: &str = "//Alice";
pub const SELLER: &str = "//Bob";
pub const BUYER: &str = "//Charlie";
pub const ARBITER: &str = "//Dave";
pub const FEE_RECIPIENT: &str = "//Eve";

#[derive(Debug, Clone, Serialize)]
pub struct BalanceLine {
    pub who: String,
    pub account: String,
    /// Free balance, plancks.
    pub free: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoStep {
    pub step: String,
    pub actor: String,
    /// One line describing what happened (amounts already formatted).
    pub summary: String,
    pub fee_paid: Option<String>,
    pub events: Vec<String>,
    pub balances: Vec<BalanceLine>,
    /// The chain's token, which the plancks above count.
    pub token: TokenUnits,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoResult {
    pub url: String,
    pub temporary_node: bool,
    pub escrow: String,
    pub reputation: String,
    pub steps: Vec<DemoStep>,
    /// The chain's token, which the plancks above count.
    pub token: TokenUnits,
}

async fn balances(ctx: &Ctx) -> OpResult<Vec<BalanceLine>> {
    let mut out = Vec::new();
    for (who, uri) in [
        ("seller //Bob", SELLER),
        ("buyer //Charlie", BUYER),
        ("arbiter //Dave", ARBITER),
        ("fee recipient //Eve", FEE_RECIPIENT),
    ] {
        let id = ctx.account(uri)?;
        out.push(BalanceLine {
            who: who.into(),
            account: ctx.chain.ss58(&id.0),
            free: ctx.chain.free_balance(&id).await?.to_string(),
        });
    }
    Ok(out)
}

struct Demo<'a, F: FnMut(&DemoStep)> {
    ctx: Ctx,
    steps: Vec<DemoStep>,
    on_step: &'a mut F,
}

impl<F: FnMut(&DemoStep)> Demo<'_, F> {
    fn act(&mut self, who: &str) {
        self.ctx.settings.as_account = Some(who.to_string());
    }

    async fn record(
        &mut self,
        step: &str,
        actor: &str,
        summary: String,
        tx: Option<&super::TxReport>,
    ) -> OpResult<()> {
        let step = DemoStep {
            step: step.into(),
            actor: actor.into(),
            summary,
            fee_paid: tx.and_then(|t| t.fee_paid.clone()),
            events: tx
                .map(|t| t.events.iter().map(|e| e.name.clone()).collect())
                .unwrap_or_default(),
            balances: balances(&self.ctx).await?,
            token: self.ctx.units().clone(),
        };
        (self.on_step)(&step);
        self.steps.push(step);
        Ok(())
    }
}

/// Runs the demo; `on_step` sees every step as it completes.
pub async fn demo(settings: Settings, mut on_step: impl FnMut(&DemoStep)) -> OpResult<DemoResult> {
    // Own node and own files unless the user points us at a node.
    let mut settings = settings;
    let _files = tempfile::tempdir().map_err(|e| OpError::Failed(e.to_string()))?;
    let mut node = None;
    if settings.url.is_none() {
        let config =
            NodeConfig::load_default().map_err(|e| OpError::Failed(format!("node config: {e}")))?;
        if settings.output == super::OutputMode::Text {
            tracing::info!("starting a temporary dev node…");
        }
        let started = DevNode::start(&config, DevNodeOptions::for_tests())
            .map_err(|e| OpError::Failed(format!("cannot start a dev node: {e}")))?;
        settings.url = Some(started.url());
        if settings.deployment.is_none() {
            settings.deployment = Some(_files.path().join("deployments.json"));
        }
        node = Some(started);
    }
    if settings.as_account.is_some() || settings.suri.is_some() {
        return Err(usage(
            "demo uses the dev accounts; do not pass --as or --suri (nor set ESCROW_SURI)",
        ));
    }
    let url = settings.url();
    let ctx = Ctx::connect(settings).await?;
    let units = ctx.units().clone();
    let mut d = Demo {
        ctx,
        steps: Vec::new(),
        on_step: &mut on_step,
    };

    d.act(DEPLOYER);
    // Short minimum windows so that a demo on a dev chain may use short ones too; deals of
    // at least 1 UNIT count for reputation.
    let dep = deploy(
        &mut d.ctx,
        DeployArgs {
            min_rated_amount: units.parse("1")?,
            ..DeployArgs::short_minimums(Some(FEE_RECIPIENT.into()), 10 * 60 * 1000)
        },
    )
    .await?;
    d.record(
        "deploy",
        DEPLOYER,
        format!(
            "reputation at {}, escrow at {} (platform fee 1% to //Eve, only ever lowered)",
            dep.reputation, dep.escrow
        ),
        Some(&dep.authorize),
    )
    .await?;

    // --- The arbiter registers: offers may only name a registered one ---
    d.act(ARBITER);
    let reg = super::arbiters::register(
        &mut d.ctx,
        super::arbiters::RegisterArgs {
            fee_bps: 500,
            min_amount: Some("10".into()),
            profile: Some("Dave: camera dealer, rules within a day".into()),
        },
    )
    .await?;
    d.record(
        "arbiter register",
        ARBITER,
        format!(
            "//Dave arbitrates deals from {} for a 5% fee",
            units.format(reg.arbiter.arbiter.min_amount)
        ),
        reg.tx.as_ref(),
    )
    .await?;

    // --- A complete trade ---
    d.act(SELLER);
    let offer = offers::create(
        &mut d.ctx,
        CreateOfferArgs {
            title: "Vintage camera".into(),
            description: "Leica M3, 1957, boxed".into(),
            price: "100".into(),
            quantity: 3,
            arbiter: ARBITER.into(),
            delivery_window: "3d".into(),
            review_window: "2d".into(),
            ruling_window: "1d".into(),
            bond_per_unit: "10".into(),
        },
    )
    .await?;
    let offer_id = offer.offer.id;
    d.record(
        "offer create",
        SELLER,
        format!(
            "offer {offer_id}: 3 × {} with a bond of {} per unit staked; arbiter //Dave (5%)",
            units.format(offer.offer.terms.price),
            units.format(offer.offer.terms.bond_per_unit)
        ),
        offer.tx.as_ref(),
    )
    .await?;

    d.act(BUYER);
    let deal = deals::accept(&mut d.ctx, offer_id, 1, None).await?;
    let deal_id = deal.deal.id;
    d.record(
        "deal accept",
        BUYER,
        format!(
            "deal {deal_id}: paid {} into escrow",
            units.format(deal.deal.amount)
        ),
        deal.tx.as_ref(),
    )
    .await?;

    d.act(SELLER);
    let r = deals::deliver(&mut d.ctx, deal_id).await?;
    d.record(
        "deal deliver",
        SELLER,
        format!("deal {deal_id} marked delivered; review window started"),
        r.tx.as_ref(),
    )
    .await?;

    d.act(BUYER);
    let r = deals::release(&mut d.ctx, deal_id, None).await?;
    d.record(
        "deal release",
        BUYER,
        format!(
            "deal {deal_id} {}: seller got {}, platform fee {} due to //Eve",
            r.deal.state.name(),
            units.format(r.deal.payout.to_seller),
            units.format(r.deal.payout.platform_fee)
        ),
        r.tx.as_ref(),
    )
    .await?;

    for (who, score) in [(BUYER, 5u8), (SELLER, 4u8)] {
        d.act(who);
        let r = ratings::commit(&mut d.ctx, deal_id, score, None).await?;
        d.record(
            "rate commit",
            who,
            format!("committed a hidden rating of deal {deal_id}"),
            Some(&r.tx),
        )
        .await?;
    }
    for who in [BUYER, SELLER] {
        d.act(who);
        let r = ratings::reveal(&mut d.ctx, deal_id).await?;
        d.record(
            "rate reveal",
            who,
            format!("revealed score {}", r.score),
            Some(&r.tx),
        )
        .await?;
    }
    let bob = ratings::reputation(&mut d.ctx, SELLER).await?;
    let charlie = ratings::reputation(&mut d.ctx, BUYER).await?;
    d.record(
        "reputation",
        "-",
        format!(
            "//Bob: {} rating(s), average {:.2}; //Charlie: {} rating(s), average {:.2}",
            bob.reputation.ratings_count,
            f64::from(bob.reputation.average_rating_centi) / 100.0,
            charlie.reputation.ratings_count,
            f64::from(charlie.reputation.average_rating_centi) / 100.0
        ),
        None,
    )
    .await?;

    // --- A disputed deal the arbiter rules ---
    d.act(BUYER);
    let deal = deals::accept(&mut d.ctx, offer_id, 1, None).await?;
    let disputed = deal.deal.id;
    d.record(
        "deal accept",
        BUYER,
        format!(
            "deal {disputed}: paid {} into escrow",
            units.format(deal.deal.amount)
        ),
        deal.tx.as_ref(),
    )
    .await?;
    d.act(BUYER);
    let r = deals::dispute(&mut d.ctx, disputed, Some("the camera never arrived")).await?;
    d.record(
        "deal dispute",
        BUYER,
        format!("deal {disputed} disputed; //Dave has 1d to rule"),
        r.tx.as_ref(),
    )
    .await?;
    d.act(ARBITER);
    let r = deals::rule(&mut d.ctx, disputed, "30%").await?;
    let p = r.deal.payout;
    d.record(
        "deal rule",
        ARBITER,
        format!(
            "deal {disputed} {}: arbiter fee {}, seller {}, buyer {}, platform fee {}",
            r.deal.state.name(),
            units.format(p.arbiter_fee),
            units.format(p.to_seller),
            units.format(p.to_buyer),
            units.format(p.platform_fee)
        ),
        r.tx.as_ref(),
    )
    .await?;

    d.act(FEE_RECIPIENT);
    let w = super::accounts::withdraw(&mut d.ctx).await?;
    d.record(
        "withdraw",
        FEE_RECIPIENT,
        format!(
            "//Eve withdrew {} of platform fees",
            units.format(w.amount.parse().unwrap_or(0))
        ),
        Some(&w.tx),
    )
    .await?;

    let contracts = d.ctx.contracts().await?;
    let temporary_node = node.is_some();
    drop(node);
    Ok(DemoResult {
        url,
        temporary_node,
        escrow: contracts.deployment.escrow,
        reputation: contracts.deployment.reputation,
        steps: d.steps,
        token: units,
    })
}
