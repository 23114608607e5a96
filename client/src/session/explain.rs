//! One line of explanation per contract error variant, from the doc comments of `Error` in
//! contracts/escrow/lib.rs, contracts/reputation/lib.rs and contracts/requests/error.rs
//! (undocumented variants explained here).

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
            "Only the requests contract this escrow instantiated may open a deal for a buyer."
        }
        "InvalidScreening" => {
            "Screening lists hold at most 8 accounts, and the disputes-lost share is at most 100%."
        }
        "Screened" => "Refused by screening.",
        "ReputationUnavailable" => "The reputation contract did not answer the screening read.",
        "InvalidMilestones" => {
            "Milestones: at most 8, each paying something and lasting at least the minimum delivery window, adding up to the price and the delivery window; an offer paid by milestones keeps its price."
        }
        "WrongMilestone" => {
            "The deal is at another milestone than the one named (a deal paid in milestones is \
             released a whole milestone at a time)."
        }
        "ArbiterFeeRaised" => {
            "The arbiter raised its fee after the proposal was made at the lower one; award \
             another proposal."
        }
        "RequestsNotCreated" => {
            "The escrow could not instantiate its requests contract (is the requests code uploaded?)."
        }
        "FeeBelowFloor" => {
            "The platform fee may not go below the fee floor fixed at instantiation (see `escrow config`)."
        }
        "ReportStillPending" => {
            "The deal's reputation report is still pending: run `escrow deal retry-report` before pruning."
        }
        "InvalidSettings" => {
            "A report limit of 0 (which pallet-contracts reads as no limit) or a prune_after of 0."
        }
        "StillActive" => {
            "Only a withdrawn offer or a retired arbiter can be removed: withdraw or retire it first."
        }
        "TooMuchEvidence" => {
            "You have cited the 8 pieces of evidence each side may give in a dispute."
        }
        _ => return None,
    })
}

/// The explanation of a reputation error variant.
pub fn reputation_error(variant: &str) -> Option<&'static str> {
    Some(match variant {
        "InvalidWindow" => "The rating window must be longer than zero.",
        "NotAuthorized" => "The caller is not an escrow this reputation contract created.",
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
        "EscrowNotCreated" => {
            "The escrow's constructor refused its settings, or an escrow with this salt exists."
        }
        "InvalidSettings" => {
            "A platform fee below the reputation contract's fee floor, a prune_after shorter than twice the rating window, or a floor above 10%."
        }
        _ => return None,
    })
}

/// The explanation of a requests error: `variant`, with `details` (the whole decoded value)
/// naming the screening rule failed or the escrow's own error.
pub fn requests_error(variant: &str, details: &str) -> Option<String> {
    let line = match variant {
        "TitleEmpty" => "The title must not be empty.",
        "TitleTooLong" => "The title is longer than 64 bytes.",
        "DescriptionTooLong" => "The description is longer than 256 bytes.",
        "ZeroAmount" => "The budget and a proposal's price must be above zero.",
        "WrongAmount" => "The transferred value is not exactly the budget.",
        "InvalidWindow" => "A window is zero or longer than a year.",
        "InvalidArbiters" => "A request accepts 1 to 4 arbiters, none of them the poster.",
        "InvalidScreening" => {
            "Screening lists hold at most 8 accounts, and the disputes-lost share is at most 100%."
        }
        "RequestNotFound" => "There is no request with this id.",
        "ProposalNotFound" => {
            "There is no competing proposal with this index (withdrawn, rejected or never made), or nothing of yours to withdraw."
        }
        "NotPoster" => "Only the request's poster may do this.",
        "NotOpen" => "The request was awarded, cancelled or closed already.",
        "ProposalsClosed" => "Proposals closed at the request's proposal deadline.",
        "TooEarly" => "The deadline for this has not passed yet.",
        "TooLate" => "The award window is over: the request can only be closed.",
        "PosterCannotPropose" => "The poster cannot propose for its own request.",
        "OverBudget" => "The price is above the request's budget.",
        "DeliveryTooLong" => "The delivery window is zero or longer than the request allows.",
        "ArbiterNotAccepted" => "The arbiter is not one the request accepts, or is the worker.",
        "AlreadyProposed" => {
            "The worker has proposed on this request already (one proposal per worker, a \
             withdrawn or rejected one included)."
        }
        "TooManyProposals" => {
            "32 proposals compete on the request already (the poster may reject one to free a slot)."
        }
        "NoAutoAward" => "The request does not allow auto-award.",
        "NoProposals" => "The request has no live proposal to award.",
        "InvalidMilestones" => {
            "A proposal's milestones: at most 8, each paying something, adding up to its price and delivery window."
        }
        "Screened" => return Some(screening_refusal(details).to_string()),
        "ReputationUnavailable" => "The reputation contract did not answer the screening read.",
        "EscrowRefused" => {
            let inner = inner_variant(details);
            return Some(format!(
                "The escrow refused to open the deal: {}",
                escrow_error(inner).unwrap_or(inner)
            ));
        }
        "EscrowUnavailable" => "The escrow could not be called.",
        "NoCredit" => "The caller has no credit to withdraw.",
        "TransferFailed" => "The chain refused the transfer.",
        "Overflow" => "A sum did not fit.",
        "ArbiterNotRegistered" => {
            "The proposal's arbiter is not an active registered arbiter of the escrow."
        }
        "ArbiterFeeMismatch" => {
            "The arbiter fee stated is not the one the escrow's registry holds for this arbiter."
        }
        "BelowArbiterMinimum" => "The price is below the smallest deal the arbiter takes.",
        "DeliveryWindowBelowMinimum" => {
            "The delivery window is below the escrow's minimum delivery window."
        }
        "ReviewWindowBelowMinimum" => "The review window is below the escrow's minimum review window.",
        "RulingWindowBelowMinimum" => "The ruling window is below the escrow's minimum ruling window.",
        "StillOpen" => {
            "The request is still open: only an awarded, cancelled or closed request can be removed."
        }
        _ => return None,
    };
    Some(line.to_string())
}

/// The rule a screened counterparty failed, from the decoded `Screened(<Refusal>)`.
pub fn screening_refusal(details: &str) -> &'static str {
    const RULES: [(&str, &str); 8] = [
        (
            "TooFewDeals",
            "Refused by screening: fewer deals completed than the minimum.",
        ),
        (
            "RatingTooLow",
            "Refused by screening: the weighted rating is below the minimum.",
        ),
        (
            "TooManyDisputesLost",
            "Refused by screening: too large a share of its disputes lost.",
        ),
        (
            "TooManyRatingsWithheld",
            "Refused by screening: too many ratings committed and withheld.",
        ),
        (
            "TooManyDealsFailed",
            "Refused by screening: too large a share of its deals as seller failed.",
        ),
        (
            "TooLittleVolume",
            "Refused by screening: its volume is below the minimum.",
        ),
        ("NotAllowed", "Refused by screening: not on the allow list."),
        ("Blocked", "Refused by screening: on the block list."),
    ];
    RULES
        .iter()
        .find(|(rule, _)| details.contains(rule))
        .map_or("Refused by screening.", |(_, line)| line)
}

/// `Name(Inner)` → `Inner`: the variant a data-carrying variant wraps.
fn inner_variant(details: &str) -> &str {
    details
        .split_once('(')
        .map_or(details, |(_, rest)| rest.trim_end_matches(')'))
        .trim()
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
            "InvalidScreening",
            "Screened",
            "ReputationUnavailable",
            "InvalidMilestones",
            "WrongMilestone",
            "ArbiterFeeRaised",
            "RequestsNotCreated",
            "FeeBelowFloor",
            "ReportStillPending",
            "InvalidSettings",
            "StillActive",
            "TooMuchEvidence",
        ] {
            assert!(escrow_error(v).is_some(), "{v}");
        }
        for v in [
            "InvalidWindow",
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
            "EscrowNotCreated",
            "InvalidSettings",
        ] {
            assert!(reputation_error(v).is_some(), "{v}");
        }
        for v in [
            "TitleEmpty",
            "TitleTooLong",
            "DescriptionTooLong",
            "ZeroAmount",
            "WrongAmount",
            "InvalidWindow",
            "InvalidArbiters",
            "InvalidScreening",
            "RequestNotFound",
            "ProposalNotFound",
            "NotPoster",
            "NotOpen",
            "ProposalsClosed",
            "TooEarly",
            "TooLate",
            "PosterCannotPropose",
            "OverBudget",
            "DeliveryTooLong",
            "ArbiterNotAccepted",
            "AlreadyProposed",
            "TooManyProposals",
            "NoAutoAward",
            "NoProposals",
            "Screened",
            "ReputationUnavailable",
            "EscrowRefused",
            "EscrowUnavailable",
            "NoCredit",
            "TransferFailed",
            "Overflow",
            "InvalidMilestones",
            "ArbiterNotRegistered",
            "ArbiterFeeMismatch",
            "BelowArbiterMinimum",
            "DeliveryWindowBelowMinimum",
            "ReviewWindowBelowMinimum",
            "RulingWindowBelowMinimum",
            "StillOpen",
        ] {
            assert!(requests_error(v, v).is_some(), "{v}");
        }
        assert_eq!(escrow_error("Nope"), None);
        assert_eq!(requests_error("Nope", "Nope"), None);
    }

    #[test]
    fn a_screening_refusal_names_the_rule_failed() {
        for (refusal, words) in [
            ("TooFewDeals", "fewer deals"),
            ("RatingTooLow", "rating is below"),
            ("TooManyDisputesLost", "disputes lost"),
            ("TooManyRatingsWithheld", "withheld"),
            ("TooManyDealsFailed", "failed"),
            ("TooLittleVolume", "volume"),
            ("NotAllowed", "allow list"),
            ("Blocked", "block list"),
        ] {
            let line = requests_error("Screened", &format!("Screened({refusal})")).unwrap();
            assert!(line.contains(words), "{refusal}: {line}");
        }
    }

    #[test]
    fn an_escrow_refusal_of_an_award_is_explained_by_the_escrow_error() {
        let line = requests_error("EscrowRefused", "EscrowRefused(ArbiterNotRegistered)").unwrap();
        assert!(
            line.starts_with(
                "The escrow refused to open the deal: The account is not a registered"
            ),
            "{line}"
        );
    }
}
