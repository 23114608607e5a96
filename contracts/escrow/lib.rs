#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! Escrow for peer-to-peer trades.
//!
//! Sellers list offers; a buyer accepts one and pays into the contract, which holds the money
//! until a release rule decides where it goes. Every state that is not final has a deadline
//! after which anyone can move the deal to an end, so no money can be stuck. See
//! `contracts/README.md` for the lifecycle and the payout arithmetic.

pub use self::escrow::{
    Config, Deal, DealState, Dispute, Error, Escrow, EscrowRef, Offer, OfferTerms, Payout,
    SplitProposal,
};

/// Basis points in one whole.
pub const BPS: u16 = 10_000;
/// Hard cap on the platform fee: 10%.
pub const MAX_PLATFORM_FEE_BPS: u16 = 1_000;
/// The split applied when the arbiter misses the ruling window.
pub const EVEN_SPLIT_BPS: u16 = 5_000;
pub const MAX_TITLE_BYTES: usize = 64;
pub const MAX_DESCRIPTION_BYTES: usize = 256;
/// Longest delivery, review or ruling window: one year in milliseconds.
pub const MAX_WINDOW_MS: u64 = 365 * 24 * 60 * 60 * 1_000;
/// Most items one paged read returns. ink! 5 writes a message's return value into a 16 KiB
/// buffer and traps when it does not fit: 25 of the largest offers or deals (under 500 bytes
/// each) fit; 100 did not.
pub const MAX_PAGE: u32 = 25;

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

#[ink::contract]
mod escrow {
    use super::{
        bps_of, split, BPS, EVEN_SPLIT_BPS, MAX_DESCRIPTION_BYTES, MAX_PAGE, MAX_PLATFORM_FEE_BPS,
        MAX_TITLE_BYTES, MAX_WINDOW_MS,
    };
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;
    use reputation::{DealOutcome, DealReport, ReputationRef};

    /// What a seller sets when listing an offer.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct OfferTerms {
        /// At most 64 bytes, not empty.
        pub title: String,
        /// At most 256 bytes: a description or a content hash.
        pub description: String,
        /// Price of one unit.
        pub price: Balance,
        /// Units still available.
        pub quantity: u32,
        pub arbiter: AccountId,
        /// Share of a disputed deal's remaining money the arbiter earns by ruling.
        pub arbiter_fee_bps: u16,
        /// Milliseconds from acceptance to the delivery deadline.
        pub delivery_window: u64,
        /// Milliseconds from delivery to the end of the review window.
        pub review_window: u64,
        /// Milliseconds the arbiter has to rule once a dispute is opened.
        pub ruling_window: u64,
        /// Security deposit per unit, staked with the offer; the buyer gets it when the seller
        /// misses the delivery deadline.
        pub bond_per_unit: Balance,
    }

    /// A listed offer.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Offer {
        pub id: u64,
        pub seller: AccountId,
        pub terms: OfferTerms,
        /// Bumped whenever the seller changes price or quantity.
        pub version: u32,
        pub active: bool,
        /// Bond the offer holds for units not yet sold (plus bonds returned by ended deals).
        pub bond_stake: Balance,
        pub created_at: Timestamp,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub enum DealState {
        /// Paid in, waiting for delivery.
        Funded,
        /// Delivered, in the review window.
        Delivered,
        /// Waiting for the arbiter.
        Disputed,
        /// Final: the seller was paid everything.
        Completed,
        /// Final: the seller refunded the buyer.
        Refunded,
        /// Final: the delivery deadline passed; the buyer got the money and the bond.
        Reclaimed,
        /// Final: the parties agreed a split.
        Settled,
        /// Final: the arbiter ruled a split.
        Ruled,
        /// Final: the arbiter missed the ruling window; even split, no arbiter fee.
        DefaultRuled,
    }

    impl DealState {
        pub fn is_final(self) -> bool {
            !matches!(self, Self::Funded | Self::Delivered | Self::Disputed)
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Dispute {
        pub opened_by: AccountId,
        pub evidence: Hash,
        pub opened_at: Timestamp,
        pub ruling_deadline: Timestamp,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct SplitProposal {
        pub proposer: AccountId,
        pub seller_bps: u16,
    }

    /// Everything a deal has paid out so far. For an ended deal
    /// `to_seller + to_buyer + platform_fee + arbiter_fee == amount`.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Payout {
        pub to_seller: Balance,
        pub to_buyer: Balance,
        pub platform_fee: Balance,
        pub arbiter_fee: Balance,
        /// The seller's bond, when it went to the buyer.
        pub bond_to_buyer: Balance,
    }

    /// A buyer's purchase with every term frozen at acceptance.
    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(
        feature = "std",
        derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
    )]
    pub struct Deal {
        pub id: u64,
        pub offer_id: u64,
        pub offer_version: u32,
        pub buyer: AccountId,
        pub seller: AccountId,
        pub arbiter: AccountId,
        pub quantity: u32,
        pub unit_price: Balance,
        /// What the buyer paid in.
        pub amount: Balance,
        /// What the buyer has released to the seller (before fees).
        pub released: Balance,
        pub bond: Balance,
        pub platform_fee_bps: u16,
        pub arbiter_fee_bps: u16,
        pub review_window: u64,
        pub ruling_window: u64,
        pub created_at: Timestamp,
        pub delivery_deadline: Timestamp,
        pub review_deadline: Option<Timestamp>,
        pub dispute: Option<Dispute>,
        pub proposal: Option<SplitProposal>,
        pub state: DealState,
        pub closed_at: Option<Timestamp>,
        pub payout: Payout,
    }

    impl Payout {
        /// This payout plus more, or `Overflow`.
        fn add(
            self,
            to_seller: Balance,
            to_buyer: Balance,
            platform_fee: Balance,
            arbiter_fee: Balance,
        ) -> Result<Self> {
            let sum = |a: Balance, b: Balance| a.checked_add(b).ok_or(Error::Overflow);
            Ok(Self {
                to_seller: sum(self.to_seller, to_seller)?,
                to_buyer: sum(self.to_buyer, to_buyer)?,
                platform_fee: sum(self.platform_fee, platform_fee)?,
                arbiter_fee: sum(self.arbiter_fee, arbiter_fee)?,
                bond_to_buyer: self.bond_to_buyer,
            })
        }
    }

    impl Deal {
        /// Money the deal still holds (the bond aside).
        pub fn remaining(&self) -> Balance {
            self.amount.saturating_sub(self.released)
        }

        fn is_party(&self, account: AccountId) -> bool {
            account == self.buyer || account == self.seller
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub struct Config {
        pub owner: AccountId,
        pub fee_bps: u16,
        pub fee_cap_bps: u16,
        pub fee_recipient: AccountId,
        pub reputation: Option<AccountId>,
    }

    #[ink(storage)]
    pub struct Escrow {
        owner: AccountId,
        fee_bps: u16,
        fee_cap_bps: u16,
        fee_recipient: AccountId,
        reputation: Option<AccountId>,
        offers: Mapping<u64, Offer>,
        offer_count: u64,
        deals: Mapping<u64, Deal>,
        deal_count: u64,
        /// The n-th deal an account takes part in (as buyer, seller or arbiter).
        account_deals: Mapping<(AccountId, u32), u64>,
        account_deal_count: Mapping<AccountId, u32>,
        credits: Mapping<AccountId, Balance>,
        /// Sum of `remaining()` over open deals.
        escrowed: Balance,
        /// Bonds staked in offers and held by open deals.
        bonds: Balance,
        /// Sum of all credits.
        total_credits: Balance,
    }

    #[ink(event)]
    pub struct OfferCreated {
        #[ink(topic)]
        offer_id: u64,
        #[ink(topic)]
        seller: AccountId,
        price: Balance,
        quantity: u32,
        bond: Balance,
    }

    #[ink(event)]
    pub struct OfferUpdated {
        #[ink(topic)]
        offer_id: u64,
        #[ink(topic)]
        seller: AccountId,
        version: u32,
        price: Balance,
        quantity: u32,
    }

    #[ink(event)]
    pub struct OfferWithdrawn {
        #[ink(topic)]
        offer_id: u64,
        #[ink(topic)]
        seller: AccountId,
        bond_returned: Balance,
    }

    #[ink(event)]
    pub struct DealOpened {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        offer_id: u64,
        offer_version: u32,
        quantity: u32,
        amount: Balance,
        bond: Balance,
        delivery_deadline: Timestamp,
    }

    #[ink(event)]
    pub struct DealDelivered {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        review_deadline: Timestamp,
    }

    #[ink(event)]
    pub struct PaymentReleased {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        amount: Balance,
        to_seller: Balance,
        platform_fee: Balance,
        remaining: Balance,
    }

    #[ink(event)]
    pub struct SplitProposed {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        proposer: AccountId,
        seller_bps: u16,
    }

    #[ink(event)]
    pub struct DisputeOpened {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        opened_by: AccountId,
        evidence: Hash,
        ruling_deadline: Timestamp,
    }

    /// A deal reached a final state; the amounts are what this last step paid.
    #[ink(event)]
    pub struct DealClosed {
        #[ink(topic)]
        deal_id: u64,
        #[ink(topic)]
        buyer: AccountId,
        #[ink(topic)]
        seller: AccountId,
        outcome: DealState,
        to_seller: Balance,
        to_buyer: Balance,
        platform_fee: Balance,
        arbiter_fee: Balance,
        bond_to_buyer: Balance,
    }

    /// A pushed payment failed and was kept as a credit for `withdraw()`.
    #[ink(event)]
    pub struct PaymentCredited {
        #[ink(topic)]
        account: AccountId,
        amount: Balance,
    }

    #[ink(event)]
    pub struct CreditWithdrawn {
        #[ink(topic)]
        account: AccountId,
        amount: Balance,
    }

    #[ink(event)]
    pub struct ConfigChanged {
        owner: AccountId,
        fee_bps: u16,
        fee_recipient: AccountId,
        reputation: Option<AccountId>,
    }

    /// The reputation contract refused or failed the report; the payment went through.
    #[ink(event)]
    pub struct ReputationReportFailed {
        #[ink(topic)]
        deal_id: u64,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
    #[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
    pub enum Error {
        /// Only the contract owner may do this.
        NotOwner,
        /// Only the offer's or deal's seller may do this.
        NotSeller,
        /// Only the deal's buyer may do this.
        NotBuyer,
        /// Only the deal's arbiter may do this.
        NotArbiter,
        /// Only the deal's buyer or seller may do this.
        NotParty,
        OfferNotFound,
        /// The offer was withdrawn.
        OfferInactive,
        DealNotFound,
        TitleEmpty,
        /// The title is longer than 64 bytes.
        TitleTooLong,
        /// The description is longer than 256 bytes.
        DescriptionTooLong,
        ZeroPrice,
        ZeroQuantity,
        ZeroAmount,
        /// A window is zero or longer than a year.
        InvalidWindow,
        /// Basis points above 10 000.
        BpsOutOfRange,
        /// The platform fee would exceed its cap (at most 10%).
        FeeAboveCap,
        /// The arbiter cannot be the seller or the buyer.
        ArbiterIsParty,
        /// A seller cannot buy their own offer.
        BuyerIsSeller,
        /// The offer changed since the buyer saw it.
        StaleVersion,
        /// Fewer units are available than asked for.
        InsufficientQuantity,
        /// The transferred value is not exactly what is owed.
        WrongAmount,
        /// More than the deal still holds.
        AmountExceedsRemaining,
        /// The deal is not in a state that allows this.
        InvalidState,
        /// The deadline for this has not passed yet.
        TooEarly,
        /// The deadline for this has passed.
        TooLate,
        NoProposal,
        /// The proposal on record has a different split.
        ProposalMismatch,
        /// A party cannot accept its own proposal.
        OwnProposal,
        /// The caller has no credit to withdraw.
        NoCredit,
        /// The chain refused the transfer.
        TransferFailed,
        /// A sum did not fit.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    impl Escrow {
        /// Deploys the escrow. The caller becomes the owner. `fee_cap_bps` is fixed forever
        /// and at most 10%; the platform fee starts at `fee_bps`.
        #[ink(constructor)]
        pub fn new(
            fee_bps: u16,
            fee_cap_bps: u16,
            fee_recipient: AccountId,
            reputation: Option<AccountId>,
        ) -> Result<Self> {
            if fee_cap_bps > MAX_PLATFORM_FEE_BPS || fee_bps > fee_cap_bps {
                return Err(Error::FeeAboveCap);
            }
            Ok(Self {
                owner: Self::env().caller(),
                fee_bps,
                fee_cap_bps,
                fee_recipient,
                reputation,
                offers: Mapping::default(),
                offer_count: 0,
                deals: Mapping::default(),
                deal_count: 0,
                account_deals: Mapping::default(),
                account_deal_count: Mapping::default(),
                credits: Mapping::default(),
                escrowed: 0,
                bonds: 0,
                total_credits: 0,
            })
        }

        // ---- Owner ----

        /// Owner only: sets the platform fee for deals accepted from now on, up to the cap.
        #[ink(message)]
        pub fn set_fee(&mut self, fee_bps: u16) -> Result<()> {
            self.ensure_owner()?;
            if fee_bps > self.fee_cap_bps {
                return Err(Error::FeeAboveCap);
            }
            self.fee_bps = fee_bps;
            self.emit_config();
            Ok(())
        }

        /// Owner only: sets who is credited platform fees from now on.
        #[ink(message)]
        pub fn set_fee_recipient(&mut self, fee_recipient: AccountId) -> Result<()> {
            self.ensure_owner()?;
            self.fee_recipient = fee_recipient;
            self.emit_config();
            Ok(())
        }

        /// Owner only: sets (or clears) the reputation contract deal outcomes are reported to.
        #[ink(message)]
        pub fn set_reputation(&mut self, reputation: Option<AccountId>) -> Result<()> {
            self.ensure_owner()?;
            self.reputation = reputation;
            self.emit_config();
            Ok(())
        }

        /// Owner only: hands ownership (fee settings) to another account.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            self.ensure_owner()?;
            self.owner = new_owner;
            self.emit_config();
            Ok(())
        }

        // ---- Sellers: offers ----

        /// Anyone: lists an offer as its seller, transferring exactly
        /// `bond_per_unit * quantity` as the offer's bond stake. Returns the offer id.
        #[ink(message, payable)]
        pub fn create_offer(&mut self, terms: OfferTerms) -> Result<u64> {
            let seller = self.env().caller();
            Self::check_terms(&terms, seller)?;
            let bond = terms
                .bond_per_unit
                .checked_mul(Balance::from(terms.quantity))
                .ok_or(Error::Overflow)?;
            if self.env().transferred_value() != bond {
                return Err(Error::WrongAmount);
            }
            let id = self.offer_count;
            let offer_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let bonds = self.bonds.checked_add(bond).ok_or(Error::Overflow)?;

            self.offer_count = offer_count;
            self.bonds = bonds;
            self.env().emit_event(OfferCreated {
                offer_id: id,
                seller,
                price: terms.price,
                quantity: terms.quantity,
                bond,
            });
            self.offers.insert(
                id,
                &Offer {
                    id,
                    seller,
                    terms,
                    version: 1,
                    active: true,
                    bond_stake: bond,
                    created_at: self.env().block_timestamp(),
                },
            );
            Ok(id)
        }

        /// The offer's seller: changes price and quantity (0 pauses sales) and bumps the version,
        /// so buyers who saw the old terms are refused. A larger quantity needs its bond
        /// transferred with the call; bond no longer needed is refunded. Open deals keep their
        /// terms. Returns the new version.
        #[ink(message, payable)]
        pub fn update_offer(
            &mut self,
            offer_id: u64,
            price: Balance,
            quantity: u32,
        ) -> Result<u32> {
            let mut offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if self.env().caller() != offer.seller {
                return Err(Error::NotSeller);
            }
            if !offer.active {
                return Err(Error::OfferInactive);
            }
            if price == 0 {
                return Err(Error::ZeroPrice);
            }
            let needed = offer
                .terms
                .bond_per_unit
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            let shortfall = needed.saturating_sub(offer.bond_stake);
            let excess = offer.bond_stake.saturating_sub(needed);
            if self.env().transferred_value() != shortfall {
                return Err(Error::WrongAmount);
            }
            let version = offer.version.checked_add(1).ok_or(Error::Overflow)?;
            let bonds = self
                .bonds
                .checked_add(shortfall)
                .and_then(|b| b.checked_sub(excess))
                .ok_or(Error::Overflow)?;

            offer.terms.price = price;
            offer.terms.quantity = quantity;
            offer.version = version;
            offer.bond_stake = needed;
            self.offers.insert(offer_id, &offer);
            self.bonds = bonds;
            self.env().emit_event(OfferUpdated {
                offer_id,
                seller: offer.seller,
                version,
                price,
                quantity,
            });
            self.pay(offer.seller, excess);
            Ok(version)
        }

        /// The offer's seller: withdraws the offer and gets its unused bond back. Open deals
        /// are not affected; their bonds go to the seller when they end.
        #[ink(message)]
        pub fn withdraw_offer(&mut self, offer_id: u64) -> Result<()> {
            let mut offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if self.env().caller() != offer.seller {
                return Err(Error::NotSeller);
            }
            if !offer.active {
                return Err(Error::OfferInactive);
            }
            let stake = offer.bond_stake;
            let bonds = self.bonds.checked_sub(stake).ok_or(Error::Overflow)?;

            offer.active = false;
            offer.bond_stake = 0;
            self.offers.insert(offer_id, &offer);
            self.bonds = bonds;
            self.env().emit_event(OfferWithdrawn {
                offer_id,
                seller: offer.seller,
                bond_returned: stake,
            });
            self.pay(offer.seller, stake);
            Ok(())
        }

        // ---- Buyers: accepting ----

        /// Anyone but the seller and the arbiter: buys `quantity` units of an offer at the
        /// `version` they saw, transferring exactly `price * quantity`. Freezes every term into
        /// a new deal and returns its id.
        #[ink(message, payable)]
        pub fn accept_offer(&mut self, offer_id: u64, quantity: u32, version: u32) -> Result<u64> {
            let buyer = self.env().caller();
            let mut offer = self.offers.get(offer_id).ok_or(Error::OfferNotFound)?;
            if !offer.active {
                return Err(Error::OfferInactive);
            }
            if buyer == offer.seller {
                return Err(Error::BuyerIsSeller);
            }
            if buyer == offer.terms.arbiter {
                return Err(Error::ArbiterIsParty);
            }
            if version != offer.version {
                return Err(Error::StaleVersion);
            }
            if quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            if quantity > offer.terms.quantity {
                return Err(Error::InsufficientQuantity);
            }
            let amount = offer
                .terms
                .price
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            if self.env().transferred_value() != amount {
                return Err(Error::WrongAmount);
            }
            let bond = offer
                .terms
                .bond_per_unit
                .checked_mul(Balance::from(quantity))
                .ok_or(Error::Overflow)?;
            let bond_stake = offer.bond_stake.checked_sub(bond).ok_or(Error::Overflow)?;
            let now = self.env().block_timestamp();
            let delivery_deadline = now
                .checked_add(offer.terms.delivery_window)
                .ok_or(Error::Overflow)?;
            let id = self.deal_count;
            let deal_count = id.checked_add(1).ok_or(Error::Overflow)?;
            let escrowed = self.escrowed.checked_add(amount).ok_or(Error::Overflow)?;

            // quantity <= available was checked above.
            offer.terms.quantity = offer.terms.quantity.saturating_sub(quantity);
            offer.bond_stake = bond_stake;
            self.offers.insert(offer_id, &offer);
            self.deal_count = deal_count;
            self.escrowed = escrowed;
            let deal = Deal {
                id,
                offer_id,
                offer_version: version,
                buyer,
                seller: offer.seller,
                arbiter: offer.terms.arbiter,
                quantity,
                unit_price: offer.terms.price,
                amount,
                released: 0,
                bond,
                platform_fee_bps: self.fee_bps,
                arbiter_fee_bps: offer.terms.arbiter_fee_bps,
                review_window: offer.terms.review_window,
                ruling_window: offer.terms.ruling_window,
                created_at: now,
                delivery_deadline,
                review_deadline: None,
                dispute: None,
                proposal: None,
                state: DealState::Funded,
                closed_at: None,
                payout: Payout::default(),
            };
            self.deals.insert(id, &deal);
            for account in [buyer, offer.seller, offer.terms.arbiter] {
                self.index_deal(account, id);
            }
            self.env().emit_event(DealOpened {
                deal_id: id,
                buyer,
                seller: offer.seller,
                offer_id,
                offer_version: version,
                quantity,
                amount,
                bond,
                delivery_deadline,
            });
            Ok(id)
        }

        // ---- Deal parties ----

        /// The deal's seller, while `Funded` and before the delivery deadline: marks the deal
        /// delivered, which starts the review window.
        #[ink(message)]
        pub fn mark_delivered(&mut self, deal_id: u64) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.seller {
                return Err(Error::NotSeller);
            }
            if deal.state != DealState::Funded {
                return Err(Error::InvalidState);
            }
            let now = self.env().block_timestamp();
            if now >= deal.delivery_deadline {
                return Err(Error::TooLate);
            }
            let review_deadline = now.checked_add(deal.review_window).ok_or(Error::Overflow)?;

            deal.state = DealState::Delivered;
            deal.review_deadline = Some(review_deadline);
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(DealDelivered {
                deal_id,
                buyer: deal.buyer,
                seller: deal.seller,
                review_deadline,
            });
            Ok(())
        }

        /// The deal's buyer, while `Funded` or `Delivered`: pays `amount` of what the deal holds
        /// to the seller (milestones). Releasing everything completes the deal.
        #[ink(message)]
        pub fn release(&mut self, deal_id: u64, amount: Balance) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.buyer {
                return Err(Error::NotBuyer);
            }
            if !matches!(deal.state, DealState::Funded | DealState::Delivered) {
                return Err(Error::InvalidState);
            }
            if amount == 0 {
                return Err(Error::ZeroAmount);
            }
            let remaining = deal.remaining();
            if amount > remaining {
                return Err(Error::AmountExceedsRemaining);
            }
            if amount == remaining {
                return self.close(deal, DealState::Completed, BPS);
            }
            let platform_fee = bps_of(amount, deal.platform_fee_bps);
            let to_seller = amount.saturating_sub(platform_fee);
            let escrowed = self.escrowed.checked_sub(amount).ok_or(Error::Overflow)?;
            let payout = deal.payout.add(to_seller, 0, platform_fee, 0)?;

            // amount <= remaining, so released stays <= what was paid in.
            deal.released = deal.released.saturating_add(amount);
            deal.payout = payout;
            self.escrowed = escrowed;
            self.deals.insert(deal_id, &deal);
            self.credit_platform_fee(platform_fee);
            self.env().emit_event(PaymentReleased {
                deal_id,
                buyer: deal.buyer,
                seller: deal.seller,
                amount,
                to_seller,
                platform_fee,
                remaining: deal.remaining(),
            });
            self.pay(deal.seller, to_seller);
            Ok(())
        }

        /// The deal's seller, any time before the deal ends: returns everything the deal holds
        /// to the buyer. The bond goes back to the offer.
        #[ink(message)]
        pub fn refund(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.seller {
                return Err(Error::NotSeller);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            self.close(deal, DealState::Refunded, 0)
        }

        /// The deal's buyer or seller, before the deal ends: proposes giving `seller_bps` of
        /// what the deal holds to the seller and the rest to the buyer. Replaces any earlier
        /// proposal.
        #[ink(message)]
        pub fn propose_split(&mut self, deal_id: u64, seller_bps: u16) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            if !deal.is_party(caller) {
                return Err(Error::NotParty);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            if seller_bps > BPS {
                return Err(Error::BpsOutOfRange);
            }

            deal.proposal = Some(SplitProposal {
                proposer: caller,
                seller_bps,
            });
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(SplitProposed {
                deal_id,
                buyer: deal.buyer,
                seller: deal.seller,
                proposer: caller,
                seller_bps,
            });
            Ok(())
        }

        /// The party that did not propose, before the deal ends: accepts the split on record
        /// (naming the same `seller_bps`), which settles the deal. No arbiter fee is paid.
        #[ink(message)]
        pub fn accept_split(&mut self, deal_id: u64, seller_bps: u16) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            if !deal.is_party(caller) {
                return Err(Error::NotParty);
            }
            if deal.state.is_final() {
                return Err(Error::InvalidState);
            }
            let proposal = deal.proposal.ok_or(Error::NoProposal)?;
            if proposal.proposer == caller {
                return Err(Error::OwnProposal);
            }
            if proposal.seller_bps != seller_bps {
                return Err(Error::ProposalMismatch);
            }
            self.close(deal, DealState::Settled, seller_bps)
        }

        /// The deal's buyer or seller: opens a dispute with an evidence hash, while `Funded`
        /// before the delivery deadline or `Delivered` before the review deadline. Starts the
        /// arbiter's ruling window.
        #[ink(message)]
        pub fn open_dispute(&mut self, deal_id: u64, evidence: Hash) -> Result<()> {
            let mut deal = self.get_deal(deal_id)?;
            let caller = self.env().caller();
            if !deal.is_party(caller) {
                return Err(Error::NotParty);
            }
            let now = self.env().block_timestamp();
            let deadline = match (deal.state, deal.review_deadline) {
                (DealState::Funded, _) => deal.delivery_deadline,
                (DealState::Delivered, Some(review_deadline)) => review_deadline,
                _ => return Err(Error::InvalidState),
            };
            if now >= deadline {
                return Err(Error::TooLate);
            }
            let ruling_deadline = now.checked_add(deal.ruling_window).ok_or(Error::Overflow)?;

            deal.state = DealState::Disputed;
            deal.dispute = Some(Dispute {
                opened_by: caller,
                evidence,
                opened_at: now,
                ruling_deadline,
            });
            self.deals.insert(deal_id, &deal);
            self.env().emit_event(DisputeOpened {
                deal_id,
                buyer: deal.buyer,
                seller: deal.seller,
                opened_by: caller,
                evidence,
                ruling_deadline,
            });
            Ok(())
        }

        // ---- Arbiter ----

        /// The deal's arbiter, while `Disputed` and before the ruling deadline: rules that
        /// `seller_bps` of what the deal holds (after the arbiter fee) goes to the seller and
        /// the rest to the buyer. The arbiter earns the fee frozen in the deal.
        #[ink(message)]
        pub fn rule(&mut self, deal_id: u64, seller_bps: u16) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if self.env().caller() != deal.arbiter {
                return Err(Error::NotArbiter);
            }
            let dispute = match (deal.state, deal.dispute) {
                (DealState::Disputed, Some(dispute)) => dispute,
                _ => return Err(Error::InvalidState),
            };
            if self.env().block_timestamp() >= dispute.ruling_deadline {
                return Err(Error::TooLate);
            }
            if seller_bps > BPS {
                return Err(Error::BpsOutOfRange);
            }
            self.close(deal, DealState::Ruled, seller_bps)
        }

        // ---- Anyone: deadline exits ----

        /// Anyone: ends a deal whose deadline passed. `Delivered` after the review deadline
        /// pays the seller (`Completed`); `Disputed` after the ruling deadline splits evenly
        /// with no arbiter fee (`DefaultRuled`).
        #[ink(message)]
        pub fn finalize(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            let now = self.env().block_timestamp();
            let (deadline, seller_bps, outcome) =
                match (deal.state, deal.review_deadline, deal.dispute) {
                    (DealState::Delivered, Some(review_deadline), _) => {
                        (review_deadline, BPS, DealState::Completed)
                    }
                    (DealState::Disputed, _, Some(dispute)) => (
                        dispute.ruling_deadline,
                        EVEN_SPLIT_BPS,
                        DealState::DefaultRuled,
                    ),
                    _ => return Err(Error::InvalidState),
                };
            if now < deadline {
                return Err(Error::TooEarly);
            }
            self.close(deal, outcome, seller_bps)
        }

        /// Anyone: after the delivery deadline of a deal still `Funded`, refunds the buyer
        /// everything the deal holds plus the seller's bond for it (`Reclaimed`).
        #[ink(message)]
        pub fn reclaim(&mut self, deal_id: u64) -> Result<()> {
            let deal = self.get_deal(deal_id)?;
            if deal.state != DealState::Funded {
                return Err(Error::InvalidState);
            }
            if self.env().block_timestamp() < deal.delivery_deadline {
                return Err(Error::TooEarly);
            }
            self.close(deal, DealState::Reclaimed, 0)
        }

        // ---- Anyone: credits ----

        /// Anyone with a credit (a payout whose push failed, or platform fees): transfers the
        /// whole credit to the caller. Returns the amount.
        #[ink(message)]
        pub fn withdraw(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let amount = self.credits.get(caller).unwrap_or(0);
            if amount == 0 {
                return Err(Error::NoCredit);
            }
            let total_credits = self
                .total_credits
                .checked_sub(amount)
                .ok_or(Error::Overflow)?;
            self.credits.remove(caller);
            self.total_credits = total_credits;
            if self.env().transfer(caller, amount).is_err() {
                // Put it back: the credit is kept for a later try.
                self.credits.insert(caller, &amount);
                self.total_credits = total_credits.saturating_add(amount);
                return Err(Error::TransferFailed);
            }
            self.env().emit_event(CreditWithdrawn {
                account: caller,
                amount,
            });
            Ok(amount)
        }

        // ---- Reads ----

        #[ink(message)]
        pub fn offer(&self, offer_id: u64) -> Option<Offer> {
            self.offers.get(offer_id)
        }

        /// Up to `limit` (at most 100) offers with ids from `from_id` on, withdrawn ones included.
        #[ink(message)]
        pub fn offers(&self, from_id: u64, limit: u32) -> Vec<Offer> {
            let end = from_id
                .saturating_add(u64::from(limit.min(MAX_PAGE)))
                .min(self.offer_count);
            (from_id..end)
                .filter_map(|id| self.offers.get(id))
                .collect()
        }

        #[ink(message)]
        pub fn offer_count(&self) -> u64 {
            self.offer_count
        }

        #[ink(message)]
        pub fn deal(&self, deal_id: u64) -> Option<Deal> {
            self.deals.get(deal_id)
        }

        #[ink(message)]
        pub fn deal_count(&self) -> u64 {
            self.deal_count
        }

        /// Up to `limit` (at most 100) deals `account` takes part in (as buyer, seller or
        /// arbiter), oldest first, starting at position `from`.
        #[ink(message)]
        pub fn deals_of(&self, account: AccountId, from: u32, limit: u32) -> Vec<Deal> {
            let count = self.account_deal_count.get(account).unwrap_or(0);
            let end = from.saturating_add(limit.min(MAX_PAGE)).min(count);
            (from..end)
                .filter_map(|n| self.account_deals.get((account, n)))
                .filter_map(|id| self.deals.get(id))
                .collect()
        }

        /// How many deals `account` takes part in.
        #[ink(message)]
        pub fn deal_count_of(&self, account: AccountId) -> u32 {
            self.account_deal_count.get(account).unwrap_or(0)
        }

        #[ink(message)]
        pub fn credit_of(&self, account: AccountId) -> Balance {
            self.credits.get(account).unwrap_or(0)
        }

        #[ink(message)]
        pub fn config(&self) -> Config {
            Config {
                owner: self.owner,
                fee_bps: self.fee_bps,
                fee_cap_bps: self.fee_cap_bps,
                fee_recipient: self.fee_recipient,
                reputation: self.reputation,
            }
        }

        /// Everything the contract owes: open deals' money, bonds and credits. Its balance
        /// always covers this.
        #[ink(message)]
        pub fn owed(&self) -> Balance {
            self.escrowed
                .saturating_add(self.bonds)
                .saturating_add(self.total_credits)
        }

        // ---- Internals ----

        fn ensure_owner(&self) -> Result<()> {
            if self.env().caller() != self.owner {
                return Err(Error::NotOwner);
            }
            Ok(())
        }

        fn emit_config(&self) {
            self.env().emit_event(ConfigChanged {
                owner: self.owner,
                fee_bps: self.fee_bps,
                fee_recipient: self.fee_recipient,
                reputation: self.reputation,
            });
        }

        fn check_terms(terms: &OfferTerms, seller: AccountId) -> Result<()> {
            if terms.title.is_empty() {
                return Err(Error::TitleEmpty);
            }
            if terms.title.len() > MAX_TITLE_BYTES {
                return Err(Error::TitleTooLong);
            }
            if terms.description.len() > MAX_DESCRIPTION_BYTES {
                return Err(Error::DescriptionTooLong);
            }
            if terms.price == 0 {
                return Err(Error::ZeroPrice);
            }
            if terms.quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            if terms.arbiter == seller {
                return Err(Error::ArbiterIsParty);
            }
            if terms.arbiter_fee_bps > BPS {
                return Err(Error::BpsOutOfRange);
            }
            let window_ok = |w: u64| w > 0 && w <= MAX_WINDOW_MS;
            if !(window_ok(terms.delivery_window)
                && window_ok(terms.review_window)
                && window_ok(terms.ruling_window))
            {
                return Err(Error::InvalidWindow);
            }
            Ok(())
        }

        fn get_deal(&self, deal_id: u64) -> Result<Deal> {
            self.deals.get(deal_id).ok_or(Error::DealNotFound)
        }

        fn index_deal(&mut self, account: AccountId, deal_id: u64) {
            let n = self.account_deal_count.get(account).unwrap_or(0);
            self.account_deals.insert((account, n), &deal_id);
            self.account_deal_count
                .insert(account, &n.saturating_add(1));
        }

        fn credit_platform_fee(&mut self, fee: Balance) {
            if fee > 0 {
                self.credit(self.fee_recipient, fee);
            }
        }

        fn credit(&mut self, account: AccountId, amount: Balance) {
            let credit = self
                .credits
                .get(account)
                .unwrap_or(0)
                .saturating_add(amount);
            self.credits.insert(account, &credit);
            self.total_credits = self.total_credits.saturating_add(amount);
        }

        /// Pushes a payment; when the chain refuses it (below the existential deposit, say)
        /// the payee keeps it as a credit for `withdraw()`.
        fn pay(&mut self, to: AccountId, amount: Balance) {
            if amount == 0 {
                return;
            }
            if self.env().transfer(to, amount).is_err() {
                self.credit(to, amount);
                self.env().emit_event(PaymentCredited {
                    account: to,
                    amount,
                });
            }
        }

        /// Ends a deal: splits what it holds (`seller_bps` to the seller; the arbiter fee only
        /// on a ruling), records the final state and payouts, returns or forfeits the bond,
        /// then pays everyone and reports the outcome. All checks happened in the caller.
        fn close(&mut self, mut deal: Deal, outcome: DealState, seller_bps: u16) -> Result<()> {
            let remaining = deal.remaining();
            let arbiter_fee_bps = if outcome == DealState::Ruled {
                deal.arbiter_fee_bps
            } else {
                0
            };
            let shares = split(
                remaining,
                seller_bps,
                arbiter_fee_bps,
                deal.platform_fee_bps,
            );
            let bond_to_buyer = if outcome == DealState::Reclaimed {
                deal.bond
            } else {
                0
            };
            // A returned bond goes back to the offer's stake, or to the seller once the offer
            // was withdrawn.
            let mut offer = self.offers.get(deal.offer_id).filter(|o| o.active);
            let bond_to_seller = if bond_to_buyer == 0 && offer.is_none() {
                deal.bond
            } else {
                0
            };
            let offer_stake = match (&offer, bond_to_buyer) {
                (Some(o), 0) => Some(o.bond_stake.checked_add(deal.bond).ok_or(Error::Overflow)?),
                _ => None,
            };
            let payout = deal.payout.add(
                shares.to_seller,
                shares.to_buyer,
                shares.platform_fee,
                shares.arbiter_fee,
            )?;
            let escrowed = self
                .escrowed
                .checked_sub(remaining)
                .ok_or(Error::Overflow)?;
            let bonds = self
                .bonds
                .checked_sub(bond_to_buyer.saturating_add(bond_to_seller))
                .ok_or(Error::Overflow)?;

            self.escrowed = escrowed;
            self.bonds = bonds;
            if let (Some(o), Some(stake)) = (offer.as_mut(), offer_stake) {
                o.bond_stake = stake;
                self.offers.insert(o.id, &*o);
            }
            deal.released = deal.amount;
            deal.state = outcome;
            deal.proposal = None;
            deal.closed_at = Some(self.env().block_timestamp());
            deal.payout = payout;
            deal.payout.bond_to_buyer = bond_to_buyer;
            self.deals.insert(deal.id, &deal);
            self.credit_platform_fee(shares.platform_fee);
            self.env().emit_event(DealClosed {
                deal_id: deal.id,
                buyer: deal.buyer,
                seller: deal.seller,
                outcome,
                to_seller: shares.to_seller,
                to_buyer: shares.to_buyer,
                platform_fee: shares.platform_fee,
                arbiter_fee: shares.arbiter_fee,
                bond_to_buyer,
            });

            self.pay(deal.seller, shares.to_seller.saturating_add(bond_to_seller));
            self.pay(deal.buyer, shares.to_buyer.saturating_add(bond_to_buyer));
            self.pay(deal.arbiter, shares.arbiter_fee);
            self.report(&deal, outcome, seller_bps);
            Ok(())
        }

        /// Tells the reputation contract how the deal ended. Its failure never blocks the
        /// payment: it only leaves an event.
        fn report(&mut self, deal: &Deal, outcome: DealState, seller_bps: u16) {
            let Some(reputation) = self.reputation else {
                return;
            };
            let outcome = match outcome {
                DealState::Completed => DealOutcome::Completed,
                DealState::Refunded => DealOutcome::Refunded,
                DealState::Reclaimed => DealOutcome::Reclaimed,
                DealState::Settled => DealOutcome::Settled,
                DealState::Ruled => DealOutcome::Ruled,
                DealState::DefaultRuled => DealOutcome::DefaultRuled,
                DealState::Funded | DealState::Delivered | DealState::Disputed => return,
            };
            let report = DealReport {
                deal_id: deal.id,
                buyer: deal.buyer,
                seller: deal.seller,
                arbiter: deal.arbiter,
                value: deal.amount,
                outcome,
                dispute_opened_by: deal.dispute.map(|d| d.opened_by),
                seller_bps: Some(seller_bps),
            };
            let mut registry: ReputationRef =
                ink::env::call::FromAccountId::from_account_id(reputation);
            let reported = registry.call_mut().record_deal(report).try_invoke();
            if !matches!(reported, Ok(Ok(Ok(())))) {
                self.env()
                    .emit_event(ReputationReportFailed { deal_id: deal.id });
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::Shares;
        use ink::env::test::{self, EmittedEvent};
        use ink::env::DefaultEnvironment as Env;

        const CONTRACT: [u8; 32] = [0xC0; 32];
        const START: u64 = 1_000_000;
        const DAY: u64 = 86_400_000;
        const PRICE: Balance = 1_000_000;
        const BOND: Balance = 100_000;
        const QUANTITY: u32 = 5;
        const FEE_BPS: u16 = 100; // 1%
        const ARBITER_FEE_BPS: u16 = 500; // 5%
        const FUNDS: Balance = 1_000_000_000_000;

        struct Accounts {
            owner: AccountId,
            seller: AccountId,
            buyer: AccountId,
            arbiter: AccountId,
            fee_recipient: AccountId,
            stranger: AccountId,
        }

        fn contract() -> AccountId {
            AccountId::from(CONTRACT)
        }

        fn accounts() -> Accounts {
            let d = test::default_accounts::<Env>();
            Accounts {
                owner: d.alice,
                seller: d.bob,
                buyer: d.charlie,
                arbiter: d.django,
                fee_recipient: d.eve,
                stranger: d.frank,
            }
        }

        fn balance(account: AccountId) -> Balance {
            test::get_account_balance::<Env>(account).unwrap_or(0)
        }

        /// Calls as `caller`, moving `value` from the caller to the contract first (as the
        /// chain does for a payable call).
        fn call_as(caller: AccountId, value: Balance) {
            test::set_caller::<Env>(caller);
            test::transfer_in::<Env>(value);
        }

        fn at(time: u64) {
            test::set_block_timestamp::<Env>(time);
        }

        fn deploy() -> (Escrow, Accounts) {
            let a = accounts();
            for account in [
                a.owner,
                a.seller,
                a.buyer,
                a.arbiter,
                a.fee_recipient,
                a.stranger,
            ] {
                test::set_account_balance::<Env>(account, FUNDS);
            }
            test::set_callee::<Env>(contract());
            test::set_account_balance::<Env>(contract(), 0);
            at(START);
            call_as(a.owner, 0);
            let escrow = Escrow::new(FEE_BPS, MAX_PLATFORM_FEE_BPS, a.fee_recipient, None)
                .expect("valid config");
            (escrow, a)
        }

        fn terms(a: &Accounts) -> OfferTerms {
            OfferTerms {
                title: "Road bike".into(),
                description: "Steel frame, 56cm".into(),
                price: PRICE,
                quantity: QUANTITY,
                arbiter: a.arbiter,
                arbiter_fee_bps: ARBITER_FEE_BPS,
                delivery_window: 2 * DAY,
                review_window: DAY,
                ruling_window: DAY,
                bond_per_unit: BOND,
            }
        }

        fn list(escrow: &mut Escrow, a: &Accounts) -> u64 {
            call_as(a.seller, BOND * Balance::from(QUANTITY));
            escrow.create_offer(terms(a)).expect("offer listed")
        }

        /// A listed offer and a deal for `quantity` units of it.
        fn open_deal(escrow: &mut Escrow, a: &Accounts, quantity: u32) -> (u64, u64) {
            let offer_id = list(escrow, a);
            call_as(a.buyer, PRICE * Balance::from(quantity));
            let deal_id = escrow
                .accept_offer(offer_id, quantity, 1)
                .expect("deal opened");
            (offer_id, deal_id)
        }

        fn delivered_deal(escrow: &mut Escrow, a: &Accounts) -> u64 {
            let (_, deal_id) = open_deal(escrow, a, 1);
            call_as(a.seller, 0);
            escrow.mark_delivered(deal_id).expect("delivered");
            deal_id
        }

        fn disputed_deal(escrow: &mut Escrow, a: &Accounts) -> u64 {
            let (_, deal_id) = open_deal(escrow, a, 1);
            call_as(a.buyer, 0);
            escrow
                .open_dispute(deal_id, Hash::from([7; 32]))
                .expect("disputed");
            deal_id
        }

        fn assert_solvent(escrow: &Escrow) {
            assert_eq!(
                balance(contract()),
                escrow.owed(),
                "contract balance == what it owes"
            );
        }

        fn assert_paid_in_full(deal: &Deal) {
            let p = deal.payout;
            assert_eq!(
                p.to_seller + p.to_buyer + p.platform_fee + p.arbiter_fee,
                deal.amount
            );
        }

        fn events_of<E: ink::env::Event + scale::Decode>() -> Vec<E> {
            test::recorded_events()
                .filter(|e: &EmittedEvent| {
                    e.topics.first().map(|t| t.as_slice())
                        == E::SIGNATURE_TOPIC.as_ref().map(|t| t.as_slice())
                })
                .map(|e| E::decode(&mut &e.data[..]).expect("event decodes"))
                .collect()
        }

        fn last<E: ink::env::Event + scale::Decode>() -> E {
            events_of::<E>().pop().expect("event emitted")
        }

        // ---- split arithmetic ----

        #[ink::test]
        fn split_shares_add_up_and_remainder_goes_to_buyer() {
            let s = split(1_001, 3_333, 500, 100);
            // arbiter 1001 * 5% = 50.05 -> 50; pool 951; seller 951 * 33.33% = 316.97 -> 316;
            // platform 316 * 1% = 3.16 -> 3; the buyer gets the rest, remainders included.
            assert_eq!(
                s,
                Shares {
                    arbiter_fee: 50,
                    to_seller: 313,
                    platform_fee: 3,
                    to_buyer: 635
                }
            );
            assert_eq!(
                s.to_seller + s.to_buyer + s.platform_fee + s.arbiter_fee,
                1_001
            );
            assert_eq!(bps_of(u128::MAX, BPS), u128::MAX);
            assert_eq!(bps_of(u128::MAX, 5_000), u128::MAX / 2);
        }

        // ---- constructor and owner ----

        #[ink::test]
        fn constructor_rejects_a_fee_cap_above_ten_percent() {
            let a = accounts();
            assert_eq!(
                Escrow::new(0, 1_001, a.fee_recipient, None).err(),
                Some(Error::FeeAboveCap)
            );
            assert_eq!(
                Escrow::new(501, 500, a.fee_recipient, None).err(),
                Some(Error::FeeAboveCap)
            );
        }

        #[ink::test]
        fn owner_can_change_fee_within_cap_only() {
            let (mut escrow, a) = deploy();
            call_as(a.owner, 0);
            assert_eq!(escrow.set_fee(50), Ok(()));
            assert_eq!(escrow.config().fee_bps, 50);
            assert_eq!(escrow.set_fee(1_000), Ok(()));
            assert_eq!(escrow.set_fee(1_001), Err(Error::FeeAboveCap));
            assert_eq!(escrow.config().fee_bps, 1_000);
            assert_eq!(last::<ConfigChanged>().fee_bps, 1_000);
        }

        #[ink::test]
        fn only_the_owner_can_change_config() {
            let (mut escrow, a) = deploy();
            call_as(a.stranger, 0);
            assert_eq!(escrow.set_fee(0), Err(Error::NotOwner));
            assert_eq!(escrow.set_fee_recipient(a.stranger), Err(Error::NotOwner));
            assert_eq!(
                escrow.set_reputation(Some(a.stranger)),
                Err(Error::NotOwner)
            );
            assert_eq!(escrow.transfer_ownership(a.stranger), Err(Error::NotOwner));
            let config = escrow.config();
            assert_eq!(
                (
                    config.owner,
                    config.fee_bps,
                    config.fee_recipient,
                    config.reputation
                ),
                (a.owner, FEE_BPS, a.fee_recipient, None)
            );
        }

        #[ink::test]
        fn owner_can_hand_over_ownership_recipient_and_reputation() {
            let (mut escrow, a) = deploy();
            call_as(a.owner, 0);
            escrow.set_fee_recipient(a.stranger).unwrap();
            escrow.set_reputation(Some(a.arbiter)).unwrap();
            escrow.transfer_ownership(a.seller).unwrap();
            let config = escrow.config();
            assert_eq!(
                (config.owner, config.fee_recipient, config.reputation),
                (a.seller, a.stranger, Some(a.arbiter))
            );
            assert_eq!(
                escrow.set_fee(0),
                Err(Error::NotOwner),
                "the old owner lost its rights"
            );
            assert_eq!(events_of::<ConfigChanged>().len(), 3);
        }

        // ---- offers ----

        #[ink::test]
        fn seller_lists_an_offer_with_its_bond() {
            let (mut escrow, a) = deploy();
            let before = balance(a.seller);
            let id = list(&mut escrow, &a);
            let offer = escrow.offer(id).unwrap();
            assert_eq!(
                (offer.seller, offer.version, offer.active),
                (a.seller, 1, true)
            );
            assert_eq!(offer.bond_stake, BOND * 5);
            assert_eq!(offer.terms, terms(&a));
            assert_eq!(balance(a.seller), before - BOND * 5);
            assert_eq!(escrow.offer_count(), 1);
            let event = last::<OfferCreated>();
            assert_eq!(
                (
                    event.offer_id,
                    event.seller,
                    event.price,
                    event.quantity,
                    event.bond
                ),
                (0, a.seller, PRICE, 5, BOND * 5)
            );
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn offer_terms_are_validated() {
            let (mut escrow, a) = deploy();
            type Mutation = fn(&mut OfferTerms);
            let cases: Vec<(Mutation, Error)> = vec![
                (|t| t.title = String::new(), Error::TitleEmpty),
                (|t| t.title = "x".repeat(65), Error::TitleTooLong),
                (
                    |t| t.description = "x".repeat(257),
                    Error::DescriptionTooLong,
                ),
                (|t| t.price = 0, Error::ZeroPrice),
                (|t| t.quantity = 0, Error::ZeroQuantity),
                (|t| t.arbiter_fee_bps = 10_001, Error::BpsOutOfRange),
                (|t| t.delivery_window = 0, Error::InvalidWindow),
                (
                    |t| t.review_window = MAX_WINDOW_MS + 1,
                    Error::InvalidWindow,
                ),
                (|t| t.ruling_window = 0, Error::InvalidWindow),
                (|t| t.bond_per_unit = Balance::MAX, Error::Overflow),
            ];
            for (mutate, error) in cases {
                let mut t = terms(&a);
                mutate(&mut t);
                call_as(a.seller, 0);
                assert_eq!(escrow.create_offer(t), Err(error));
            }
            let mut t = terms(&a);
            t.title = "é".repeat(32); // 64 bytes of unicode is fine
            t.description = "x".repeat(256);
            call_as(a.seller, BOND * 5);
            assert_eq!(escrow.create_offer(t), Ok(0));
        }

        #[ink::test]
        fn seller_cannot_be_its_own_arbiter() {
            let (mut escrow, a) = deploy();
            let mut t = terms(&a);
            t.arbiter = a.seller;
            call_as(a.seller, BOND * 5);
            assert_eq!(escrow.create_offer(t), Err(Error::ArbiterIsParty));
        }

        #[ink::test]
        fn offer_bond_must_be_transferred_exactly() {
            let (mut escrow, a) = deploy();
            call_as(a.seller, BOND * 5 - 1);
            assert_eq!(escrow.create_offer(terms(&a)), Err(Error::WrongAmount));
            call_as(a.seller, BOND * 5 + 1);
            assert_eq!(escrow.create_offer(terms(&a)), Err(Error::WrongAmount));
            assert_eq!(escrow.offer_count(), 0);
        }

        #[ink::test]
        fn seller_updates_price_and_quantity_and_the_version_moves() {
            let (mut escrow, a) = deploy();
            let id = list(&mut escrow, &a);
            // More units need more bond.
            call_as(a.seller, BOND * 2);
            assert_eq!(escrow.update_offer(id, PRICE * 2, 7), Ok(2));
            let offer = escrow.offer(id).unwrap();
            assert_eq!(
                (
                    offer.terms.price,
                    offer.terms.quantity,
                    offer.version,
                    offer.bond_stake
                ),
                (PRICE * 2, 7, 2, BOND * 7)
            );
            let event = last::<OfferUpdated>();
            assert_eq!(
                (event.version, event.price, event.quantity),
                (2, PRICE * 2, 7)
            );
            // Fewer units refund the bond no longer needed.
            let before = balance(a.seller);
            call_as(a.seller, 0);
            assert_eq!(escrow.update_offer(id, PRICE, 3), Ok(3));
            assert_eq!(balance(a.seller), before + BOND * 4);
            assert_eq!(escrow.offer(id).unwrap().bond_stake, BOND * 3);
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn update_offer_rejections() {
            let (mut escrow, a) = deploy();
            let id = list(&mut escrow, &a);
            call_as(a.stranger, 0);
            assert_eq!(escrow.update_offer(id, PRICE, 5), Err(Error::NotSeller));
            call_as(a.seller, 0);
            assert_eq!(escrow.update_offer(9, PRICE, 5), Err(Error::OfferNotFound));
            assert_eq!(escrow.update_offer(id, 0, 5), Err(Error::ZeroPrice));
            assert_eq!(
                escrow.update_offer(id, PRICE, 6),
                Err(Error::WrongAmount),
                "the extra bond is missing"
            );
            call_as(a.seller, 1);
            assert_eq!(
                escrow.update_offer(id, PRICE, 5),
                Err(Error::WrongAmount),
                "nothing is owed"
            );
            assert_eq!(escrow.offer(id).unwrap().version, 1);
        }

        #[ink::test]
        fn seller_withdraws_an_offer_and_gets_the_bond_back() {
            let (mut escrow, a) = deploy();
            let id = list(&mut escrow, &a);
            let before = balance(a.seller);
            call_as(a.stranger, 0);
            assert_eq!(escrow.withdraw_offer(id), Err(Error::NotSeller));
            call_as(a.seller, 0);
            assert_eq!(escrow.withdraw_offer(id), Ok(()));
            assert_eq!(balance(a.seller), before + BOND * 5);
            let offer = escrow.offer(id).unwrap();
            assert_eq!((offer.active, offer.bond_stake), (false, 0));
            assert_eq!(last::<OfferWithdrawn>().bond_returned, BOND * 5);
            assert_eq!(escrow.withdraw_offer(id), Err(Error::OfferInactive));
            assert_eq!(escrow.update_offer(id, PRICE, 1), Err(Error::OfferInactive));
            assert_eq!(escrow.withdraw_offer(42), Err(Error::OfferNotFound));
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn offers_are_paged() {
            let (mut escrow, a) = deploy();
            for _ in 0..5 {
                list(&mut escrow, &a);
            }
            let ids = |v: Vec<Offer>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
            assert_eq!(ids(escrow.offers(0, 2)), vec![0, 1]);
            assert_eq!(ids(escrow.offers(3, 10)), vec![3, 4]);
            assert_eq!(ids(escrow.offers(7, 10)), Vec::<u64>::new());
            assert_eq!(escrow.offers(0, u32::MAX).len(), 5);
            assert_eq!(escrow.offers(u64::MAX, u32::MAX).len(), 0);
            assert_eq!(escrow.offer(5), None);
        }

        #[ink::test]
        fn a_full_page_of_the_largest_offers_and_deals_fits_the_output_buffer() {
            // ink! 5's static buffer for a message's encoded return value.
            const BUFFER: usize = 16 * 1024;
            let (mut escrow, a) = deploy();
            let (offer_id, deal_id) = open_deal(&mut escrow, &a, 1);
            let mut offer = escrow.offer(offer_id).unwrap();
            offer.terms.title = "t".repeat(MAX_TITLE_BYTES);
            offer.terms.description = "d".repeat(MAX_DESCRIPTION_BYTES);
            let mut deal = escrow.deal(deal_id).unwrap();
            deal.review_deadline = Some(u64::MAX);
            deal.dispute = Some(Dispute {
                opened_by: a.buyer,
                evidence: Hash::from([9; 32]),
                opened_at: u64::MAX,
                ruling_deadline: u64::MAX,
            });
            deal.proposal = Some(SplitProposal {
                proposer: a.buyer,
                seller_bps: BPS,
            });
            deal.closed_at = Some(u64::MAX);
            let page = MAX_PAGE as usize;
            // `Result<Vec<_>, LangError>`: one byte for `Ok` around the vector.
            let offers = scale::Encode::encoded_size(&vec![offer; page]) + 1;
            let deals = scale::Encode::encoded_size(&vec![deal; page]) + 1;
            assert!(offers < BUFFER, "a page of offers takes {offers} bytes");
            assert!(deals < BUFFER, "a page of deals takes {deals} bytes");
        }

        // ---- accepting ----

        #[ink::test]
        fn buyer_accepts_and_the_terms_are_frozen() {
            let (mut escrow, a) = deploy();
            let (offer_id, deal_id) = open_deal(&mut escrow, &a, 2);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.buyer, deal.seller, deal.arbiter),
                (a.buyer, a.seller, a.arbiter)
            );
            assert_eq!(
                (deal.quantity, deal.amount, deal.bond, deal.state),
                (2, PRICE * 2, BOND * 2, DealState::Funded)
            );
            assert_eq!(
                (deal.platform_fee_bps, deal.arbiter_fee_bps),
                (FEE_BPS, ARBITER_FEE_BPS)
            );
            assert_eq!(deal.delivery_deadline, START + 2 * DAY);
            let offer = escrow.offer(offer_id).unwrap();
            assert_eq!((offer.terms.quantity, offer.bond_stake), (3, BOND * 3));
            let event = last::<DealOpened>();
            assert_eq!(
                (
                    event.deal_id,
                    event.buyer,
                    event.seller,
                    event.amount,
                    event.bond
                ),
                (0, a.buyer, a.seller, PRICE * 2, BOND * 2)
            );
            // Later changes leave the deal alone.
            call_as(a.owner, 0);
            escrow.set_fee(1_000).unwrap();
            call_as(a.seller, 0);
            escrow.update_offer(offer_id, PRICE * 3, 3).unwrap();
            assert_eq!(escrow.deal(deal_id).unwrap(), deal);
            assert_eq!(escrow.deal_count(), 1);
            for who in [a.buyer, a.seller, a.arbiter] {
                assert_eq!(escrow.deals_of(who, 0, 10), vec![deal.clone()]);
                assert_eq!(escrow.deal_count_of(who), 1);
            }
            assert!(escrow.deals_of(a.stranger, 0, 10).is_empty());
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn accept_rejections() {
            let (mut escrow, a) = deploy();
            let id = list(&mut escrow, &a);
            call_as(a.seller, PRICE);
            assert_eq!(escrow.accept_offer(id, 1, 1), Err(Error::BuyerIsSeller));
            call_as(a.arbiter, PRICE);
            assert_eq!(escrow.accept_offer(id, 1, 1), Err(Error::ArbiterIsParty));
            call_as(a.buyer, PRICE);
            assert_eq!(escrow.accept_offer(id, 1, 2), Err(Error::StaleVersion));
            assert_eq!(escrow.accept_offer(id + 1, 1, 1), Err(Error::OfferNotFound));
            assert_eq!(escrow.accept_offer(id, 0, 1), Err(Error::ZeroQuantity));
            assert_eq!(
                escrow.accept_offer(id, 6, 1),
                Err(Error::InsufficientQuantity)
            );
            assert_eq!(escrow.accept_offer(id, 2, 1), Err(Error::WrongAmount));
            call_as(a.buyer, PRICE + 1);
            assert_eq!(escrow.accept_offer(id, 1, 1), Err(Error::WrongAmount));
            assert_eq!(escrow.deal_count(), 0);
            call_as(a.seller, 0);
            escrow.withdraw_offer(id).unwrap();
            call_as(a.buyer, PRICE);
            assert_eq!(escrow.accept_offer(id, 1, 1), Err(Error::OfferInactive));
        }

        #[ink::test]
        fn a_price_change_makes_the_old_version_stale() {
            let (mut escrow, a) = deploy();
            let id = list(&mut escrow, &a);
            call_as(a.seller, 0);
            escrow.update_offer(id, PRICE * 10, 5).unwrap();
            call_as(a.buyer, PRICE * 10);
            assert_eq!(escrow.accept_offer(id, 1, 1), Err(Error::StaleVersion));
            assert_eq!(escrow.accept_offer(id, 1, 2), Ok(0));
        }

        // ---- delivery, release, finalize ----

        #[ink::test]
        fn seller_marks_delivered_before_the_deadline() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.buyer, 0);
            assert_eq!(escrow.mark_delivered(deal_id), Err(Error::NotSeller));
            call_as(a.seller, 0);
            assert_eq!(escrow.mark_delivered(99), Err(Error::DealNotFound));
            at(START + DAY);
            assert_eq!(escrow.mark_delivered(deal_id), Ok(()));
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.state, deal.review_deadline),
                (DealState::Delivered, Some(START + 2 * DAY))
            );
            assert_eq!(last::<DealDelivered>().review_deadline, START + 2 * DAY);
            assert_eq!(escrow.mark_delivered(deal_id), Err(Error::InvalidState));
        }

        #[ink::test]
        fn delivery_after_the_deadline_is_too_late() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            at(START + 2 * DAY);
            call_as(a.seller, 0);
            assert_eq!(escrow.mark_delivered(deal_id), Err(Error::TooLate));
            assert_eq!(escrow.deal(deal_id).unwrap().state, DealState::Funded);
        }

        #[ink::test]
        fn buyer_release_pays_the_seller_less_the_platform_fee() {
            let (mut escrow, a) = deploy();
            let deal_id = delivered_deal(&mut escrow, &a);
            let seller_before = balance(a.seller);
            call_as(a.buyer, 0);
            assert_eq!(escrow.release(deal_id, PRICE), Ok(()));
            let fee = PRICE / 100;
            assert_eq!(balance(a.seller), seller_before + PRICE - fee);
            assert_eq!(escrow.credit_of(a.fee_recipient), fee);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(deal.state, DealState::Completed);
            assert_eq!(
                deal.payout,
                Payout {
                    to_seller: PRICE - fee,
                    platform_fee: fee,
                    ..Payout::default()
                }
            );
            assert_paid_in_full(&deal);
            let closed = last::<DealClosed>();
            assert_eq!(
                (closed.outcome, closed.to_seller, closed.platform_fee),
                (DealState::Completed, PRICE - fee, fee)
            );
            // The bond went back to the offer.
            assert_eq!(escrow.offer(0).unwrap().bond_stake, BOND * 5);
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn buyer_releases_in_milestones() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 2);
            let seller_before = balance(a.seller);
            call_as(a.buyer, 0);
            assert_eq!(escrow.release(deal_id, PRICE / 2), Ok(()));
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.state, deal.released, deal.remaining()),
                (DealState::Funded, PRICE / 2, PRICE * 3 / 2)
            );
            let event = last::<PaymentReleased>();
            assert_eq!(
                (event.amount, event.remaining, event.platform_fee),
                (PRICE / 2, PRICE * 3 / 2, PRICE / 200)
            );
            assert_solvent(&escrow);
            assert_eq!(escrow.release(deal_id, PRICE * 3 / 2), Ok(()));
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(deal.state, DealState::Completed);
            assert_paid_in_full(&deal);
            assert_eq!(
                balance(a.seller),
                seller_before + PRICE * 2 - PRICE * 2 / 100
            );
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn release_rejections() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.seller, 0);
            assert_eq!(escrow.release(deal_id, 1), Err(Error::NotBuyer));
            call_as(a.buyer, 0);
            assert_eq!(escrow.release(deal_id, 0), Err(Error::ZeroAmount));
            assert_eq!(
                escrow.release(deal_id, PRICE + 1),
                Err(Error::AmountExceedsRemaining)
            );
            escrow.open_dispute(deal_id, Hash::default()).unwrap();
            assert_eq!(escrow.release(deal_id, 1), Err(Error::InvalidState));
            assert_eq!(escrow.deal(deal_id).unwrap().released, 0);
        }

        #[ink::test]
        fn anyone_finalizes_after_the_review_window() {
            let (mut escrow, a) = deploy();
            let deal_id = delivered_deal(&mut escrow, &a);
            call_as(a.stranger, 0);
            at(START + DAY - 1);
            assert_eq!(escrow.finalize(deal_id), Err(Error::TooEarly));
            let seller_before = balance(a.seller);
            at(START + DAY);
            assert_eq!(escrow.finalize(deal_id), Ok(()));
            assert_eq!(balance(a.seller), seller_before + PRICE - PRICE / 100);
            assert_eq!(escrow.deal(deal_id).unwrap().state, DealState::Completed);
            assert_eq!(escrow.finalize(deal_id), Err(Error::InvalidState));
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn finalize_needs_a_deadline_state() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            at(START + 10 * DAY);
            call_as(a.stranger, 0);
            assert_eq!(
                escrow.finalize(deal_id),
                Err(Error::InvalidState),
                "Funded exits by reclaim"
            );
            assert_eq!(escrow.finalize(7), Err(Error::DealNotFound));
        }

        // ---- missed delivery ----

        #[ink::test]
        fn anyone_reclaims_after_a_missed_delivery_and_the_buyer_gets_the_bond() {
            let (mut escrow, a) = deploy();
            let (offer_id, deal_id) = open_deal(&mut escrow, &a, 2);
            call_as(a.stranger, 0);
            at(START + 2 * DAY - 1);
            assert_eq!(escrow.reclaim(deal_id), Err(Error::TooEarly));
            let buyer_before = balance(a.buyer);
            at(START + 2 * DAY);
            assert_eq!(escrow.reclaim(deal_id), Ok(()));
            assert_eq!(balance(a.buyer), buyer_before + PRICE * 2 + BOND * 2);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.state, deal.payout.to_buyer, deal.payout.bond_to_buyer),
                (DealState::Reclaimed, PRICE * 2, BOND * 2)
            );
            assert_paid_in_full(&deal);
            assert_eq!(last::<DealClosed>().bond_to_buyer, BOND * 2);
            assert_eq!(
                escrow.offer(offer_id).unwrap().bond_stake,
                BOND * 3,
                "the forfeited bond is gone"
            );
            assert_eq!(escrow.reclaim(deal_id), Err(Error::InvalidState));
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn delivered_deals_cannot_be_reclaimed() {
            let (mut escrow, a) = deploy();
            let deal_id = delivered_deal(&mut escrow, &a);
            at(START + 30 * DAY);
            call_as(a.buyer, 0);
            assert_eq!(escrow.reclaim(deal_id), Err(Error::InvalidState));
        }

        // ---- refund ----

        #[ink::test]
        fn seller_refunds_at_any_time_before_the_end() {
            let (mut escrow, a) = deploy();
            let deal_id = disputed_deal(&mut escrow, &a);
            call_as(a.buyer, 0);
            assert_eq!(escrow.refund(deal_id), Err(Error::NotSeller));
            let buyer_before = balance(a.buyer);
            call_as(a.seller, 0);
            assert_eq!(escrow.refund(deal_id), Ok(()));
            assert_eq!(balance(a.buyer), buyer_before + PRICE);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(deal.state, DealState::Refunded);
            assert_paid_in_full(&deal);
            assert_eq!(escrow.refund(deal_id), Err(Error::InvalidState));
            assert_eq!(escrow.offer(0).unwrap().bond_stake, BOND * 5);
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn refund_after_a_partial_release_returns_only_the_rest() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.buyer, 0);
            escrow.release(deal_id, PRICE / 4).unwrap();
            let buyer_before = balance(a.buyer);
            call_as(a.seller, 0);
            escrow.refund(deal_id).unwrap();
            assert_eq!(balance(a.buyer), buyer_before + PRICE * 3 / 4);
            assert_paid_in_full(&escrow.deal(deal_id).unwrap());
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn bond_of_a_deal_on_a_withdrawn_offer_returns_to_the_seller() {
            let (mut escrow, a) = deploy();
            let (offer_id, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.seller, 0);
            escrow.withdraw_offer(offer_id).unwrap();
            let before = balance(a.seller);
            escrow.refund(deal_id).unwrap();
            assert_eq!(balance(a.seller), before + BOND);
            assert_eq!(escrow.offer(offer_id).unwrap().bond_stake, 0);
            assert_eq!(escrow.owed(), escrow.credit_of(a.fee_recipient));
            assert_solvent(&escrow);
        }

        // ---- mutual split ----

        #[ink::test]
        fn parties_settle_by_an_accepted_split() {
            let (mut escrow, a) = deploy();
            let deal_id = delivered_deal(&mut escrow, &a);
            call_as(a.buyer, 0);
            assert_eq!(escrow.propose_split(deal_id, 6_000), Ok(()));
            let proposed = last::<SplitProposed>();
            assert_eq!((proposed.proposer, proposed.seller_bps), (a.buyer, 6_000));
            assert_eq!(escrow.accept_split(deal_id, 6_000), Err(Error::OwnProposal));
            let (seller_before, buyer_before) = (balance(a.seller), balance(a.buyer));
            call_as(a.seller, 0);
            assert_eq!(
                escrow.accept_split(deal_id, 5_000),
                Err(Error::ProposalMismatch)
            );
            assert_eq!(escrow.accept_split(deal_id, 6_000), Ok(()));
            let seller_gross = PRICE * 6 / 10;
            assert_eq!(
                balance(a.seller),
                seller_before + seller_gross - seller_gross / 100
            );
            assert_eq!(balance(a.buyer), buyer_before + PRICE * 4 / 10);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.state, deal.payout.arbiter_fee),
                (DealState::Settled, 0)
            );
            assert_paid_in_full(&deal);
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn split_rejections() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.stranger, 0);
            assert_eq!(escrow.propose_split(deal_id, 5_000), Err(Error::NotParty));
            assert_eq!(escrow.accept_split(deal_id, 5_000), Err(Error::NotParty));
            call_as(a.arbiter, 0);
            assert_eq!(escrow.propose_split(deal_id, 5_000), Err(Error::NotParty));
            call_as(a.seller, 0);
            assert_eq!(
                escrow.propose_split(deal_id, 10_001),
                Err(Error::BpsOutOfRange)
            );
            assert_eq!(escrow.accept_split(deal_id, 5_000), Err(Error::NoProposal));
            escrow.refund(deal_id).unwrap();
            assert_eq!(
                escrow.propose_split(deal_id, 5_000),
                Err(Error::InvalidState)
            );
            assert_eq!(
                escrow.accept_split(deal_id, 5_000),
                Err(Error::InvalidState)
            );
        }

        // ---- disputes ----

        #[ink::test]
        fn either_party_opens_a_dispute_within_its_window() {
            let (mut escrow, a) = deploy();
            let (_, deal_id) = open_deal(&mut escrow, &a, 1);
            call_as(a.stranger, 0);
            assert_eq!(
                escrow.open_dispute(deal_id, Hash::default()),
                Err(Error::NotParty)
            );
            call_as(a.seller, 0);
            at(START + 1);
            assert_eq!(escrow.open_dispute(deal_id, Hash::from([1; 32])), Ok(()));
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(deal.state, DealState::Disputed);
            let dispute = deal.dispute.unwrap();
            assert_eq!(
                (dispute.opened_by, dispute.evidence, dispute.ruling_deadline),
                (a.seller, Hash::from([1; 32]), START + 1 + DAY)
            );
            let event = last::<DisputeOpened>();
            assert_eq!(
                (event.opened_by, event.ruling_deadline),
                (a.seller, START + 1 + DAY)
            );
            assert_eq!(
                escrow.open_dispute(deal_id, Hash::default()),
                Err(Error::InvalidState)
            );
        }

        #[ink::test]
        fn disputes_close_with_the_delivery_and_review_deadlines() {
            let (mut escrow, a) = deploy();
            let (_, funded) = open_deal(&mut escrow, &a, 1);
            let delivered = {
                call_as(a.buyer, PRICE);
                let id = escrow.accept_offer(0, 1, 1).unwrap();
                call_as(a.seller, 0);
                escrow.mark_delivered(id).unwrap();
                id
            };
            call_as(a.buyer, 0);
            at(START + DAY);
            assert_eq!(
                escrow.open_dispute(delivered, Hash::default()),
                Err(Error::TooLate)
            );
            at(START + 2 * DAY);
            assert_eq!(
                escrow.open_dispute(funded, Hash::default()),
                Err(Error::TooLate)
            );
        }

        #[ink::test]
        fn arbiter_rules_and_earns_the_fee() {
            let (mut escrow, a) = deploy();
            let deal_id = disputed_deal(&mut escrow, &a);
            let (seller_before, buyer_before, arbiter_before) =
                (balance(a.seller), balance(a.buyer), balance(a.arbiter));
            call_as(a.arbiter, 0);
            assert_eq!(escrow.rule(deal_id, 10_001), Err(Error::BpsOutOfRange));
            assert_eq!(escrow.rule(deal_id, 2_500), Ok(()));
            let arbiter_fee = PRICE * 5 / 100;
            let pool = PRICE - arbiter_fee;
            let seller_gross = pool / 4;
            assert_eq!(balance(a.arbiter), arbiter_before + arbiter_fee);
            assert_eq!(
                balance(a.seller),
                seller_before + seller_gross - seller_gross / 100
            );
            assert_eq!(balance(a.buyer), buyer_before + pool - seller_gross);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(deal.state, DealState::Ruled);
            assert_paid_in_full(&deal);
            let closed = last::<DealClosed>();
            assert_eq!(
                (closed.outcome, closed.arbiter_fee),
                (DealState::Ruled, arbiter_fee)
            );
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn only_the_arbiter_can_rule() {
            let (mut escrow, a) = deploy();
            let deal_id = disputed_deal(&mut escrow, &a);
            for who in [a.buyer, a.seller, a.owner, a.stranger] {
                call_as(who, 0);
                assert_eq!(escrow.rule(deal_id, 5_000), Err(Error::NotArbiter));
            }
            assert_eq!(escrow.deal(deal_id).unwrap().state, DealState::Disputed);
        }

        #[ink::test]
        fn arbiter_cannot_rule_without_a_dispute_or_late() {
            let (mut escrow, a) = deploy();
            let (_, funded) = open_deal(&mut escrow, &a, 1);
            call_as(a.arbiter, 0);
            assert_eq!(escrow.rule(funded, 5_000), Err(Error::InvalidState));
            call_as(a.buyer, 0);
            escrow.open_dispute(funded, Hash::default()).unwrap();
            at(START + DAY);
            call_as(a.arbiter, 0);
            assert_eq!(escrow.rule(funded, 5_000), Err(Error::TooLate));
        }

        #[ink::test]
        fn a_missed_ruling_window_splits_evenly_without_arbiter_fee() {
            let (mut escrow, a) = deploy();
            let deal_id = disputed_deal(&mut escrow, &a);
            call_as(a.stranger, 0);
            at(START + DAY - 1);
            assert_eq!(escrow.finalize(deal_id), Err(Error::TooEarly));
            let (seller_before, buyer_before, arbiter_before) =
                (balance(a.seller), balance(a.buyer), balance(a.arbiter));
            at(START + DAY);
            assert_eq!(escrow.finalize(deal_id), Ok(()));
            let half = PRICE / 2;
            assert_eq!(balance(a.seller), seller_before + half - half / 100);
            assert_eq!(balance(a.buyer), buyer_before + half);
            assert_eq!(balance(a.arbiter), arbiter_before);
            let deal = escrow.deal(deal_id).unwrap();
            assert_eq!(
                (deal.state, deal.payout.arbiter_fee),
                (DealState::DefaultRuled, 0)
            );
            assert_paid_in_full(&deal);
            assert_solvent(&escrow);
        }

        // ---- credits ----

        #[ink::test]
        fn fee_recipient_withdraws_its_credit_once() {
            let (mut escrow, a) = deploy();
            let deal_id = delivered_deal(&mut escrow, &a);
            call_as(a.buyer, 0);
            escrow.release(deal_id, PRICE).unwrap();
            let before = balance(a.fee_recipient);
            call_as(a.fee_recipient, 0);
            assert_eq!(escrow.withdraw(), Ok(PRICE / 100));
            assert_eq!(balance(a.fee_recipient), before + PRICE / 100);
            assert_eq!(escrow.credit_of(a.fee_recipient), 0);
            assert_eq!(last::<CreditWithdrawn>().amount, PRICE / 100);
            assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
            call_as(a.stranger, 0);
            assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
            assert_solvent(&escrow);
        }

        #[ink::test]
        fn every_ended_deal_leaves_nothing_behind() {
            let (mut escrow, a) = deploy();
            let offer_id = list(&mut escrow, &a);
            for _ in 0..5 {
                call_as(a.buyer, PRICE);
                let id = escrow.accept_offer(offer_id, 1, 1).unwrap();
                call_as(a.seller, 0);
                escrow.refund(id).unwrap();
            }
            call_as(a.seller, 0);
            escrow.withdraw_offer(offer_id).unwrap();
            call_as(a.fee_recipient, 0);
            assert_eq!(escrow.withdraw(), Err(Error::NoCredit));
            assert_eq!(escrow.owed(), 0);
            assert_eq!(balance(contract()), 0);
        }
    }
}
