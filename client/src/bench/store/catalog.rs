//! A synthetic catalogue of offers for the search measurements: titles and descriptions built
//! from a fixed vocabulary, so the text index holds many distinct words, each query matches a
//! known share of the offers, and every query matches something even in a small catalogue.

use crate::ops::types::{AccountBytes, AccountReputation, Offer};
use crate::store::synthetic;

/// Title nouns; offer `id` sells `NOUNS[id % NOUNS.len()]`. No other word of the vocabulary
/// starts with "gui", so the prefix query matches guitars only.
pub const NOUNS: [&str; 40] = [
    "bicycle",
    "guitar",
    "camera",
    "lamp",
    "chair",
    "table",
    "kettle",
    "jacket",
    "drill",
    "tent",
    "sofa",
    "desk",
    "piano",
    "violin",
    "helmet",
    "backpack",
    "blender",
    "mirror",
    "rug",
    "clock",
    "watch",
    "scooter",
    "kayak",
    "monitor",
    "keyboard",
    "printer",
    "toaster",
    "vase",
    "bookshelf",
    "stroller",
    "skateboard",
    "telescope",
    "microphone",
    "amplifier",
    "projector",
    "headphones",
    "wardrobe",
    "bench",
    "easel",
    "typewriter",
];

/// Title adjectives: every combination of an adjective and a noun comes once in each run of
/// `NOUNS.len() * ADJECTIVES.len()` consecutive ids.
pub const ADJECTIVES: [&str; 16] = [
    "vintage", "red", "blue", "black", "white", "green", "compact", "folding", "electric",
    "antique", "handmade", "portable", "large", "small", "classic", "modern",
];

const MATERIALS: [&str; 8] = [
    "oak",
    "steel",
    "leather",
    "brass",
    "carbon",
    "walnut",
    "aluminium",
    "ceramic",
];

const CONDITIONS: [&str; 5] = [
    "Like new",
    "Used, good",
    "Used, fair",
    "New in box",
    "Refurbished",
];

const EXTRAS: [&str; 6] = [
    "collection only",
    "ships within two days",
    "original receipt",
    "minor scratches",
    "spare parts included",
    "smoke-free home",
];

const CITIES: [&str; 8] = [
    "Berlin", "Lisbon", "Oslo", "Porto", "Lyon", "Krakow", "Ghent", "Turin",
];

/// Distinct sellers ([`synthetic::account`] 0 to `SELLERS - 1`); prime, so a seller's offers
/// are of every kind.
pub const SELLERS: u64 = 211;

/// One UNIT of the dev chain (12 decimals): prices run from 1 to 1,000 UNIT.
pub const PRICE_STEP: u128 = 1_000_000_000_000;

/// Every tenth offer is withdrawn or sold out.
pub fn is_active(id: u64) -> bool {
    id % 10 != 9
}

/// A well-mixed function of `id` (splitmix64's finaliser), so neighbours differ in price and
/// wording.
fn mix(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick<'a>(words: &[&'a str], n: u64) -> &'a str {
    words[(n % words.len() as u64) as usize]
}

/// Offer `id`: e.g. "Vintage oak guitar", "Used, good; minor scratches; ships from Porto."
pub fn offer(id: u64) -> Offer {
    let nouns = NOUNS.len() as u64;
    let adjective = pick(&ADJECTIVES, id / nouns);
    let noise = mix(id);
    let title = format!(
        "{}{} {} {}",
        adjective[..1].to_uppercase(),
        &adjective[1..],
        pick(&MATERIALS, noise),
        pick(&NOUNS, id)
    );
    let description = format!(
        "{}; {}; ships from {}.",
        pick(&CONDITIONS, noise >> 8),
        pick(&EXTRAS, noise >> 16),
        pick(&CITIES, noise >> 24)
    );
    let price = PRICE_STEP * u128::from((noise >> 32) % 1_000 + 1);
    let mut o = synthetic::offer(
        id,
        synthetic::account(id % SELLERS),
        price,
        &title,
        &description,
    );
    o.active = is_active(id);
    o
}

/// Offers 0 to `count - 1`.
pub fn offers(count: u64) -> Vec<Offer> {
    (0..count).map(offer).collect()
}

/// Every seller's reputation: 1 to 30 ratings averaging 3.00 to 4.99, so that about a
/// quarter of the sellers (and of the offers) pass `--min-rating 4.5`.
pub fn reputations() -> Vec<(AccountBytes, AccountReputation)> {
    (0..SELLERS)
        .map(|seller| {
            let ratings = (1 + seller % 30) as u32;
            let average_rating_centi = 300 + (seller * 37 % 200) as u32;
            let reputation = AccountReputation {
                average_rating_centi,
                rating_sum: u64::from(ratings * average_rating_centi / 100),
                ..synthetic::reputation(ratings)
            };
            (synthetic::account(seller), reputation)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_adjective_and_noun_pair_comes_once_per_cycle_and_prices_are_in_range() {
        let cycle = (NOUNS.len() * ADJECTIVES.len()) as u64;
        let titles: std::collections::HashSet<String> = offers(cycle)
            .iter()
            .map(|o| {
                let words: Vec<&str> = o.terms.title.split(' ').collect();
                format!("{} {}", words[0].to_lowercase(), words[2])
            })
            .collect();
        assert_eq!(titles.len() as u64, cycle);
        assert!(titles.contains("vintage guitar"));
        for o in offers(2_000) {
            let steps = o.terms.price / PRICE_STEP;
            assert!((1..=1_000).contains(&steps), "{}", o.terms.price);
        }
        let vocabulary = [
            &NOUNS[..],
            &ADJECTIVES,
            &MATERIALS,
            &CONDITIONS,
            &EXTRAS,
            &CITIES,
        ];
        let gui: Vec<String> = vocabulary
            .iter()
            .flat_map(|words| words.iter())
            .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
            .map(str::to_lowercase)
            .filter(|w| w.starts_with("gui"))
            .collect();
        assert_eq!(gui, ["guitar"]);
    }

    #[test]
    fn a_quarter_of_the_sellers_have_an_average_of_4_5_or_more() {
        let reputations = reputations();
        assert_eq!(reputations.len() as u64, SELLERS);
        let high = reputations
            .iter()
            .filter(|(_, r)| r.average_rating_centi >= 450)
            .count();
        assert!((40..=65).contains(&high), "{high} of {SELLERS}");
        assert!(reputations
            .iter()
            .all(|(_, r)| (300..500).contains(&r.average_rating_centi) && r.ratings_count > 0));
    }
}
