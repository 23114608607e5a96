//! One line of explanation per contract error variant, from the doc comments of `Error` in
//! contracts/escrow/lib.rs and contracts/reputation/lib.rs (undocumented variants explained here).

/// The explanation of an escrow error variant.
pub fn escrow_error(variant: &str) -> Option<&'static str> {
    Some(match variant {
        "NotOwner" => "Only the contract owner may do this.",
        "NotSeller" => "Only the offer's or deal's seller may do this.",
        "NotBuyer" => "Only the deal's buyer may do this.",
        "NotArbiter" => "Only the deal's arbiter may do this.",
        "NotParty" => "Only the deal's buyer or seller may do this.",
        "OfferNotFound" => "There is no offer with this id.",
        "OfferInactive" => "The offer was withdrawn.",
        "DealNotFound" => "There is no deal with this id.",
        "TitleEmpty" => "The title must not be empty.",
        "TitleTooLong" => "The title is longer than 64 bytes.",
        "DescriptionTooLong" => "The description is longer than 256 bytes.",
        "ZeroPrice" => "The price must be above zero.",
        "ZeroQuantity" => "The quantity must be above zero.",
        "ZeroAmount" => "The amount must be above zero.",
        "InvalidWindow" => {
            "A window is shorter than this escrow's minimum or longer than a year (see `escrow config`)."
        }
        "BpsOutOfRange" => "Basis points above 10 000.",
        "FeeIncrease" => "The platform fee may only go down, and never above 10%.",
        "ArbiterFeeAboveCap" => "An arbiter's fee may be at most 20% (2000 bps).",
        "ArbiterNotRegistered" => {
            "The account is not a registered, active arbiter (it must run `escrow arbiter register` first)."
        }
        "BelowArbiterMinimum" => "The deal is smaller than the arbiter's minimum amount.",
        "ArbiterIsParty" => "The arbiter cannot be the seller or the buyer.",
        "BuyerIsSeller" => "A seller cannot buy their own offer.",
        "StaleVersion" => "The offer changed since the buyer saw it.",
        "InsufficientQuantity" => "Fewer units are available than asked for.",
        "WrongAmount" => "The transferred value is not exactly what is owed.",
        "AmountExceedsRemaining" => "More than the deal still holds.",
        "InvalidState" => "The deal is not in a state that allows this.",
        "TooEarly" => "The deadline for this has not passed yet.",
        "TooLate" => "The deadline for this has passed.",
        "NoProposal" => "No split has been proposed for this deal.",
        "ProposalMismatch" => "The proposal on record has a different split.",
        "OwnProposal" => "A party cannot accept its own proposal.",
        "NoCredit" => "The caller has no credit to withdraw.",
        "TransferFailed" => "The chain refused the transfer.",
        "NoPendingReport" => {
            "The deal's reputation report is not pending (already taken, or no reputation contract)."
        }
        "ReportFailed" => "The reputation contract refused the deal's report again.",
        "Overflow" => "A sum did not fit.",
        "NotRequestsContract" => {
            "Only a contract running the escrow's requests code may open a deal for a buyer."
        }
        _ => return None,
    })
}

/// The explanation of a reputation error variant.
pub fn reputation_error(variant: &str) -> Option<&'static str> {
    Some(match variant {
        "InvalidWindow" => "The rating window must be longer than zero.",
        "NotOwner" => "Only the owner may do this.",
        "NotAuthorized" => "The caller is not an authorised escrow.",
        "AlreadyRecorded" => "This escrow already reported this deal id.",
        "InvalidReport" => {
            "The report is inconsistent (buyer is seller, bps above 10 000, or the dispute opener is neither buyer nor seller)."
        }
        "DealNotFound" => {
            "No deal recorded under this escrow and deal id (the deal has not ended yet?)."
        }
        "NotParty" => "The caller is neither the buyer nor the seller of the deal.",
        "RatingWindowClosed" => "The commit window of this deal is over.",
        "AlreadyRated" => "The caller already committed (on commit) or revealed (on reveal).",
        "NotCommitted" => "The caller has not committed to a rating for this deal.",
        "RevealTooEarly" => "The other party has not committed and the commit window is still open.",
        "RevealWindowClosed" => "The reveal window of this deal is over.",
        "InvalidScore" => "Scores are 1..=5.",
        "CommitmentMismatch" => "The revealed rating does not match the commitment.",
        "NotRateable" => {
            "The deal cannot be rated: it is below the minimum rated amount or paid the seller nothing."
        }
        "RevealWindowOpen" => "The reveal window of this deal is still open.",
        "AlreadyCounted" => "Withheld ratings of this deal were counted already.",
        "TooManyEscrows" => "8 escrows are authorised already: revoke one first.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_explained() {
        for v in [
            "NotOwner",
            "NotSeller",
            "NotBuyer",
            "NotArbiter",
            "NotParty",
            "OfferNotFound",
            "OfferInactive",
            "DealNotFound",
            "TitleEmpty",
            "TitleTooLong",
            "DescriptionTooLong",
            "ZeroPrice",
            "ZeroQuantity",
            "ZeroAmount",
            "InvalidWindow",
            "BpsOutOfRange",
            "FeeIncrease",
            "ArbiterFeeAboveCap",
            "ArbiterNotRegistered",
            "BelowArbiterMinimum",
            "ArbiterIsParty",
            "BuyerIsSeller",
            "StaleVersion",
            "InsufficientQuantity",
            "WrongAmount",
            "AmountExceedsRemaining",
            "InvalidState",
            "TooEarly",
            "TooLate",
            "NoProposal",
            "ProposalMismatch",
            "OwnProposal",
            "NoCredit",
            "TransferFailed",
            "NoPendingReport",
            "ReportFailed",
            "Overflow",
            "NotRequestsContract",
        ] {
            assert!(escrow_error(v).is_some(), "{v}");
        }
        for v in [
            "InvalidWindow",
            "NotOwner",
            "NotAuthorized",
            "AlreadyRecorded",
            "InvalidReport",
            "DealNotFound",
            "NotParty",
            "RatingWindowClosed",
            "AlreadyRated",
            "NotCommitted",
            "RevealTooEarly",
            "RevealWindowClosed",
            "InvalidScore",
            "CommitmentMismatch",
            "NotRateable",
            "RevealWindowOpen",
            "AlreadyCounted",
            "TooManyEscrows",
        ] {
            assert!(reputation_error(v).is_some(), "{v}");
        }
        assert_eq!(escrow_error("Nope"), None);
    }
}
