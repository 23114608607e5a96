//! Property test: random sequences of request and proposal operations (posting with right and
//! wrong amounts, proposing within and over budget, in one payment or in two milestones that
//! add up or not, withdrawing, rejecting by the poster or not, cancelling by the poster or
//! not, closing early and late, removing ended requests or open ones, by the poster or not,
//! time moving on) run against the requests contract in ink!'s off-chain environment, with
//! the escrow's arbiter registry stood in by `requests::off_chain`. After every operation:
//! - every account's balance moved exactly as a model of the rules says: a poster pays each
//!   budget in and gets it back whole when its request is cancelled or closed; workers and
//!   strangers pay nothing;
//! - the contract holds exactly the budgets of the open requests (`held`), no more, no less;
//! - every open request has an exit: its poster may cancel it now, or anyone may close it once
//!   its award window passed;
//! - a request is gone only after its poster removed it once it ended; at most 32 proposals
//!   compete on a request, and while it is open each one is stored.
//!
//! Awards open deals in the escrow, a cross-contract call the off-chain engine cannot make;
//! the e2e tests cover them. The auto-award's choice (`best_proposal`) is checked here against
//! a model of its rule. A call that returns `Err` is reverted by hand, as the chain would.

use escrow::{Arbiter, Milestone};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use proptest::prelude::*;
use reputation::screening::Screening;
use requests::{
    best_proposal, off_chain, Error, MinWindows, Proposal, RequestState, RequestTerms, Requests,
    MAX_PROPOSALS,
};

type Balance = u128;

const CONTRACT: [u8; 32] = [0xCC; 32];
const ESCROW: [u8; 32] = [0xE5; 32];
const ARBITER: [u8; 32] = [0xAB; 32];
const ARBITER_FEE: u16 = 500;
const ACCOUNTS: u8 = 5;
const FUNDS: Balance = 1 << 100;
const UNIT_MS: u64 = 1_000;
const AWARD_WINDOW: u64 = 5 * UNIT_MS;
const CASES: u32 = 40;
/// The contract's own balance before any budget (the off-chain engine refuses balances
/// below its existential deposit, 0 aside).
const BASELINE: Balance = 1 << 40;

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
    Post {
        poster: u8,
        budget: Balance,
        /// Sent with the call: the budget, or a wrong amount.
        overpay: bool,
        windows: u64,
    },
    Propose {
        worker: u8,
        request: u64,
        price: Balance,
        /// Paid in two milestones, this much first (`None`: one payment).
        first: Option<Balance>,
    },
    Withdraw {
        worker: u8,
        request: u64,
    },
    Cancel {
        caller: u8,
        request: u64,
    },
    Close {
        caller: u8,
        request: u64,
    },
    Reject {
        caller: u8,
        request: u64,
        index: u32,
    },
    Remove {
        caller: u8,
        request: u64,
    },
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..ACCOUNTS, 0u128..2_000, any::<bool>(), 1u64..4).prop_map(
            |(poster, budget, overpay, windows)| Op::Post {
                poster,
                budget,
                overpay,
                windows
            }
        ),
        (
            0..ACCOUNTS,
            0u64..6,
            0u128..2_500,
            proptest::option::of(0u128..2_500)
        )
            .prop_map(|(worker, request, price, first)| Op::Propose {
                worker,
                request,
                price,
                first
            }),
        (0..ACCOUNTS, 0u64..6).prop_map(|(worker, request)| Op::Withdraw { worker, request }),
        (0..ACCOUNTS, 0u64..6).prop_map(|(caller, request)| Op::Cancel { caller, request }),
        (0..ACCOUNTS, 0u64..6).prop_map(|(caller, request)| Op::Close { caller, request }),
        (0..ACCOUNTS, 0u64..6, 0u32..6).prop_map(|(caller, request, index)| Op::Reject {
            caller,
            request,
            index
        }),
        (0..ACCOUNTS, 0u64..6).prop_map(|(caller, request)| Op::Remove { caller, request }),
        (0u64..4).prop_map(|n| Op::Wait(n * UNIT_MS)),
    ]
}

/// What the model knows of a request.
struct Modelled {
    poster: AccountId,
    budget: Balance,
    award_deadline: u64,
    open: bool,
    /// Its poster removed it (after it ended).
    removed: bool,
}

struct World {
    requests: Requests,
    now: u64,
    model: Vec<Modelled>,
    /// Each account's expected balance.
    expected: Vec<Balance>,
}

impl World {
    fn new() -> World {
        for i in 0..ACCOUNTS {
            test::set_account_balance::<Env>(account(i), FUNDS);
        }
        test::set_callee::<Env>(contract());
        test::set_account_balance::<Env>(contract(), BASELINE);
        test::set_block_timestamp::<Env>(0);
        test::set_caller::<Env>(account(0));
        off_chain::install_registry([(
            AccountId::from(ARBITER),
            Arbiter {
                fee_bps: ARBITER_FEE,
                min_amount: 0,
                profile: Hash::from([0; 32]),
                active: true,
                index: 0,
            },
        )]);
        let min_windows = MinWindows {
            delivery: 1,
            review: 1,
            ruling: 1,
        };
        let requests =
            Requests::new(AccountId::from(ESCROW), None, AWARD_WINDOW, min_windows).unwrap();
        World {
            requests,
            now: 0,
            model: Vec::new(),
            expected: vec![FUNDS; usize::from(ACCOUNTS)],
        }
    }

    /// Calls as `caller` with `value`, and gives the value back when the call fails (the
    /// chain reverts a failed call's transfer).
    fn call<T>(
        &mut self,
        caller: AccountId,
        value: Balance,
        f: impl FnOnce(&mut Requests) -> Result<T, Error>,
    ) -> Result<T, Error> {
        test::set_caller::<Env>(caller);
        test::transfer_in::<Env>(value);
        let result = f(&mut self.requests);
        if result.is_err() && value > 0 {
            test::set_account_balance::<Env>(caller, balance(caller) + value);
            test::set_account_balance::<Env>(contract(), balance(contract()) - value);
        }
        result
    }

    fn index(a: AccountId) -> usize {
        let bytes: &[u8; 32] = a.as_ref();
        usize::from(bytes[0] - 1)
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Post {
                poster,
                budget,
                overpay,
                windows,
            } => {
                let poster = account(poster);
                let terms = RequestTerms {
                    title: "task".into(),
                    description: String::new(),
                    budget,
                    proposal_window: windows * UNIT_MS,
                    delivery_window: UNIT_MS,
                    review_window: UNIT_MS,
                    ruling_window: UNIT_MS,
                    arbiters: vec![AccountId::from(ARBITER)],
                    screening: Screening::default(),
                    auto_award: false,
                };
                let sent = if overpay { budget + 1 } else { budget };
                let result = self.call(poster, sent, |r| r.post_request(terms));
                match (budget, overpay) {
                    (0, _) => assert_eq!(result, Err(Error::ZeroAmount)),
                    (_, true) => assert_eq!(result, Err(Error::WrongAmount)),
                    _ => {
                        let id = result.expect("a valid request is posted");
                        assert_eq!(id, self.model.len() as u64);
                        self.expected[Self::index(poster)] -= budget;
                        self.model.push(Modelled {
                            poster,
                            budget,
                            award_deadline: self.now + windows * UNIT_MS + AWARD_WINDOW,
                            open: true,
                            removed: false,
                        });
                    }
                }
            }
            Op::Propose {
                worker,
                request,
                price,
                first,
            } => {
                let worker = account(worker);
                // Two steps splitting the price and the window; valid when both pay something.
                let plan: Vec<Milestone> = first.map_or_else(Vec::new, |first| {
                    vec![
                        Milestone {
                            amount: first,
                            delivery_window: UNIT_MS / 2,
                        },
                        Milestone {
                            amount: price.saturating_sub(first),
                            delivery_window: UNIT_MS - UNIT_MS / 2,
                        },
                    ]
                });
                let plan_ok = first.is_none_or(|first| first > 0 && first < price);
                let result = self.call(worker, 0, |r| {
                    r.propose(
                        request,
                        price,
                        UNIT_MS,
                        plan.clone(),
                        AccountId::from(ARBITER),
                        ARBITER_FEE,
                        Hash::from([1; 32]),
                    )
                });
                if let Ok(index) = result {
                    assert!(plan_ok, "a plan that does not add up is refused");
                    let stored = self.requests.proposal(request, index).expect("stored");
                    assert_eq!(stored.milestones, plan, "the plan is kept as proposed");
                }
                if let Some(m) = self.model.get(request as usize) {
                    if m.open && worker != m.poster && price > m.budget {
                        assert!(result.is_err(), "a price above the budget is refused");
                    }
                    if m.removed {
                        assert_eq!(result, Err(Error::RequestNotFound));
                    } else if !m.open {
                        assert_eq!(result, Err(Error::NotOpen));
                    }
                } else {
                    assert_eq!(result, Err(Error::RequestNotFound));
                }
            }
            Op::Withdraw { worker, request } => {
                let _ = self.call(account(worker), 0, |r| r.withdraw_proposal(request));
            }
            Op::Cancel { caller, request } => {
                let caller = account(caller);
                let result = self.call(caller, 0, |r| r.cancel_request(request));
                let model = self.model.get_mut(request as usize);
                match model {
                    Some(m) if m.open && caller == m.poster => {
                        result.expect("the poster cancels its open request");
                        m.open = false;
                        let poster = Self::index(m.poster);
                        self.expected[poster] += m.budget;
                    }
                    _ => assert!(result.is_err(), "only the poster cancels an open request"),
                }
            }
            Op::Close { caller, request } => {
                let result = self.call(account(caller), 0, |r| r.close_request(request));
                let now = self.now;
                match self.model.get_mut(request as usize) {
                    Some(m) if m.open && now >= m.award_deadline => {
                        result.expect("anyone closes a request past its award window");
                        m.open = false;
                        let poster = Self::index(m.poster);
                        self.expected[poster] += m.budget;
                    }
                    Some(m) if m.open => assert_eq!(result, Err(Error::TooEarly)),
                    _ => assert!(result.is_err()),
                }
            }
            Op::Reject {
                caller,
                request,
                index,
            } => {
                let caller = account(caller);
                let before = self.requests.request(request);
                let result = self.call(caller, 0, |r| r.reject_proposal(request, index));
                match before {
                    Some(r) if r.state == RequestState::Open && caller == r.poster => {
                        assert_eq!(result.is_ok(), r.competing.contains(&index));
                        if result.is_ok() {
                            let after = self.requests.request(request).unwrap();
                            assert!(!after.competing.contains(&index));
                            assert!(
                                self.requests.proposal(request, index).is_some(),
                                "the rejected proposal's storage stays its worker's"
                            );
                        }
                    }
                    _ => assert!(
                        result.is_err(),
                        "only the poster rejects, on an open request"
                    ),
                }
            }
            Op::Remove { caller, request } => {
                let caller = account(caller);
                let result = self.call(caller, 0, |r| r.remove_request(request));
                match self.model.get_mut(request as usize) {
                    Some(m) if !m.removed && !m.open && caller == m.poster => {
                        result.expect("the poster removes its ended request");
                        m.removed = true;
                    }
                    Some(m) if !m.removed && m.open => assert!(result.is_err()),
                    _ => assert!(result.is_err(), "only the poster removes, once"),
                }
            }
            Op::Wait(ms) => {
                self.now += ms;
                test::set_block_timestamp::<Env>(self.now);
            }
        }
    }

    fn check(&self) {
        for i in 0..ACCOUNTS {
            assert_eq!(
                balance(account(i)),
                self.expected[usize::from(i)],
                "account {i}'s balance"
            );
        }
        let open: Balance = self.model.iter().filter(|m| m.open).map(|m| m.budget).sum();
        assert_eq!(self.requests.config().4, open, "held = the open budgets");
        assert_eq!(
            balance(contract()) - BASELINE,
            open,
            "the contract holds exactly the open budgets"
        );
        for (id, m) in self.model.iter().enumerate() {
            let id = id as u64;
            let Some(stored) = self.requests.request(id) else {
                assert!(
                    m.removed,
                    "request {id} is kept until its poster removes it"
                );
                continue;
            };
            assert!(!m.removed, "request {id} was removed");
            assert_eq!(stored.state == RequestState::Open, m.open, "request {id}");
            assert!(stored.competing.len() <= MAX_PROPOSALS as usize);
            if m.open {
                // Once it ended, workers remove their proposals without touching the request.
                assert_eq!(
                    self.requests.proposals(id).len(),
                    stored.competing.len(),
                    "every competing proposal of an open request is stored"
                );
            }
        }
    }

    /// Every open request has an exit: anyone closes it once its award window passed.
    fn close_everything(&mut self) {
        self.now += 10 * UNIT_MS + AWARD_WINDOW;
        test::set_block_timestamp::<Env>(self.now);
        for id in 0..self.model.len() as u64 {
            self.apply(&Op::Close {
                caller: 4,
                request: id,
            });
            self.check();
        }
        assert_eq!(balance(contract()), BASELINE, "every budget went back");
    }
}

fn proposal(price: Balance, rating_centi: u32) -> Proposal {
    Proposal {
        worker: AccountId::from([1; 32]),
        price,
        delivery_window: UNIT_MS,
        milestones: Vec::new(),
        arbiter: AccountId::from(ARBITER),
        arbiter_fee_bps: ARBITER_FEE,
        message: Hash::from([0; 32]),
        submitted_at: 0,
        rating_centi,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn every_budget_is_held_or_returned_to_its_poster_and_every_request_can_end(
        ops in proptest::collection::vec(op(), 100..=200)
    ) {
        test::run_test::<Env, _>(|_| {
            let mut world = World::new();
            world.check();
            for op in &ops {
                world.apply(op);
                world.check();
            }
            world.close_everything();
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_auto_award_picks_the_lowest_price_then_the_higher_rating_then_the_earliest(
        offers in proptest::collection::vec((1u128..5, 0u32..3), 0..12)
    ) {
        let live: Vec<(u32, Proposal)> = offers
            .iter()
            .enumerate()
            .map(|(i, &(price, rating))| (i as u32, proposal(price, rating * 100)))
            .collect();
        // The model: sort by the rule, take the first.
        let mut ranked = live.clone();
        ranked.sort_by_key(|(i, p)| (p.price, std::cmp::Reverse(p.rating_centi), *i));
        let expected = ranked.first().map(|(i, _)| *i);
        prop_assert_eq!(best_proposal(live).map(|(i, _)| i), expected);
    }
}
