//! Checks of what the user typed that offers, requests, milestones and screening rules share,
//! in the contracts' own limits, so a mistake is refused before any fee is spent.

use super::types::{MAX_DESCRIPTION_BYTES, MAX_TITLE_BYTES, MAX_WINDOW_MS};
use super::{usage, OpResult};
use crate::units::{parse_duration_ms, TokenUnits};

/// A window as typed: longer than zero and at most a year; the error names the window.
pub fn window(name: &str, input: &str) -> OpResult<u64> {
    let ms = parse_duration_ms(input)?;
    if ms == 0 || ms > MAX_WINDOW_MS {
        return Err(usage(format!(
            "invalid {name} '{input}': must be longer than zero and at most a year"
        )));
    }
    Ok(ms)
}

/// A rating of 0 to 5 (`4.5`) in the hundredths the contracts keep (450).
pub fn rating_centi(rating: f64) -> OpResult<u32> {
    if !(0.0..=5.0).contains(&rating) {
        return Err(usage("--min-rating must be between 0 and 5"));
    }
    Ok((rating * 100.0).ceil() as u32)
}

/// A price as typed; the error names the price.
pub fn parse_price(units: &TokenUnits, input: &str) -> OpResult<u128> {
    units
        .parse(input)
        .map_err(|e| usage(format!("invalid price: {e}")))
}

/// A title and description as the contracts check them (offers and requests alike).
/// A description as the contracts can hold it: as it is, or a summary referring to the
/// whole text, which is published with the call ([`crate::documents::details`]).
pub fn fit_description(
    description: &str,
) -> OpResult<(String, Option<crate::documents::Document>)> {
    crate::documents::details::fit(description, MAX_DESCRIPTION_BYTES)
        .map_err(|e| usage(format!("the description: {e}")))
}

pub fn check_text(title: &str, description: &str) -> OpResult<()> {
    if title.is_empty() {
        return Err(usage("the title must not be empty"));
    }
    if title.len() > MAX_TITLE_BYTES {
        return Err(usage(format!(
            "the title is longer than {MAX_TITLE_BYTES} bytes"
        )));
    }
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(usage(format!(
            "the description is longer than {MAX_DESCRIPTION_BYTES} bytes"
        )));
    }
    Ok(())
}
