//! An average rating as shown (text, JSON): none for an account without ratings, never 0,
//! which would read as the worst rating. Scores run from 1 to 5, so an average of 0 (×100) is
//! no rating either: a value-weighted average without weight.

use serde::Serializer;

/// `centi` (an average ×100), or none for an account without ratings.
pub fn rating_or_none(ratings_count: u32, centi: u32) -> Option<u32> {
    (ratings_count > 0 && centi > 0).then_some(centi)
}

/// For `#[serde(serialize_with)]` on an average ×100: `null` for 0, no rating.
pub fn ser_rating_centi<S: Serializer>(centi: &u32, s: S) -> Result<S::Ok, S::Error> {
    match *centi {
        0 => s.serialize_none(),
        c => s.serialize_some(&c),
    }
}

/// `4.50`, or `none`.
pub fn rating_text(centi: Option<u32>) -> String {
    match centi {
        Some(c) => format!("{:.2}", f64::from(c) / 100.0),
        None => "none".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_without_ratings_has_no_rating_not_zero() {
        assert_eq!(rating_or_none(0, 0), None);
        assert_eq!(rating_or_none(3, 0), None);
        assert_eq!(rating_or_none(2, 450), Some(450));
        assert_eq!(rating_text(None), "none");
        assert_eq!(rating_text(Some(450)), "4.50");
        assert_eq!(rating_text(Some(100)), "1.00");
    }

    #[test]
    fn an_average_of_zero_serialises_as_null() {
        #[derive(serde::Serialize)]
        struct R {
            #[serde(serialize_with = "ser_rating_centi")]
            average: u32,
        }
        let json = |average| serde_json::to_string(&R { average }).unwrap();
        assert_eq!(json(0), r#"{"average":null}"#);
        assert_eq!(json(425), r#"{"average":425}"#);
    }
}
