//! Offer and request search latency at growing counts: cold (no event store: one bulk read of
//! the contracts' storage, then the blocks after the finalized one) and warm (the store is
//! current), through the same `stored_offers::list` and `stored_requests::list` as
//! `escrow offer list` and `escrow request list`.

use std::time::Instant;

use serde::Serialize;

use super::timing::Latency;
use super::traffic::{funded_accounts, pipelined_all, Call};
use crate::api::{Escrow, Requests};
use crate::contract::Contract;
use crate::indexer::store_path;
use crate::ops::stored_offers::{self, ListFilter};
use crate::ops::stored_requests::{self, RequestFilter};
use crate::ops::types::{OfferTerms, RequestTerms, Screening};
use crate::ops::{Ctx, OpError, OpResult};

/// Cold search at most this long, at every size.
pub const COLD_GOAL_MS: f64 = 2_000.0;
/// Warm search at most this long, at every size.
pub const WARM_GOAL_MS: f64 = 1.0;

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Catalogue {
    Offers,
    Requests,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchRow {
    pub catalogue: Catalogue,
    /// Offers or requests on chain.
    pub items: u64,
    pub cold_ms: f64,
    /// Blocks applied after the cold start's snapshot.
    pub cold_blocks: u64,
    pub warm_ms: f64,
    /// Blocks applied by the warm syncs.
    pub warm_blocks: u64,
    /// What the query matched (the same cold and warm).
    pub matches: usize,
}

impl SearchRow {
    pub fn meets_goal(&self) -> bool {
        self.cold_ms <= COLD_GOAL_MS && self.warm_ms <= WARM_GOAL_MS
    }
}

/// Warm searches timed per offer count (their median is reported).
const WARM_RUNS: usize = 7;

/// Sellers creating the offers, in parallel.
const SELLERS: usize = 8;

/// Rounds of listing offers after the first whose transactions the node forgot.
const LOAD_ATTEMPTS: u32 = 3;
/// Time for the pool to include what it still holds before the offers are counted again.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// What the search of one catalogue needs: how many there are, the calls listing more, and
/// the search itself.
struct Lister<'a> {
    catalogue: Catalogue,
    contract: Contract,
    arbiter: [u8; 32],
    units: &'a crate::units::TokenUnits,
    /// Windows the escrow accepts for a request.
    windows: (u64, u64, u64),
}

impl Lister<'_> {
    async fn count(&self, ctx: &mut Ctx) -> OpResult<u64> {
        Ok(match self.catalogue {
            Catalogue::Offers => Escrow::new(ctx).config().await?.offer_count,
            Catalogue::Requests => Requests::new(ctx).config().await?.request_count,
        })
    }

    /// The call listing item `n`: every title the same length (the same storage deposit).
    fn call(&self, n: u64) -> OpResult<Call> {
        match self.catalogue {
            Catalogue::Offers => {
                let price = self
                    .units
                    .parse("1")?
                    .saturating_mul(u128::from(n % 100 + 1));
                let terms = OfferTerms {
                    description: format!("lot {} of the search benchmark", n % 97),
                    ..OfferTerms::new(format!("Bench item {n:06}"), price, 1, self.arbiter)
                };
                Call::new(&self.contract, "create_offer", &terms, 0)
            }
            Catalogue::Requests => {
                let budget = self
                    .units
                    .parse("0.001")?
                    .saturating_mul(u128::from(n % 100 + 1));
                let (delivery, review, ruling) = self.windows;
                let terms = RequestTerms {
                    title: format!("Bench item {n:06}"),
                    description: format!("task {} of the search benchmark", n % 97),
                    budget,
                    proposal_window: 30 * 86_400_000,
                    delivery_window: delivery,
                    review_window: review,
                    ruling_window: ruling,
                    arbiters: vec![self.arbiter.into()],
                    screening: Screening::default(),
                    auto_award: false,
                };
                Call::new(&self.contract, "post_request", &terms, budget)
            }
        }
    }

    /// The search, and how many it found and what its sync applied.
    async fn search(&self, ctx: &mut Ctx) -> OpResult<(usize, u64)> {
        // "item 0001" matches the 100 items numbered 100 to 199, once there are that many.
        let text = Some("item 0001".to_string());
        let (found, index) = match self.catalogue {
            Catalogue::Offers => {
                let filter = ListFilter {
                    text,
                    limit: 1_000,
                    ..ListFilter::default()
                };
                let list = stored_offers::list(ctx, filter).await?;
                (list.offers.len(), list.index)
            }
            Catalogue::Requests => {
                let filter = RequestFilter {
                    text,
                    limit: 1_000,
                    ..RequestFilter::default()
                };
                let list = stored_requests::list(ctx, filter).await?;
                (list.requests.len(), list.index)
            }
        };
        Ok((found, index.map_or(0, |i| i.applied)))
    }
}

/// For each count (ascending): list offers (or post requests) until there are that many, then
/// search.
pub async fn measure(
    ctx: &mut Ctx,
    catalogue: Catalogue,
    counts: &[u64],
    mut on_row: impl FnMut(&SearchRow),
) -> OpResult<Vec<SearchRow>> {
    let c = ctx.contracts().await?;
    let units = ctx.units().clone();
    let alice = ctx.signer(Some("//Alice"))?;
    let arbiter = ctx.account("//Dave")?.0;
    let settings = Escrow::new(ctx).config().await?.settings;
    let contract = match catalogue {
        Catalogue::Offers => c.escrow.clone(),
        Catalogue::Requests => c.requests.clone().ok_or_else(|| {
            OpError::Failed("this deployment has no requests contract to search".into())
        })?,
    };
    let lister = Lister {
        catalogue,
        contract,
        arbiter,
        units: &units,
        windows: (
            settings.min_delivery_window.max(86_400_000),
            settings.min_review_window.max(86_400_000),
            settings.min_ruling_window.max(86_400_000),
        ),
    };
    let sellers = funded_accounts(&ctx.chain, &alice, SELLERS, units.parse("10000")?).await?;
    let store = store_path(&ctx.settings, &ctx.chain, &c);
    let mut rows = Vec::new();
    for &target in counts {
        let mut attempt = 0;
        let have = loop {
            let have = lister.count(ctx).await?;
            if have >= target {
                break have;
            }
            let mut work: Vec<(&crate::signer::Keypair, Vec<Call>)> =
                sellers.iter().map(|s| (s, Vec::new())).collect();
            for n in have..target {
                work[(n as usize) % SELLERS].1.push(lister.call(n)?);
            }
            match pipelined_all(&ctx.chain, &lister.contract, work).await {
                Ok(_) => {}
                // The dev node forks under this load and can forget a transaction of a
                // retracted block: count what was listed, and list the rest again.
                Err(e) if attempt < LOAD_ATTEMPTS => {
                    attempt += 1;
                    tracing::warn!("listing for the search bench: {e}; counting again");
                    tokio::time::sleep(SETTLE).await;
                    super::traffic::fill_nonce_gaps(&ctx.chain, sellers.clone()).await;
                }
                Err(e) => return Err(e),
            }
        };

        crate::store::Store::remove_files(&store);
        let start = Instant::now();
        let (cold_matches, cold_blocks) = lister.search(ctx).await?;
        let cold_ms = start.elapsed().as_secs_f64() * 1e3;
        // Warm: the median of a few searches, the first of which also finalizes what the
        // cold start applied after its snapshot.
        let mut warm_times = Vec::with_capacity(WARM_RUNS);
        let mut warm_blocks = 0;
        let mut matches = cold_matches;
        for _ in 0..WARM_RUNS {
            let start = Instant::now();
            let (found, applied) = lister.search(ctx).await?;
            warm_times.push(start.elapsed().as_secs_f64() * 1e3);
            warm_blocks += applied;
            matches = found;
        }
        let warm_ms = Latency::of(&mut warm_times).map_or(0.0, |l| l.median_ms);
        debug_assert_eq!(cold_matches, matches);
        let row = SearchRow {
            catalogue,
            // Transactions resent after a fork may list a few more than the target.
            items: have,
            cold_ms,
            cold_blocks,
            warm_ms,
            warm_blocks,
            matches,
        };
        on_row(&row);
        rows.push(row);
    }
    Ok(rows)
}
