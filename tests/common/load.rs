//! Shared checks of the load and fault tests: the escrow's solvency, that open deals can
//! still end, and that balances match the events.
#![allow(dead_code)]

use std::collections::HashMap;

use escrow_client::api::Escrow;
use escrow_client::bench::ledger::free_balance_changes;
use escrow_client::bench::load::{deals_of, Ending, LoadPlan, Parties};
use escrow_client::ops::types::{Deal, DealState};
use escrow_client::ops::{Contracts, Ctx};
use escrow_client::signer::Keypair;
use subxt::utils::AccountId32;

/// Free balances of `accounts` now.
pub async fn free_balances(ctx: &Ctx, accounts: &[AccountId32]) -> HashMap<[u8; 32], u128> {
    let mut out = HashMap::new();
    for a in accounts {
        out.insert(a.0, ctx.chain.free_balance(a).await.unwrap());
    }
    out
}

/// Everyone whose balance a load run can touch: its parties, the arbiter, the funder, the fee
/// recipient, the escrow itself.
pub fn touched(parties: &Parties, c: &Contracts, ctx: &Ctx) -> Vec<AccountId32> {
    let mut v: Vec<AccountId32> = parties.all().map(Keypair::account_id).collect();
    v.push(parties.arbiter.account_id());
    v.push(parties.funder.account_id());
    v.push(ctx.account("//Eve").unwrap());
    v.push(c.escrow.address);
    v
}

/// The escrow holds exactly what it owes, on top of what it held before any deal.
pub async fn assert_solvent(ctx: &mut Ctx, c: &Contracts, baseline: u128) -> u128 {
    let config: escrow_client::ops::types::Config = Escrow::new(ctx).config().await.unwrap();
    let owed = config.owed;
    let balance = ctx.chain.free_balance(&c.escrow.address).await.unwrap();
    assert_eq!(
        balance - baseline,
        owed,
        "the escrow's balance above its baseline equals what it owes"
    );
    owed
}

/// Each account's free balance moved by exactly what the events of blocks `from..=to` say.
pub async fn assert_balances_accounted(
    ctx: &Ctx,
    accounts: &[AccountId32],
    before: &HashMap<[u8; 32], u128>,
    from: u64,
    to: u64,
) {
    let ledger = free_balance_changes(&ctx.chain, from, to).await.unwrap();
    let after = free_balances(ctx, accounts).await;
    for a in accounts {
        let actual = after[&a.0] as i128 - before[&a.0] as i128;
        let expected = ledger.get(&a.0).copied().unwrap_or(0);
        assert_eq!(
            actual, expected,
            "balance change of {a} is accounted for by the chain's events"
        );
    }
}

/// Every deal of the plan is in its planned state, and an open one can still end: its exit
/// passes a dry run from the party who may take it.
pub async fn assert_deals_end_or_can_end(
    ctx: &mut Ctx,
    c: &Contracts,
    plan: &LoadPlan,
    parties: &Parties,
) -> Vec<Deal> {
    let mut all = Vec::new();
    for (b, buyer) in parties.buyers.iter().enumerate() {
        let deals = deals_of(ctx, &buyer.account_id()).await.unwrap();
        let share = (b..plan.deals).step_by(parties.buyers.len()).count();
        assert_eq!(deals.len(), share, "buyer {b} has its share of deals");
        for (j, deal) in deals.into_iter().enumerate() {
            let k = b + j * parties.buyers.len();
            assert_eq!(
                deal.state,
                Ending::of(k).state(),
                "deal {} (plan index {k})",
                deal.id
            );
            let exit = match deal.state {
                DealState::Funded => Some((
                    parties.sellers[b % parties.sellers.len()].account_id(),
                    "refund",
                    scale::Encode::encode(&deal.id),
                )),
                DealState::Delivered => Some((
                    buyer.account_id(),
                    "release",
                    scale::Encode::encode(&(deal.id, deal.remaining())),
                )),
                DealState::Disputed => Some((
                    parties.arbiter.account_id(),
                    "rule",
                    scale::Encode::encode(&(deal.id, 5_000u16, false, None::<[u8; 32]>)),
                )),
                _ => None,
            };
            if let Some((origin, message, args)) = exit {
                let mut input = c.escrow.codec.selector(message).unwrap().to_vec();
                input.extend(args);
                let dry = c
                    .escrow
                    .dry_run_input(&ctx.chain, &origin, message, input, 0)
                    .await
                    .unwrap();
                assert!(
                    dry.into_value().is_ok(),
                    "open deal {} ({:?}) can end through {message}",
                    deal.id,
                    deal.state
                );
            }
            all.push(deal);
        }
    }
    all
}
