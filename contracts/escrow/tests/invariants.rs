//! Property test: random sequences of arbiter, offer and deal operations (right and wrong
//! callers, right and wrong amounts, time moving on) run against the escrow in ink!'s
//! off-chain environment, beside a model of the rules written here from `contracts/README.md`
//! with the test's own arithmetic: no money rule, bond rule, report rule or reputation counter
//! of the contracts is called. After every operation:
//! - every deal is where the model says (state, step, what it released, delivery, dispute,
//!   proposal, deadlines) and has paid exactly what the model's split says: the arbiter fee
//!   off the top of what the current step holds, the seller's share of the rest, rounding
//!   remainders to the buyer, the platform fee out of the seller's part, later steps back to
//!   the buyer, the bond by the bond rule and the arbiter's fault finding;
//! - every party's balance moved exactly as the model says, the escrow is solvent and its books
//!   match, no money is created or destroyed, and every open deal has an exit anyone can take;
//! - every ended deal's report (`Deal::report`) is the model's, and every account's reputation
//!   (every counter: deals, failures, volume, disputes opened and answered, won and lost,
//!   arbitrations) equals the model's record, counted by the model's own rules.
//!
//! Offers may split their price into milestones: a payment of a whole step starts the next
//! one, and an ending splits the current step and returns the later ones to the buyer.
//!
//! The reputation contract is attached, off-chain: ink!'s off-chain environment cannot make
//! cross-contract calls, so the test itself feeds every ended deal's `Deal::report` (what the
//! escrow sends on chain) to a real `Reputation` that admitted the escrow (`admit_for_tests`).
//!
//! The fee floor (`Settings::fee_floor_bps` > 0) is exercised both ways, one or the other per
//! case:
//! - **detached** (`reputation: None`, how an off-chain escrow is normally built): the floor
//!   only bounds `set_fee`, and nothing is burned: the whole platform fee is due to the fee
//!   recipient ("without a reputation contract nothing is taken");
//! - **attached** (`reputation: Some`): the escrow pays the floor's part of every fee to the
//!   reputation account. Its report is a cross-contract call, the last thing a closing does,
//!   and the off-chain environment panics on it; the test catches exactly that panic, which
//!   stands for the call (every payment and write before it has happened, as on chain), and
//!   then makes the call itself. Were the report ever moved before a payment or a write, the
//!   balance and deal checks would fail, not pass unseen.
//!
//! A call that returns `Err` is reverted by hand (its transferred value goes back), as the
//! chain would revert it. At the end a stranger ends every open deal and the escrow is drained.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use escrow::{DealState, Error, Escrow, Milestone, OfferTerms, Party, Payout, Settings};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::{AccountId, Hash};
use proptest::prelude::*;
use reputation::{AccountReputation, DealOutcome, DealRecord, DealReport, Reputation};

type Balance = u128;

const CONTRACT: [u8; 32] = [0xEE; 32];
const REPUTATION: [u8; 32] = [0xDD; 32];
const ACCOUNTS: u8 = 6;
/// Small enough that no product in the model (at most 10_000 times an amount) overflows.
const FUNDS: Balance = 1 << 100;
const UNIT_MS: u64 = 1_000;
/// The first block's timestamp. A deal stores "not yet" as time 0 (`delivered_at == 0` is
/// undelivered), which a chain never reaches; a clock starting at 0 would let a delivery at
/// time 0 read as none.
const START: u64 = 1_700_000_000_000;
/// At least 10,000 operations per run: `CASES * MIN_OPS`.
const CASES: u32 = 40;
const MIN_OPS: usize = 250;
const MAX_OPS: usize = 300;
/// Deals below this count for nothing in the reputation contract.
const MIN_RATED: Balance = 1_000;
/// Basis points in one whole, and half of it.
const BPS: u16 = 10_000;
const HALF: u16 = 5_000;
const PLATFORM_FEE_BPS: u16 = 100;
/// The lowest platform fee; with a reputation contract, this part of every fee is burned.
const FLOOR_BPS: u16 = 30;
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
    fee_floor_bps: FLOOR_BPS,
};
/// What ink!'s off-chain environment panics with on a cross-contract call.
const NO_CONTRACT_CALLS: &str = "off-chain environment does not support contract invocation";

fn account(i: u8) -> AccountId {
    AccountId::from([i % ACCOUNTS + 1; 32])
}

fn contract() -> AccountId {
    AccountId::from(CONTRACT)
}

fn reputation_account() -> AccountId {
    AccountId::from(REPUTATION)
}

fn balance(a: AccountId) -> Balance {
    test::get_account_balance::<Env>(a).unwrap_or(0)
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("")
}

/// The attached escrow's report calls panic on purpose (see the module doc): keeps their
/// messages out of a failing case's output; every other panic is printed as usual.
fn quiet_report_calls() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let print = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !panic_text(info.payload()).contains(NO_CONTRACT_CALLS) {
                print(info);
            }
        }));
    });
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
    // Mostly one of the two arbiters registered at the start, so that most offers list.
    let arbiter = prop_oneof![3 => 3..=4u8, 1 => who.clone()];
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
        2 => (who.clone(), prop_oneof![0..=2_000u16, Just(2_001u16)], prop_oneof![3 => Just(0u128), 1 => 1..=3_000_000u128]).prop_map(|(who, fee, min)| Op::Register { who, fee, min }),
        1 => who.clone().prop_map(|who| Op::Retire { who }),
        3 => (who.clone(), arbiter, prop_oneof![6 => 1..=2_000_000u128, 2 => 1..=3u128, 1 => Just(MIN_RATED - 1), 1 => Just(MIN_RATED)], 1..=8u32, prop_oneof![Just(0u128), 1..=5_000u128], (0..=5u64, 1..=5u64, 1..=5u64), 0..=3u8, proptest::bool::weighted(0.1))
            .prop_map(|(seller, arbiter, price, quantity, bond, (d, r, u), steps, pay_wrong)| Op::CreateOffer { seller, arbiter, price, quantity, bond, windows: (d * UNIT_MS, r * UNIT_MS, u * UNIT_MS), steps, pay_wrong }),
        1 => (who.clone(), id.clone(), 1..=2_000_000u128, 0..=6u32).prop_map(|(caller, offer, price, quantity)| Op::UpdateOffer { caller, offer, price, quantity }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, offer)| Op::WithdrawOffer { caller, offer }),
        6 => (who.clone(), id.clone(), prop_oneof![3 => Just(1u32), 1 => 1..=3u32], proptest::bool::weighted(0.1), proptest::bool::weighted(0.1)).prop_map(|(buyer, offer, quantity, stale, pay_wrong)| Op::Accept { buyer, offer, quantity, stale, pay_wrong }),
        3 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Deliver { caller, deal }),
        3 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Release { caller, deal, bps }),
        3 => (who.clone(), id.clone(), proptest::bool::weighted(0.2)).prop_map(|(caller, deal, wrong)| Op::ReleaseMilestone { caller, deal, wrong }),
        1 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Refund { caller, deal }),
        3 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::Propose { caller, deal, bps }),
        3 => (who.clone(), id.clone(), bps.clone()).prop_map(|(caller, deal, bps)| Op::AcceptSplit { caller, deal, bps }),
        3 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Dispute { caller, deal }),
        4 => (who.clone(), id.clone(), bps, any::<bool>()).prop_map(|(caller, deal, bps, fault)| Op::Rule { caller, deal, bps, fault }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Finalize { caller, deal }),
        2 => (who.clone(), id.clone()).prop_map(|(caller, deal)| Op::Reclaim { caller, deal }),
        1 => (who.clone(), id).prop_map(|(caller, deal)| Op::Prune { caller, deal }),
        1 => who.prop_map(|caller| Op::Withdraw { caller }),
        1 => prop_oneof![0..=1_000u16, Just(FLOOR_BPS), Just(FLOOR_BPS - 1)].prop_map(|bps| Op::SetFee { bps }),
        4 => (0..=3 * UNIT_MS).prop_map(|ms| Op::Wait { ms }),
    ]
}

// ---------------------------------------------------------------------------------------
// The model: the README's rules, with the test's own arithmetic
// ---------------------------------------------------------------------------------------

/// `amount * bps / 10_000`, rounded down. Every amount here is far below `u128::MAX / 10_000`
/// (see `FUNDS`), so the plain product cannot overflow; `checked_mul` says so if it ever did.
fn bps_of(amount: Balance, bps: u16) -> Balance {
    amount
        .checked_mul(Balance::from(bps))
        .expect("model amounts stay far below u128::MAX / 10_000")
        / Balance::from(BPS)
}

/// How a deal ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Completed,
    Refunded,
    Reclaimed,
    /// The agreed seller share.
    Settled(u16),
    /// The ruled seller share, and whether the arbiter found the seller at fault.
    Ruled(u16, bool),
    DefaultRuled,
}

impl Ending {
    fn state(self) -> DealState {
        match self {
            Ending::Completed => DealState::Completed,
            Ending::Refunded => DealState::Refunded,
            Ending::Reclaimed => DealState::Reclaimed,
            Ending::Settled(_) => DealState::Settled,
            Ending::Ruled(..) => DealState::Ruled,
            Ending::DefaultRuled => DealState::DefaultRuled,
        }
    }

    fn outcome(self) -> DealOutcome {
        match self {
            Ending::Completed => DealOutcome::Completed,
            Ending::Refunded => DealOutcome::Refunded,
            Ending::Reclaimed => DealOutcome::Reclaimed,
            Ending::Settled(_) => DealOutcome::Settled,
            Ending::Ruled(..) => DealOutcome::Ruled,
            Ending::DefaultRuled => DealOutcome::DefaultRuled,
        }
    }
}

/// What a call that succeeded on an open deal should have done to it.
#[derive(Debug, Clone, Copy)]
enum Effect {
    /// Pay this much of the current step to the seller (all of it starts the next step, or
    /// completes the deal after the last).
    Pay(Balance),
    End(Ending),
}

/// The README's split of what the current step holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    arbiter_fee: Balance,
    seller_gross: Balance,
    to_buyer: Balance,
    platform_fee: Balance,
    to_seller: Balance,
}

/// "`arbiter_fee = remaining * arbiter_fee_bps / 10_000`, `pool = remaining - arbiter_fee`,
/// `seller_gross = pool * seller_bps / 10_000`, `buyer = pool - seller_gross` (rounding
/// remainders go to the buyer), `platform_fee = seller_gross * fee_bps / 10_000`,
/// `seller = seller_gross - platform_fee`."
fn split(at_stake: Balance, seller_bps: u16, arbiter_fee_bps: u16, fee_bps: u16) -> Split {
    let arbiter_fee = bps_of(at_stake, arbiter_fee_bps);
    let pool = at_stake - arbiter_fee;
    let seller_gross = bps_of(pool, seller_bps);
    let platform_fee = bps_of(seller_gross, fee_bps);
    Split {
        arbiter_fee,
        seller_gross,
        to_buyer: pool - seller_gross,
        platform_fee,
        to_seller: seller_gross - platform_fee,
    }
}

/// The seller's share of what the current step holds when the deal ends.
fn seller_bps_of(ending: Ending, delivered: bool) -> u16 {
    match ending {
        Ending::Completed => BPS,
        Ending::Refunded | Ending::Reclaimed => 0,
        Ending::Settled(bps) | Ending::Ruled(bps, _) => bps,
        // Default ruling: half for a dispute after delivery, nothing for one before.
        Ending::DefaultRuled if delivered => HALF,
        Ending::DefaultRuled => 0,
    }
}

/// The bond rule: a ruling decides it apart from the split (the buyer's exactly when the
/// seller is at fault); otherwise a delivered seller, or one paid everything, keeps it, and it
/// goes to the buyer on a reclaim, a default of a dispute opened before delivery, and a refund
/// or settlement at or after the delivery deadline.
fn bond_goes_to_buyer(ending: Ending, delivered: bool, late: bool) -> bool {
    match ending {
        Ending::Ruled(_, at_fault) => at_fault,
        Ending::Completed => false,
        _ if delivered => false,
        Ending::Reclaimed | Ending::DefaultRuled => true,
        Ending::Refunded | Ending::Settled(_) => late,
    }
}

/// The README's list of seller failures: reclaimed; refunded undelivered at or after the
/// delivery deadline; default-ruled on a dispute opened before delivery; ruled at fault.
/// A settlement or a completion never is.
fn seller_failed(ending: Ending, delivered: bool, late: bool) -> bool {
    match ending {
        Ending::Reclaimed => true,
        Ending::Refunded => !delivered && late,
        Ending::DefaultRuled => !delivered,
        Ending::Ruled(_, at_fault) => at_fault,
        Ending::Completed | Ending::Settled(_) => false,
    }
}

/// A deal as the model sees it, from its acceptance on.
#[derive(Debug, Clone)]
struct ModelDeal {
    buyer: AccountId,
    seller: AccountId,
    arbiter: AccountId,
    amount: Balance,
    /// What each step pays and its delivery window (one step for a deal without a plan).
    steps: Vec<(Balance, u64)>,
    step: usize,
    /// What the buyer released of the current step.
    released_in_step: Balance,
    bond: Balance,
    fee_bps: u16,
    arbiter_fee_bps: u16,
    review_window: u64,
    ruling_window: u64,
    created_at: u64,
    delivery_deadline: u64,
    review_deadline: u64,
    ruling_deadline: u64,
    state: DealState,
    delivered: bool,
    opener: Option<AccountId>,
    /// Who proposed which seller share of the current step.
    proposal: Option<(AccountId, u16)>,
    payout: Payout,
    /// Once ended: the seller share of the step the ending split, whether the seller failed,
    /// when it ended and the report the escrow must send.
    seller_bps: u16,
    failed: bool,
    closed_at: u64,
    report: Option<DealReport>,
    pruned: bool,
}

impl ModelDeal {
    fn at_stake(&self) -> Balance {
        self.steps[self.step].0 - self.released_in_step
    }

    fn later_steps(&self) -> Balance {
        self.steps[self.step + 1..].iter().map(|s| s.0).sum()
    }

    fn released(&self) -> Balance {
        if self.state.is_final() {
            return self.amount;
        }
        self.steps[..self.step].iter().map(|s| s.0).sum::<Balance>() + self.released_in_step
    }

    fn is_open(&self) -> bool {
        !self.state.is_final()
    }

    fn party(&self, a: Option<AccountId>) -> Party {
        match a {
            Some(a) if a == self.buyer => Party::Buyer,
            Some(a) if a == self.seller => Party::Seller,
            _ => Party::Nobody,
        }
    }
}

/// The model's reputation rules: what one ended deal's report adds to the records of the
/// accounts it names. Only deals of at least `MIN_RATED` count.
fn count(records: &mut BTreeMap<AccountId, AccountReputation>, r: &DealReport) {
    if r.amount < MIN_RATED {
        return;
    }
    let completed = r.outcome == DealOutcome::Completed;
    let decided = matches!(r.outcome, DealOutcome::Ruled | DealOutcome::DefaultRuled);

    let buyer = records.entry(r.buyer).or_default();
    buyer.deals_completed_as_buyer += u32::from(completed);
    buyer.volume += r.value;

    let seller = records.entry(r.seller).or_default();
    // A deal refunded in time paid and failed nobody: it counts for no seller.
    seller.deals_as_seller += u32::from(r.value > 0 || r.seller_failed);
    seller.deals_completed_as_seller += u32::from(completed);
    seller.deals_failed_as_seller += u32::from(r.seller_failed);
    seller.volume += r.value;

    if decided {
        let arbiter = records.entry(r.arbiter).or_default();
        arbiter.arbitrations += 1;
        arbiter.arbitrations_in_time += u32::from(r.outcome == DealOutcome::Ruled);
    }

    let Some(opener) = r.dispute_opened_by else {
        return;
    };
    let respondent = if opener == r.buyer { r.seller } else { r.buyer };
    // Won or lost only by a ruling or its default, on the disputed step's split alone.
    let opener_bps = decided.then(|| {
        let seller_bps = r.seller_bps.expect("a ruling is a split");
        if opener == r.seller {
            seller_bps
        } else {
            BPS - seller_bps
        }
    });
    let won = opener_bps.is_some_and(|bps| bps > HALF);
    let lost = opener_bps.is_some_and(|bps| bps < HALF);
    let o = records.entry(opener).or_default();
    o.disputes_opened += 1;
    o.disputes_won += u32::from(won);
    o.disputes_lost += u32::from(lost);
    let a = records.entry(respondent).or_default();
    a.disputes_answered += 1;
    a.disputes_answered_lost += u32::from(won);
    a.disputes_answered_won += u32::from(lost);
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
    /// The escrow was built with `reputation: Some` (see the module doc).
    attached: bool,
    now: u64,
    /// The escrow's platform fee now.
    fee_bps: u16,
    /// What every account should hold, moved by the model alone.
    expected: Vec<Balance>,
    fees_due: Balance,
    /// What the fee floor paid to the reputation account.
    burned: Balance,
    deals: BTreeMap<u64, ModelDeal>,
    /// Every account's record, counted by the model.
    records: BTreeMap<AccountId, AccountReputation>,
}

impl World {
    fn new(attached: bool) -> Self {
        quiet_report_calls();
        for i in 0..ACCOUNTS {
            test::set_account_balance::<Env>(account(i), FUNDS);
        }
        test::set_account_balance::<Env>(reputation_account(), 0);
        test::set_block_timestamp::<Env>(START);
        test::set_value_transferred::<Env>(0);
        test::set_caller::<Env>(account(0));
        test::set_callee::<Env>(reputation_account());
        let mut reputation =
            Reputation::new(10 * UNIT_MS, MIN_RATED, Hash::from([9; 32]), FLOOR_BPS)
                .expect("valid");
        // What the reputation contract's create_escrow does once the escrow exists.
        reputation.admit_for_tests(contract());
        test::set_callee::<Env>(contract());
        test::set_account_balance::<Env>(contract(), 0);
        let attach = attached.then(reputation_account);
        assert_eq!(
            Escrow::new(account(0), FLOOR_BPS - 1, account(5), attach, SETTINGS).err(),
            Some(Error::FeeBelowFloor),
            "no escrow charges less than the floor"
        );
        let escrow = Escrow::new(account(0), PLATFORM_FEE_BPS, account(5), attach, SETTINGS)
            .expect("valid config");
        let mut world = World {
            escrow,
            reputation,
            attached,
            now: START,
            fee_bps: PLATFORM_FEE_BPS,
            expected: vec![FUNDS; usize::from(ACCOUNTS)],
            fees_due: 0,
            burned: 0,
            deals: BTreeMap::new(),
            records: BTreeMap::new(),
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

    /// Books a platform fee: the floor's part goes to the reputation account when the escrow
    /// has one ("without a reputation contract nothing is taken"), the rest is due to the fee
    /// recipient. `seller_gross` is what the fee was charged on.
    fn book_fee(&mut self, seller_gross: Balance, fee_bps: u16, platform_fee: Balance) {
        let burned = if self.attached {
            bps_of(seller_gross, FLOOR_BPS.min(fee_bps))
        } else {
            0
        };
        self.burned += burned;
        self.fees_due += platform_fee - burned;
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

    /// Calls a message that may end a deal, and says whether the escrow tried to report to
    /// the reputation contract: the attached escrow's cross-contract call, the last thing a
    /// closing does, panics off-chain (see the module doc). That panic stands for the call.
    fn call_closing(
        &mut self,
        caller: AccountId,
        f: impl FnOnce(&mut Escrow) -> Result<(), Error>,
    ) -> (Result<(), Error>, bool) {
        test::set_caller::<Env>(caller);
        match panic::catch_unwind(AssertUnwindSafe(|| f(&mut self.escrow))) {
            Ok(result) => (result, false),
            Err(payload) if panic_text(&*payload).contains(NO_CONTRACT_CALLS) => (Ok(()), true),
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// Runs `f` as the reputation contract, called by the escrow.
    fn on_reputation<T>(&mut self, f: impl FnOnce(&mut Reputation) -> T) -> T {
        test::set_callee::<Env>(reputation_account());
        test::set_caller::<Env>(contract());
        let result = f(&mut self.reputation);
        test::set_callee::<Env>(contract());
        result
    }

    /// Mostly an existing id (so operations meet real offers and deals), half of those one of
    /// the last four (more often still open), sometimes one that does not exist.
    fn resolve(raw: u64, count: u64) -> u64 {
        match raw {
            _ if count == 0 || raw >= 60 => raw + 1_000,
            0..30 => count - 1 - raw % count.min(4),
            _ => raw % count,
        }
    }

    fn model(&self, deal: u64) -> Option<&ModelDeal> {
        self.deals.get(&deal).filter(|m| !m.pruned)
    }

    fn model_mut(&mut self, deal: u64) -> &mut ModelDeal {
        self.deals.get_mut(&deal).expect("modelled deal")
    }

    /// Runs a message that may pay or end `deal`. When it succeeds, the model applies what
    /// `effect` says the rules do to its own open deal (a success on any other deal is a bug),
    /// and an ended deal is reported.
    fn closing(
        &mut self,
        caller: AccountId,
        deal: u64,
        effect: impl FnOnce(&ModelDeal) -> Effect,
        f: impl FnOnce(&mut Escrow) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let (result, report_call) = self.call_closing(caller, f);
        if result.is_err() {
            assert!(!report_call, "a refused call reports nothing");
            return result;
        }
        // The model has not moved: `effect` reads the deal as it was before the call.
        let m = self.model(deal).filter(|m| m.is_open());
        match effect(m.expect("only an open deal can be paid or ended")) {
            Effect::Pay(amount) => self.pay_step(deal, amount),
            Effect::End(ending) => self.end(deal, ending),
        }
        let ended = !self.deals[&deal].is_open();
        assert_eq!(
            report_call,
            self.attached && ended,
            "deal {deal}: an attached escrow reports exactly when a deal ends"
        );
        if ended {
            self.report(deal);
        }
        result
    }

    /// The buyer pays `amount` of the current step to the seller, less the platform fee; all
    /// of the step starts the next one (or completes the deal after the last).
    fn pay_step(&mut self, deal: u64, amount: Balance) {
        let now = self.now;
        let m = self.model_mut(deal);
        let at_stake = m.at_stake();
        assert!(
            amount > 0 && amount <= at_stake,
            "deal {deal}: paid {amount} of a step holding {at_stake}"
        );
        if amount == at_stake && m.step + 1 == m.steps.len() {
            return self.end(deal, Ending::Completed);
        }
        let fee_bps = m.fee_bps;
        let platform_fee = bps_of(amount, fee_bps);
        m.payout.to_seller += amount - platform_fee;
        m.payout.platform_fee += platform_fee;
        m.released_in_step += amount;
        if amount == at_stake {
            // The next step starts undelivered, with no proposal, its delivery window counted
            // from the later of now and its scheduled start.
            let scheduled: u64 = m.created_at + m.steps[..=m.step].iter().map(|s| s.1).sum::<u64>();
            m.step += 1;
            m.released_in_step = 0;
            m.state = DealState::Funded;
            m.delivered = false;
            m.review_deadline = 0;
            m.proposal = None;
            m.delivery_deadline = now.max(scheduled) + m.steps[m.step].1;
        }
        let seller = m.seller;
        self.credit(seller, amount - platform_fee);
        self.book_fee(amount, fee_bps, platform_fee);
    }

    /// Ends `deal` as `ending` now: splits what the current step holds, returns the later
    /// steps to the buyer, sends the bond where the bond rule says, and writes the report.
    fn end(&mut self, deal: u64, ending: Ending) {
        let now = self.now;
        let m = self.model_mut(deal);
        let late = now >= m.delivery_deadline;
        let seller_bps = seller_bps_of(ending, m.delivered);
        let arbiter_fee_bps = match ending {
            Ending::Ruled(..) => m.arbiter_fee_bps,
            _ => 0,
        };
        let s = split(m.at_stake(), seller_bps, arbiter_fee_bps, m.fee_bps);
        let later = m.later_steps();
        let forfeit = bond_goes_to_buyer(ending, m.delivered, late);
        let (bond_to_buyer, bond_returned) = if forfeit { (m.bond, 0) } else { (0, m.bond) };
        m.payout = Payout {
            to_seller: m.payout.to_seller + s.to_seller,
            to_buyer: m.payout.to_buyer + s.to_buyer + later,
            platform_fee: m.payout.platform_fee + s.platform_fee,
            arbiter_fee: m.payout.arbiter_fee + s.arbiter_fee,
            bond_to_buyer,
            bond_returned,
        };
        m.state = ending.state();
        m.proposal = None;
        m.seller_bps = seller_bps;
        m.failed = seller_failed(ending, m.delivered, late);
        m.closed_at = now;
        let split_ending = matches!(
            ending,
            Ending::Settled(_) | Ending::Ruled(..) | Ending::DefaultRuled
        );
        m.report = Some(DealReport {
            deal_id: deal,
            buyer: m.buyer,
            seller: m.seller,
            arbiter: m.arbiter,
            amount: m.amount,
            value: m.payout.to_seller,
            outcome: ending.outcome(),
            dispute_opened_by: m.opener,
            seller_bps: split_ending.then_some(seller_bps),
            seller_failed: m.failed,
        });
        let (buyer, seller, arbiter, fee_bps) = (m.buyer, m.seller, m.arbiter, m.fee_bps);
        self.credit(seller, s.to_seller + bond_returned);
        self.credit(buyer, s.to_buyer + later + bond_to_buyer);
        self.credit(arbiter, s.arbiter_fee);
        self.book_fee(s.seller_gross, fee_bps, s.platform_fee);
    }

    /// Feeds an ended deal's report to the reputation contract, as the escrow does on chain,
    /// after checking it is the model's, and counts the model's report by the model's rules.
    fn report(&mut self, deal: u64) {
        let expected = self.deals[&deal]
            .report
            .clone()
            .expect("ended deals report");
        let report = self
            .escrow
            .deal(deal)
            .and_then(|d| d.report())
            .expect("an ended deal has a report");
        assert_eq!(report, expected, "deal {deal} reports what the model says");
        let recorded = self.on_reputation(|r| r.record_deal(report));
        assert_eq!(recorded, Ok(()), "the reputation contract takes the report");
        count(&mut self.records, &expected);
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
                let registered = self.escrow.arbiter(account(arbiter)).filter(|a| a.active);
                let result = self.call(account(seller), value, |e| e.create_offer(terms));
                if pay_wrong || windows.0 < UNIT_MS {
                    assert!(result.is_err());
                } else if seller % ACCOUNTS == arbiter % ACCOUNTS {
                    assert_eq!(result, Err(Error::ArbiterIsParty));
                } else if !plan_ok {
                    assert_eq!(result, Err(Error::InvalidMilestones));
                } else if registered.is_none() {
                    assert_eq!(result, Err(Error::ArbiterNotRegistered));
                }
                if let Ok(id) = result {
                    self.debit(account(seller), stake);
                    let o = self.escrow.offer(id).expect("offer listed");
                    let a = registered.expect("listed with a registered arbiter");
                    assert_eq!(
                        (o.platform_fee_bps, o.arbiter_fee_bps),
                        (self.fee_bps, a.fee_bps),
                        "an offer records the fees at listing"
                    );
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
                let arbiter_fee = self.escrow.arbiter(o.terms.arbiter).map(|a| a.fee_bps);
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
                    self.accepted(id, account(buyer), &o, quantity, arbiter_fee);
                }
            }
            Op::Deliver { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.seller);
                if self
                    .call(caller, 0, |e| e.mark_delivered(deal, None))
                    .is_ok()
                {
                    let now = self.now;
                    let m = self.model_mut(deal);
                    m.state = DealState::Delivered;
                    m.delivered = true;
                    m.review_deadline = now + m.review_window;
                }
            }
            Op::Release { caller, deal, bps } => {
                let deal = deal_id(deal);
                let at_stake = self.model(deal).map(ModelDeal::at_stake);
                // Sometimes one planck past the current milestone.
                let amount = at_stake.map_or(1, |at_stake| {
                    if bps > BPS {
                        at_stake + 1
                    } else {
                        bps_of(at_stake, bps).max(1)
                    }
                });
                let caller = self.pick(caller, deal, |d| d.buyer);
                let releasable = self.model(deal).is_some_and(|m| {
                    m.buyer == caller && matches!(m.state, DealState::Funded | DealState::Delivered)
                });
                // A release names no step, so a deal paid in milestones refuses it.
                let staged = self.model(deal).is_some_and(|m| m.steps.len() > 1);
                let over = at_stake.is_some_and(|at_stake| amount > at_stake);
                let result = self.closing(
                    caller,
                    deal,
                    |_| Effect::Pay(amount),
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
                let milestone = self
                    .model(deal)
                    .map_or(0, |m| m.step as u8 + u8::from(wrong));
                let caller = self.pick(caller, deal, |d| d.buyer);
                let releasable = self.model(deal).is_some_and(|m| {
                    m.buyer == caller && matches!(m.state, DealState::Funded | DealState::Delivered)
                });
                let result = self.closing(
                    caller,
                    deal,
                    |m| Effect::Pay(m.at_stake()),
                    |e| e.release_milestone(deal, milestone),
                );
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
                let _ = self.closing(
                    caller,
                    deal,
                    |_| Effect::End(Ending::Refunded),
                    |e| e.refund(deal),
                );
            }
            Op::Propose { caller, deal, bps } => {
                let deal = deal_id(deal);
                let caller = self.pick(
                    caller,
                    deal,
                    |d| if bps % 2 == 0 { d.buyer } else { d.seller },
                );
                if self.call(caller, 0, |e| e.propose_split(deal, bps)).is_ok() {
                    self.model_mut(deal).proposal = Some((caller, bps));
                }
            }
            Op::AcceptSplit { caller, deal, bps } => {
                let deal = deal_id(deal);
                // Every fourth valid acceptance names the step after the one under way.
                let (caller, bps, milestone, wrong) = match self.model(deal) {
                    Some(m) if caller % 2 == 0 && m.proposal.is_some() => {
                        let (proposer, proposed) = m.proposal.expect("proposed");
                        (
                            if proposer == m.buyer {
                                m.seller
                            } else {
                                m.buyer
                            },
                            proposed,
                            m.step as u8 + u8::from(bps % 4 == 0),
                            bps % 4 == 0,
                        )
                    }
                    _ => (account(caller), bps, 0, false),
                };
                let result = self.closing(
                    caller,
                    deal,
                    |m| Effect::End(Ending::Settled(m.proposal.expect("a proposal on record").1)),
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
                if self
                    .call(caller, 0, |e| e.open_dispute(deal, Hash::from([3; 32])))
                    .is_ok()
                {
                    let now = self.now;
                    let m = self.model_mut(deal);
                    m.state = DealState::Disputed;
                    m.opener = Some(caller);
                    m.ruling_deadline = now + m.ruling_window;
                }
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
                    |_| Effect::End(Ending::Ruled(bps, fault)),
                    |e| e.rule(deal, bps, fault, None),
                );
            }
            Op::Finalize { caller, deal } => {
                let deal = deal_id(deal);
                let _ = self.closing(account(caller), deal, Self::finalized, |e| e.finalize(deal));
            }
            Op::Reclaim { caller, deal } => {
                let deal = deal_id(deal);
                let _ = self.closing(
                    account(caller),
                    deal,
                    |_| Effect::End(Ending::Reclaimed),
                    |e| e.reclaim(deal),
                );
            }
            Op::Prune { caller, deal } => {
                let deal = deal_id(deal);
                let caller = self.pick(caller, deal, |d| d.buyer);
                let result = self.call(caller, 0, |e| e.prune_deal(deal));
                if result.is_ok() {
                    let now = self.now;
                    let m = self.model_mut(deal);
                    assert_eq!(caller, m.buyer, "only the buyer prunes");
                    assert!(!m.is_open() && now >= m.closed_at + SETTINGS.prune_after);
                    m.pruned = true;
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
                let result = self.call(account(0), 0, |e| e.set_fee(bps));
                let expected = if bps > self.fee_bps {
                    Err(Error::FeeIncrease)
                } else if bps < FLOOR_BPS {
                    Err(Error::FeeBelowFloor)
                } else {
                    Ok(())
                };
                assert_eq!(
                    result, expected,
                    "the fee only goes down, never below the floor"
                );
                if result.is_ok() {
                    self.fee_bps = bps;
                }
            }
            Op::Wait { ms } => {
                self.now += ms;
                test::set_block_timestamp::<Env>(self.now);
            }
        }
    }

    /// A deal accepted: the model's copy of its frozen terms, checked against the escrow's.
    fn accepted(
        &mut self,
        id: u64,
        buyer: AccountId,
        o: &escrow::Offer,
        quantity: u32,
        arbiter_fee: Option<u16>,
    ) {
        let q = Balance::from(quantity);
        let steps: Vec<(Balance, u64)> = if o.terms.milestones.is_empty() {
            vec![(o.terms.price * q, o.terms.delivery_window)]
        } else {
            o.terms
                .milestones
                .iter()
                .map(|m| (m.amount * q, m.delivery_window))
                .collect()
        };
        let m = ModelDeal {
            buyer,
            seller: o.seller,
            arbiter: o.terms.arbiter,
            amount: o.terms.price * q,
            delivery_deadline: self.now + steps[0].1,
            steps,
            step: 0,
            released_in_step: 0,
            bond: o.terms.bond_per_unit * q,
            // The lower of the offer's fee and today's, so an owner cannot raise it.
            fee_bps: o.platform_fee_bps.min(self.fee_bps),
            arbiter_fee_bps: o
                .arbiter_fee_bps
                .min(arbiter_fee.expect("an accepted offer's arbiter is registered")),
            review_window: o.terms.review_window,
            ruling_window: o.terms.ruling_window,
            created_at: self.now,
            review_deadline: 0,
            ruling_deadline: 0,
            state: DealState::Funded,
            delivered: false,
            opener: None,
            proposal: None,
            payout: Payout::default(),
            seller_bps: 0,
            failed: false,
            closed_at: 0,
            report: None,
            pruned: false,
        };
        let d = self.escrow.deal(id).expect("deal opened");
        assert_eq!(
            (
                d.amount,
                d.bond,
                d.platform_fee_bps,
                d.arbiter_fee_bps,
                (d.buyer, d.seller, d.arbiter)
            ),
            (
                m.amount,
                m.bond,
                m.fee_bps,
                m.arbiter_fee_bps,
                (m.buyer, m.seller, m.arbiter)
            ),
            "deal {id} freezes the offer's terms and the lower fees"
        );
        assert!(self.deals.insert(id, m).is_none(), "a new deal id");
    }

    /// What the exit anyone may take after the deadlines does to an open deal: `reclaim` ends
    /// an undelivered step, `finalize` the others.
    fn exit(m: &ModelDeal) -> Effect {
        match m.state {
            DealState::Funded => Effect::End(Ending::Reclaimed),
            _ => Self::finalized(m),
        }
    }

    /// What `finalize` does: pays the delivered step once its review is over, or applies the
    /// default ruling to a dispute once the ruling window is over.
    fn finalized(m: &ModelDeal) -> Effect {
        match m.state {
            DealState::Disputed => Effect::End(Ending::DefaultRuled),
            _ => Effect::Pay(m.at_stake()),
        }
    }

    /// Mostly the account allowed to act on the deal; sometimes anyone.
    fn pick(&self, hint: u8, deal: u64, right: impl Fn(&ModelDeal) -> AccountId) -> AccountId {
        match self.model(deal) {
            Some(m) if hint % 3 != 0 => right(m),
            _ => account(hint),
        }
    }

    fn check_invariants(&mut self) {
        // Every account holds exactly what the model says.
        for i in 0..ACCOUNTS {
            assert_eq!(
                balance(account(i)),
                self.expected[usize::from(i)],
                "account {i} holds what the rules give it"
            );
        }
        assert_eq!(
            balance(reputation_account()),
            self.burned,
            "the fee floor's part, burned only with a reputation contract"
        );
        let config = self.escrow.config();
        assert_eq!(config.fees_due, self.fees_due, "platform fees due");
        assert_eq!(config.fee_bps, self.fee_bps, "platform fee");
        self.check_deals();
        let escrowed: Balance = self
            .deals
            .values()
            .filter(|m| m.is_open())
            .map(|m| m.amount - m.released() + m.bond)
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
        self.check_reputation();
    }

    /// Every deal is where the model says, has paid what the model says and reports what the
    /// model says; every open deal has an exit.
    fn check_deals(&self) {
        let count = self.escrow.config().deal_count;
        assert_eq!(
            self.deals.keys().next_back().map_or(0, |id| id + 1),
            count,
            "every deal is modelled"
        );
        for (&id, m) in &self.deals {
            let Some(d) = self.escrow.deal(id) else {
                assert!(m.pruned, "deal {id} is gone only once pruned");
                continue;
            };
            assert!(!m.pruned, "deal {id} was pruned");
            let proposal = match m.proposal {
                _ if !m.is_open() => (Party::Nobody, m.seller_bps),
                Some((proposer, bps)) => (m.party(Some(proposer)), bps),
                None => (Party::Nobody, 0),
            };
            let (ruling_deadline, opener) = (m.ruling_deadline, m.party(m.opener));
            assert_eq!(
                (
                    d.state,
                    usize::from(d.milestone),
                    d.released,
                    d.delivered(),
                    d.delivery_deadline,
                    d.review_deadline,
                    (d.disputed_by, d.ruling_deadline),
                    (d.proposed_by, d.proposed_seller_bps),
                ),
                (
                    m.state,
                    m.step,
                    m.released(),
                    m.delivered,
                    m.delivery_deadline,
                    m.review_deadline,
                    (opener, ruling_deadline),
                    proposal,
                ),
                "deal {id} is where the model says"
            );
            assert_eq!(d.payout, m.payout, "deal {id} paid what the model says");
            assert_eq!(
                (d.seller_failed, d.closed_at, d.report_pending),
                (m.failed, m.closed_at, false),
                "deal {id}"
            );
            assert_eq!(
                d.report(),
                m.report,
                "deal {id} reports what the model says"
            );
            if m.is_open() {
                assert!(m.at_stake() > 0, "open deal {id} has money in its step");
                let has_exit = match d.state {
                    DealState::Funded => d.delivery_deadline > 0,
                    DealState::Delivered => d.review_deadline > 0,
                    DealState::Disputed => d.ruling_deadline > 0,
                    _ => false,
                };
                assert!(has_exit, "open deal {id} has an exit");
            } else {
                let p = m.payout;
                assert_eq!(
                    p.to_seller + p.to_buyer + p.platform_fee + p.arbiter_fee,
                    m.amount,
                    "ended deal {id} paid out exactly what it held"
                );
            }
        }
    }

    /// Every account's reputation is the model's record (every counter, and no rating), and
    /// every ended deal, pruned or not, is on record as the model says.
    fn check_reputation(&mut self) {
        let ended: Vec<(u64, DealRecord)> = self
            .deals
            .iter()
            .filter(|(_, m)| !m.is_open())
            .map(|(&id, m)| {
                let r = m.report.as_ref().expect("ended deals report");
                let record = DealRecord {
                    buyer: m.buyer,
                    seller: m.seller,
                    value: r.value,
                    outcome: r.outcome,
                    ended_at: m.closed_at,
                    buyer_commitment: None,
                    seller_commitment: None,
                    buyer_score: None,
                    seller_score: None,
                    rateable: m.amount >= MIN_RATED && r.value > 0,
                    withheld_counted: false,
                };
                (id, record)
            })
            .collect();
        let records = self.records.clone();
        self.on_reputation(|rep| {
            for i in 0..ACCOUNTS {
                let a = account(i);
                assert_eq!(
                    rep.reputation(a),
                    records.get(&a).cloned().unwrap_or_default(),
                    "account {i}'s reputation is the model's"
                );
            }
            for (id, record) in ended {
                assert_eq!(
                    rep.deal_record(contract(), id),
                    Some(record),
                    "deal {id} is on record as the model says"
                );
            }
        });
    }

    /// After every deadline, `stranger` takes the exit of every open deal: `reclaim` when
    /// undelivered, `finalize` otherwise (which may only pay a milestone and start the next).
    fn end_open_deals(&mut self, stranger: AccountId) {
        self.now += 100 * UNIT_MS;
        test::set_block_timestamp::<Env>(self.now);
        let open: Vec<(u64, DealState, usize)> = self
            .deals
            .iter()
            .filter(|(_, m)| m.is_open())
            .map(|(&id, m)| (id, m.state, m.step))
            .collect();
        for (id, state, step) in open {
            let result = if state == DealState::Funded {
                self.closing(stranger, id, Self::exit, |e| e.reclaim(id))
            } else {
                self.closing(stranger, id, Self::exit, |e| e.finalize(id))
            };
            assert_eq!(
                result,
                Ok(()),
                "deal {id} in {state:?}: anyone may take its exit"
            );
            let m = &self.deals[&id];
            assert!(
                !m.is_open() || m.step > step,
                "deal {id} in {state:?} can be moved on by anyone"
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
        assert!(self.deals.values().all(|m| !m.is_open()));
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

    /// The rule: every payout, bond, platform fee and fee-floor burn, every report and every
    /// reputation counter is what the README's rules say, after every one of at least
    /// 10,000 random operations, and every deal can end.
    #[test]
    fn payouts_reports_and_reputation_counters_follow_the_rules_and_every_deal_can_end(
        ops in proptest::collection::vec(op(), MIN_OPS..=MAX_OPS),
        attached in any::<bool>(),
    ) {
        test::run_test::<Env, _>(|_| {
            let mut world = World::new(attached);
            world.check_invariants();
            for op in &ops {
                world.apply(op);
                world.check_invariants();
            }
            world.drain();
            Ok(())
        }).unwrap();
    }

    /// The model's own split: the four shares add up to what the step holds, and the buyer
    /// gets at least its exact share (rounding remainders go to the buyer).
    #[test]
    fn the_models_split_adds_up_and_rounds_to_the_buyer(
        at_stake in 0..=Balance::MAX / Balance::from(BPS),
        seller_bps in 0..=BPS,
        arbiter in 0..=2_000u16,
        fee in 0..=1_000u16,
    ) {
        let s = split(at_stake, seller_bps, arbiter, fee);
        prop_assert_eq!(s.to_seller + s.to_buyer + s.platform_fee + s.arbiter_fee, at_stake);
        let pool = at_stake - s.arbiter_fee;
        prop_assert!(s.to_buyer * Balance::from(BPS) >= pool * Balance::from(BPS - seller_bps));
        prop_assert!(s.seller_gross * Balance::from(BPS) <= pool * Balance::from(seller_bps));
    }
}
