//! The screening flags `offer create` and `request create` share: the rules a counterparty
//! must meet, as [`escrow_client::ops::screening::ScreeningArgs`].

use clap::Args;

use escrow_client::ops::screening::ScreeningArgs;

/// Rules a counterparty must meet (checked on chain against its reputation).
#[derive(Debug, Clone, Args)]
pub struct ScreeningFlags {
    /// Fewest deals completed (as buyer and seller together).
    #[arg(long, default_value_t = 0)]
    pub min_deals: u32,
    /// Lowest value-weighted average rating, 0-5 (e.g. 4.5).
    #[arg(long)]
    pub min_rating: Option<f64>,
    /// Highest share of its disputes lost (opened or answered), in percent.
    #[arg(long)]
    pub max_disputes_lost: Option<u8>,
    /// Highest share of its deals as seller that it failed (reclaimed, refunded late, ruled
    /// at fault), in percent.
    #[arg(long)]
    pub max_failed: Option<u8>,
    /// Least volume: what sellers received in its deals (e.g. `100 UNIT`); each unit of it
    /// paid the reputation's fee floor.
    #[arg(long)]
    pub min_volume: Option<String>,
    /// Most ratings committed and never revealed.
    #[arg(long)]
    pub max_withheld: Option<u32>,
    /// Only these accounts (repeat, at most 8).
    #[arg(long = "allow", value_name = "ACCOUNT")]
    pub allow: Vec<String>,
    /// Never these accounts (repeat, at most 8).
    #[arg(long = "block", value_name = "ACCOUNT")]
    pub block: Vec<String>,
}

impl ScreeningFlags {
    pub fn args(self) -> ScreeningArgs {
        ScreeningArgs {
            min_deals: self.min_deals,
            min_rating: self.min_rating,
            max_disputes_lost_pct: self.max_disputes_lost,
            max_failed_pct: self.max_failed,
            min_volume: self.min_volume,
            max_ratings_withheld: self.max_withheld,
            allow: self.allow,
            block: self.block,
        }
    }
}
