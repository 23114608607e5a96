//! Property test: random sequences of offer and deal operations (right and wrong callers,
//! right and wrong amounts, time moving on) must keep the escrow solvent and leave no money
//! stuck. Runs in ink!'s off-chain environment; a call that returns `Err` is reverted by hand
//! (its transferred value goes back), as the chain would revert it.

use escrow::{split, Deal, DealState, Error, Escrow, OfferTerms, BPS};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use proptest::prelude::*;

type Balance = u128;

const CONTRACT: [u8; 32] = [0xEE; 32];
const ACCOUNTS: u8 = 6;
const FUNDS: Balance = 1 << 100;
const UNIT_MS: u64 = 1_000;
/// At least 10,000 operations per run: `CASES * MIN_OPS`.
const CASES: u32 = 40;
const MIN_OPS: usize = 250;
const MAX_OPS: usize = 300;

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
    CreateOffer {
        seller: u8,
        arbiter: u8,
        price: Balance,
        quantity: u32,
        bond: Balance,
        windows: (u64, u64, u64),
        fee: u16,
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
    },
    Finalize {
        caller: u8,
        deal: u64,
    },
    Reclaim {
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
    let bps = prop_oneof![Just(0u16), Just(5_000), Just(BPS), 0..=BPS, Just(BPS + 1)];
    prop_oneof![
        2 => (who.clone(), who.clone(), 1..=2_000_000u128, 1..=5u32, prop_oneof![Just(0u128), 1..=5_000u128], (1..=5u64, 1..=5u64, 1..=5u64), 0..=1_000u16, proptest::bool::weighted(0.1))
            .prop_map(|(seller, arbiter, price, quantity, bond, (d, r, u), fee, pay_wrong)| Op::CreateOffer { seller, arbiter, price, quantity, bond, windows: (d * UNIT_MS, r * UNIT_MS, u * UNIT_MS), fee, pay_wrong }),
        1 => (who.clone(), id.clone(), 1..=2_000_000u128, 0..=6u32).prop_map(|(caller, offer, price, quantity)| Op::UpdateOffer { caller, offer, price, quantity }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, offer)| Op::WithdrawOffer { caller, offer }),
        6 => (who.clone(), id.clone(), 1..=3u32, proptest::bool::weighted(0.1), proptest::bool::weighted(0.1)).prop_map(|(buyer, offer, quantity, stale, pay_wrong)| Op::Accept { buyer, offer, quantity, stale, pay_wrong }),
        3 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Deliver { caller, deal }),
        3 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Release { caller, deal, bps }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Refund { caller, deal }),
        2 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Propose { caller, deal, bps }),
        2 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::AcceptSplit { caller, deal, bps }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Dispute { caller, deal }),
        2 => (who.clone(), id.clone(), bps).prop_map(|(caller, deal, bps)| Op::Rule { caller, deal, bps }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Finalize { caller, deal }),
        2 => (who.clone(), id).prop_map(|(caller, deal)| Op::Reclaim { caller, deal }),
        1 => who.prop_map(|caller| Op::Withdraw { caller }),
        1 => (0..=1_000u16).prop_map(|bps| Op::SetFee { bps }),
        4 => (0..=3 * UNIT_MS).prop_map(|ms| Op::Wait { ms }),
    ]
}

struct World {
    escrow: Escrow,
    now: u64,
}

impl World {
    fn new() -> Self {
        for i in 0..ACCOUNTS {
            test::set_account_balance::<Env>(account(i), FUNDS);
        }
        test::set_callee::<Env>(contract());
        test::set_account_balance::<Env>(contract(), 0);
        test::set_block_timestamp::<Env>(0);
        test::set_caller::<Env>(account(0));
        test::set_value_transferred::<Env>(0);
        let escrow = Escrow::new(100, 1_000, account(5), None).expect("valid config");
        World { escrow, now: 0 }
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

    fn apply(&mut self, op: &Op) {
        let (offers, deals) = (self.escrow.offer_count(), self.escrow.deal_count());
        let offer_id = |raw| Self::resolve(raw, offers);
        let deal_id = |raw| Self::resolve(raw, deals);
        match op.clone() {
            Op::CreateOffer {
                seller,
                arbiter,
                price,
                quantity,
                bond,
                windows,
                fee,
                pay_wrong,
            } => {
                let terms = OfferTerms {
                    title: "item".into(),
                    description: String::new(),
                    price,
                    quantity,
                    arbiter: account(arbiter),
                    arbiter_fee_bps: fee,
                    delivery_window: windows.0,
                    review_window: windows.1,
                    ruling_window: windows.2,
                    bond_per_unit: bond,
                };
                let value = bond * Balance::from(quantity) + Balance::from(pay_wrong);
                let result = self.call(account(seller), value, |e| e.create_offer(terms));
                if pay_wrong {
                    assert!(result.is_err());
                }
                if seller % ACCOUNTS == arbiter % ACCOUNTS {
                    assert_eq!(result, Err(Error::ArbiterIsParty));
                }
            }
            Op::UpdateOffer {
                caller,
                offer,
                price,
                quantity,
            } => {
                let offer = offer_id(offer);
                let value = self.escrow.offer(offer).map_or(0, |o| {
                    (o.terms.bond_per_unit * Balance::from(quantity)).saturating_sub(o.bond_stake)
                });
                let _ = self.call(account(caller), value, |e| {
                    e.update_offer(offer, price, quantity)
                });
            }
            Op::WithdrawOffer { caller, offer } => {
                let offer = offer_id(offer);
                let _ = self.call(account(caller), 0, |e| e.withdraw_offer(offer));
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
                let value = o.terms.price * Balance::from(quantity) + Balance::from(pay_wrong);
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
            }
            Op::Deliver { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.seller);
                let _ = self.call(caller, 0, |e| e.mark_delivered(deal));
            }
            Op::Release { caller, deal, bps } => {
                let deal = deal_id(deal);
                let amount = self
                    .deal(deal)
                    .map_or(1, |d| escrow::bps_of(d.remaining(), bps).max(1));
                let caller = self.pick(caller, deal, |d| d.buyer);
                let _ = self.call(caller, 0, |e| e.release(deal, amount));
            }
            Op::Refund { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.seller);
                let _ = self.call(caller, 0, |e| e.refund(deal));
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
                let proposal = self.deal(deal).and_then(|d| d.proposal.map(|p| (d, p)));
                let (caller, bps) = match proposal {
                    Some((d, p)) if caller % 2 == 0 => (
                        if p.proposer == d.buyer {
                            d.seller
                        } else {
                            d.buyer
                        },
                        p.seller_bps,
                    ),
                    _ => (account(caller), bps),
                };
                let _ = self.call(caller, 0, |e| e.accept_split(deal, bps));
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
            Op::Rule { caller, deal, bps } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.arbiter);
                let _ = self.call(caller, 0, |e| e.rule(deal, bps));
            }
            Op::Finalize { caller, deal } => {
                let deal = deal_id(deal);
                let _ = self.call(account(caller), 0, |e| e.finalize(deal));
            }
            Op::Reclaim { caller, deal } => {
                let deal = deal_id(deal);
                let _ = self.call(account(caller), 0, |e| e.reclaim(deal));
            }
            Op::Withdraw { caller } => {
                let _ = self.call(account(caller), 0, |e| e.withdraw());
            }
            Op::SetFee { bps } => {
                let _ = self.call(account(0), 0, |e| e.set_fee(bps));
            }
            Op::Wait { ms } => {
                self.now += ms;
                test::set_block_timestamp::<Env>(self.now);
            }
        }
    }

    /// Mostly the account allowed to act on the deal; sometimes (odd `hint`) anyone.
    fn pick(&self, hint: u8, deal: u64, right: impl Fn(&Deal) -> AccountId) -> AccountId {
        match self.deal(deal) {
            Some(d) if hint % 3 != 0 => right(&d),
            _ => account(hint),
        }
    }

    fn all_deals(&self) -> Vec<Deal> {
        (0..self.escrow.deal_count())
            .filter_map(|id| self.escrow.deal(id))
            .collect()
    }

    fn check_invariants(&self) {
        let deals = self.all_deals();
        let escrowed: Balance = deals
            .iter()
            .filter(|d| !d.state.is_final())
            .map(|d| d.remaining() + d.bond)
            .sum();
        let staked: Balance = (0..self.escrow.offer_count())
            .filter_map(|id| self.escrow.offer(id))
            .map(|o| o.bond_stake)
            .sum();
        let credits: Balance = (0..ACCOUNTS)
            .map(|i| self.escrow.credit_of(account(i)))
            .sum();
        // The contract's balance equals everything it holds in escrow plus all credits.
        assert_eq!(
            escrowed + staked + credits,
            self.escrow.owed(),
            "owed() matches the books"
        );
        assert_eq!(balance(contract()), self.escrow.owed(), "balance == owed");
        // No money is created or destroyed.
        let total: Balance =
            (0..ACCOUNTS).map(|i| balance(account(i))).sum::<Balance>() + balance(contract());
        assert_eq!(total, FUNDS * Balance::from(ACCOUNTS));
        for d in &deals {
            let p = d.payout;
            let paid = p.to_seller + p.to_buyer + p.platform_fee + p.arbiter_fee;
            if d.state.is_final() {
                // Every ended deal's payouts add up to what was paid in.
                assert_eq!(paid, d.amount, "deal {} pays out exactly", d.id);
            } else {
                assert_eq!(
                    paid, d.released,
                    "open deal {} paid only its releases",
                    d.id
                );
                // Every open deal has a deadline after which anyone can end it.
                let has_exit = match d.state {
                    DealState::Funded => true,
                    DealState::Delivered => d.review_deadline.is_some(),
                    DealState::Disputed => d.dispute.is_some(),
                    _ => false,
                };
                assert!(has_exit, "open deal {} has an exit", d.id);
            }
        }
    }

    /// After every deadline, a stranger ends every open deal; sellers withdraw their offers
    /// and everyone withdraws credits: the contract is left owing and holding nothing.
    fn drain(&mut self) {
        self.now += 100 * UNIT_MS;
        test::set_block_timestamp::<Env>(self.now);
        let stranger = AccountId::from([0xAB; 32]);
        for d in self.all_deals().into_iter().filter(|d| !d.state.is_final()) {
            let result = match d.state {
                DealState::Funded => self.call(stranger, 0, |e| e.reclaim(d.id)),
                _ => self.call(stranger, 0, |e| e.finalize(d.id)),
            };
            assert_eq!(
                result,
                Ok(()),
                "deal {} in {:?} can be ended by anyone",
                d.id,
                d.state
            );
            self.check_invariants();
        }
        for id in 0..self.escrow.offer_count() {
            let offer = self.escrow.offer(id).expect("offer exists");
            if offer.active {
                assert_eq!(self.call(offer.seller, 0, |e| e.withdraw_offer(id)), Ok(()));
            }
        }
        for i in 0..ACCOUNTS {
            let _ = self.call(account(i), 0, |e| e.withdraw());
        }
        assert_eq!(self.escrow.owed(), 0);
        assert_eq!(balance(contract()), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn escrow_stays_solvent_and_every_deal_can_end(ops in proptest::collection::vec(op(), MIN_OPS..=MAX_OPS)) {
        test::run_test::<Env, _>(|_| {
            let mut world = World::new();
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
