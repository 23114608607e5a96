//! The money rules, as pure functions: the contract and the property test's model both use
//! them, so a rule is written once and checked against every random history.

/// Basis points in one whole.
pub const BPS: u16 = 10_000;
/// The split applied when the arbiter misses the ruling window of a dispute opened after
/// delivery.
pub const EVEN_SPLIT_BPS: u16 = 5_000;

/// `amount * bps / 10_000`, rounded down, without intermediate overflow.
pub fn bps_of(amount: u128, bps: u16) -> u128 {
    const WHOLE: u128 = BPS as u128;
    let bps = u128::from(bps.min(BPS));
    let (whole, rest) = (amount / WHOLE, amount % WHOLE);
    // whole * bps <= amount and rest * bps < 10_000 * 10_000: none of these saturate.
    whole
        .saturating_mul(bps)
        .saturating_add(rest.saturating_mul(bps) / WHOLE)
}

/// How the money a deal still holds is divided when it ends by a split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shares {
    pub to_seller: u128,
    pub to_buyer: u128,
    pub platform_fee: u128,
    pub arbiter_fee: u128,
}

/// Divides `remaining`: the arbiter fee comes off the top, the seller gets `seller_bps` of the
/// rest, the buyer gets what is left (so rounding remainders go to the buyer), and the platform
/// fee is taken from the seller's part. The four shares always add up to `remaining`.
pub fn split(
    remaining: u128,
    seller_bps: u16,
    arbiter_fee_bps: u16,
    platform_fee_bps: u16,
) -> Shares {
    // bps_of(x, _) <= x, so none of the subtractions saturate.
    let arbiter_fee = bps_of(remaining, arbiter_fee_bps);
    let pool = remaining.saturating_sub(arbiter_fee);
    let seller_gross = bps_of(pool, seller_bps);
    let platform_fee = bps_of(seller_gross, platform_fee_bps);
    Shares {
        to_seller: seller_gross.saturating_sub(platform_fee),
        to_buyer: pool.saturating_sub(seller_gross),
        platform_fee,
        arbiter_fee,
    }
}

/// `part` of `whole` in basis points, rounded down (10_000 when `whole` is 0 or `part`
/// exceeds it). Used to report a deal's outcome as the seller's share of all of it.
pub fn share_bps(part: u128, whole: u128) -> u16 {
    if whole == 0 || part >= whole {
        return BPS;
    }
    const WHOLE: u128 = BPS as u128;
    let scaled = match part.checked_mul(WHOLE) {
        Some(p) => p.checked_div(whole),
        // part < whole, both huge: whole / 10_000 >= 1 here.
        None => part.checked_div(whole / WHOLE),
    };
    scaled
        .and_then(|bps| u16::try_from(bps).ok())
        .map_or(BPS, |bps| bps.min(BPS))
}

/// How a deal ended, as far as the bond rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The buyer released everything, or the review window ran out after delivery.
    Completed,
    /// The seller gave the money back.
    Refunded,
    /// The delivery deadline passed without delivery.
    Reclaimed,
    /// Both parties agreed a split.
    Settled,
    /// The arbiter ruled this share for the seller, and whether the seller was at fault.
    Ruled(u16, bool),
    /// The ruling window ran out.
    DefaultRuled,
}

/// The bond rule. A seller who did not deliver in time never gets the deal's bond back: it
/// goes to the buyer when the deal was never marked delivered and it ends
/// - by `reclaim` (the delivery deadline passed),
/// - by a refund or a settlement at or after the delivery deadline,
/// - by the default of a dispute opened before delivery (the arbiter stayed silent).
///
/// A ruling decides the bond apart from the split: it goes to the buyer exactly when the
/// arbiter finds the seller at fault, delivered or not ("delivered" is the seller's own word),
/// so a buyer can be refunded without fault. In every other case (delivered, a buyer who paid
/// everything out, a refund or settlement before the deadline) the bond returns.
pub fn bond_to_buyer(delivered: bool, ending: Ending, at_or_after_deadline: bool) -> bool {
    if let Ending::Ruled(_, at_fault) = ending {
        return at_fault;
    }
    if delivered {
        return false;
    }
    match ending {
        Ending::Completed => false,
        Ending::Reclaimed | Ending::DefaultRuled => true,
        Ending::Refunded | Ending::Settled | Ending::Ruled(..) => at_or_after_deadline,
    }
}

/// Whether the deal counts as failed by its seller: the bond rule's failures, except a
/// settlement, which the buyer agreed to.
pub fn seller_failed(delivered: bool, ending: Ending, at_or_after_deadline: bool) -> bool {
    ending != Ending::Settled && bond_to_buyer(delivered, ending, at_or_after_deadline)
}

/// What the seller gets of the remainder when the ruling window runs out: an even split
/// for a dispute opened after delivery, nothing for one opened before (a seller cannot
/// dispute instead of delivering and collect half).
pub fn default_ruling_bps(delivered: bool) -> u16 {
    if delivered {
        EVEN_SPLIT_BPS
    } else {
        0
    }
}
