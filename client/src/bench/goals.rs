//! The cost goals the escrow was set, checked against one run's measurements, so that
//! BENCHMARKS.md says which hold instead of leaving the reader to divide.

use super::costs::{CostRow, Costs};
use super::CodeSize;

/// accept + deliver + release, at most this many transfers' ref_time.
pub const DEAL_REF_TIME_GOAL: f64 = 20.0;
/// Any one contract message, at most this many transfers' proof_size.
pub const MESSAGE_PROOF_GOAL: f64 = 30.0;
/// The escrow's optimised Wasm, at most this many bytes (32 KiB).
pub const ESCROW_WASM_GOAL: usize = 32 * 1024;
/// The escrow's Wasm before the trust rules (failures, fault, fee floor, freed storage):
/// their budget, paid for by savings elsewhere or shown here as the bytes they cost.
pub const ESCROW_WASM_BUDGET: usize = 50_702;
/// The messages of one deal, as the ref_time goal counts them.
const DEAL_MESSAGES: [&str; 3] = ["accept_offer", "mark_delivered", "release"];

/// One goal: what was measured, against what.
#[derive(Debug, Clone, PartialEq)]
pub struct CostGoal {
    pub measure: String,
    pub value: String,
    pub goal: String,
    pub met: bool,
}

/// Each goal the run has the measurements for: a setting that skipped a message or a bundle
/// leaves its goal out rather than guessing.
pub fn cost_goals(costs: &Costs, code_sizes: &[CodeSize]) -> Vec<CostGoal> {
    let transfer = &costs.baseline;
    let mut goals = Vec::new();
    if transfer.ref_time > 0 {
        let escrow = |name: &str| {
            costs
                .messages
                .iter()
                .find(|r| r.contract == "escrow" && r.message == name)
        };
        let deal: Option<u64> = DEAL_MESSAGES
            .iter()
            .map(|m| escrow(m).map(|r| r.ref_time))
            .sum();
        if let Some(deal) = deal {
            let times = deal as f64 / transfer.ref_time as f64;
            goals.push(CostGoal {
                measure: "accept_offer + mark_delivered + release, ref_time".into(),
                value: format!("{times:.1}× a transfer"),
                goal: format!("≤ {DEAL_REF_TIME_GOAL}×"),
                met: times <= DEAL_REF_TIME_GOAL,
            });
        }
    }
    if transfer.proof_size > 0 {
        let dearest = costs
            .messages
            .iter()
            .max_by_key(|r| r.proof_size)
            .map(|r: &CostRow| (r, r.proof_size as f64 / transfer.proof_size as f64));
        if let Some((row, times)) = dearest {
            goals.push(CostGoal {
                measure: format!(
                    "largest proof_size of one message (`{}.{}`)",
                    row.contract, row.message
                ),
                value: format!("{times:.1}× a transfer"),
                goal: format!("≤ {MESSAGE_PROOF_GOAL}×"),
                met: times <= MESSAGE_PROOF_GOAL,
            });
        }
    }
    if let Some(escrow) = code_sizes.iter().find(|c| c.contract == "escrow") {
        goals.push(CostGoal {
            measure: "escrow optimised Wasm".into(),
            value: format!("{} bytes", escrow.wasm_bytes),
            goal: format!("≤ {ESCROW_WASM_GOAL} bytes"),
            met: escrow.wasm_bytes <= ESCROW_WASM_GOAL,
        });
        let over = escrow.wasm_bytes.saturating_sub(ESCROW_WASM_BUDGET);
        goals.push(CostGoal {
            measure: "escrow optimised Wasm, against its size before the trust rules".into(),
            value: if over == 0 {
                format!("{} bytes", escrow.wasm_bytes)
            } else {
                format!("{} bytes ({over} over)", escrow.wasm_bytes)
            },
            goal: format!("≤ {ESCROW_WASM_BUDGET} bytes"),
            met: over == 0,
        });
    }
    goals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(messages: Vec<CostRow>) -> Costs {
        Costs {
            baseline: CostRow::sample("Balances", "transfer_keep_alive", 100, 1_000),
            floor: CostRow::sample("floor", "set", 300, 7_000),
            messages,
            lifecycle: CostRow::sample("escrow + reputation", "whole deal", 0, 0),
            lifecycle_steps: vec![],
            own_floors: vec![],
        }
    }

    fn wasm(bytes: usize) -> Vec<CodeSize> {
        vec![CodeSize {
            contract: "escrow".into(),
            wasm_bytes: bytes,
            build_mode: "Release".into(),
        }]
    }

    #[test]
    fn a_deal_at_the_goal_meets_it_and_one_planck_more_misses() {
        let deal = |release| {
            costs(vec![
                CostRow::sample("escrow", "accept_offer", 700, 1_000),
                CostRow::sample("escrow", "mark_delivered", 600, 1_000),
                CostRow::sample("escrow", "release", release, 1_000),
                // Another contract's message of the same name is not the deal's.
                CostRow::sample("requests", "release", 9_999, 1_000),
            ])
        };
        let at = &cost_goals(&deal(700), &[])[0];
        assert_eq!(at.value, "20.0× a transfer");
        assert!(at.met);
        let over = &cost_goals(&deal(701), &[])[0];
        assert!(!over.met, "{over:?}");
    }

    #[test]
    fn the_proof_goal_names_the_dearest_message() {
        let goals = cost_goals(
            &costs(vec![
                CostRow::sample("escrow", "mark_delivered", 1, 30_000),
                CostRow::sample("escrow", "finalize", 1, 30_001),
            ]),
            &[],
        );
        // Without the three deal messages there is no ref_time goal to check.
        assert_eq!(goals.len(), 1);
        assert_eq!(
            goals[0].measure,
            "largest proof_size of one message (`escrow.finalize`)"
        );
        assert_eq!(goals[0].value, "30.0× a transfer");
        assert!(!goals[0].met);
    }

    #[test]
    fn the_wasm_goal_is_32_kib_of_the_escrow() {
        let at = cost_goals(&costs(vec![]), &wasm(32_768));
        assert_eq!(at.len(), 2);
        assert!(at[0].met);
        assert_eq!(at[0].goal, "≤ 32768 bytes");
        assert!(!cost_goals(&costs(vec![]), &wasm(32_769))[0].met);
    }

    #[test]
    fn the_trust_rules_budget_shows_the_bytes_over_it() {
        let at = &cost_goals(&costs(vec![]), &wasm(50_702))[1];
        assert!(at.met);
        assert_eq!(at.value, "50702 bytes");
        let over = &cost_goals(&costs(vec![]), &wasm(52_075))[1];
        assert!(!over.met);
        assert_eq!(over.value, "52075 bytes (1373 over)");
        assert_eq!(over.goal, "≤ 50702 bytes");
    }
}
