//! What a burst asks the explorer: every endpoint of its API in turn, over what the earlier
//! steps left on chain (offers, deals and their parties, task requests, blocks).

use super::load::Request;
use crate::api::{Escrow, Requests};
use crate::bench::costs::{ARBITER, BUYER};
use crate::ops::requests::{self, CreateRequestArgs};
use crate::ops::{Ctx, OpError, OpResult};

/// The latest deals whose pages (and whose parties' pages) the requests ask for, and as many
/// of the latest offers and blocks.
const MIX_ROWS: u32 = 20;
/// The latest offers read from the chain at once (the contract returns at most 15 a call).
const MIX_OFFERS: u32 = 15;
/// A word of the bench's offer titles and of its task requests' ("Benchmark task").
pub const OFFER_WORD: &str = "item";
pub const REQUEST_WORD: &str = "benchmark";

/// The ids a burst's requests go round, none empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub deals: Vec<u64>,
    pub accounts: Vec<String>,
    pub offers: Vec<u64>,
    pub requests: Vec<u64>,
    pub blocks: Vec<u64>,
}

/// Every endpoint a burst asks, in the order a round cycles through them: the endpoint (its
/// path with the ids left out) and, for the ones with an id, which of [`Targets`] it takes.
const ENDPOINTS: [&str; 11] = [
    "/api/offers?text=…",
    "/api/offers",
    "/api/offers/{id}",
    "/api/requests",
    "/api/requests?text=…",
    "/api/requests/{id}",
    "/api/deals/{id}",
    "/api/accounts/{account}",
    "/api/blocks",
    "/api/blocks/{n}",
    "/api/search?q=…",
];

/// Request `i` asks the `i % 11`th endpoint of [`ENDPOINTS`]; pages with an id go round that
/// kind's ids.
pub fn mix(t: &Targets, n: usize) -> Vec<Request> {
    let pick = |ids: &[u64], j: usize| ids[j % ids.len()];
    (0..n)
        .map(|i| {
            let (k, j) = (i % ENDPOINTS.len(), i / ENDPOINTS.len());
            let path = match k {
                0 => format!("/api/offers?text={OFFER_WORD}&limit=20"),
                1 => "/api/offers?limit=20".to_string(),
                2 => format!("/api/offers/{}", pick(&t.offers, j)),
                3 => "/api/requests?limit=20".to_string(),
                4 => format!("/api/requests?text={REQUEST_WORD}&limit=20"),
                5 => format!("/api/requests/{}", pick(&t.requests, j)),
                6 => format!("/api/deals/{}", pick(&t.deals, j)),
                7 => format!("/api/accounts/{}", t.accounts[j % t.accounts.len()]),
                8 => "/api/blocks?limit=10".to_string(),
                9 => format!("/api/blocks/{}", pick(&t.blocks, j)),
                _ => format!("/api/search?q={}", pick(&t.deals, j)),
            };
            Request {
                endpoint: ENDPOINTS[k],
                path,
            }
        })
        .collect()
}

/// What the chain holds for a burst to ask: the latest deals and their parties, offers and
/// blocks, and the task requests (one is posted if there is none).
pub async fn targets(ctx: &mut Ctx) -> OpResult<Targets> {
    let deal_count = Escrow::new(ctx).config().await?.deal_count;
    let deals = Escrow::new(ctx)
        .deals(deal_count.saturating_sub(MIX_ROWS.into()), MIX_ROWS)
        .await?;
    let mut accounts: Vec<String> = Vec::new();
    for d in &deals {
        for party in [d.seller, d.buyer] {
            let ss58 = ctx.chain.ss58(&party.id());
            if !accounts.contains(&ss58) {
                accounts.push(ss58);
            }
        }
    }
    if deals.is_empty() {
        return Err(OpError::Failed(
            "explorer bench: the escrow has no deal to show; the throughput step makes them".into(),
        ));
    }
    let offer_count = Escrow::new(ctx).config().await?.offer_count;
    let offers = Escrow::new(ctx)
        .offers(offer_count.saturating_sub(MIX_OFFERS.into()), MIX_OFFERS)
        .await?;
    if offers.is_empty() {
        return Err(OpError::Failed(
            "explorer bench: the escrow has no offer to show; the search step makes them".into(),
        ));
    }
    let best = ctx.chain.best_block_number().await?;
    Ok(Targets {
        deals: deals.iter().map(|d| d.id).collect(),
        accounts,
        offers: offers.iter().map(|o| o.id).collect(),
        requests: request_ids(ctx).await?,
        blocks: (best.saturating_sub(u64::from(MIX_ROWS) - 1)..=best).collect(),
    })
}

/// The latest task requests' ids; posts one first (as the cost step's buyer, naming its
/// arbiter) if the chain holds none.
async fn request_ids(ctx: &mut Ctx) -> OpResult<Vec<u64>> {
    let count = Requests::new(ctx).config().await?.request_count;
    let latest = Requests::new(ctx)
        .requests(count.saturating_sub(MIX_OFFERS.into()), MIX_OFFERS)
        .await?;
    if !latest.is_empty() {
        return Ok(latest.iter().map(|r| r.id).collect());
    }
    let signer = ctx.settings.as_account.replace(BUYER.to_string());
    let posted = requests::create(
        ctx,
        CreateRequestArgs {
            title: "Benchmark task".into(),
            description: "a request for the explorer's request pages".into(),
            budget: "20".into(),
            proposal_window: "1d".into(),
            delivery_window: "3d".into(),
            review_window: "2d".into(),
            ruling_window: "1d".into(),
            arbiters: vec![ARBITER.into()],
            ..CreateRequestArgs::default()
        },
    )
    .await;
    ctx.settings.as_account = signer;
    Ok(vec![posted?.request.id])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            deals: vec![7, 8],
            accounts: vec!["5A".into(), "5B".into(), "5C".into()],
            offers: vec![3],
            requests: vec![0, 1],
            blocks: vec![40, 41],
        }
    }

    #[test]
    fn a_round_asks_every_endpoint_in_turn() {
        let m = mix(&targets(), 11);
        let paths: Vec<&str> = m.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/api/offers?text=item&limit=20",
                "/api/offers?limit=20",
                "/api/offers/3",
                "/api/requests?limit=20",
                "/api/requests?text=benchmark&limit=20",
                "/api/requests/0",
                "/api/deals/7",
                "/api/accounts/5A",
                "/api/blocks?limit=10",
                "/api/blocks/40",
                "/api/search?q=7",
            ]
        );
        let endpoints: Vec<&str> = m.iter().map(|r| r.endpoint).collect();
        assert_eq!(endpoints, ENDPOINTS);
    }

    #[test]
    fn pages_with_an_id_go_round_their_ids() {
        let m = mix(&targets(), 33);
        let of = |endpoint: &str| -> Vec<&str> {
            m.iter()
                .filter(|r| r.endpoint == endpoint)
                .map(|r| r.path.as_str())
                .collect()
        };
        assert_eq!(
            of("/api/deals/{id}"),
            ["/api/deals/7", "/api/deals/8", "/api/deals/7"]
        );
        assert_eq!(
            of("/api/accounts/{account}"),
            ["/api/accounts/5A", "/api/accounts/5B", "/api/accounts/5C"]
        );
        assert_eq!(
            of("/api/requests/{id}"),
            ["/api/requests/0", "/api/requests/1", "/api/requests/0"]
        );
        assert_eq!(
            of("/api/blocks/{n}"),
            ["/api/blocks/40", "/api/blocks/41", "/api/blocks/40"]
        );
    }
}
