//! `escrow demo`: a complete trade, a ruled dispute and a task request awarded and paid,
//! between the dev accounts, on a temporary dev node unless --url is given.

use serde::Serialize;

use super::deploy::{deploy, DeployArgs};
use super::node::NodeView;
use super::offers::CreateOfferArgs;
use super::requests::{self as requests, CreateRequestArgs, ProposeArgs};
use super::types::Payout;
use super::{deals, offers, ratings, usage, Ctx, OpError, OpResult, Settings};
use crate::dev_node::{DevNode, DevNodeOptions};
use crate::node_config::NodeConfig;
use crate::types::{rating_or_none, rating_text};
use crate::units::TokenUnits;

/// The cast.
pub const DEPLOYER: &str = "//Alice";
pub const SELLER: &str = "//Bob";
pub const BUYER: &str = "//Charlie";
pub const ARBITER: &str = "//Dave";
pub const FEE_RECIPIENT: &str = "//Eve";

/// A party's free balance after a step, and how it moved.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceLine {
    pub who: String,
    pub account: String,
    /// Free balance, plancks.
    pub free: String,
    /// Change since the demo started (before its first step), signed plancks, e.g.
    /// `"-100100000000000"`.
    pub change: String,
    /// Change during this step alone, signed plancks.
    pub step_change: String,
}

/// A party's free balance before and after the whole demo.
#[derive(Debug, Clone, Serialize)]
pub struct NetChange {
    pub who: String,
    pub account: String,
    /// Free balance before the first step, plancks.
    pub start: String,
    /// Free balance after the last step, plancks.
    pub end: String,
    /// `end - start`, signed plancks.
    pub change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoStep {
    pub step: String,
    pub actor: String,
    /// One line describing what happened (amounts already formatted).
    pub summary: String,
    /// Transaction fee the actor paid, plancks.
    pub fee_paid: Option<String>,
    /// Storage deposit the actor paid (negative: got back), signed plancks.
    pub storage_deposit_paid: Option<String>,
    /// Value the actor sent with the call, plancks: the price paid into escrow, the bond
    /// staked on an offer.
    pub sent: Option<String>,
    /// What the contract paid out in this step: a release, a milestone, a ruling.
    pub payout: Option<Payout>,
    /// Plancks the actor withdrew from its escrow credit.
    pub withdrawn: Option<String>,
    /// Plancks a contract paid back to the actor: the rest of a request's budget at its award.
    pub refunded: Option<String>,
    pub events: Vec<String>,
    /// The seller's, buyer's, arbiter's and fee recipient's free balances after the step.
    pub balances: Vec<BalanceLine>,
    /// The chain's token, which the plancks above count.
    pub token: TokenUnits,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoResult {
    pub url: String,
    pub temporary_node: bool,
    /// The temporary node was left running (`demo --keep`) instead of stopped.
    pub node_kept: bool,
    pub escrow: String,
    pub reputation: String,
    pub steps: Vec<DemoStep>,
    /// The chain's token, which the plancks above count.
    pub token: TokenUnits,
    /// Each party's free balance before the first step and after the last one.
    pub net_changes: Vec<NetChange>,
}

/// The parties whose balances the demo follows.
const PARTIES: [(&str, &str); 4] = [
    ("seller //Bob", SELLER),
    ("buyer //Charlie", BUYER),
    ("arbiter //Dave", ARBITER),
    ("fee recipient //Eve", FEE_RECIPIENT),
];

/// Free balances of [`PARTIES`], in that order: (who, SS58 address, plancks).
async fn balances(ctx: &Ctx) -> OpResult<Vec<(String, String, u128)>> {
    let mut out = Vec::new();
    for (who, uri) in PARTIES {
        let id = ctx.account(uri)?;
        out.push((
            who.to_string(),
            ctx.chain.ss58(&id.0),
            ctx.chain.free_balance(&id).await?,
        ));
    }
    Ok(out)
}

fn signed(after: u128, before: u128) -> String {
    (after as i128 - before as i128).to_string()
}

/// Extra numbers of a step, for the balance model in its JSON.
#[derive(Default)]
struct Flows {
    sent: Option<u128>,
    payout: Option<Payout>,
    withdrawn: Option<u128>,
    refunded: Option<u128>,
}

struct Demo<'a, F: FnMut(&DemoStep)> {
    ctx: Ctx,
    steps: Vec<DemoStep>,
    /// Free balances before the first step.
    start: Vec<u128>,
    /// Free balances after the latest step.
    previous: Vec<u128>,
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
        self.record_flows(step, actor, summary, tx, Flows::default())
            .await
    }

    async fn record_flows(
        &mut self,
        step: &str,
        actor: &str,
        summary: String,
        tx: Option<&super::TxReport>,
        flows: Flows,
    ) -> OpResult<()> {
        let now = balances(&self.ctx).await?;
        let lines = now
            .iter()
            .zip(self.start.iter().zip(&self.previous))
            .map(|((who, account, free), (start, previous))| BalanceLine {
                who: who.clone(),
                account: account.clone(),
                free: free.to_string(),
                change: signed(*free, *start),
                step_change: signed(*free, *previous),
            })
            .collect();
        self.previous = now.into_iter().map(|(_, _, free)| free).collect();
        let step = DemoStep {
            step: step.into(),
            actor: actor.into(),
            summary,
            fee_paid: tx.and_then(|t| t.fee_paid.clone()),
            storage_deposit_paid: tx.map(|t| t.storage_deposit_paid.clone()),
            sent: flows.sent.map(|v| v.to_string()),
            payout: flows.payout,
            withdrawn: flows.withdrawn.map(|v| v.to_string()),
            refunded: flows.refunded.map(|v| v.to_string()),
            events: tx
                .map(|t| t.events.iter().map(|e| e.name.clone()).collect())
                .unwrap_or_default(),
            balances: lines,
            token: self.ctx.units().clone(),
        };
        (self.on_step)(&step);
        self.steps.push(step);
        Ok(())
    }
}

/// A task request: //Charlie posts it with its budget, //Bob and //Eve propose (//Bob in
/// two milestones), //Eve withdraws, //Charlie awards //Bob, who delivers each milestone
/// and is paid for it.
async fn task_request<F: FnMut(&DemoStep)>(d: &mut Demo<'_, F>) -> OpResult<()> {
    let units = d.ctx.units().clone();
    d.act(BUYER);
    let posted = requests::create(
        &mut d.ctx,
        CreateRequestArgs {
            title: "Camera manual scan".into(),
            description: "Scan and clean up the Leica M3 manual, 40 pages".into(),
            budget: "60".into(),
            proposal_window: "1d".into(),
            delivery_window: "5d".into(),
            review_window: "2d".into(),
            ruling_window: "1d".into(),
            arbiters: vec![ARBITER.into()],
            ..CreateRequestArgs::default()
        },
    )
    .await?;
    let request = posted.request.id;
    d.record_flows(
        "request create",
        BUYER,
        format!(
            "request {request}: budget {} paid in; proposals for a day, arbiter //Dave",
            units.format(posted.request.terms.budget)
        ),
        posted.tx.as_ref(),
        Flows {
            sent: Some(posted.request.terms.budget),
            ..Flows::default()
        },
    )
    .await?;
    let mut winner = 0;
    let proposals = [
        (SELLER, "45", vec!["20:1d".to_string(), "25:2d".to_string()]),
        (FEE_RECIPIENT, "55", Vec::new()),
    ];
    for (who, price, milestones) in proposals {
        d.act(who);
        let staged = !milestones.is_empty();
        let p = requests::propose(
            &mut d.ctx,
            ProposeArgs {
                request_id: request,
                price: price.into(),
                delivery_window: (!staged).then(|| "3d".into()),
                milestones,
                message: Some(format!("{who} can do it")),
                ..ProposeArgs::default()
            },
        )
        .await?;
        if who == SELLER {
            winner = p.index.unwrap_or_default();
        }
        let how = if staged {
            "in two milestones, 20 UNIT within 1d then 25 UNIT within 2d"
        } else {
            "delivery within 3d"
        };
        d.record(
            "proposal submit",
            who,
            format!(
                "proposal {} on request {request}: {price} UNIT, {how}",
                p.index.unwrap_or_default()
            ),
            Some(&p.tx),
        )
        .await?;
    }
    d.act(FEE_RECIPIENT);
    let w = requests::withdraw(&mut d.ctx, request).await?;
    d.record(
        "proposal withdraw",
        FEE_RECIPIENT,
        format!(
            "proposal {} withdrawn; its storage deposit came back (but for the few bytes that \
             keep //Eve's place until the request ends: one proposal per worker)",
            w.index.unwrap_or_default()
        ),
        Some(&w.tx),
    )
    .await?;
    d.act(BUYER);
    let awarded = requests::award(&mut d.ctx, request, Some(winner)).await?;
    let deal = awarded
        .deal
        .ok_or_else(|| OpError::Failed(format!("request {request} opened no deal")))?;
    let refund = posted.request.terms.budget.saturating_sub(deal.amount);
    d.record_flows(
        "request award",
        BUYER,
        format!(
            "proposal {winner} awarded: deal {} holds {} for //Bob, {} of the budget came back",
            deal.id,
            units.format(deal.amount),
            units.format(refund)
        ),
        awarded.tx.as_ref(),
        Flows {
            refunded: Some(refund),
            ..Flows::default()
        },
    )
    .await?;
    let mut paid_before = Payout::default();
    for milestone in 1..=2u8 {
        d.act(SELLER);
        let r = deals::deliver(&mut d.ctx, deal.id, Some(milestone), None).await?;
        d.record(
            "deal deliver",
            SELLER,
            format!(
                "deal {}: milestone {milestone} of 2 marked delivered",
                deal.id
            ),
            r.tx.as_ref(),
        )
        .await?;
        d.act(BUYER);
        let r = deals::release(&mut d.ctx, deal.id, None, Some(milestone)).await?;
        let paid = paid_since(&paid_before, &r.deal.payout);
        paid_before = r.deal.payout;
        d.record_flows(
            "deal release",
            BUYER,
            format!(
                "deal {}: milestone {milestone} of 2 paid, {}: //Bob got {}, platform fee {} due to //Eve",
                deal.id,
                r.deal.state.name(),
                units.format(paid.to_seller),
                units.format(paid.platform_fee)
            ),
            r.tx.as_ref(),
            Flows {
                payout: Some(paid),
                ..Flows::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// What a deal paid between two readings of its payout.
fn paid_since(before: &Payout, after: &Payout) -> Payout {
    Payout {
        to_seller: after.to_seller.saturating_sub(before.to_seller),
        to_buyer: after.to_buyer.saturating_sub(before.to_buyer),
        platform_fee: after.platform_fee.saturating_sub(before.platform_fee),
        arbiter_fee: after.arbiter_fee.saturating_sub(before.arbiter_fee),
        bond_to_buyer: after.bond_to_buyer.saturating_sub(before.bond_to_buyer),
        bond_returned: after.bond_returned.saturating_sub(before.bond_returned),
    }
}

/// Runs the demo; `on_step` sees every step as it completes. A temporary node is stopped and
/// its files removed before this returns.
pub async fn demo(settings: Settings, on_step: impl FnMut(&DemoStep)) -> OpResult<DemoResult> {
    let (result, kept) = run(settings, false, on_step).await?;
    kept.stop().await?;
    Ok(result)
}

/// Runs the demo as [`demo`] does, but leaves its node (when it started one) and its
/// deployment file in place until [`KeptDemo::stop`] (the binary serves the explorer over
/// them meanwhile).
pub async fn demo_keep(
    settings: Settings,
    on_step: impl FnMut(&DemoStep),
) -> OpResult<(DemoResult, KeptDemo)> {
    run(settings, true, on_step).await
}

/// What `demo --keep` leaves behind: the temporary node (none with --url) and the directory
/// holding its deployment file, alive as long as this value.
pub struct KeptDemo {
    node: Option<DevNode>,
    settings: Settings,
    _files: tempfile::TempDir,
}

impl KeptDemo {
    /// The node and deployment file the demo used.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stops the temporary node (nothing to stop with --url) and removes its files; the
    /// stopped node's view when there was one.
    pub async fn stop(mut self) -> OpResult<Option<NodeView>> {
        let Some(mut node) = self.node.take() else {
            return Ok(None);
        };
        let view = node_view(&node);
        tokio::task::spawn_blocking(move || node.stop())
            .await
            .map_err(|e| OpError::Failed(format!("node stop was interrupted: {e}")))?
            .map_err(|e| OpError::Failed(format!("cannot stop the dev node: {e}")))?;
        Ok(Some(view))
    }
}

fn node_view(node: &DevNode) -> NodeView {
    NodeView {
        url: node.url(),
        base_path: node.base_path().display().to_string(),
        log: node.log_path().display().to_string(),
        pid: node.pid(),
        temporary: true,
    }
}

async fn run(
    settings: Settings,
    keep: bool,
    mut on_step: impl FnMut(&DemoStep),
) -> OpResult<(DemoResult, KeptDemo)> {
    // Own node and own files unless the user points us at a node.
    let mut settings = settings;
    let files = tempfile::tempdir().map_err(|e| OpError::Failed(e.to_string()))?;
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
            settings.deployment = Some(files.path().join("deployments.json"));
        }
        node = Some(started);
    }
    if settings.as_account.is_some() || settings.suri.is_some() {
        return Err(usage(
            "demo uses the dev accounts; do not pass --as or --suri (nor set ESCROW_SURI)",
        ));
    }
    let url = settings.url();
    let kept_settings = settings.clone();
    let ctx = Ctx::connect(settings).await?;
    let units = ctx.units().clone();
    let start: Vec<u128> = balances(&ctx)
        .await?
        .into_iter()
        .map(|(_, _, free)| free)
        .collect();
    let mut d = Demo {
        ctx,
        steps: Vec::new(),
        previous: start.clone(),
        start,
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
        Some(&dep.create_escrow),
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
            screening: Default::default(),
            milestones: Vec::new(),
        },
    )
    .await?;
    let offer_id = offer.offer.id;
    d.record_flows(
        "offer create",
        SELLER,
        format!(
            "offer {offer_id}: 3 × {} with a bond of {} per unit staked; arbiter //Dave (5%)",
            units.format(offer.offer.terms.price),
            units.format(offer.offer.terms.bond_per_unit)
        ),
        offer.tx.as_ref(),
        Flows {
            sent: Some(offer.offer.bond_stake),
            ..Flows::default()
        },
    )
    .await?;

    d.act(BUYER);
    let deal = deals::accept(&mut d.ctx, offer_id, 1, None).await?;
    let deal_id = deal.deal.id;
    d.record_flows(
        "deal accept",
        BUYER,
        format!(
            "deal {deal_id}: paid {} into escrow",
            units.format(deal.deal.amount)
        ),
        deal.tx.as_ref(),
        Flows {
            sent: Some(deal.deal.amount),
            ..Flows::default()
        },
    )
    .await?;

    d.act(SELLER);
    let r = deals::deliver(
        &mut d.ctx,
        deal_id,
        None,
        Some(&words("Shipped with tracking CAM-0001")),
    )
    .await?;
    d.record(
        "deal deliver",
        SELLER,
        format!("deal {deal_id} marked delivered; review window started"),
        r.tx.as_ref(),
    )
    .await?;

    d.act(BUYER);
    let r = deals::release(&mut d.ctx, deal_id, None, None).await?;
    d.record_flows(
        "deal release",
        BUYER,
        format!(
            "deal {deal_id} {}: seller got {} and its bond {} back, platform fee {} due to //Eve",
            r.deal.state.name(),
            units.format(r.deal.payout.to_seller),
            units.format(r.deal.payout.bond_returned),
            units.format(r.deal.payout.platform_fee)
        ),
        r.tx.as_ref(),
        Flows {
            payout: Some(r.deal.payout),
            ..Flows::default()
        },
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
            "//Bob: {} rating(s), average {}; //Charlie: {} rating(s), average {}",
            bob.reputation.ratings_count,
            rating_text(rating_or_none(
                bob.reputation.ratings_count,
                bob.reputation.average_rating_centi
            )),
            charlie.reputation.ratings_count,
            rating_text(rating_or_none(
                charlie.reputation.ratings_count,
                charlie.reputation.average_rating_centi
            ))
        ),
        None,
    )
    .await?;

    // --- A disputed deal the arbiter rules ---
    d.act(BUYER);
    let deal = deals::accept(&mut d.ctx, offer_id, 1, None).await?;
    let disputed = deal.deal.id;
    d.record_flows(
        "deal accept",
        BUYER,
        format!(
            "deal {disputed}: paid {} into escrow",
            units.format(deal.deal.amount)
        ),
        deal.tx.as_ref(),
        Flows {
            sent: Some(deal.deal.amount),
            ..Flows::default()
        },
    )
    .await?;
    d.act(BUYER);
    let r = deals::dispute(
        &mut d.ctx,
        disputed,
        Some(&words(
            "The camera never arrived: nothing was delivered in two weeks.",
        )),
    )
    .await?;
    d.record(
        "deal dispute",
        BUYER,
        format!("deal {disputed} disputed with a statement on chain; //Dave has 1d to rule"),
        r.tx.as_ref(),
    )
    .await?;
    // One piece of evidence per side, then a ruling that gives its reasons.
    for (who, evidence) in [
        (
            SELLER,
            "Posted on day 3, tracking CAM-0042; the carrier lost it in transit.",
        ),
        (
            BUYER,
            "The carrier's page for CAM-0042 says: label created, never scanned.",
        ),
    ] {
        d.act(who);
        let r = deals::add_evidence(&mut d.ctx, disputed, &words(evidence)).await?;
        d.record(
            "deal evidence add",
            who,
            format!("deal {disputed}: evidence on chain"),
            r.tx.as_ref(),
        )
        .await?;
    }
    d.act(ARBITER);
    let reasons = words(
        "The parcel was never scanned, so it never left the seller: 30% for the seller's \
         time, the rest back to the buyer, the seller at fault.",
    );
    let r = deals::rule(&mut d.ctx, disputed, "30%", None, Some(&reasons)).await?;
    let p = r.deal.payout;
    d.record_flows(
        "deal rule",
        ARBITER,
        format!(
            "deal {disputed} {}: arbiter fee {}, seller {}, buyer {}{}, platform fee {}",
            r.deal.state.name(),
            units.format(p.arbiter_fee),
            units.format(p.to_seller),
            units.format(p.to_buyer),
            if p.bond_to_buyer > 0 {
                format!(" + the seller's bond {}", units.format(p.bond_to_buyer))
            } else {
                String::new()
            },
            units.format(p.platform_fee)
        ),
        r.tx.as_ref(),
        Flows {
            payout: Some(p),
            ..Flows::default()
        },
    )
    .await?;

    task_request(&mut d).await?;

    d.act(FEE_RECIPIENT);
    let w = super::accounts::withdraw(&mut d.ctx).await?;
    let withdrawn: u128 = w
        .amount
        .parse()
        .map_err(|_| OpError::Failed(format!("withdraw: bad amount {:?}", w.amount)))?;
    d.record_flows(
        "withdraw",
        FEE_RECIPIENT,
        format!(
            "//Eve withdrew {} of platform fees",
            units.format(withdrawn)
        ),
        Some(&w.tx),
        Flows {
            withdrawn: Some(withdrawn),
            ..Flows::default()
        },
    )
    .await?;

    let contracts = d.ctx.contracts().await?;
    let end = balances(&d.ctx).await?;
    let net_changes = end
        .into_iter()
        .zip(&d.start)
        .map(|((who, account, free), start)| NetChange {
            who,
            account,
            start: start.to_string(),
            end: free.to_string(),
            change: signed(free, *start),
        })
        .collect();
    let temporary_node = node.is_some();
    let result = DemoResult {
        url,
        temporary_node,
        node_kept: keep && temporary_node,
        escrow: contracts.deployment.escrow,
        reputation: contracts.deployment.reputation,
        steps: d.steps,
        token: units,
        net_changes,
    };
    let kept = KeptDemo {
        node,
        settings: kept_settings,
        _files: files,
    };
    Ok((result, kept))
}

/// Demo words to publish on chain.
fn words(text: &str) -> deals::Words {
    deals::Words {
        text: text.into(),
        links: Vec::new(),
    }
}
