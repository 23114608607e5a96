//! Throughput: deals settled per second (accept, deliver, release) with many accounts sending
//! pipelined transactions at once, against plain transfers sent the same way in the same run.

use std::time::Instant;

use serde::Serialize;

use super::traffic::{event_u64, funded_accounts, pipelined_all, transfers, Call};
use crate::ops::types::OfferTerms;
use crate::ops::{Ctx, OpResult};
use crate::signer::Keypair;

#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub accounts: usize,
    pub deals: usize,
    /// Three transactions per deal.
    pub deal_transactions: usize,
    pub deal_seconds: f64,
    pub deals_per_second: f64,
    pub deal_transactions_per_second: f64,
    pub transfers: usize,
    pub transfer_seconds: f64,
    pub transfers_per_second: f64,
    /// Deals settled per second ÷ transfers per second.
    pub deal_ratio: f64,
    /// Contract transactions per second ÷ transfers per second.
    pub transaction_ratio: f64,
}

/// Price of one unit in the measured deals.
const PRICE_UNITS: &str = "1";

/// `deals` deals across `accounts` fresh accounts (half sellers, half buyers).
pub async fn measure(ctx: &mut Ctx, accounts: usize, deals: usize) -> OpResult<Throughput> {
    let accounts = accounts.max(2);
    let c = ctx.contracts().await?;
    let units = ctx.units().clone();
    let alice = ctx.signer(Some("//Alice"))?;
    let arbiter = ctx.account("//Dave")?.0;
    let price = units.parse(PRICE_UNITS)?;
    let keys = funded_accounts(&ctx.chain, &alice, accounts, units.parse("10000")?).await?;
    let (sellers, buyers) = keys.split_at(accounts / 2);

    // One offer per seller with enough units for its share of the deals.
    let per_seller = deals.div_ceil(sellers.len()) as u32;
    let terms = |i: usize| {
        OfferTerms::new(
            format!("Throughput offer {i:03}"),
            price,
            per_seller,
            arbiter,
        )
    };
    let mut work = Vec::new();
    for (i, s) in sellers.iter().enumerate() {
        work.push((s, vec![Call::new(&c.escrow, "create_offer", &terms(i), 0)?]));
    }
    let created = pipelined_all(&ctx.chain, &c.escrow, work).await?;
    let offers: Vec<u64> = created
        .iter()
        .map(|o| event_u64(&o[0], "OfferCreated", "offer_id"))
        .collect::<OpResult<_>>()?;

    // Buyer b buys from seller b mod sellers; deal k goes to buyer k mod buyers.
    let seller_of = |b: usize| b % sellers.len();
    let mut accepts: Vec<Vec<Call>> = vec![Vec::new(); buyers.len()];
    for k in 0..deals {
        let b = k % buyers.len();
        let offer = offers[seller_of(b)];
        accepts[b].push(Call::new(
            &c.escrow,
            "accept_offer",
            &(offer, 1u32, 1u32),
            price,
        )?);
    }

    let start = Instant::now();
    let opened = pipelined_all(&ctx.chain, &c.escrow, buyers.iter().zip(accepts).collect()).await?;
    let mut by_seller: Vec<Vec<u64>> = vec![Vec::new(); sellers.len()];
    let mut by_buyer: Vec<Vec<u64>> = vec![Vec::new(); buyers.len()];
    for (b, outcomes) in opened.iter().enumerate() {
        for o in outcomes {
            let id = event_u64(o, "DealOpened", "deal_id")?;
            by_seller[seller_of(b)].push(id);
            by_buyer[b].push(id);
        }
    }
    let calls = |ids: &[u64], f: &dyn Fn(u64) -> OpResult<Call>| -> OpResult<Vec<Call>> {
        ids.iter().map(|id| f(*id)).collect()
    };
    let mut work: Vec<(&Keypair, Vec<Call>)> = Vec::new();
    for (s, ids) in sellers.iter().zip(&by_seller) {
        work.push((
            s,
            calls(ids, &|id| {
                Call::new(&c.escrow, "mark_delivered", &(id, None::<[u8; 32]>), 0)
            })?,
        ));
    }
    pipelined_all(&ctx.chain, &c.escrow, work).await?;
    let mut work: Vec<(&Keypair, Vec<Call>)> = Vec::new();
    for (b, ids) in buyers.iter().zip(&by_buyer) {
        work.push((
            b,
            calls(ids, &|id| Call::new(&c.escrow, "release", &(id, price), 0))?,
        ));
    }
    pipelined_all(&ctx.chain, &c.escrow, work).await?;
    let deal_seconds = start.elapsed().as_secs_f64();

    // The same number of plain transfers, from the same accounts, the same way.
    let per_account = (deals * 3).div_ceil(keys.len());
    let start = Instant::now();
    let sends = keys.iter().enumerate().map(|(i, k)| {
        let to = keys[(i + 1) % keys.len()].account_id();
        let chain = &ctx.chain;
        async move { transfers(chain, k, &vec![to; per_account], price).await }
    });
    futures::future::try_join_all(sends).await?;
    let transfer_seconds = start.elapsed().as_secs_f64();

    let deal_transactions = deals * 3;
    let transfers_sent = per_account * keys.len();
    let deal_tps = deal_transactions as f64 / deal_seconds;
    let transfer_tps = transfers_sent as f64 / transfer_seconds;
    Ok(Throughput {
        accounts,
        deals,
        deal_transactions,
        deal_seconds,
        deals_per_second: deals as f64 / deal_seconds,
        deal_transactions_per_second: deal_tps,
        transfers: transfers_sent,
        transfer_seconds,
        transfers_per_second: transfer_tps,
        deal_ratio: (deals as f64 / deal_seconds) / transfer_tps,
        transaction_ratio: deal_tps / transfer_tps,
    })
}
