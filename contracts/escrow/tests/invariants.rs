//! Property test: random sequences of arbiter, offer and deal operations (right and wrong
//! callers, right and wrong amounts, time moving on) run against the escrow in ink!'s
//! off-chain environment. After every operation:
//! - every party's balance moved exactly as an independent model of the rules says (what the
//!   buyer, seller and arbiter get when a deal ends, where the bond goes, the fees);
//! - the escrow is solvent and its books match, no money is created or destroyed;
//! - every open deal has an exit anyone can take.
//!
//! Offers may split their price into milestones: a payment of a whole step starts the next
//! one, and an ending splits the current step and returns the later ones to the buyer, all
//! checked against the model's own sums.
//!
//! Every ended deal's report is fed to a real reputation contract (off-chain, so through the
//! same `Deal::report` the escrow sends on chain), which must accept it and weigh it by what
//! the seller received. At the end a stranger ends every open deal and the escrow is drained.
//! A call that returns `Err` is reverted by hand (its transferred value goes back), as the
//! chain would revert it.

use escrow::{split, Deal, DealState, Error, Escrow, Milestone, OfferTerms, Party, Settings, BPS};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use proptest::prelude::*;
use reputation::Reputation;

type Balance = u128;

const CONTRACT: [u8; 32] = [0xEE; 32];
const REPUTATION: [u8; 32] = [0xDD; 32];
const ACCOUNTS: u8 = 6;
const FUNDS: Balance = 1 << 100;
const UNIT_MS: u64 = 1_000;
/// At least 10,000 operations per run: `CASES * MIN_OPS`.
const CASES: u32 = 40;
const MIN_OPS: usize = 250;
const MAX_OPS: usize = 300;
/// Deals below this count for nothing in the reputation contract.
const MIN_RATED: Balance = 1_000;
const SETTINGS: Settings = Settings {
    min_delivery_window: UNIT_MS,
    min_review_window: UNIT_MS,
    min_ruling_window: UNIT_MS,
    prune_after: 10 * UNIT_MS,
    report_ref_time: 1,
    report_proof_size: 1,
    report_deposit_limit: 1,
    requests_code: None,
    award_window: 0,
    fee_floor_bps: 0,
};

fn account(i: u8) -> AccountId {
    AccountId::from([i % ACCOUNTS + 1; 32])
}

fn contract() -> AccountId {
    AccountId::from(CONTRACT)
}

fn balance(a: AccountId) -> Balance {
    test::get_account_balance::<Env>(a).unwrap_or(0)
}

#[derive(Debug, Clone)]
enum Op {
    Register {
        who: u8,
        fee: u16,
        min: Balance,
    },
    Retire {
        who: u8,
    },
    CreateOffer {
        seller: u8,
        arbiter: u8,
        price: Balance,
        quantity: u32,
        bond: Balance,
        windows: (u64, u64, u64),
        /// Milestones the price is split into (0: none).
        steps: u8,
        pay_wrong: bool,
    },
    UpdateOffer {
        caller: u8,
        offer: u64,
        price: Balance,
        quantity: u32,
    },
    WithdrawOffer {
        caller: u8,
        offer: u64,
    },
    Accept {
        buyer: u8,
        offer: u64,
        quantity: u32,
        stale: bool,
        pay_wrong: bool,
    },
    Deliver {
        caller: u8,
        deal: u64,
    },
    Release {
        caller: u8,
        deal: u64,
        bps: u16,
    },
    ReleaseMilestone {
        caller: u8,
        deal: u64,
        /// Names the next milestone instead of the current one.
        wrong: bool,
    },
    Refund {
        caller: u8,
        deal: u64,
    },
    Propose {
        caller: u8,
        deal: u64,
        bps: u16,
    },
    AcceptSplit {
        caller: u8,
        deal: u64,
        bps: u16,
    },
    Dispute {
        caller: u8,
        deal: u64,
    },
    Rule {
        caller: u8,
        deal: u64,
        bps: u16,
        fault: bool,
    },
    Finalize {
        caller: u8,
        deal: u64,
    },
    Reclaim {
        caller: u8,
        deal: u64,
    },
    Prune {
        caller: u8,
        deal: u64,
    },
    Withdraw {
        caller: u8,
    },
    SetFee {
        bps: u16,
    },
    Wait {
        ms: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..ACCOUNTS;
    let id = 0u64..64;
    let bps = prop_oneof![
        Just(0u16),
        Just(4_999),
        Just(5_000),
        Just(BPS),
        0..=BPS,
        Just(BPS + 1)
    ];
    prop_oneof![
        1 => (who.clone(), prop_oneof![0..=2_000u16, Just(2_001u16)], prop_oneof![Just(0u128), 1..=3_000_000u128]).prop_map(|(who, fee, min)| Op::Register { who, fee, min }),
        1 => who.clone().prop_map(|who| Op::Retire { who }),
        2 => (who.clone(), who.clone(), prop_oneof![1..=2_000_000u128, 1..=3u128], 1..=5u32, prop_oneof![Just(0u128), 1..=5_000u128], (0..=5u64, 1..=5u64, 1..=5u64), 0..=3u8, proptest::bool::weighted(0.1))
            .prop_map(|(seller, arbiter, price, quantity, bond, (d, r, u), steps, pay_wrong)| Op::CreateOffer { seller, arbiter, price, quantity, bond, windows: (d * UNIT_MS, r * UNIT_MS, u * UNIT_MS), steps, pay_wrong }),
        1 => (who.clone(), id.clone(), 1..=2_000_000u128, 0..=6u32).prop_map(|(caller, offer, price, quantity)| Op::UpdateOffer { caller, offer, price, quantity }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, offer)| Op::WithdrawOffer { caller, offer }),
        6 => (who.clone(), id.clone(), 1..=3u32, proptest::bool::weighted(0.1), proptest::bool::weighted(0.1)).prop_map(|(buyer, offer, quantity, stale, pay_wrong)| Op::Accept { buyer, offer, quantity, stale, pay_wrong }),
        3 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Deliver { caller, deal }),
        3 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Release { caller, deal, bps }),
        3 => (who.clone(), id.clone(), proptest::bool::weighted(0.2)).prop_map(|(caller, deal, wrong)| Op::ReleaseMilestone { caller, deal, wrong }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Refund { caller, deal }),
        2 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Propose { caller, deal, bps }),
        2 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::AcceptSplit { caller, deal, bps }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Dispute { caller, deal }),
        2 => (who.clone(), id.clone(), bps, any::<bool>()).prop_map(|(caller, deal, bps, fault)| Op::Rule { caller, deal, bps, fault }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Finalize { caller, deal }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Reclaim { caller, deal }),
        1 => (who.clone(), id).prop_map(|(caller, deal)| Op::Prune { caller, deal }),
        1 => who.prop_map(|caller| Op::Withdraw { caller }),
        1 => (0..=1_000u16).prop_map(|bps| Op::SetFee { bps }),
        4 => (0..=3 * UNIT_MS).prop_map(|ms| Op::Wait { ms }),
    ]
}

/// How a deal should end by the rules, written out independently of the contract.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Completed,
    Refunded,
    Reclaimed,
    Settled(u16),
    /// The split, and whether the arbiter found the seller at fault.
    Ruled(u16, bool),
    DefaultRuled,
}

/// What each account should receive when `deal` ends as `ending` at `now`, and where the
/// bond goes: `(seller, buyer, arbiter, platform fee, bond to buyer)`.
fn model_close(
    deal: &Deal,
    ending: Ending,
    now: u64,
) -> (Balance, Balance, Balance, Balance, bool) {
    let delivered = deal.delivered_at != 0;
    let late = now >= deal.delivery_deadline;
    let (seller_bps, arbiter_bps) = match ending {
        Ending::Completed => (BPS, 0),
        Ending::Refunded | Ending::Reclaimed => (0, 0),
        Ending::Settled(bps) => (bps, 0),
        Ending::Ruled(bps, _) => (bps, deal.arbiter_fee_bps),
        // A seller who disputed (or was disputed) before delivering gets nothing by default.
        Ending::DefaultRuled => (if delivered { 5_000 } else { 0 }, 0),
    };
    // The arbiter decides the bond apart from the split; otherwise a delivered seller keeps it.
    let forfeit = match ending {
        Ending::Ruled(_, at_fault) => at_fault,
        _ if delivered => false,
        Ending::Completed => false,
        Ending::Reclaimed | Ending::DefaultRuled => true,
        Ending::Refunded | Ending::Settled(_) => late,
    };
    // Only the current milestone is in play; the later ones go back to the buyer.
    let (at_stake, later) = model_steps(deal);
    let s = split(at_stake, seller_bps, arbiter_bps, deal.platform_fee_bps);
    (
        s.to_seller,
        s.to_buyer + later,
        s.arbiter_fee,
        s.platform_fee,
        forfeit,
    )
}

/// What the current milestone still holds and what the later ones hold, summed here from
/// the deal's plan (an empty plan is one step of everything).
fn model_steps(deal: &Deal) -> (Balance, Balance) {
    let upto = usize::from(deal.milestone) + 1;
    let due: Balance = if deal.milestones.is_empty() {
        deal.amount
    } else {
        deal.milestones[..upto].iter().map(|m| m.amount).sum()
    };
    // An ended deal has released everything: nothing is at stake.
    (due.saturating_sub(deal.released), deal.amount - due)
}

/// A per-unit plan of `steps` milestones for `price` within `delivery_window`: equal parts
/// (the last takes the rest) and 1-unit windows (the last takes the rest), and whether the
/// escrow must accept it (every step pays something and lasts the minimum window).
fn model_plan(steps: u8, price: Balance, delivery_window: u64) -> (Vec<Milestone>, bool) {
    if steps == 0 {
        return (Vec::new(), true);
    }
    let n = u64::from(steps);
    let part = price / Balance::from(steps);
    let plan: Vec<Milestone> = (0..n)
        .map(|i| Milestone {
            amount: if i + 1 == n {
                price - part * Balance::from(steps - 1)
            } else {
                part
            },
            delivery_window: if i + 1 == n {
                delivery_window.saturating_sub((n - 1) * UNIT_MS)
            } else {
                UNIT_MS
            },
        })
        .collect();
    let valid = part > 0 && delivery_window >= n * UNIT_MS;
    (plan, valid)
}

struct World {
    escrow: Escrow,
    reputation: Reputation,
    now: u64,
    /// What every account should hold, moved by the model alone.
    expected: Vec<Balance>,
    fees_due: Balance,
}

impl World {
    fn new() -> Self {
        for i in 0..ACCOUNTS {
            test::set_account_balance::<Env>(account(i), FUNDS);
        }
        test::set_block_timestamp::<Env>(0);
        test::set_value_transferred::<Env>(0);
        test::set_caller::<Env>(account(0));
        test::set_callee::<Env>(AccountId::from(REPUTATION));
        let mut reputation =
            Reputation::new(10 * UNIT_MS, MIN_RATED, Hash::from([9; 32]), 0).expect("valid");
        // What the reputation contract's create_escrow does once the escrow exists.
        reputation.admit_for_tests(contract());
        test::set_callee::<Env>(contract());
        test::set_account_balance::<Env>(contract(), 0);
        let escrow =
            Escrow::new(account(0), 100, account(5), None, SETTINGS).expect("valid config");
        let mut world = World {
            escrow,
            reputation,
            now: 0,
            expected: vec![FUNDS; usize::from(ACCOUNTS)],
            fees_due: 0,
        };
        for (who, fee) in [(3, 500), (4, 2_000)] {
            world
                .call(account(who), 0, |e| {
                    e.register_arbiter(fee, 0, Hash::default())
                })
                .expect("registered");
        }
        world
    }

    fn slot(a: AccountId) -> usize {
        let bytes: &[u8; 32] = a.as_ref();
        usize::from(bytes[0] - 1)
    }

    fn credit(&mut self, a: AccountId, amount: Balance) {
        self.expected[Self::slot(a)] += amount;
    }

    fn debit(&mut self, a: AccountId, amount: Balance) {
        self.expected[Self::slot(a)] -= amount;
    }

    /// Calls `f` as `caller` with `value` paid in; an `Err` gives the value back.
    fn call<T>(
        &mut self,
        caller: AccountId,
        value: Balance,
        f: impl FnOnce(&mut Escrow) -> Result<T, Error>,
    ) -> Result<T, Error> {
        test::set_caller::<Env>(caller);
        test::transfer_in::<Env>(value);
        let result = f(&mut self.escrow);
        if result.is_err() && value > 0 {
            // The engine's transfer moves value out of the callee, i.e. the contract.
            ink::env::transfer::<Env>(caller, value).expect("revert the payment");
        }
        test::set_value_transferred::<Env>(0);
        result
    }

    fn deal(&self, id: u64) -> Option<Deal> {
        self.escrow.deal(id)
    }

    /// Mostly an existing id (so operations meet real offers and deals), sometimes one that
    /// does not exist.
    fn resolve(raw: u64, count: u64) -> u64 {
        if raw < 60 && count > 0 {
            raw % count
        } else {
            raw + 1_000
        }
    }

    /// Runs a message that may end `deal`; when it did, checks every payout against the
    /// model and books the model's transfers.
    fn closing(
        &mut self,
        caller: AccountId,
        deal: u64,
        ending: impl FnOnce(&Deal) -> Ending,
        f: impl FnOnce(&mut Escrow) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let before = self.deal(deal);
        let result = self.call(caller, 0, f);
        let (Some(before), Ok(())) = (before, result) else {
            return result;
        };
        let after = self.deal(deal).expect("deal kept");
        if !after.state.is_final() {
            self.step_paid(&before, &after);
            return result;
        }
        let (to_seller, to_buyer, to_arbiter, fee, forfeit) =
            model_close(&before, ending(&before), self.now);
        let bond_to_seller = if forfeit { 0 } else { before.bond };
        let bond_to_buyer = if forfeit { before.bond } else { 0 };
        assert_eq!(
            (
                after.payout.to_seller - before.payout.to_seller,
                after.payout.to_buyer - before.payout.to_buyer,
                after.payout.arbiter_fee,
                after.payout.platform_fee - before.payout.platform_fee,
                after.payout.bond_to_buyer,
            ),
            (to_seller, to_buyer, to_arbiter, fee, bond_to_buyer),
            "deal {deal} ({:?}) paid as the model says",
            after.state
        );
        self.credit(before.seller, to_seller + bond_to_seller);
        self.credit(before.buyer, to_buyer + bond_to_buyer);
        self.credit(before.arbiter, to_arbiter);
        self.fees_due += fee;
        self.report(&after);
        result
    }

    /// Checks and books what a call that left `before` open paid the seller: part of the
    /// current milestone, or all of it, which must start the next milestone afresh.
    fn step_paid(&mut self, before: &Deal, after: &Deal) {
        let paid = after.released - before.released;
        let (at_stake, _) = model_steps(before);
        if after.milestone == before.milestone {
            assert!(paid < at_stake, "a release within a milestone stays in it");
        } else {
            assert_eq!(
                paid, at_stake,
                "a milestone starts once the one before is paid"
            );
            assert_eq!(after.milestone, before.milestone + 1);
            let window = before.milestones[usize::from(after.milestone)].delivery_window;
            let scheduled: u64 = before.created_at
                + before.milestones[..usize::from(after.milestone)]
                    .iter()
                    .map(|m| m.delivery_window)
                    .sum::<u64>();
            assert_eq!(
                (
                    after.state,
                    after.delivered_at,
                    after.delivery_deadline,
                    after.proposed_by
                ),
                (
                    DealState::Funded,
                    0,
                    self.now.max(scheduled) + window,
                    Party::Nobody
                ),
                "the next milestone starts undelivered, with its own window from the later of \
                 now and its scheduled start"
            );
        }
        let fee = escrow::bps_of(paid, before.platform_fee_bps);
        assert_eq!(after.payout.to_seller - before.payout.to_seller, paid - fee);
        self.credit(before.seller, paid - fee);
        self.fees_due += fee;
    }

    /// Feeds an ended deal's report to the reputation contract, as the chain would.
    fn report(&mut self, deal: &Deal) {
        let report = deal.report().expect("ended deals report");
        assert_eq!(
            report.value, deal.payout.to_seller,
            "weighted by what the seller got"
        );
        test::set_callee::<Env>(AccountId::from(REPUTATION));
        test::set_caller::<Env>(contract());
        assert_eq!(self.reputation.record_deal(report), Ok(()));
        let record = self
            .reputation
            .deal_record(contract(), deal.id)
            .expect("recorded");
        assert_eq!(
            record.rateable,
            deal.amount >= MIN_RATED && deal.payout.to_seller > 0,
            "only deals that paid the seller something are rated"
        );
        test::set_callee::<Env>(contract());
    }

    fn apply(&mut self, op: &Op) {
        let config = self.escrow.config();
        let offer_id = |raw| Self::resolve(raw, config.offer_count);
        let deal_id = |raw| Self::resolve(raw, config.deal_count);
        match op.clone() {
            Op::Register { who, fee, min } => {
                let result = self.call(account(who), 0, |e| {
                    e.register_arbiter(fee, min, Hash::default())
                });
                if fee > 2_000 {
                    assert_eq!(result, Err(Error::ArbiterFeeAboveCap));
                }
            }
            Op::Retire { who } => {
                let _ = self.call(account(who), 0, |e| e.retire_arbiter());
            }
            Op::CreateOffer {
                seller,
                arbiter,
                price,
                quantity,
                bond,
                windows,
                steps,
                pay_wrong,
            } => {
                let (milestones, plan_ok) = model_plan(steps, price, windows.0);
                let terms = OfferTerms {
                    title: "item".into(),
                    description: String::new(),
                    price,
                    quantity,
                    arbiter: account(arbiter),
                    delivery_window: windows.0,
                    review_window: windows.1,
                    ruling_window: windows.2,
                    bond_per_unit: bond,
                    screening: Default::default(),
                    milestones,
                };
                let stake = bond * Balance::from(quantity);
                let value = stake + Balance::from(pay_wrong);
                let registered = self
                    .escrow
                    .arbiter(account(arbiter))
                    .is_some_and(|a| a.active);
                let result = self.call(account(seller), value, |e| e.create_offer(terms));
                if pay_wrong || windows.0 < UNIT_MS {
                    assert!(result.is_err());
                } else if seller % ACCOUNTS == arbiter % ACCOUNTS {
                    assert_eq!(result, Err(Error::ArbiterIsParty));
                } else if !plan_ok {
                    assert_eq!(result, Err(Error::InvalidMilestones));
                } else if !registered {
                    assert_eq!(result, Err(Error::ArbiterNotRegistered));
                }
                if result.is_ok() {
                    self.debit(account(seller), stake);
                }
            }
            Op::UpdateOffer {
                caller,
                offer,
                price,
                quantity,
            } => {
                let offer = offer_id(offer);
                let before = self.escrow.offer(offer);
                let value = before.as_ref().map_or(0, |o| {
                    (o.terms.bond_per_unit * Balance::from(quantity)).saturating_sub(o.bond_stake)
                });
                let result = self.call(account(caller), value, |e| {
                    e.update_offer(offer, price, quantity)
                });
                if let Some(o) = before.as_ref().filter(|o| {
                    o.active && o.seller == account(caller) && !o.terms.milestones.is_empty()
                }) {
                    if price != o.terms.price {
                        assert_eq!(
                            result,
                            Err(Error::InvalidMilestones),
                            "the plan keeps its price"
                        );
                    }
                }
                if result.is_ok() {
                    let o = before.expect("offer existed");
                    let needed = o.terms.bond_per_unit * Balance::from(quantity);
                    self.debit(o.seller, value);
                    self.credit(o.seller, o.bond_stake.saturating_sub(needed));
                }
            }
            Op::WithdrawOffer { caller, offer } => {
                let offer = offer_id(offer);
                let stake = self.escrow.offer(offer).map_or(0, |o| o.bond_stake);
                if self
                    .call(account(caller), 0, |e| e.withdraw_offer(offer))
                    .is_ok()
                {
                    self.credit(account(caller), stake);
                }
            }
            Op::Accept {
                buyer,
                offer,
                quantity,
                stale,
                pay_wrong,
            } => {
                let offer = offer_id(offer);
                let Some(o) = self.escrow.offer(offer) else {
                    return;
                };
                let version = if stale {
                    o.version.wrapping_sub(1)
                } else {
                    o.version
                };
                let amount = o.terms.price * Balance::from(quantity);
                let value = amount + Balance::from(pay_wrong);
                let result = self.call(account(buyer), value, |e| {
                    e.accept_offer(offer, quantity, version)
                });
                if stale
                    && o.active
                    && account(buyer) != o.seller
                    && account(buyer) != o.terms.arbiter
                {
                    assert_eq!(result, Err(Error::StaleVersion));
                }
                if let Ok(id) = result {
                    self.debit(account(buyer), amount);
                    let d = self.deal(id).expect("deal opened");
                    assert!(
                        d.platform_fee_bps <= o.platform_fee_bps,
                        "fee only goes down"
                    );
                    assert!(d.arbiter_fee_bps <= o.arbiter_fee_bps.min(2_000));
                }
            }
            Op::Deliver { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.seller);
                let _ = self.call(caller, 0, |e| e.mark_delivered(deal));
            }
            Op::Release { caller, deal, bps } => {
                let deal = deal_id(deal);
                let before = self.deal(deal);
                // Sometimes one planck past the current milestone.
                let amount = before.as_ref().map_or(1, |d| {
                    let at_stake = model_steps(d).0;
                    if bps > BPS {
                        at_stake + 1
                    } else {
                        escrow::bps_of(at_stake, bps).max(1)
                    }
                });
                let caller = self.pick(caller, deal, |d| d.buyer);
                let releasable = before.as_ref().is_some_and(|d| {
                    d.buyer == caller && matches!(d.state, DealState::Funded | DealState::Delivered)
                });
                // A release names no step, so a deal paid in milestones refuses it.
                let staged = before.as_ref().is_some_and(|d| d.milestones.len() > 1);
                let over = before.as_ref().is_some_and(|d| amount > model_steps(d).0);
                let result = self.closing(
                    caller,
                    deal,
                    |_| Ending::Completed,
                    |e| e.release(deal, amount),
                );
                if releasable && staged {
                    assert_eq!(result, Err(Error::WrongMilestone));
                } else if releasable && over {
                    assert_eq!(result, Err(Error::AmountExceedsRemaining));
                }
            }
            Op::ReleaseMilestone {
                caller,
                deal,
                wrong,
            } => {
                let deal = deal_id(deal);
                let before = self.deal(deal);
                let milestone = before.as_ref().map_or(0, |d| d.milestone + u8::from(wrong));
                let caller = self.pick(caller, deal, |d| d.buyer);
                let result = self.closing(
                    caller,
                    deal,
                    |_| Ending::Completed,
                    |e| e.release_milestone(deal, milestone),
                );
                let releasable = before.as_ref().is_some_and(|d| {
                    d.buyer == caller && matches!(d.state, DealState::Funded | DealState::Delivered)
                });
                if releasable && wrong {
                    assert_eq!(
                        result,
                        Err(Error::WrongMilestone),
                        "a milestone is paid once"
                    );
                }
            }
            Op::Refund { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.seller);
                let _ = self.closing(caller, deal, |_| Ending::Refunded, |e| e.refund(deal));
            }
            Op::Propose { caller, deal, bps } => {
                let deal = deal_id(deal);
                let caller = self.pick(
                    caller,
                    deal,
                    |d| if bps % 2 == 0 { d.buyer } else { d.seller },
                );
                let _ = self.call(caller, 0, |e| e.propose_split(deal, bps));
            }
            Op::AcceptSplit { caller, deal, bps } => {
                let deal = deal_id(deal);
                // Every fourth valid acceptance names the step after the one under way.
                let (caller, bps, milestone, wrong) = match self.deal(deal) {
                    Some(d) if caller % 2 == 0 && d.proposed_by != Party::Nobody => (
                        if d.proposed_by == Party::Buyer {
                            d.seller
                        } else {
                            d.buyer
                        },
                        d.proposed_seller_bps,
                        d.milestone + u8::from(bps % 4 == 0),
                        bps % 4 == 0 && !d.state.is_final(),
                    ),
                    _ => (account(caller), bps, 0, false),
                };
                let result = self.closing(
                    caller,
                    deal,
                    |d| Ending::Settled(d.proposed_seller_bps),
                    |e| e.accept_split(deal, bps, milestone),
                );
                if wrong {
                    assert_eq!(
                        result,
                        Err(Error::WrongMilestone),
                        "a split settles the step it was accepted for"
                    );
                }
            }
            Op::Dispute { caller, deal } => {
                let deal = deal_id(deal);
                let caller =
                    self.pick(
                        caller,
                        deal,
                        |d| if deal % 2 == 0 { d.buyer } else { d.seller },
                    );
                let _ = self.call(caller, 0, |e| e.open_dispute(deal, Hash::from([3; 32])));
            }
            Op::Rule {
                caller,
                deal,
                bps,
                fault,
            } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.arbiter);
                let _ = self.closing(
                    caller,
                    deal,
                    |_| Ending::Ruled(bps, fault),
                    |e| e.rule(deal, bps, fault),
                );
            }
            Op::Finalize { caller, deal } => {
                let deal = deal_id(deal);
                let ending = |d: &Deal| match d.state {
                    DealState::Delivered => Ending::Completed,
                    _ => Ending::DefaultRuled,
                };
                let _ = self.closing(account(caller), deal, ending, |e| e.finalize(deal));
            }
            Op::Reclaim { caller, deal } => {
                let deal = deal_id(deal);
                let _ = self.closing(
                    account(caller),
                    deal,
                    |_| Ending::Reclaimed,
                    |e| e.reclaim(deal),
                );
            }
            Op::Prune { caller, deal } => {
                let deal = deal_id(deal);
                let before = self.deal(deal);
                let caller = self.pick(caller, deal, |d| d.buyer);
                let result = self.call(caller, 0, |e| e.prune_deal(deal));
                if let (Some(d), Ok(())) = (before, result) {
                    assert_eq!(caller, d.buyer, "only the buyer prunes");
                    assert!(d.state.is_final() && self.now >= d.closed_at + SETTINGS.prune_after);
                }
            }
            Op::Withdraw { caller } => {
                let caller = account(caller);
                let fees = if caller == account(5) {
                    self.fees_due
                } else {
                    0
                };
                let credit = self.escrow.credit_of(caller);
                if self.call(caller, 0, |e| e.withdraw()).is_ok() {
                    self.credit(caller, fees + credit);
                    self.fees_due -= fees;
                }
            }
            Op::SetFee { bps } => {
                let before = self.escrow.config().fee_bps;
                let result = self.call(account(0), 0, |e| e.set_fee(bps));
                assert_eq!(result.is_ok(), bps <= before, "the fee only goes down");
            }
            Op::Wait { ms } => {
                self.now += ms;
                test::set_block_timestamp::<Env>(self.now);
            }
        }
    }

    /// Mostly the account allowed to act on the deal; sometimes anyone.
    fn pick(&self, hint: u8, deal: u64, right: impl Fn(&Deal) -> AccountId) -> AccountId {
        match self.deal(deal) {
            Some(d) if hint % 3 != 0 => right(&d),
            _ => account(hint),
        }
    }

    fn all_deals(&self) -> Vec<Deal> {
        (0..self.escrow.config().deal_count)
            .filter_map(|id| self.escrow.deal(id))
            .collect()
    }

    fn check_invariants(&self) {
        // Every account holds exactly what the model says.
        for i in 0..ACCOUNTS {
            assert_eq!(
                balance(account(i)),
                self.expected[usize::from(i)],
                "account {i} holds what the rules give it"
            );
        }
        let config = self.escrow.config();
        assert_eq!(config.fees_due, self.fees_due, "platform fees due");
        let deals = self.all_deals();
        let escrowed: Balance = deals
            .iter()
            .filter(|d| !d.state.is_final())
            .map(|d| d.remaining() + d.bond)
            .sum();
        let staked: Balance = (0..config.offer_count)
            .filter_map(|id| self.escrow.offer(id))
            .map(|o| o.bond_stake)
            .sum();
        let credits: Balance = (0..ACCOUNTS)
            .map(|i| self.escrow.credit_of(account(i)))
            .sum();
        assert_eq!(
            escrowed + staked + credits + config.fees_due,
            config.owed,
            "owed matches the books"
        );
        assert_eq!(balance(contract()), config.owed, "balance == owed");
        for d in &deals {
            let p = d.payout;
            let paid = p.to_seller + p.to_buyer + p.platform_fee + p.arbiter_fee;
            if d.state.is_final() {
                assert_eq!(paid, d.amount, "deal {} pays out exactly", d.id);
            } else {
                assert_eq!(
                    paid, d.released,
                    "open deal {} paid only its releases",
                    d.id
                );
                let (at_stake, later) = model_steps(d);
                assert!(
                    at_stake > 0,
                    "open deal {} has money in its current milestone",
                    d.id
                );
                assert_eq!(at_stake + later, d.remaining());
                let has_exit = match d.state {
                    DealState::Funded => d.delivery_deadline > 0,
                    DealState::Delivered => d.review_deadline > 0,
                    DealState::Disputed => d.ruling_deadline > 0,
                    _ => false,
                };
                assert!(has_exit, "open deal {} has an exit", d.id);
            }
        }
    }

    /// After every deadline, `stranger` takes the exit of every open deal: `reclaim` when
    /// undelivered, `finalize` otherwise (which may only pay a milestone and start the next).
    fn end_open_deals(&mut self, stranger: AccountId) {
        self.now += 100 * UNIT_MS;
        test::set_block_timestamp::<Env>(self.now);
        for d in self.all_deals().into_iter().filter(|d| !d.state.is_final()) {
            let result = match d.state {
                DealState::Funded => {
                    self.closing(stranger, d.id, |_| Ending::Reclaimed, |e| e.reclaim(d.id))
                }
                DealState::Delivered => {
                    self.closing(stranger, d.id, |_| Ending::Completed, |e| e.finalize(d.id))
                }
                _ => self.closing(
                    stranger,
                    d.id,
                    |_| Ending::DefaultRuled,
                    |e| e.finalize(d.id),
                ),
            };
            assert_eq!(
                result,
                Ok(()),
                "deal {} in {:?}: anyone may take its exit",
                d.id,
                d.state
            );
            let after = self.deal(d.id).expect("deal");
            assert!(
                after.state.is_final() || after.milestone > d.milestone,
                "deal {} in {:?} can be moved on by anyone",
                d.id,
                d.state
            );
            self.check_invariants();
        }
    }

    /// After every deadline, a stranger ends every open deal; sellers withdraw their offers
    /// and everyone withdraws: the contract is left owing and holding nothing.
    fn drain(&mut self) {
        let stranger = account(2);
        // A paid milestone starts the next one: up to 3 rounds of exits.
        for _ in 0..3 {
            self.end_open_deals(stranger);
        }
        assert!(self.all_deals().iter().all(|d| d.state.is_final()));
        for id in 0..self.escrow.config().offer_count {
            let offer = self.escrow.offer(id).expect("offer exists");
            if offer.active {
                assert_eq!(self.call(offer.seller, 0, |e| e.withdraw_offer(id)), Ok(()));
                self.credit(offer.seller, offer.bond_stake);
            }
        }
        for i in 0..ACCOUNTS {
            self.apply(&Op::Withdraw { caller: i });
        }
        self.check_invariants();
        assert_eq!(self.escrow.config().owed, 0);
        assert_eq!(balance(contract()), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn every_party_is_paid_by_the_rules_and_every_deal_can_end(ops in proptest::collection::vec(op(), MIN_OPS..=MAX_OPS)) {
        test::run_test::<Env, _>(|_| {
            let mut world = World::new();
            world.check_invariants();
            for op in &ops {
                world.apply(op);
                world.check_invariants();
            }
            world.drain();
            Ok(())
        }).unwrap();
    }

    #[test]
    fn split_always_adds_up(remaining in any::<u128>(), seller_bps in 0..=BPS, arbiter in 0..=BPS, fee in 0..=1_000u16) {
        let s = split(remaining, seller_bps, arbiter, fee);
        prop_assert_eq!(s.to_seller + s.to_buyer + s.platform_fee + s.arbiter_fee, remaining);
    }
}
