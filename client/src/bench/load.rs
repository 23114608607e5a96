//! A load run: many deals over many accounts at once, driven to a planned mix of endings.
//!
//! Every round reads the deals' states from the chain and sends only the steps still missing,
//! so the run is idempotent: if the node goes away mid-run, the driver says so, reconnects,
//! re-reads and carries on; a transaction that was included is not sent twice and one that was
//! lost is sent again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::traffic::{pipelined_all, transfers, Call};
use crate::api::Escrow;
use crate::chain::ChainError;
pub use crate::ops::deals::all_deals;
pub use crate::ops::stored_deals::deals_of;
use crate::ops::stored_offers::{self, ListFilter};
use crate::ops::types::{Arbiter, Deal, DealState, OfferTerms};
use crate::ops::{Contracts, Ctx, OpError, OpResult, Settings};
use crate::signer::Keypair;

/// The fee the load run's arbiter registers with, if it is not registered yet.
const LOAD_ARBITER_FEE_BPS: u16 = 200;
/// How long to keep trying to reach a node that went away.
const RECONNECT_FOR: Duration = Duration::from_secs(120);
/// Rounds in a row that may fail while the node answers, before the run gives up.
const MAX_FAILED_ROUNDS: u32 = 5;

/// Where each deal is driven to, by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Ending {
    /// Left Funded: the buyer can still reclaim after the delivery window, the seller refund.
    Funded,
    Completed,
    Refunded,
    /// Left Delivered: the buyer can release, anyone finalize after the review window.
    Delivered,
    /// Left Disputed: the arbiter can rule, anyone finalize after the ruling window.
    Disputed,
    Ruled,
}

impl Ending {
    /// A fixed mix in every ten deals: 4 completed, 2 refunded, and one each left funded,
    /// left delivered, left disputed and ruled.
    pub fn of(k: usize) -> Ending {
        match k % 10 {
            0..=2 | 9 => Ending::Completed,
            3 | 4 => Ending::Refunded,
            5 => Ending::Funded,
            6 => Ending::Delivered,
            7 => Ending::Disputed,
            _ => Ending::Ruled,
        }
    }

    /// The state a deal with this ending is in at the end.
    pub fn state(self) -> DealState {
        match self {
            Ending::Funded => DealState::Funded,
            Ending::Completed => DealState::Completed,
            Ending::Refunded => DealState::Refunded,
            Ending::Delivered => DealState::Delivered,
            Ending::Disputed => DealState::Disputed,
            Ending::Ruled => DealState::Ruled,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadPlan {
    /// Half sellers, half buyers.
    pub accounts: usize,
    pub deals: usize,
}

/// The accounts of a plan: the same keys every time (`//Load<i>`), so a restarted run finds
/// its deals again.
pub struct Parties {
    pub sellers: Vec<Keypair>,
    pub buyers: Vec<Keypair>,
    pub arbiter: Keypair,
    pub funder: Keypair,
}

impl Parties {
    pub fn new(plan: &LoadPlan) -> OpResult<Parties> {
        let key = |i: usize| {
            Keypair::ed25519_from_uri(&format!("//Load{i}"))
                .map_err(|e| OpError::Failed(e.to_string()))
        };
        let all: Vec<Keypair> = (0..plan.accounts.max(2))
            .map(key)
            .collect::<OpResult<_>>()?;
        let (sellers, buyers) = all.split_at(all.len() / 2);
        let dev =
            |uri: &str| Keypair::sr25519_from_uri(uri).map_err(|e| OpError::Failed(e.to_string()));
        Ok(Parties {
            sellers: sellers.to_vec(),
            buyers: buyers.to_vec(),
            arbiter: dev("//Dave")?,
            funder: dev("//Alice")?,
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &Keypair> {
        self.sellers.iter().chain(&self.buyers)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub plan: LoadPlan,
    pub seconds: f64,
    /// Times the node went away and the run reconnected.
    pub reconnects: u32,
    /// Transactions sent (including ones resent after a reconnect).
    pub transactions: usize,
    /// Deals per final or open state.
    pub states: BTreeMap<String, usize>,
}

/// One planned deal as found on chain.
struct Planned {
    buyer: usize,
    seller: usize,
    ending: Ending,
    deal: Deal,
}

/// Runs `plan` against the deployment in `settings`; `note` hears about progress and faults.
pub async fn run(
    settings: Settings,
    plan: LoadPlan,
    mut note: impl FnMut(String),
) -> OpResult<LoadReport> {
    let parties = Parties::new(&plan)?;
    let started = Instant::now();
    let mut reconnects = 0;
    let mut transactions = 0;
    let mut ctx = connect(&settings, &mut note, &mut reconnects, false).await?;
    let mut failures = 0;
    loop {
        match round(&mut ctx, &plan, &parties, &mut transactions, &mut note).await {
            Ok(Some(states)) => {
                return Ok(LoadReport {
                    plan,
                    seconds: started.elapsed().as_secs_f64(),
                    reconnects,
                    transactions,
                    states,
                })
            }
            Ok(None) => failures = 0,
            Err(e) if chain_trouble(&e) => {
                if node_answers(&ctx).await {
                    // The node is there: a transaction was dropped or rejected in flight (a
                    // restart's empty pool, a reorg). Re-read and carry on, but not forever.
                    failures += 1;
                    if failures > MAX_FAILED_ROUNDS {
                        return Err(e);
                    }
                    note(format!("a round failed ({e}); re-reading the deals"));
                    let everyone = parties
                        .all()
                        .chain([&parties.arbiter, &parties.funder])
                        .cloned()
                        .collect();
                    super::traffic::fill_nonce_gaps(&ctx.chain, everyone).await;
                } else {
                    note(format!("lost the node: {e}"));
                    ctx = connect(&settings, &mut note, &mut reconnects, true).await?;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Connects, retrying for [`RECONNECT_FOR`] when `again` (the node was there before).
async fn connect(
    settings: &Settings,
    note: &mut impl FnMut(String),
    reconnects: &mut u32,
    again: bool,
) -> OpResult<Ctx> {
    let start = Instant::now();
    loop {
        match Ctx::connect(settings.clone()).await {
            Ok(ctx) => {
                if again {
                    *reconnects += 1;
                    note(format!(
                        "reconnected to {} after {:.1} s; re-reading the deals and carrying on",
                        settings.url(),
                        start.elapsed().as_secs_f64()
                    ));
                }
                return Ok(ctx);
            }
            Err(e) if again && start.elapsed() < RECONNECT_FOR => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Errors of the node or the connection (not the contract's or the runtime's verdict on a
/// call): after these, re-reading the chain and carrying on is the right move.
pub fn chain_trouble(e: &OpError) -> bool {
    use crate::contract::ContractClientError as C;
    match e {
        OpError::Chain(c) | OpError::Client(C::Chain(c)) => !matches!(c, ChainError::Dispatch(_)),
        _ => false,
    }
}

/// Whether the connection still gets an answer from the node.
async fn node_answers(ctx: &Ctx) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(3), ctx.chain.best_block_number()).await,
        Ok(Ok(_))
    )
}

/// One pass: make sure accounts, offers and deals exist, then send every missing step. Returns
/// the final state counts when nothing was left to send.
async fn round(
    ctx: &mut Ctx,
    plan: &LoadPlan,
    parties: &Parties,
    sent: &mut usize,
    note: &mut impl FnMut(String),
) -> OpResult<Option<BTreeMap<String, usize>>> {
    let c = ctx.contracts().await?;
    let units = ctx.units().clone();
    let price = units.parse("1")?;

    // Fund accounts that are short (the first round, or one cut off by a fault).
    let needed = units.parse("5000")?;
    let mut poor = Vec::new();
    for k in parties.all().chain([&parties.arbiter]) {
        if ctx.chain.free_balance(&k.account_id()).await? < needed / 2 {
            poor.push(k.account_id());
        }
    }
    if !poor.is_empty() {
        note(format!("funding {} accounts", poor.len()));
        *sent += poor.len();
        transfers(&ctx.chain, &parties.funder, &poor, needed).await?;
    }

    // One offer per seller, enough units for its buyer's deals.
    let per_buyer = plan.deals.div_ceil(parties.buyers.len());
    let offers = seller_offers(ctx, &c, parties, per_buyer as u32, price, sent).await?;

    // Deals: each buyer opens its share on its seller's offer. One pass over the escrow's
    // deals (in pages) serves every buyer.
    let everything = all_deals(ctx).await?;
    let mut work: Vec<(&Keypair, Vec<Call>)> = Vec::new();
    let mut planned = Vec::new();
    for (b, buyer) in parties.buyers.iter().enumerate() {
        let s = b % parties.sellers.len();
        let share = (b..plan.deals).step_by(parties.buyers.len()).count();
        let me = buyer.account_id().0;
        let deals: Vec<Deal> = everything
            .iter()
            .filter(|d| d.buyer == me)
            .cloned()
            .collect();
        let missing = share.saturating_sub(deals.len());
        if missing > 0 {
            let accept = Call::new(&c.escrow, "accept_offer", &(offers[s], 1u32, 1u32), price)?;
            work.push((buyer, vec![accept; missing]));
        }
        for (j, deal) in deals.into_iter().enumerate() {
            let k = b + j * parties.buyers.len();
            planned.push(Planned {
                buyer: b,
                seller: s,
                ending: Ending::of(k),
                deal,
            });
        }
    }
    if !work.is_empty() {
        let n: usize = work.iter().map(|(_, w)| w.len()).sum();
        note(format!("opening {n} deals"));
        *sent += n;
        pipelined_all(&ctx.chain, &c.escrow, work).await?;
        return Ok(None);
    }

    // The next step of every deal that has not reached its ending, grouped by signer.
    let mut steps: BTreeMap<(u8, usize), (&Keypair, Vec<Call>)> = BTreeMap::new();
    for p in &planned {
        let id = p.deal.id;
        let step = match (p.ending, p.deal.state) {
            (e, s) if e.state() == s => None,
            (Ending::Completed | Ending::Delivered, DealState::Funded) => Some((
                1,
                p.seller,
                Call::new(&c.escrow, "mark_delivered", &(id, None::<[u8; 32]>), 0)?,
            )),
            (Ending::Completed, DealState::Delivered) => Some((
                2,
                p.buyer,
                Call::new(&c.escrow, "release", &(id, p.deal.remaining()), 0)?,
            )),
            (Ending::Refunded, DealState::Funded) => {
                Some((1, p.seller, Call::new(&c.escrow, "refund", &id, 0)?))
            }
            (Ending::Disputed | Ending::Ruled, DealState::Funded) => {
                let evidence = [7u8; 32];
                Some((
                    2,
                    p.buyer,
                    Call::new(&c.escrow, "open_dispute", &(id, evidence), 0)?,
                ))
            }
            (Ending::Ruled, DealState::Disputed) => Some((
                3,
                0,
                Call::new(
                    &c.escrow,
                    "rule",
                    &(id, 5_000u16, false, None::<[u8; 32]>),
                    0,
                )?,
            )),
            (ending, state) => {
                return Err(OpError::Failed(format!(
                    "deal {id} is {state:?}, which cannot lead to {ending:?}"
                )))
            }
        };
        if let Some((role, who, call)) = step {
            let signer = match role {
                1 => &parties.sellers[who],
                2 => &parties.buyers[who],
                _ => &parties.arbiter,
            };
            steps
                .entry((role, who))
                .or_insert((signer, Vec::new()))
                .1
                .push(call);
        }
    }
    if steps.is_empty() {
        let mut states = BTreeMap::new();
        for p in &planned {
            *states.entry(p.deal.state.name().to_string()).or_insert(0) += 1;
        }
        return Ok(Some(states));
    }
    let n: usize = steps.values().map(|(_, w)| w.len()).sum();
    note(format!("sending {n} deal steps"));
    *sent += n;
    pipelined_all(&ctx.chain, &c.escrow, steps.into_values().collect()).await?;
    Ok(None)
}

/// Each seller's load offer (created if missing).
async fn seller_offers(
    ctx: &mut Ctx,
    c: &Contracts,
    parties: &Parties,
    quantity: u32,
    price: u128,
    sent: &mut usize,
) -> OpResult<Vec<u64>> {
    let arbiter = parties.arbiter.account_id().0;
    let mut ids = Vec::new();
    let mut work = Vec::new();
    for (i, seller) in parties.sellers.iter().enumerate() {
        let found = stored_offers::list(
            ctx,
            ListFilter {
                seller: Some(ctx.chain.ss58(&seller.public_key())),
                include_inactive: true,
                limit: 10,
                ..ListFilter::default()
            },
        )
        .await?;
        match found.offers.first() {
            Some(o) => ids.push(o.offer.id),
            None => {
                let terms = OfferTerms {
                    bond_per_unit: price / 10,
                    ..OfferTerms::new(format!("Load offer {i:02}"), price, quantity, arbiter)
                };
                let bond = (price / 10).saturating_mul(u128::from(quantity));
                work.push((
                    seller,
                    vec![Call::new(&c.escrow, "create_offer", &terms, bond)?],
                ));
            }
        }
    }
    if !work.is_empty() {
        // Offers may only name an active registered arbiter.
        let registered: Option<Arbiter> = Escrow::new(ctx).arbiter(&arbiter).await?;
        if !registered.is_some_and(|a| a.active) {
            let register = Call::new(
                &c.escrow,
                "register_arbiter",
                &(LOAD_ARBITER_FEE_BPS, 0u128, [0u8; 32]),
                0,
            )?;
            *sent += 1;
            pipelined_all(
                &ctx.chain,
                &c.escrow,
                vec![(&parties.arbiter, vec![register])],
            )
            .await?;
        }
        *sent += work.len();
        pipelined_all(&ctx.chain, &c.escrow, work).await?;
        // Read them back (ids in creation order are not known before inclusion).
        return Box::pin(seller_offers(ctx, c, parties, quantity, price, sent)).await;
    }
    Ok(ids)
}
