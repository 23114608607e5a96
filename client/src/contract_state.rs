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
//! [`snapshot`] pins one block, pages the trie's keys with `childstate_getKeysPaged`, fetches
//! their values in batches with `childstate_getStorageEntries` (several batches in flight)
//! and decodes every entry by root key into the client's types ([`crate::ops::types`]).

use std::collections::BTreeMap;

use scale::{Decode, DecodeAll, Encode};
use scale_value::{At, Value, ValueDef};
use serde::Serialize;
use subxt::rpcs::{rpc_params, RpcClient};
use subxt::utils::{AccountId32, H256};

use crate::chain::{value_u128, Chain, ChainError};
use crate::ops::types::{
    ser_account, ser_opt_account, ser_plancks, AccountBytes, Arbiter, Config, Deal, EscrowSettings,
    Offer,
};

/// What pallet-contracts puts before a trie id to name a contract's child trie.
pub const CHILD_STORAGE_PREFIX: &[u8] = b":child_storage:default:";
/// Most keys one `childstate_getKeysPaged` returns (Substrate refuses larger counts).
pub const KEYS_PAGE: u32 = 1_000;
/// Value batches (`childstate_getStorageEntries`) in flight while further keys are paged.
const BATCHES_IN_FLIGHT: usize = 8;

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
pub const ROOT_FIELDS: [&str; 12] = [
    "owner",
    "fee_bps",
    "fee_recipient",
    "reputation",
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
        let bad = |why: String| ContractStateError::Layout(why);
        let storage = metadata
            .abi
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
    #[serde(serialize_with = "ser_account")]
    pub owner: AccountBytes,
    pub fee_bps: u16,
    #[serde(serialize_with = "ser_account")]
    pub fee_recipient: AccountBytes,
    #[serde(serialize_with = "ser_opt_account")]
    pub reputation: Option<AccountBytes>,
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

/// The storage key behind a trie key, if the trie key is `blake2_128(key) ++ key`
/// (`Blake2_128Concat`, how pallet-contracts stores ink!'s variable-length keys).
pub fn unhash_key(trie_key: &[u8]) -> Option<&[u8]> {
    if trie_key.len() < 16 {
        return None;
    }
    let (hash, key) = trie_key.split_at(16);
    (blake2_128(key) == hash).then_some(key)
}

/// The trie key pallet-contracts stores `key` under.
pub fn hash_key(key: &[u8]) -> Vec<u8> {
    let mut out = blake2_128(key).to_vec();
    out.extend_from_slice(key);
    out
}

fn blake2_128(data: &[u8]) -> [u8; 16] {
    use blake2::digest::{Update, VariableOutput};
    let mut hasher = blake2::Blake2bVar::new(16).expect("16 is a valid blake2b output size");
    hasher.update(data);
    let mut out = [0u8; 16];
    hasher
        .finalize_variable(&mut out)
        .expect("the buffer is the output size");
    out
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
/// [`crate::ops::types`]; they print with the connected chain's SS58 prefix.
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
    pub arbiters: Vec<(AccountBytes, Arbiter)>,
    /// Registry entries no `arbiter_list` slot below `arbiter_count` names (none in a state
    /// the escrow wrote; kept rather than dropped).
    pub unlisted_arbiters: Vec<(AccountBytes, Arbiter)>,
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
                arbiters.push((*account, a));
            }
        }
        Ok(ContractSnapshot {
            block,
            trie_id,
            root,
            offers: offers.into_values().collect(),
            deals: deals.into_values().collect(),
            arbiters,
            unlisted_arbiters: registry.into_iter().collect(),
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

/// `ContractInfoOf(address).trie_id` at block `at`, through the runtime metadata.
pub async fn trie_id(chain: &Chain, address: &AccountId32, at: [u8; 32]) -> Result<Vec<u8>> {
    let client = chain
        .api()
        .at_block(H256(at))
        .await
        .map_err(crate::chain::rpc_err)?;
    let addr = subxt::dynamic::storage::<(Value,), Value>("Contracts", "ContractInfoOf");
    let found = client
        .storage()
        .try_fetch(addr, (Value::from_bytes(address.0),))
        .await
        .map_err(crate::chain::rpc_err)?
        .ok_or_else(|| ContractStateError::NoContract {
            address: crate::units::to_ss58(&address.0),
            block: at,
        })?;
    let info: Value = found
        .decode()
        .map_err(|e| ChainError::Decode(e.to_string()))?;
    info.at("trie_id")
        .and_then(value_bytes)
        .ok_or_else(|| ChainError::Decode("ContractInfo has no trie_id bytes".into()).into())
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

/// The values of `keys` (0x-hex) in the child trie.
async fn values_batch(
    rpc: RpcClient,
    child_key: String,
    keys: Vec<String>,
    at: H256,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let values: Vec<Option<String>> = rpc
        .request(GET_STORAGE_ENTRIES, rpc_params![child_key, &keys, at])
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

/// Every `(trie key, value)` of the child trie `trie_id` at block `at`, in key order: keys in
/// pages of [`KEYS_PAGE`], each page's values fetched while the next page is listed.
pub async fn child_entries(
    chain: &Chain,
    trie_id: &[u8],
    at: [u8; 32],
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let rpc = chain.rpc_client();
    let child_key = hex0x(&child_storage_key(trie_id));
    let at = H256(at);
    let mut in_flight = std::collections::VecDeque::new();
    let mut entries = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let keys = keys_page(rpc, &child_key, start.as_deref(), at).await?;
        let full = keys.len() as u32 >= KEYS_PAGE;
        start = keys.last().cloned();
        if !keys.is_empty() {
            in_flight.push_back(tokio::spawn(values_batch(
                rpc.clone(),
                child_key.clone(),
                keys,
                at,
            )));
        }
        while in_flight.len() > BATCHES_IN_FLIGHT || (!full && !in_flight.is_empty()) {
            let batch = in_flight.pop_front().expect("checked non-empty");
            entries.extend(batch.await.map_err(|e| ContractStateError::Rpc {
                method: GET_STORAGE_ENTRIES,
                reason: format!("the fetch task failed: {e}"),
            })??);
        }
        if !full {
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
    ContractSnapshot::from_entries((number, hash.0), trie_id, layout, entries, unknown)
}
