//! Offer search latency at growing offer counts: cold (no event store: one bulk read of the
//! contracts' storage, then the blocks after the finalized one) and warm (the store is
//! current), through the same `stored_offers::list` as `escrow offer list`.

use std::time::Instant;

use serde::Serialize;

use super::timing::Latency;
use super::traffic::{funded_accounts, pipelined_all, Call};
use crate::api::Escrow;
use crate::indexer::store_path;
use crate::ops::stored_offers::{self, ListFilter};
use crate::ops::types::OfferTerms;
use crate::ops::{Ctx, OpResult};

#[derive(Debug, Clone, Serialize)]
pub struct SearchRow {
    pub offers: u64,
    pub cold_ms: f64,
    /// Blocks applied after the cold start's snapshot.
    pub cold_blocks: u64,
    pub warm_ms: f64,
    /// Blocks applied by the warm syncs.
    pub warm_blocks: u64,
    /// Offers the query matched (the same cold and warm).
    pub matches: usize,
}

/// Warm searches timed per offer count (their median is reported).
const WARM_RUNS: usize = 7;

/// Sellers creating the offers, in parallel.
const SELLERS: usize = 8;

/// Rounds of listing offers after the first whose transactions the node forgot.
const LOAD_ATTEMPTS: u32 = 3;
/// Time for the pool to include what it still holds before the offers are counted again.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// For each count (ascending): list offers until the escrow has that many, then search.
pub async fn measure(
    ctx: &mut Ctx,
    counts: &[u64],
    mut on_row: impl FnMut(&SearchRow),
) -> OpResult<Vec<SearchRow>> {
    let c = ctx.contracts().await?;
    let units = ctx.units().clone();
    let alice = ctx.signer(Some("//Alice"))?;
    let arbiter = ctx.account("//Dave")?.0;
    let sellers = funded_accounts(&ctx.chain, &alice, SELLERS, units.parse("1000")?).await?;
    let store = store_path(&ctx.settings, &ctx.chain, &c);
    let mut rows = Vec::new();
    for &target in counts {
        let mut attempt = 0;
        let have = loop {
            let config: crate::ops::types::Config = Escrow::new(ctx).config().await?;
            let have = config.offer_count;
            if have >= target {
                break have;
            }
            let mut work: Vec<(&crate::signer::Keypair, Vec<Call>)> =
                sellers.iter().map(|s| (s, Vec::new())).collect();
            for n in have..target {
                // Same length for every title: the same storage deposit.
                let price = units.parse("1")?.saturating_mul(u128::from(n % 100 + 1));
                let terms = OfferTerms {
                    description: format!("lot {} of the search benchmark", n % 97),
                    ..OfferTerms::new(format!("Bench item {n:06}"), price, 1, arbiter)
                };
                let seller = (n as usize) % SELLERS;
                work[seller]
                    .1
                    .push(Call::new(&c.escrow, "create_offer", &terms, 0)?);
            }
            match pipelined_all(&ctx.chain, &c.escrow, work).await {
                Ok(_) => {}
                // The dev node forks under this load and can forget a transaction of a
                // retracted block: count what was listed, and list the rest again.
                Err(e) if attempt < LOAD_ATTEMPTS => {
                    attempt += 1;
                    tracing::warn!("listing offers for the search bench: {e}; counting again");
                    tokio::time::sleep(SETTLE).await;
                }
                Err(e) => return Err(e),
            }
        };

        // "item 0001" matches the 100 offers numbered 100 to 199, once there are that many.
        let filter = ListFilter {
            text: Some("item 0001".into()),
            limit: 1_000,
            ..ListFilter::default()
        };
        crate::store::Store::remove_files(&store);
        let start = Instant::now();
        let cold = stored_offers::list(ctx, filter.clone()).await?;
        let cold_ms = start.elapsed().as_secs_f64() * 1e3;
        let cold_blocks = cold.index.map_or(0, |i| i.applied);
        // Warm: the median of a few searches, the first of which also finalizes what the
        // cold start applied after its snapshot.
        let mut warm_times = Vec::with_capacity(WARM_RUNS);
        let mut warm_blocks = 0;
        let mut warm = None;
        for _ in 0..WARM_RUNS {
            let start = Instant::now();
            let list = stored_offers::list(ctx, filter.clone()).await?;
            warm_times.push(start.elapsed().as_secs_f64() * 1e3);
            warm_blocks += list.index.as_ref().map_or(0, |i| i.applied);
            warm = Some(list);
        }
        let warm = warm.expect("WARM_RUNS > 0");
        let warm_ms = Latency::of(&mut warm_times).map_or(0.0, |l| l.median_ms);
        debug_assert_eq!(cold.offers.len(), warm.offers.len());
        let row = SearchRow {
            // Transactions resent after a fork may list a few more than the target.
            offers: have,
            cold_ms,
            cold_blocks,
            warm_ms,
            warm_blocks,
            matches: warm.offers.len(),
        };
        on_row(&row);
        rows.push(row);
    }
    Ok(rows)
}
