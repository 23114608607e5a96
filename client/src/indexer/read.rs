//! What the indexer reads from the node: one block's contract events and the rows they
//! changed, or the whole state at one block for a cold start. Rows are read from the
//! contracts' child tries at that very block, so a block's changes are its own even when the
//! chain has moved on.

use std::collections::BTreeMap;

use scale::DecodeAll;
use subxt::utils::H256;

use crate::chain::{rpc_err, Chain, ChainEvent};
use crate::contract::decode_emitted;
use crate::contract_state::{
    self, mapping_trie_key, ContractStateError, EscrowLayout, REPUTATION_DEALS, REPUTATION_STATS,
    REQUESTS_PROPOSALS, REQUESTS_REQUESTS,
};
use crate::documents::published_in;
use crate::session::{event_view, Contracts};
use crate::store::{event_accounts, BlockChanges, BlockEvent, BlockInfo, ProposalKey, Snapshot};
use crate::types::{
    AccountBytes, AccountReputation, Arbiter, Deal, DealRecord, Localize, Offer, Proposal, Request,
};

pub type ReadResult<T> = Result<T, ContractStateError>;

/// The child tries of the three contracts (`None` before a contract exists, and for the
/// requests contract of a deployment that has none).
#[derive(Debug, Clone, Default)]
pub struct Tries {
    pub escrow: Option<Vec<u8>>,
    pub reputation: Option<Vec<u8>>,
    pub requests: Option<Vec<u8>>,
}

impl Tries {
    /// Reads the tries at block `at`; a contract not instantiated yet has none.
    pub async fn at(chain: &Chain, contracts: &Contracts, at: [u8; 32]) -> ReadResult<Tries> {
        let requests = match &contracts.requests {
            Some(r) => trie_or_none(chain, &r.address, at).await?,
            None => None,
        };
        Ok(Tries {
            escrow: trie_or_none(chain, &contracts.escrow.address, at).await?,
            reputation: trie_or_none(chain, &contracts.reputation.address, at).await?,
            requests,
        })
    }

    fn complete(&self, contracts: &Contracts) -> bool {
        self.escrow.is_some()
            && self.reputation.is_some()
            && (self.requests.is_some() || contracts.requests.is_none())
    }
}

/// The contracts whose events the store keeps, with their codecs.
fn indexed_contracts(
    contracts: &Contracts,
) -> (
    Vec<subxt::utils::AccountId32>,
    Vec<&crate::contract::ContractCodec>,
) {
    let mut all = vec![&contracts.escrow, &contracts.reputation];
    all.extend(contracts.requests.as_ref());
    (
        all.iter().map(|c| c.address).collect(),
        all.iter().map(|c| &c.codec).collect(),
    )
}

async fn trie_or_none(
    chain: &Chain,
    address: &subxt::utils::AccountId32,
    at: [u8; 32],
) -> ReadResult<Option<Vec<u8>>> {
    match contract_state::trie_id(chain, address, at).await {
        Ok(t) => Ok(Some(t)),
        Err(ContractStateError::NoContract { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Number, hash, parent and timestamp of block `hash` (`extrinsics` left 0: its events say).
async fn block_info(chain: &Chain, hash: [u8; 32]) -> ReadResult<BlockInfo> {
    let header = chain
        .rpc()
        .chain_get_header(Some(H256(hash)))
        .await
        .map_err(rpc_err)?
        .ok_or(ContractStateError::UnknownBlock(hash))?;
    Ok(BlockInfo {
        number: header.number,
        hash,
        parent_hash: header.parent_hash.0,
        timestamp: chain.block_timestamp(hash).await?.unwrap_or(0),
        extrinsics: 0,
        documents: Vec::new(),
    })
}

/// The finalized block: (number, hash).
pub async fn finalized(chain: &Chain) -> ReadResult<(u64, [u8; 32])> {
    let hash = chain
        .rpc()
        .chain_get_finalized_head()
        .await
        .map_err(rpc_err)?;
    let header = chain
        .rpc()
        .chain_get_header(Some(hash))
        .await
        .map_err(rpc_err)?
        .ok_or(ContractStateError::UnknownBlock(hash.0))?;
    Ok((header.number, hash.0))
}

/// Block `hash` and its events of the two contracts, read on its own (header, timestamp,
/// events: a few calls to the node).
pub async fn block_events(
    chain: &Chain,
    contracts: &Contracts,
    hash: [u8; 32],
) -> ReadResult<(BlockInfo, Vec<BlockEvent>)> {
    let block = block_info(chain, hash).await?;
    let all = chain.events_at(hash).await?;
    index_block(chain, contracts, block, all).await
}

/// What the store keeps of `block` given `all` its events, decoded: the two contracts' events,
/// the extrinsic count, and the documents published in it (its body is read only when a
/// `System.Remarked` says there are some). The one place a block's events become the store's
/// rows, whichever way the block was read (the forward sync, or either history reader).
pub async fn index_block(
    chain: &Chain,
    contracts: &Contracts,
    mut block: BlockInfo,
    all: Vec<(Option<u32>, ChainEvent)>,
) -> ReadResult<(BlockInfo, Vec<BlockEvent>)> {
    let hash = block.hash;
    let (ours, codecs) = indexed_contracts(contracts);
    // Words published beside the contracts' calls, kept whatever they cite: a block's remarks
    // are few, and a reader checks each citation against them.
    block.documents = published_in(chain, hash, &all)
        .await?
        .into_iter()
        .map(|p| (p.hash, p.extrinsic, p.bytes))
        .collect();
    // Every extrinsic, inherents included, ends with `ExtrinsicSuccess` or `ExtrinsicFailed`
    // in its own phase: the highest phase counts them, with no read of the block's body.
    block.extrinsics = all
        .iter()
        .filter_map(|(phase, _)| *phase)
        .max()
        .map_or(0, |last| last + 1);
    let mut events = Vec::new();
    for (index, (phase, event)) in all.into_iter().enumerate() {
        let Some(decoded) = decode_emitted(&event, &codecs, None) else {
            continue;
        };
        if !ours.contains(&decoded.contract) {
            continue;
        }
        let mut view = event_view(&decoded, contracts);
        view.block = Some(block.number);
        events.push(BlockEvent {
            index: index as u32,
            extrinsic: phase,
            event: view,
        });
    }
    Ok((block, events))
}

/// Block `hash`'s events of the two contracts, and the offers, deals and reputations they
/// name as stored at the end of the block. `tries` is completed once a contract appears.
pub async fn block_changes(
    chain: &Chain,
    contracts: &Contracts,
    tries: &mut Tries,
    hash: [u8; 32],
) -> ReadResult<BlockChanges> {
    let (block, events) = block_events(chain, contracts, hash).await?;
    let mut changes = BlockChanges::new(block);
    changes.events = events;
    if changes.events.is_empty() {
        return Ok(changes);
    }
    if !tries.complete(contracts) {
        *tries = Tries::at(chain, contracts, hash).await?;
    }
    let mut offer_ids = Vec::new();
    let mut deal_ids = Vec::new();
    let mut accounts = Vec::new();
    let mut requests = RequestReads::default();
    let mut arbiters = Vec::new();
    // Deals the reputation contract's events are about: their events do not name every
    // account whose reputation changed (a ruling's arbiter, the raters of `RatingsWithheld`),
    // the deal does.
    let mut reported = Vec::new();
    for e in &changes.events {
        let id = |name: &str| e.event.fields.get(name).and_then(|v| v.as_u64());
        // Every escrow event that changes an offer or a deal names it. A deal a task request
        // opened names no offer (its `offer_id` is null).
        offer_ids.extend(id("offer_id"));
        deal_ids.extend(id("deal_id"));
        match e.event.contract.as_str() {
            "reputation" => {
                accounts.extend(event_accounts(&e.event.fields));
                reported.extend(id("deal_id"));
            }
            "requests" => requests.note(&e.event.name, id("request_id"), id("index")),
            // `ArbiterChanged` and `ArbiterRemoved` name the arbiter, and no other account.
            "escrow" if e.event.name.starts_with("Arbiter") => {
                arbiters.extend(event_accounts(&e.event.fields));
            }
            _ => {}
        }
    }
    offer_ids.sort_unstable();
    offer_ids.dedup();
    deal_ids.sort_unstable();
    deal_ids.dedup();
    let prefix = chain.ss58_prefix();
    if let Some(trie) = &tries.escrow {
        let layout = EscrowLayout::ESCROW;
        changes.offers =
            rows::<u64, Offer>(chain, trie, layout.offers, &offer_ids, hash, prefix).await?;
        changes.deals =
            rows::<u64, Deal>(chain, trie, layout.deals, &deal_ids, hash, prefix).await?;
        arbiters.sort_unstable();
        arbiters.dedup();
        changes.arbiters =
            rows::<AccountBytes, Arbiter>(chain, trie, layout.arbiters, &arbiters, hash, prefix)
                .await?;
    }
    if let Some(trie) = &tries.requests {
        let ids: Vec<u64> = requests.ids.iter().copied().collect();
        changes.requests =
            rows::<u64, Request>(chain, trie, REQUESTS_REQUESTS, &ids, hash, prefix).await?;
        // A request that ended changed where each of its competing proposals stands.
        for id in &requests.ended {
            if let Some(Some(r)) = changes.requests.get(id) {
                requests
                    .proposals
                    .extend(r.competing.iter().map(|index| (*id, *index)));
            }
        }
        let keys: Vec<(u64, u32)> = requests.proposals.iter().copied().collect();
        changes.proposals =
            rows::<(u64, u32), Proposal>(chain, trie, REQUESTS_PROPOSALS, &keys, hash, prefix)
                .await?
                .into_iter()
                .map(|((request_id, index), p)| (ProposalKey { request_id, index }, p))
                .collect();
    }
    for deal in reported
        .iter()
        .filter_map(|id| changes.deals.get(id).and_then(Option::as_ref))
    {
        accounts.extend([deal.buyer.id(), deal.seller.id(), deal.arbiter.id()]);
    }
    accounts.sort_unstable();
    accounts.dedup();
    if let Some(trie) = &tries.reputation {
        changes.reputations = rows::<AccountBytes, AccountReputation>(
            chain,
            trie,
            REPUTATION_STATS,
            &accounts,
            hash,
            prefix,
        )
        .await?;
        reported.sort_unstable();
        reported.dedup();
        let escrow = contracts.escrow.address.0;
        let keys: Vec<(AccountBytes, u64)> = reported.iter().map(|id| (escrow, *id)).collect();
        changes.records = rows::<(AccountBytes, u64), DealRecord>(
            chain,
            trie,
            REPUTATION_DEALS,
            &keys,
            hash,
            prefix,
        )
        .await?
        .into_iter()
        .map(|((_, id), record)| (id, record))
        .collect();
    }
    Ok(changes)
}

/// What a block's events of the requests contract name: the requests to read again, the
/// proposals, and the requests that ended (whose competing proposals ended with them).
#[derive(Debug, Default)]
struct RequestReads {
    ids: std::collections::BTreeSet<u64>,
    proposals: std::collections::BTreeSet<(u64, u32)>,
    ended: std::collections::BTreeSet<u64>,
}

impl RequestReads {
    fn note(&mut self, event: &str, request_id: Option<u64>, index: Option<u64>) {
        let Some(id) = request_id else {
            return;
        };
        self.ids.insert(id);
        if let Some(index) = index.and_then(|i| u32::try_from(i).ok()) {
            self.proposals.insert((id, index));
        }
        if matches!(
            event,
            "RequestAwarded" | "RequestCancelled" | "RequestClosed"
        ) {
            self.ended.insert(id);
        }
    }
}

/// `map[key]` for each key, as stored at block `at` (`None`: no entry).
async fn rows<K, V>(
    chain: &Chain,
    trie: &[u8],
    root: [u8; 4],
    keys: &[K],
    at: [u8; 32],
    prefix: u16,
) -> ReadResult<BTreeMap<K, Option<V>>>
where
    K: scale::Encode + Ord + Copy,
    V: DecodeAll + Localize,
{
    let trie_keys: Vec<Vec<u8>> = keys.iter().map(|k| mapping_trie_key(root, k)).collect();
    let values = contract_state::read_values(chain, trie, &trie_keys, Some(at)).await?;
    let mut out = BTreeMap::new();
    for ((key, trie_key), value) in keys.iter().zip(&trie_keys).zip(values) {
        let row = match value {
            None => None,
            Some(bytes) => {
                let mut v =
                    V::decode_all(&mut &bytes[..]).map_err(|e| ContractStateError::Decode {
                        what: std::any::type_name::<V>(),
                        key: hex::encode(trie_key),
                        reason: e.to_string(),
                    })?;
                v.localize(prefix);
                Some(v)
            }
        };
        out.insert(*key, row);
    }
    Ok(out)
}

/// Everything the store holds, as of block `hash`: offers, deals and arbiters from the
/// escrow's trie, reputations from the reputation contract's, requests and proposals from the
/// requests contract's, and the block's own events. Contracts not instantiated yet hold nothing.
pub async fn snapshot(
    chain: &Chain,
    contracts: &Contracts,
    hash: [u8; 32],
) -> ReadResult<(Snapshot, Tries)> {
    let (block, events) = block_events(chain, contracts, hash).await?;
    let tries = Tries::at(chain, contracts, hash).await?;
    let mut snapshot = Snapshot {
        events,
        ..Snapshot::empty(block)
    };
    if tries.escrow.is_some() {
        let s = contract_state::snapshot(
            chain,
            &contracts.escrow.address,
            &EscrowLayout::ESCROW,
            Some(hash),
        )
        .await?;
        snapshot.offers = s.offers;
        snapshot.deals = s.deals;
        snapshot.arbiters = s
            .arbiters
            .into_iter()
            .chain(s.unlisted_arbiters)
            .map(|(account, a)| (account.id(), a))
            .collect();
    }
    if let Some(trie) = &tries.requests {
        let mut state = contract_state::requests_state(chain, trie, hash).await?;
        let prefix = chain.ss58_prefix();
        state.requests.iter_mut().for_each(|r| r.localize(prefix));
        snapshot.requests = state.requests;
        snapshot.proposals = state
            .proposals
            .into_iter()
            .map(|((request_id, index), mut p)| {
                p.localize(prefix);
                (ProposalKey { request_id, index }, p)
            })
            .collect();
    }
    if let Some(trie) = &tries.reputation {
        let state =
            contract_state::reputation_state(chain, trie, &contracts.escrow.address.0, hash)
                .await?;
        snapshot.reputations = state.stats;
        snapshot.records = state.records;
        let prefix = chain.ss58_prefix();
        for (_, r) in &mut snapshot.records {
            r.localize(prefix);
        }
    }
    Ok((snapshot, tries))
}
