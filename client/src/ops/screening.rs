//! Screening rules as typed on the command line (`--min-deals`, `--allow`, ...), checked as
//! the contracts check them before any fee is spent.

use super::offers::rating_centi;
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
    /// Percent, e.g. `25` (of the disputes it opened).
    pub max_disputes_lost_pct: Option<u8>,
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
    let max_disputes_lost_bps = match a.max_disputes_lost_pct {
        Some(p) if p > 100 => return Err(usage("--max-disputes-lost is a percentage, 0 to 100")),
        Some(p) => u16::from(p) * 100,
        None => BPS,
    };
    let accounts = |list: &[String]| -> OpResult<Vec<_>> {
        list.iter().map(|s| Ok(ctx.account(s)?.0.into())).collect()
    };
    Ok(Screening {
        min_deals: a.min_deals,
        min_rating_centi: a.min_rating.map(rating_centi).transpose()?.unwrap_or(0),
        max_disputes_lost_bps,
        max_ratings_withheld: a.max_ratings_withheld.unwrap_or(u32::MAX),
        allow: accounts(&a.allow)?,
        block: accounts(&a.block)?,
    })
}
