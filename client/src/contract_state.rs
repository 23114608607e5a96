//! The escrow's whole state read in bulk straight from its contract's child trie, for a cold
//! start that does not dry-run `offers(from, 25)` page after page.
//!
//! Where the state lives (pallet-contracts of substrate-contracts-node 0.42, ink! 5.1):
//!
//! - `Contracts::ContractInfoOf(address).trie_id` names the contract's child trie; its
//!   prefixed storage key (what the `childstate_*` RPCs take) is
//!   `:child_storage:default:` ++ trie_id.
//! - ink! 5 stores every item under a variable-length key, which pallet-contracts hashes
//!   `Blake2_128Concat`: the trie key is `blake2_128(key) ++ key`, so the key can be read back.
//! - That key is the SCALE encoding of `(root_key: u32, map_key)` for a `Mapping` entry, and
//!   the bare `root_key` (`00000000`) for the contract's struct, whose non-`Mapping` fields are
//!   packed there in declaration order. Root keys of `Mapping` fields are the XXH32 of
//!   `"Escrow::<field>"`; the contract bundle's metadata (`storage.root.layout`) lists them.
//!
//! [`snapshot`] pins one block, pages the trie's keys with `childstate_getKeysPaged` and
//! fetches their values in batches with `childstate_getStorageEntries`, in [`PARTITIONS`]
//! key ranges at once, and decodes every entry by root key into the client's types
//! ([`crate::types`]).

use std::collections::BTreeMap;

use scale::{Decode, DecodeAll, Encode};
use scale_value::{At, Value, ValueDef};
use serde::Serialize;
use subxt::rpcs::{rpc_params, RpcClient};
use subxt::utils::{AccountId32, H256};

use crate::chain::{value_u128, Chain, ChainError};
pub use crate::storage_key::{hash_key, unhash_key};
use crate::types::{
    ser_plancks, AccountBytes, AccountReputation, Address, Arbiter, Config, Deal, DealRecord,
    EscrowSettings, Localize, Offer, Proposal, Request,
};

/// What pallet-contracts puts before a trie id to name a contract's child trie.
pub const CHILD_STORAGE_PREFIX: &[u8] = b":child_storage:default:";
/// Most keys one `childstate_getKeysPaged` returns (Substrate refuses larger counts).
pub const KEYS_PAGE: u32 = 1_000;
/// Key ranges listed at once by [`child_entries`] (a divisor of 256).
pub const PARTITIONS: u8 = 16;

#[derive(Debug, thiserror::Error)]
pub enum ContractStateError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("no contract at {address} in block 0x{}", hex::encode(.block))]
    NoContract { address: String, block: [u8; 32] },
    #[error("block 0x{} is unknown to the node", hex::encode(.0))]
    UnknownBlock([u8; 32]),
    #[error("{method} failed: {reason}")]
    Rpc {
        method: &'static str,
        reason: String,
    },
    #[error("{method} answered something unexpected: {reason}")]
    BadAnswer {
        method: &'static str,
        reason: String,
    },
    #[error("cannot decode {what} stored under 0x{key}: {reason}")]
    Decode {
        what: &'static str,
        key: String,
        reason: String,
    },
    #[error("the contract's storage has no root entry (key 0x{})", hex::encode(.0))]
    NoRoot([u8; 4]),
    #[error("the contract's storage layout is not the escrow's: {0}")]
    Layout(String),
}

pub type Result<T, E = ContractStateError> = std::result::Result<T, E>;

/// Root keys of the escrow's storage items, as they appear in storage keys (little-endian u32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscrowLayout {
    /// The packed fields of `Escrow` ([`EscrowRoot`]).
    pub root: [u8; 4],
    /// `offers: Mapping<u64, Offer>`
    pub offers: [u8; 4],
    /// `deals: Mapping<u64, Deal>`
    pub deals: [u8; 4],
    /// `arbiters: Mapping<AccountId, Arbiter>`
    pub arbiters: [u8; 4],
    /// `arbiter_list: Mapping<u32, AccountId>`
    pub arbiter_list: [u8; 4],
    /// `credits: Mapping<AccountId, Balance>`
    pub credits: [u8; 4],
}

/// The packed (non-`Mapping`) fields of `Escrow`, in declaration order: what the root entry
/// holds, and what [`EscrowLayout::from_metadata`] checks the bundle's layout against.
pub const ROOT_FIELDS: [&str; 13] = [
    "owner",
    "fee_bps",
    "fee_recipient",
    "reputation",
    "requests",
    "settings",
    "offer_count",
    "deal_count",
    "arbiter_count",
    "fees_due",
    "escrowed",
    "bonds",
    "total_credits",
];

impl EscrowLayout {
    /// The layout of contracts/escrow/lib.rs (ink! 5.1: root keys derived from the field
    /// names, `xxh32("Escrow::offers")` and so on).
    pub const ESCROW: EscrowLayout = EscrowLayout {
        root: [0x00, 0x00, 0x00, 0x00],
        offers: [0x02, 0x82, 0xe3, 0x03],
        deals: [0xec, 0xa1, 0x48, 0x2f],
        arbiters: [0xba, 0x08, 0xaf, 0x3b],
        arbiter_list: [0xb4, 0x0e, 0x8c, 0xfd],
        credits: [0xa6, 0x87, 0x2e, 0xf3],
    };

    /// The layout a contract bundle's metadata describes (`storage.root`), checked to be the
    /// escrow's: the same packed fields in the same order and the same `Mapping` fields.
    pub fn from_metadata(metadata: &contract_metadata::ContractMetadata) -> Result<EscrowLayout> {
        Self::from_abi(&metadata.abi)
    }

    /// [`EscrowLayout::from_metadata`] of the metadata's `abi` object (the `.json` part).
    pub fn from_abi(abi: &serde_json::Map<String, serde_json::Value>) -> Result<EscrowLayout> {
        let bad = |why: String| ContractStateError::Layout(why);
        let storage = abi
            .get("storage")
            .ok_or_else(|| bad("the metadata has no storage layout".into()))?;
        let root_key = layout_key(&storage["root"]["root_key"])
            .ok_or_else(|| bad("storage.root has no root_key".into()))?;
        let fields = storage["root"]["layout"]["struct"]["fields"]
            .as_array()
            .ok_or_else(|| bad("storage.root is not a struct".into()))?;
        let mut packed = Vec::new();
        let mut mappings = BTreeMap::new();
        for field in fields {
            let name = field["name"]
                .as_str()
                .ok_or_else(|| bad("a storage field has no name".into()))?;
            match field["layout"].get("root") {
                Some(root) => {
                    let key = layout_key(&root["root_key"])
                        .ok_or_else(|| bad(format!("field {name} has no root_key")))?;
                    mappings.insert(name.to_string(), key);
                }
                None => packed.push(name),
            }
        }
        if packed != ROOT_FIELDS {
            return Err(bad(format!(
                "packed fields {packed:?}, expected {ROOT_FIELDS:?}"
            )));
        }
        let mapping = |name: &str| {
            mappings
                .get(name)
                .copied()
                .ok_or_else(|| bad(format!("no Mapping field {name}")))
        };
        let layout = EscrowLayout {
            root: root_key,
            offers: mapping("offers")?,
            deals: mapping("deals")?,
            arbiters: mapping("arbiters")?,
            arbiter_list: mapping("arbiter_list")?,
            credits: mapping("credits")?,
        };
        if mappings.len() != 5 {
            return Err(bad(format!(
                "Mapping fields {:?}, expected offers, deals, arbiters, arbiter_list, credits",
                mappings.keys().collect::<Vec<_>>()
            )));
        }
        Ok(layout)
    }
}

impl Default for EscrowLayout {
    fn default() -> Self {
        EscrowLayout::ESCROW
    }
}

/// A metadata layout key: `"0x0282e303"`, the key's SCALE bytes.
fn layout_key(v: &serde_json::Value) -> Option<[u8; 4]> {
    let bytes = hex::decode(v.as_str()?.strip_prefix("0x")?).ok()?;
    bytes.try_into().ok()
}

/// The escrow's root entry: its packed fields in declaration order (see [`ROOT_FIELDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct EscrowRoot {
    pub owner: Address,
    pub fee_bps: u16,
    pub fee_recipient: Address,
    pub reputation: Option<Address>,
    pub requests: Option<Address>,
    pub settings: EscrowSettings,
    pub offer_count: u64,
    pub deal_count: u64,
    pub arbiter_count: u32,
    #[serde(serialize_with = "ser_plancks")]
    pub fees_due: u128,
    /// Sum of `remaining()` over open deals.
    #[serde(serialize_with = "ser_plancks")]
    pub escrowed: u128,
    /// Bonds staked in offers and held by open deals.
    #[serde(serialize_with = "ser_plancks")]
    pub bonds: u128,
    #[serde(serialize_with = "ser_plancks")]
    pub total_credits: u128,
}

impl EscrowRoot {
    /// What the contract's `config()` message returns for this state.
    pub fn config(&self) -> Config {
        Config {
            owner: self.owner,
            fee_bps: self.fee_bps,
            fee_recipient: self.fee_recipient,
            reputation: self.reputation,
            requests: self.requests,
            settings: self.settings,
            fees_due: self.fees_due,
            offer_count: self.offer_count,
            deal_count: self.deal_count,
            arbiter_count: self.arbiter_count,
            owed: self
                .escrowed
                .saturating_add(self.bonds)
                .saturating_add(self.total_credits)
                .saturating_add(self.fees_due),
        }
    }
}

/// Root key of `Reputation::stats: Mapping<AccountId, AccountReputation>` in
/// contracts/reputation (ink! 5.1: the XXH32 of `"Reputation::stats"`), checked against the
/// bundle's metadata by tests/contract_state.rs.
pub const REPUTATION_STATS: [u8; 4] = [0x8a, 0xc5, 0xf3, 0x77];

/// Root key of `Reputation::deals: Mapping<(AccountId, u64), DealRecord>` (the XXH32 of
/// `"Reputation::deals"`), checked like [`REPUTATION_STATS`].
pub const REPUTATION_DEALS: [u8; 4] = [0xae, 0x6d, 0x66, 0x1b];

/// Root key of `Requests::requests: Mapping<u64, Request>` in contracts/requests (the XXH32 of
/// `"Requests::requests"`), checked like [`REPUTATION_STATS`].
pub const REQUESTS_REQUESTS: [u8; 4] = [0xa6, 0x16, 0x61, 0x6c];

/// Root key of `Requests::proposals: Mapping<(u64, u32), Proposal>`, checked like
/// [`REPUTATION_STATS`].
pub const REQUESTS_PROPOSALS: [u8; 4] = [0xba, 0x72, 0x31, 0x3c];

/// The root key of the `Mapping` field `field` of a contract's storage, from its metadata's
/// `abi` (`storage.root.layout.struct.fields`).
pub fn mapping_root_key(
    abi: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<[u8; 4]> {
    let bad = |why: String| ContractStateError::Layout(why);
    let fields = abi
        .get("storage")
        .and_then(|s| s["root"]["layout"]["struct"]["fields"].as_array())
        .ok_or_else(|| bad("the metadata has no storage struct".into()))?;
    let found = fields
        .iter()
        .find(|f| f["name"].as_str() == Some(field))
        .ok_or_else(|| bad(format!("no storage field {field}")))?;
    found["layout"]
        .get("root")
        .and_then(|root| layout_key(&root["root_key"]))
        .ok_or_else(|| bad(format!("field {field} is not a Mapping")))
}

/// The trie key of `map[key]` for the `Mapping` with root key `root`: Blake2_128Concat of
/// `(root, key)` SCALE-encoded, as pallet-contracts stores ink!'s keys.
pub fn mapping_trie_key(root: [u8; 4], key: &impl Encode) -> Vec<u8> {
    let mut raw = root.to_vec();
    key.encode_to(&mut raw);
    hash_key(&raw)
}

/// The values stored under `trie_keys` in the child trie `trie_id` at block `at` (`None`: the
/// best block), in their order (`None` where nothing is stored), in one
/// `childstate_getStorageEntries`.
pub async fn read_values(
    chain: &Chain,
    trie_id: &[u8],
    trie_keys: &[Vec<u8>],
    at: Option<[u8; 32]>,
) -> Result<Vec<Option<Vec<u8>>>> {
    if trie_keys.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = trie_keys.iter().map(|k| hex0x(k)).collect();
    let child_key = hex0x(&child_storage_key(trie_id));
    storage_entries(chain.rpc_client(), &child_key, &keys, at.map(H256))
        .await?
        .into_iter()
        .map(|v| v.map(|v| unhex(GET_STORAGE_ENTRIES, &v)).transpose())
        .collect()
}

/// The reputation contract's state at block `at`, read from its child trie in bulk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReputationState {
    /// Every account's `Reputation::stats` entry, by account.
    pub stats: Vec<(AccountBytes, AccountReputation)>,
    /// The `Reputation::deals` records one escrow reported, by deal id.
    pub records: Vec<(u64, DealRecord)>,
}

/// [`ReputationState`] in the reputation contract's child trie `trie_id` at block `at`, with
/// the deal records of `escrow` (other escrows' are left out).
pub async fn reputation_state(
    chain: &Chain,
    trie_id: &[u8],
    escrow: &AccountBytes,
    at: [u8; 32],
) -> Result<ReputationState> {
    fn decode<T: DecodeAll>(what: &'static str, key: &[u8], value: &[u8]) -> Result<T> {
        T::decode_all(&mut &value[..]).map_err(|e| ContractStateError::Decode {
            what,
            key: hex::encode(key),
            reason: e.to_string(),
        })
    }
    let mut state = ReputationState::default();
    for (trie_key, value) in child_entries(chain, trie_id, at).await? {
        let Some(key) = unhash_key(&trie_key) else {
            continue;
        };
        if let Some(account) = key
            .strip_prefix(&REPUTATION_STATS[..])
            .and_then(|k| AccountBytes::decode_all(&mut &k[..]).ok())
        {
            state
                .stats
                .push((account, decode("a reputation", key, &value)?));
        } else if let Some((reporter, deal_id)) = key
            .strip_prefix(&REPUTATION_DEALS[..])
            .and_then(|k| <(AccountBytes, u64)>::decode_all(&mut &k[..]).ok())
        {
            if &reporter == escrow {
                state
                    .records
                    .push((deal_id, decode("a deal record", key, &value)?));
            }
        }
    }
    state.stats.sort_by_key(|(a, _)| *a);
    state.records.sort_by_key(|(id, _)| *id);
    Ok(state)
}

/// The requests contract's requests and proposals at one block, read from its child trie in
/// bulk, each by its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestsState {
    pub requests: Vec<Request>,
    /// By (request id, index).
    pub proposals: Vec<((u64, u32), Proposal)>,
}

/// [`RequestsState`] in the requests contract's child trie `trie_id` at block `at`.
pub async fn requests_state(chain: &Chain, trie_id: &[u8], at: [u8; 32]) -> Result<RequestsState> {
    let mut state = RequestsState::default();
    for (trie_key, value) in child_entries(chain, trie_id, at).await? {
        let Some(key) = unhash_key(&trie_key) else {
            continue;
        };
        if let Some(id) = key
            .strip_prefix(&REQUESTS_REQUESTS[..])
            .and_then(|k| u64::decode_all(&mut &k[..]).ok())
        {
            let request: Request = decode_value("a request", key, &value)?;
            if request.id != id {
                return Err(ContractStateError::Decode {
                    what: "a request",
                    key: hex::encode(key),
                    reason: format!("request {} stored under id {id}", request.id),
                });
            }
            state.requests.push(request);
        } else if let Some(at_key) = key
            .strip_prefix(&REQUESTS_PROPOSALS[..])
            .and_then(|k| <(u64, u32)>::decode_all(&mut &k[..]).ok())
        {
            state
                .proposals
                .push((at_key, decode_value("a proposal", key, &value)?));
        }
    }
    state.requests.sort_by_key(|r| r.id);
    state.proposals.sort_by_key(|(k, _)| *k);
    Ok(state)
}

fn decode_value<T: DecodeAll>(what: &'static str, key: &[u8], value: &[u8]) -> Result<T> {
    T::decode_all(&mut &value[..]).map_err(|e| ContractStateError::Decode {
        what,
        key: hex::encode(key),
        reason: e.to_string(),
    })
}

/// One decoded entry of the escrow's child trie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscrowEntry {
    Root(Box<EscrowRoot>),
    Offer(Box<Offer>),
    Deal(Box<Deal>),
    Arbiter(AccountBytes, Arbiter),
    /// `arbiter_list[position]`: the arbiter registered `position`-th.
    ArbiterSlot(u32, AccountBytes),
    Credit(AccountBytes, u128),
}

/// Decodes one child-trie entry of the escrow: `Ok(None)` for a key that is none of the
/// layout's items (not `Blake2_128Concat`, an unknown root key, or a map key of the wrong
/// size); an error for a known item whose value does not decode as its type.
pub fn decode_entry(
    layout: &EscrowLayout,
    trie_key: &[u8],
    value: &[u8],
) -> Result<Option<EscrowEntry>> {
    let Some(key) = unhash_key(trie_key) else {
        return Ok(None);
    };
    if key.len() < 4 {
        return Ok(None);
    }
    let (root, map_key) = key.split_at(4);
    let root: [u8; 4] = root.try_into().expect("split at 4");
    let fail = |what: &'static str, e: scale::Error| ContractStateError::Decode {
        what,
        key: hex::encode(key),
        reason: e.to_string(),
    };
    fn map_key_as<K: Decode>(bytes: &[u8]) -> Option<K> {
        K::decode_all(&mut &bytes[..]).ok()
    }
    let entry = if root == layout.root && map_key.is_empty() {
        let r = EscrowRoot::decode_all(&mut &value[..]).map_err(|e| fail("the root", e))?;
        EscrowEntry::Root(Box::new(r))
    } else if root == layout.offers {
        let Some(id) = map_key_as::<u64>(map_key) else {
            return Ok(None);
        };
        let o = Offer::decode_all(&mut &value[..]).map_err(|e| fail("an offer", e))?;
        if o.id != id {
            return Err(ContractStateError::Decode {
                what: "an offer",
                key: hex::encode(key),
                reason: format!("offer {} stored under id {id}", o.id),
            });
        }
        EscrowEntry::Offer(Box::new(o))
    } else if root == layout.deals {
        let Some(id) = map_key_as::<u64>(map_key) else {
            return Ok(None);
        };
        let d = Deal::decode_all(&mut &value[..]).map_err(|e| fail("a deal", e))?;
        if d.id != id {
            return Err(ContractStateError::Decode {
                what: "a deal",
                key: hex::encode(key),
                reason: format!("deal {} stored under id {id}", d.id),
            });
        }
        EscrowEntry::Deal(Box::new(d))
    } else if root == layout.arbiters {
        let Some(account) = map_key_as::<AccountBytes>(map_key) else {
            return Ok(None);
        };
        let a = Arbiter::decode_all(&mut &value[..]).map_err(|e| fail("an arbiter", e))?;
        EscrowEntry::Arbiter(account, a)
    } else if root == layout.arbiter_list {
        let Some(position) = map_key_as::<u32>(map_key) else {
            return Ok(None);
        };
        let account = AccountBytes::decode_all(&mut &value[..])
            .map_err(|e| fail("an arbiter_list slot", e))?;
        EscrowEntry::ArbiterSlot(position, account)
    } else if root == layout.credits {
        let Some(account) = map_key_as::<AccountBytes>(map_key) else {
            return Ok(None);
        };
        let amount = u128::decode_all(&mut &value[..]).map_err(|e| fail("a credit", e))?;
        EscrowEntry::Credit(account, amount)
    } else {
        return Ok(None);
    };
    Ok(Some(entry))
}

/// The escrow's state at one block, read from its child trie. Accounts are raw bytes, as in
/// [`crate::types`]; they print with the connected chain's SS58 prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractSnapshot {
    /// `(number, hash)` of the block every entry was read at.
    pub block: (u64, [u8; 32]),
    /// `ContractInfoOf(address).trie_id`.
    pub trie_id: Vec<u8>,
    /// The packed fields (counters, fee settings, sums).
    pub root: EscrowRoot,
    /// Every stored offer (withdrawn ones included), by id: what `offers(0, ..)` pages return.
    pub offers: Vec<Offer>,
    /// Every stored deal (pruned ones are gone), by id: what `deals(0, ..)` pages return.
    pub deals: Vec<Deal>,
    /// Registered arbiters in order of first registration: what `arbiters(0, ..)` pages
    /// return.
    pub arbiters: Vec<(Address, Arbiter)>,
    /// Registry entries no `arbiter_list` slot below `arbiter_count` names (none in a state
    /// the escrow wrote; kept rather than dropped).
    pub unlisted_arbiters: Vec<(Address, Arbiter)>,
    /// Credits waiting for `withdraw()`, by account bytes.
    pub credits: Vec<(AccountBytes, u128)>,
    /// Entries read from the trie.
    pub entries: usize,
    /// Entries that are none of the escrow's items (skipped).
    pub unknown_entries: usize,
}

impl ContractSnapshot {
    /// What the contract's `config()` message returns at this block.
    pub fn config(&self) -> Config {
        self.root.config()
    }

    /// Builds a snapshot from decoded entries.
    pub fn from_entries(
        block: (u64, [u8; 32]),
        trie_id: Vec<u8>,
        layout: &EscrowLayout,
        entries: Vec<EscrowEntry>,
        unknown_entries: usize,
    ) -> Result<ContractSnapshot> {
        let total = entries.len() + unknown_entries;
        let mut root = None;
        let mut offers = BTreeMap::new();
        let mut deals = BTreeMap::new();
        let mut registry = BTreeMap::new();
        let mut slots = BTreeMap::new();
        let mut credits = BTreeMap::new();
        for entry in entries {
            match entry {
                EscrowEntry::Root(r) => root = Some(*r),
                EscrowEntry::Offer(o) => {
                    offers.insert(o.id, *o);
                }
                EscrowEntry::Deal(d) => {
                    deals.insert(d.id, *d);
                }
                EscrowEntry::Arbiter(account, a) => {
                    registry.insert(account, a);
                }
                EscrowEntry::ArbiterSlot(position, account) => {
                    slots.insert(position, account);
                }
                EscrowEntry::Credit(account, amount) => {
                    credits.insert(account, amount);
                }
            }
        }
        let root = root.ok_or(ContractStateError::NoRoot(layout.root))?;
        // As the contract's `arbiters` pages: slots below `arbiter_count` whose account has a
        // registry entry.
        let mut arbiters = Vec::new();
        for (position, account) in &slots {
            if *position >= root.arbiter_count {
                continue;
            }
            if let Some(a) = registry.remove(account) {
                arbiters.push((Address::from(*account), a));
            }
        }
        Ok(ContractSnapshot {
            block,
            trie_id,
            root,
            offers: offers.into_values().collect(),
            deals: deals.into_values().collect(),
            arbiters,
            unlisted_arbiters: registry
                .into_iter()
                .map(|(account, a)| (account.into(), a))
                .collect(),
            credits: credits.into_iter().collect(),
            entries: total,
            unknown_entries,
        })
    }
}

/// Number and hash of block `at`, or of the best block.
async fn pin_block(chain: &Chain, at: Option<[u8; 32]>) -> Result<(u64, H256)> {
    let hash = match at {
        Some(h) => H256(h),
        None => chain
            .rpc()
            .chain_get_block_hash(None)
            .await
            .map_err(crate::chain::rpc_err)?
            .ok_or_else(|| ChainError::Rpc("node has no best block".into()))?,
    };
    let header = chain
        .rpc()
        .chain_get_header(Some(hash))
        .await
        .map_err(crate::chain::rpc_err)?
        .ok_or(ContractStateError::UnknownBlock(hash.0))?;
    Ok((header.number, hash))
}

/// What `Contracts.ContractInfoOf(address)` says of a contract: the code it runs and the
/// child trie its storage lives in (both fixed for the contract's life).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractInfo {
    pub code_hash: [u8; 32],
    pub trie_id: Vec<u8>,
}

/// The contract at `address` at block `at` (`None`: the best block), through the runtime
/// metadata; `None` when there is none.
pub async fn contract_info(
    chain: &Chain,
    address: &AccountId32,
    at: Option<[u8; 32]>,
) -> Result<Option<ContractInfo>, ChainError> {
    let client = match at {
        Some(hash) => chain
            .api()
            .at_block(H256(hash))
            .await
            .map_err(crate::chain::rpc_err)?,
        None => chain.at_best().await?,
    };
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "ContractInfoOf");
    let Some(found) = client
        .storage()
        .try_fetch(addr, (Value::from_bytes(address.0),))
        .await
        .map_err(crate::chain::rpc_err)?
    else {
        return Ok(None);
    };
    let info: Value = found
        .decode()
        .map_err(|e| ChainError::Decode(e.to_string()))?;
    let missing = |what: &str| ChainError::Decode(format!("ContractInfo has no {what}"));
    let code_hash = info
        .at("code_hash")
        .and_then(crate::chain::value_account)
        .map(|hash| hash.0)
        .ok_or_else(|| missing("code_hash"))?;
    let trie_id = info
        .at("trie_id")
        .and_then(value_bytes)
        .ok_or_else(|| missing("trie_id bytes"))?;
    Ok(Some(ContractInfo { code_hash, trie_id }))
}

/// `ContractInfoOf(address).trie_id` at block `at`.
pub async fn trie_id(chain: &Chain, address: &AccountId32, at: [u8; 32]) -> Result<Vec<u8>> {
    contract_info(chain, address, Some(at))
        .await?
        .map(|info| info.trie_id)
        .ok_or_else(|| ContractStateError::NoContract {
            address: chain.ss58(&address.0),
            block: at,
        })
}

/// The bytes of a `Vec<u8>` / `BoundedVec<u8, _>` value.
fn value_bytes<T>(v: &Value<T>) -> Option<Vec<u8>> {
    match &v.value {
        ValueDef::Composite(c) => {
            let values: Vec<&Value<T>> = c.values().collect();
            // A newtype (BoundedVec) around the sequence.
            if let [inner] = values.as_slice() {
                if let ValueDef::Composite(_) = inner.value {
                    return value_bytes(inner);
                }
            }
            values
                .into_iter()
                .map(|b| value_u128(b).and_then(|n| u8::try_from(n).ok()))
                .collect()
        }
        _ => None,
    }
}

/// The prefixed key the `childstate_*` RPCs take for the child trie `trie_id`.
pub fn child_storage_key(trie_id: &[u8]) -> Vec<u8> {
    let mut key = CHILD_STORAGE_PREFIX.to_vec();
    key.extend_from_slice(trie_id);
    key
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn unhex(method: &'static str, s: &str) -> Result<Vec<u8>> {
    s.strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| ContractStateError::BadAnswer {
            method,
            reason: format!("not 0x-hex: {}", s.chars().take(40).collect::<String>()),
        })
}

const GET_KEYS_PAGED: &str = "childstate_getKeysPaged";
const GET_STORAGE_ENTRIES: &str = "childstate_getStorageEntries";

/// Up to [`KEYS_PAGE`] keys of the child trie after `start` (all keys: no prefix).
async fn keys_page(
    rpc: &RpcClient,
    child_key: &str,
    start: Option<&str>,
    at: H256,
) -> Result<Vec<String>> {
    rpc.request(
        GET_KEYS_PAGED,
        rpc_params![child_key, Option::<String>::None, KEYS_PAGE, start, at],
    )
    .await
    .map_err(|e| ContractStateError::Rpc {
        method: GET_KEYS_PAGED,
        reason: e.to_string(),
    })
}

/// `childstate_getStorageEntries`: the values of `keys` (0x-hex) in the child trie
/// `child_key`, one per key (`None`: nothing stored).
async fn storage_entries(
    rpc: &RpcClient,
    child_key: &str,
    keys: &[String],
    at: Option<H256>,
) -> Result<Vec<Option<String>>> {
    let values: Vec<Option<String>> = rpc
        .request(GET_STORAGE_ENTRIES, rpc_params![child_key, keys, at])
        .await
        .map_err(|e| ContractStateError::Rpc {
            method: GET_STORAGE_ENTRIES,
            reason: e.to_string(),
        })?;
    if values.len() != keys.len() {
        return Err(ContractStateError::BadAnswer {
            method: GET_STORAGE_ENTRIES,
            reason: format!("{} values for {} keys", values.len(), keys.len()),
        });
    }
    Ok(values)
}

/// The values of `keys` (0x-hex) in the child trie, every one of which must be stored.
async fn values_batch(
    rpc: RpcClient,
    child_key: String,
    keys: Vec<String>,
    at: H256,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let values = storage_entries(&rpc, &child_key, &keys, Some(at)).await?;
    keys.iter()
        .zip(values)
        .map(|(k, v)| {
            let v = v.ok_or_else(|| ContractStateError::BadAnswer {
                method: GET_STORAGE_ENTRIES,
                reason: format!("no value for the listed key {k}"),
            })?;
            Ok((
                unhex(GET_STORAGE_ENTRIES, k)?,
                unhex(GET_STORAGE_ENTRIES, &v)?,
            ))
        })
        .collect()
}

/// Every `(trie key, value)` of the child trie `trie_id` at block `at`, in key order.
///
/// The trie is listed in [`PARTITIONS`] ranges of the first key byte at once (keys are
/// hashes, so the ranges hold about as many keys each): each range pages its keys with
/// `childstate_getKeysPaged` ([`KEYS_PAGE`] a call) and fetches each page's values with
/// `childstate_getStorageEntries`, on its own task. A range starts listing after the one-byte
/// key of its first byte, which no contract can have (pallet-contracts stores hashed keys of
/// 16 bytes and more).
pub async fn child_entries(
    chain: &Chain,
    trie_id: &[u8],
    at: [u8; 32],
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let child_key = hex0x(&child_storage_key(trie_id));
    let width = 256 / usize::from(PARTITIONS);
    let tasks: Vec<_> = (0..usize::from(PARTITIONS))
        .map(|p| {
            let lo = p * width;
            let hi = lo + width;
            tokio::spawn(range_entries(
                chain.rpc_client().clone(),
                child_key.clone(),
                lo,
                hi,
                H256(at),
            ))
        })
        .collect();
    let mut entries = Vec::new();
    for task in tasks {
        entries.extend(task.await.map_err(|e| ContractStateError::Rpc {
            method: GET_KEYS_PAGED,
            reason: format!("the listing task failed: {e}"),
        })??);
    }
    Ok(entries)
}

/// The entries whose key's first byte is in `lo..hi`.
async fn range_entries(
    rpc: RpcClient,
    child_key: String,
    lo: usize,
    hi: usize,
    at: H256,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut entries = Vec::new();
    // Keys after the one-byte key `lo` (none before it then, see `child_entries`).
    let mut start = (lo > 0).then(|| format!("0x{lo:02x}"));
    loop {
        let keys = keys_page(&rpc, &child_key, start.as_deref(), at).await?;
        let full = keys.len() as u32 >= KEYS_PAGE;
        start = keys.last().cloned();
        let mut mine = Vec::with_capacity(keys.len());
        let mut past_range = false;
        for key in keys {
            // The first byte of "0x…"; a malformed key fails when its value is fetched.
            let first = key.get(2..4).and_then(|h| u8::from_str_radix(h, 16).ok());
            if first.is_some_and(|b| usize::from(b) >= hi) {
                past_range = true;
                break;
            }
            mine.push(key);
        }
        if !mine.is_empty() {
            entries.extend(values_batch(rpc.clone(), child_key.clone(), mine, at).await?);
        }
        if past_range || !full {
            return Ok(entries);
        }
    }
}

/// The escrow at `address` as of block `at` (the best block if `None`), read from its child
/// trie and decoded with `layout` ([`EscrowLayout::ESCROW`] for contracts/escrow).
pub async fn snapshot(
    chain: &Chain,
    address: &AccountId32,
    layout: &EscrowLayout,
    at: Option<[u8; 32]>,
) -> Result<ContractSnapshot> {
    let (number, hash) = pin_block(chain, at).await?;
    let trie_id = trie_id(chain, address, hash.0).await?;
    let raw = child_entries(chain, &trie_id, hash.0).await?;
    let mut entries = Vec::with_capacity(raw.len());
    let mut unknown = 0;
    for (key, value) in &raw {
        match decode_entry(layout, key, value)? {
            Some(e) => entries.push(e),
            None => unknown += 1,
        }
    }
    let mut snapshot =
        ContractSnapshot::from_entries((number, hash.0), trie_id, layout, entries, unknown)?;
    snapshot.localize(chain.ss58_prefix());
    Ok(snapshot)
}

/// The accounts of a snapshot print with the prefix of the chain it was read from.
impl Localize for ContractSnapshot {
    fn localize(&mut self, p: u16) {
        self.root.owner.localize(p);
        self.root.fee_recipient.localize(p);
        self.root.reputation.localize(p);
        self.root.requests.localize(p);
        self.offers.localize(p);
        self.deals.localize(p);
        self.arbiters.localize(p);
        self.unlisted_arbiters.localize(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from substrate-contracts-node 0.42 after `Env::deploy` (Alice owner, 1% fee to
    // Eve, Dave registered at 5%) and one offer by Bob: (trie key, value) as the node lists them.
    // The root's `settings.requests_code` (None: one 00 byte after `report_deposit_limit`) was
    // added when the escrow's settings gained it, `requests` (None: one 00 byte after
    // `reputation`) and `settings.award_window` (8 bytes after `requests_code`) when the escrow
    // began instantiating its requests contract; the offer's empty `terms.milestones` (one 00
    // byte after the screening rules) when offers gained milestones. `settings.fee_floor_bps`
    // (0: 2 bytes after `award_window`), the arbiter's list `index` (4 bytes at the end) and the
    // screening's `max_failed_bps` and `min_volume` (after `max_disputes_lost_bps`) came with
    // the fee floor and the failure counters.
    const ROOT: (&str, &str) = (
        "11d2df4e979aa105cf552e9544ebd2b500000000",
        "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d6400e659a7a1628cdd93\
         febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e0151fd268872ca8321ba1c276303acbedbd9\
         6ab3f637111856eefc00beb6bee99600010000000000000001000000000000000100000000000000804f\
         12000000000000c817a80400000040420f00000000000010a5d4e8000000000000000000000000000000\
         000000000000000100000000000000000000000000000001000000000000000000000000000000000000\
         000000000000000000000000000000000000407a10f35a00000000000000000000000000000000000000\
         00000000000000",
    );
    const SLOT: (&str, &str) = (
        "1c47f2b2b1a831589b6a53f892e1baaeb40e8cfd00000000",
        "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
    );
    const ARBITER: (&str, &str) = (
        "6a736f88956e0fd6570753fac02e4e9aba08af3b306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc\
         2fcdd37f3c2222cc20",
        "f40100000000000000000000000000000000000000000000000000000000000000000000000000000000\
         00000000000000000100000000",
    );
    const OFFER: (&str, &str) = (
        "739538c63abec23bab7201919506b7bc0282e3030000000000000000",
        "00000000000000008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a483856\
         696e746167652063616d657261204c65696361204d3300407a10f35a000000000000000000000a000000\
         306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc2080ee36000000000080ee\
         36000000000080ee36000000000000a0724e180900000000000000000000000000000000000010271027\
         00000000000000000000000000000000ffffffff000000010000000100407a10f35a0000000000000000\
         00005f3d8a16a20100006400f401",
    );
    const ALICE: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    const BOB: &str = "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";
    const DAVE: &str = "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20";
    const EVE: &str = "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e";
    const UNIT: u128 = 1_000_000_000_000;

    fn bytes(h: &str) -> Vec<u8> {
        hex::decode(h).unwrap()
    }

    fn account(h: &str) -> AccountBytes {
        bytes(h).try_into().unwrap()
    }

    fn decode(entry: (&str, &str)) -> Option<EscrowEntry> {
        decode_entry(&EscrowLayout::ESCROW, &bytes(entry.0), &bytes(entry.1)).unwrap()
    }

    #[test]
    fn trie_keys_are_blake2_128_concat_of_root_key_and_map_key() {
        let key = bytes(OFFER.0);
        // root key of `offers` (LE), then offer id 0 as a u64.
        assert_eq!(
            unhash_key(&key),
            Some(&[0x02, 0x82, 0xe3, 0x03, 0, 0, 0, 0, 0, 0, 0, 0][..])
        );
        assert_eq!(hash_key(unhash_key(&key).unwrap()), key);
        assert_eq!(unhash_key(&bytes(ROOT.0)), Some(&[0u8; 4][..]));
        let mut tampered = key.clone();
        tampered[0] ^= 1;
        assert_eq!(unhash_key(&tampered), None);
        assert_eq!(unhash_key(&key[..15]), None);
        assert_eq!(
            child_storage_key(&[0xab, 0xcd]),
            b":child_storage:default:\xab\xcd".to_vec()
        );
    }

    #[test]
    fn captured_entries_decode_into_the_clients_types() {
        let Some(EscrowEntry::Root(root)) = decode(ROOT) else {
            panic!("root entry")
        };
        assert_eq!(root.owner, account(ALICE));
        assert_eq!(root.fee_bps, 100);
        assert_eq!(root.fee_recipient, account(EVE));
        assert!(root.reputation.is_some());
        assert_eq!(root.requests, None);
        assert_eq!(root.settings.min_delivery_window, 1);
        assert_eq!(root.settings.award_window, 0);
        assert_eq!(
            (root.offer_count, root.deal_count, root.arbiter_count),
            (1, 0, 1)
        );
        assert_eq!(root.bonds, 100 * UNIT);
        assert_eq!(root.config().owed, 100 * UNIT);

        let Some(EscrowEntry::Offer(offer)) = decode(OFFER) else {
            panic!("offer entry")
        };
        assert_eq!((offer.id, offer.seller.id()), (0, account(BOB)));
        assert_eq!(offer.terms.title, "Vintage camera");
        assert_eq!(offer.terms.description, "Leica M3");
        assert_eq!(offer.terms.price, 100 * UNIT);
        assert_eq!(offer.terms.quantity, 10);
        assert_eq!(offer.terms.arbiter, account(DAVE));
        assert_eq!(offer.terms.delivery_window, 3_600_000);
        assert_eq!(offer.terms.bond_per_unit, 10 * UNIT);
        assert!(offer.terms.screening.is_open());
        assert!(offer.terms.milestones.is_empty());
        assert_eq!((offer.version, offer.active), (1, true));
        assert_eq!(offer.bond_stake, 100 * UNIT);
        assert_eq!((offer.platform_fee_bps, offer.arbiter_fee_bps), (100, 500));

        assert_eq!(
            decode(ARBITER),
            Some(EscrowEntry::Arbiter(
                account(DAVE),
                Arbiter {
                    fee_bps: 500,
                    min_amount: 0,
                    profile: [0; 32],
                    active: true,
                    index: 0,
                }
            ))
        );
        assert_eq!(
            decode(SLOT),
            Some(EscrowEntry::ArbiterSlot(0, account(DAVE)))
        );
    }

    #[test]
    fn entries_of_no_known_item_are_unknown_and_bad_values_of_known_ones_are_errors() {
        let layout = EscrowLayout::ESCROW;
        let value = bytes(SLOT.1);
        // An unknown root key, a map key of the wrong size, a key that is not Blake2_128Concat.
        for key in [
            hash_key(&[1, 2, 3, 4, 0, 0, 0, 0]),
            hash_key(&[0xb4, 0x0e, 0x8c, 0xfd, 0, 0]),
            hash_key(&[0, 0, 0, 0, 7]),
            hash_key(&[1, 2]),
            bytes(ROOT.0)[1..].to_vec(),
            vec![0xff; 32],
            Vec::new(),
        ] {
            assert_eq!(
                decode_entry(&layout, &key, &value).unwrap(),
                None,
                "{key:?}"
            );
        }
        let truncated = &bytes(OFFER.1)[..40];
        let err = decode_entry(&layout, &bytes(OFFER.0), truncated).unwrap_err();
        assert!(
            matches!(
                err,
                ContractStateError::Decode {
                    what: "an offer",
                    ..
                }
            ),
            "{err}"
        );
        // Trailing bytes are not silently ignored either.
        let mut long = bytes(ROOT.1);
        long.push(0);
        assert!(decode_entry(&layout, &bytes(ROOT.0), &long).is_err());
        // An offer stored under another id than its own.
        let moved = hash_key(&[0x02, 0x82, 0xe3, 0x03, 5, 0, 0, 0, 0, 0, 0, 0]);
        let err = decode_entry(&layout, &moved, &bytes(OFFER.1)).unwrap_err();
        assert!(
            err.to_string().contains("offer 0 stored under id 5"),
            "{err}"
        );
    }

    #[test]
    fn a_snapshot_orders_arbiters_by_list_slot_and_needs_the_root() {
        let layout = EscrowLayout::ESCROW;
        let arbiter = |fee_bps| Arbiter {
            fee_bps,
            min_amount: 0,
            profile: [0; 32],
            active: true,
            index: 0,
        };
        let Some(EscrowEntry::Root(mut root)) = decode(ROOT) else {
            panic!("root entry")
        };
        root.arbiter_count = 2;
        let entries = vec![
            EscrowEntry::Arbiter([1; 32], arbiter(1)),
            EscrowEntry::Arbiter([2; 32], arbiter(2)),
            EscrowEntry::Arbiter([3; 32], arbiter(3)),
            EscrowEntry::ArbiterSlot(1, [1; 32]),
            EscrowEntry::ArbiterSlot(0, [2; 32]),
            // Beyond arbiter_count: not listed by the contract either.
            EscrowEntry::ArbiterSlot(2, [3; 32]),
            EscrowEntry::Credit([9; 32], 5),
            EscrowEntry::Root(root),
        ];
        let snap =
            ContractSnapshot::from_entries((7, [0; 32]), vec![1], &layout, entries.clone(), 2)
                .unwrap();
        assert_eq!(
            snap.arbiters,
            vec![([2; 32].into(), arbiter(2)), ([1; 32].into(), arbiter(1))]
        );
        assert_eq!(snap.unlisted_arbiters, vec![([3; 32].into(), arbiter(3))]);
        assert_eq!(snap.credits, vec![([9; 32], 5)]);
        assert_eq!((snap.entries, snap.unknown_entries), (10, 2));
        let without_root = entries[..7].to_vec();
        let err = ContractSnapshot::from_entries((7, [0; 32]), vec![1], &layout, without_root, 0)
            .unwrap_err();
        assert!(matches!(err, ContractStateError::NoRoot(_)), "{err}");
    }

    #[test]
    fn the_layout_comes_from_the_metadata_and_must_be_the_escrows() {
        let field = |name: &str, root: Option<&str>| match root {
            Some(k) => serde_json::json!({"name": name, "layout": {"root": {"root_key": k,
                "layout": {"leaf": {"key": k, "ty": 1}}, "ty": 2}}}),
            None => serde_json::json!({"name": name, "layout": {"leaf": {"key": "0x00000000",
                "ty": 0}}}),
        };
        let abi = |fields: Vec<serde_json::Value>| {
            let v = serde_json::json!({"storage": {"root": {"root_key": "0x00000000",
                "layout": {"struct": {"name": "Escrow", "fields": fields}}, "ty": 9}}});
            v.as_object().unwrap().clone()
        };
        let escrow_fields = || {
            let mappings = [
                ("offers", "0x0282e303"),
                ("deals", "0xeca1482f"),
                ("arbiters", "0xba08af3b"),
                ("arbiter_list", "0xb40e8cfd"),
                ("credits", "0xa6872ef3"),
            ];
            let mut fields: Vec<_> = ROOT_FIELDS.iter().map(|n| field(n, None)).collect();
            for (name, key) in mappings.iter().rev() {
                fields.insert(5, field(name, Some(key)));
            }
            fields
        };
        assert_eq!(
            EscrowLayout::from_abi(&abi(escrow_fields())).unwrap(),
            EscrowLayout::ESCROW
        );
        let mut swapped = escrow_fields();
        swapped.swap(0, 1);
        assert!(matches!(
            EscrowLayout::from_abi(&abi(swapped)),
            Err(ContractStateError::Layout(_))
        ));
        let mut extra = escrow_fields();
        extra.push(field("more", Some("0x01020304")));
        assert!(EscrowLayout::from_abi(&abi(extra)).is_err());
        assert!(EscrowLayout::from_abi(&serde_json::Map::new()).is_err());
    }
}
