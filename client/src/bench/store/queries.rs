//! The searches timed, and the store work of one `escrow offer list` page: what
//! `ops::stored_offers::list` asks the store once it is in step with the chain.

use super::catalog;
use crate::store::{synthetic, OfferQuery, StoreReader, StoreResult};

/// `offer list`'s default `--limit`.
pub const PAGE: u32 = 20;

/// A buyer's searches: a word being typed, two words, a word within a budget.
pub fn text_searches() -> Vec<(String, OfferQuery)> {
    vec![
        ("text search, word prefix: `offer list --text gui`".into(), text("gui")),
        (
            "text search, two words: `offer list --text \"vintage guitar\"`".into(),
            text("vintage guitar"),
        ),
        (
            "text search, word and price: `offer list --text chair --min-price 100 --max-price 300`".into(),
            OfferQuery {
                min_price: Some(100 * catalog::PRICE_STEP),
                max_price: Some(300 * catalog::PRICE_STEP),
                ..text("chair")
            },
        ),
    ]
}

/// `offer list`'s first page: bare (every active offer), and with each filter a buyer
/// reaches for first.
pub fn offer_lists() -> Vec<(String, OfferQuery)> {
    vec![
        ("`offer list`".into(), first_page(OfferQuery::default())),
        ("`offer list --text lamp`".into(), text("lamp")),
        (
            format!(
                "`offer list --seller` (one of {} sellers)",
                catalog::SELLERS
            ),
            first_page(OfferQuery {
                seller: Some(synthetic::account(7)),
                ..OfferQuery::default()
            }),
        ),
        (
            "`offer list --min-rating 4.5`".into(),
            first_page(OfferQuery {
                // stored_offers::list keeps ratings ×100: 4.5 → 450.
                min_rating_centi: Some(450),
                ..OfferQuery::default()
            }),
        ),
    ]
}

fn text(words: &str) -> OfferQuery {
    first_page(OfferQuery {
        text: Some(words.into()),
        ..OfferQuery::default()
    })
}

/// As `stored_offers::list` asks: one offer more than the page, to know whether there is a
/// next one.
fn first_page(q: OfferQuery) -> OfferQuery {
    OfferQuery {
        limit: PAGE + 1,
        ..q
    }
}

/// One page as `stored_offers::list` reads it from the store: the matching offers, then each
/// shown offer's seller's reputation. Returns the offers shown.
pub fn offer_list_page(reader: &StoreReader, query: &OfferQuery) -> StoreResult<usize> {
    let found = reader.search_offers(query)?;
    let shown = &found[..found.len().min(PAGE as usize)];
    for offer in shown {
        reader.reputation(&offer.seller.id())?;
    }
    Ok(shown.len())
}
