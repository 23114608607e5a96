//! Milestone plans as typed (`--milestone AMOUNT:WINDOW`, repeated), checked as the escrow
//! checks them before any fee is spent: at most 8 steps, each paying something, adding up to
//! the price. The plan's windows add up to the delivery window it replaces.

use super::input::window;
use super::types::{Milestone, MAX_MILESTONES};
use super::{usage, OpResult};
use crate::units::TokenUnits;

/// A plan from `AMOUNT:WINDOW` specs (`40 UNIT:3d`), for `price` (what `what` calls the
/// whole, for the error). Returns the plan and its total delivery window; an empty plan and
/// `None` when no spec was given.
pub fn parse_plan(
    units: &TokenUnits,
    specs: &[String],
    price: u128,
    what: &str,
) -> OpResult<(Vec<Milestone>, Option<u64>)> {
    if specs.is_empty() {
        return Ok((Vec::new(), None));
    }
    if specs.len() > MAX_MILESTONES {
        return Err(usage(format!(
            "{} milestones: at most {MAX_MILESTONES}",
            specs.len()
        )));
    }
    let plan = specs
        .iter()
        .map(|spec| step(units, spec))
        .collect::<OpResult<Vec<_>>>()?;
    let total = plan
        .iter()
        .try_fold(0u128, |sum, m| sum.checked_add(m.amount))
        .ok_or_else(|| usage("the milestones' amounts do not fit"))?;
    if total != price {
        return Err(usage(format!(
            "the milestones add up to {}, but {what} is {}",
            units.format(total),
            units.format(price)
        )));
    }
    let windows = plan
        .iter()
        .try_fold(0u64, |sum, m| sum.checked_add(m.delivery_window))
        .ok_or_else(|| usage("the milestones' windows do not fit"))?;
    Ok((plan, Some(windows)))
}

/// One `AMOUNT:WINDOW` spec.
fn step(units: &TokenUnits, spec: &str) -> OpResult<Milestone> {
    let (amount, delivery) = spec.rsplit_once(':').ok_or_else(|| {
        usage(format!(
            "invalid milestone '{spec}': expected AMOUNT:WINDOW, e.g. '40 UNIT:3d'"
        ))
    })?;
    let amount = units
        .parse(amount.trim())
        .map_err(|e| usage(format!("invalid milestone '{spec}': {e}")))?;
    if amount == 0 {
        return Err(usage(format!(
            "invalid milestone '{spec}': the amount must be above zero"
        )));
    }
    Ok(Milestone {
        amount,
        delivery_window: window("milestone window", delivery.trim())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> TokenUnits {
        TokenUnits::new(12, "UNIT")
    }

    fn specs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const UNIT: u128 = 1_000_000_000_000;

    #[test]
    fn a_plan_adds_up_to_the_price_and_its_windows_make_the_delivery_window() {
        let (plan, window) = parse_plan(
            &units(),
            &specs(&["4 UNIT:1d", "6:2d"]),
            10 * UNIT,
            "the price",
        )
        .unwrap();
        assert_eq!(
            plan,
            vec![
                Milestone {
                    amount: 4 * UNIT,
                    delivery_window: 86_400_000
                },
                Milestone {
                    amount: 6 * UNIT,
                    delivery_window: 172_800_000
                },
            ]
        );
        assert_eq!(window, Some(259_200_000));
        assert_eq!(
            parse_plan(&units(), &[], 10 * UNIT, "the price").unwrap(),
            (Vec::new(), None)
        );
    }

    #[test]
    fn a_plan_that_does_not_add_up_is_refused_with_the_sums() {
        let error = |list: &[&str]| {
            parse_plan(&units(), &specs(list), 10 * UNIT, "the price")
                .unwrap_err()
                .to_string()
        };
        assert!(error(&["4:1d", "5:1d"]).contains("add up to 9 UNIT, but the price is 10 UNIT"));
        assert!(error(&["4 UNIT"]).contains("expected AMOUNT:WINDOW"));
        assert!(error(&["0:1d", "10:1d"]).contains("above zero"));
        assert!(error(&["10:0s"]).contains("milestone window"));
        assert!(error(&["1:1d"; 9]).contains("at most 8"));
    }
}
