//! Screening rules as typed on the command line (`--min-deals`, `--allow`, ...), checked as
//! the contracts check them before any fee is spent.

use super::input::rating_centi;
use super::{usage, Ctx, OpResult};
use crate::types::{Screening, BPS};

/// Most accounts an allow or a block list holds (the reputation contract's `MAX_LISTED`).
pub const MAX_LISTED: usize = 8;

/// `--min-deals`, `--min-rating`, `--max-disputes-lost`, `--max-withheld`, `--allow`,
/// `--block`, as typed.
#[derive(Debug, Clone, Default)]
pub struct ScreeningArgs {
    pub min_deals: u32,
    /// 0 to 5, e.g. `4.5`.
    pub min_rating: Option<f64>,
    /// Percent, e.g. `25` (of the disputes it opened or answered).
    pub max_disputes_lost_pct: Option<u8>,
    /// Percent, e.g. `10` (of its deals as seller).
    pub max_failed_pct: Option<u8>,
    /// An amount, e.g. `100 UNIT`.
    pub min_volume: Option<String>,
    pub max_ratings_withheld: Option<u32>,
    pub allow: Vec<String>,
    pub block: Vec<String>,
}

/// The rules `a` sets; no flag lets everyone through.
pub fn build(ctx: &Ctx, a: &ScreeningArgs) -> OpResult<Screening> {
    for (flag, list) in [("--allow", &a.allow), ("--block", &a.block)] {
        if list.len() > MAX_LISTED {
            return Err(usage(format!(
                "{flag} names {} accounts; at most {MAX_LISTED}",
                list.len()
            )));
        }
    }
    let share = |flag: &str, pct: Option<u8>| match pct {
        Some(p) if p > 100 => Err(usage(format!("{flag} is a percentage, 0 to 100"))),
        Some(p) => Ok(u16::from(p) * 100),
        None => Ok(BPS),
    };
    let max_disputes_lost_bps = share("--max-disputes-lost", a.max_disputes_lost_pct)?;
    let max_failed_bps = share("--max-failed", a.max_failed_pct)?;
    let min_volume = match &a.min_volume {
        Some(v) => ctx.units().parse(v)?,
        None => 0,
    };
    let accounts = |list: &[String]| -> OpResult<Vec<_>> {
        list.iter().map(|s| Ok(ctx.account(s)?.0.into())).collect()
    };
    Ok(Screening {
        min_deals: a.min_deals,
        min_rating_centi: a.min_rating.map(rating_centi).transpose()?.unwrap_or(0),
        max_disputes_lost_bps,
        max_failed_bps,
        min_volume,
        max_ratings_withheld: a.max_ratings_withheld.unwrap_or(u32::MAX),
        allow: accounts(&a.allow)?,
        block: accounts(&a.block)?,
    })
}
