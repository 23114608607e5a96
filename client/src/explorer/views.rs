//! What the explorer's JSON API returns: chain data put in the escrow's terms, built from the
//! same library calls as the CLI commands.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::blocks::{BlockRef, BlockSummary, ExtrinsicView};
use crate::chain::{composite_field, ChainEvent};
use crate::contract::decode_emitted;
use crate::indexer::{store_error, store_key, store_path, Backfill};
use crate::ops::deal_words::CitedWords;
use crate::ops::deals::{self, DeadlineView};
use crate::ops::index::synced_store;
use crate::ops::stored_deals;
use crate::ops::stored_offers::{self, ListFilter, OfferList};
use crate::ops::types::{AccountReputation, Deal, DealRecord, Offer};
use crate::ops::{
    event_view, genesis_hex, ink_to_json, now_ms, usage, Contracts, Ctx, Deployment, EventView,
    OpError, OpResult,
};
use crate::store::{BlockInfo, Store, StoreError};
use crate::types::Localize;

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub url: String,
    pub genesis: String,
    pub best_block: u64,
    /// Token decimals and symbol, for showing plancks.
    pub decimals: u8,
    pub symbol: String,
    /// The contracts saved by `escrow deploy` for this chain, if they exist on it.
    pub deployment: Option<Deployment>,
    /// Why there is no deployment, if there is none.
    pub deployment_error: Option<String>,
}

pub async fn status(ctx: &mut Ctx) -> OpResult<Status> {
    let best_block = ctx.chain.best_block_number().await?;
    let (deployment, deployment_error) = match ctx.contracts().await {
        Ok(c) => (Some(c.deployment), None),
        Err(OpError::Usage(reason)) => (None, Some(reason)),
        Err(e) => return Err(e),
    };
    Ok(Status {
        url: ctx.chain.url().to_string(),
        genesis: genesis_hex(&ctx.chain),
        best_block,
        decimals: ctx.units().decimals,
        symbol: ctx.units().symbol.clone(),
        deployment,
        deployment_error,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockList {
    pub best: u64,
    pub blocks: Vec<BlockSummary>,
}

/// The latest `limit` blocks (at most 100), newest first: from the event store, which indexes
/// every block since the deployment; older ones (or all, without a deployment) from the node.
pub async fn latest_blocks(ctx: &mut Ctx, limit: u64) -> OpResult<BlockList> {
    let limit = limit.clamp(1, 100);
    let mut blocks: Vec<BlockSummary> = match ctx.contracts().await {
        Ok(_) => {
            let (store, _) = synced_store(ctx, Backfill::Skip).await?;
            store
                .latest_blocks(limit as u32)
                .map_err(store_error)?
                .into_iter()
                .map(block_summary)
                .collect()
        }
        Err(OpError::Usage(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let below = match blocks.last() {
        Some(b) => b.number,
        None => ctx.chain.best_block_number().await? + 1,
    };
    let missing = limit.saturating_sub(blocks.len() as u64);
    let older = (below.saturating_sub(missing)..below).rev();
    blocks.extend(ctx.chain.block_summaries(older).await?);
    Ok(BlockList {
        best: blocks.first().map(|b| b.number).unwrap_or(0),
        blocks,
    })
}

fn block_summary(b: BlockInfo) -> BlockSummary {
    BlockSummary {
        number: b.number,
        hash: hex32(&b.hash),
        // The store keeps 0 for a block without `Timestamp::Now` (the genesis block).
        timestamp: (b.timestamp != 0).then_some(b.timestamp),
        extrinsics: b.extrinsics as usize,
    }
}

/// A call to one of our contracts, decoded by message name.
#[derive(Debug, Clone, Serialize)]
pub struct ContractCall {
    pub contract: String,
    pub message: String,
    pub args: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtrinsicRow {
    #[serde(flatten)]
    pub extrinsic: ExtrinsicView,
    pub contract_call: Option<ContractCall>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    /// Index of the extrinsic that emitted it (none for block initialization/finalization).
    pub extrinsic: Option<u32>,
    pub pallet: String,
    pub variant: String,
    pub fields: String,
    /// For `Contracts::ContractEmitted` from our contracts: the ink! event by name and fields.
    pub contract_event: Option<EventView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockPage {
    pub number: u64,
    pub hash: String,
    pub parent_hash: String,
    pub timestamp: Option<u64>,
    pub extrinsics: Vec<ExtrinsicRow>,
    pub events: Vec<EventRow>,
}

/// Block `id` (a number or a 0x hash) as its page's JSON. An indexed block's page comes from
/// the store, which keeps it once it was read from the node; any other block is read from the
/// node.
pub async fn block(ctx: &mut Ctx, id: &str) -> OpResult<Box<RawValue>> {
    let block_ref = BlockRef::parse(id).ok_or_else(|| {
        usage(format!(
            "invalid block '{id}': use a number or a 0x-prefixed 32-byte hash"
        ))
    })?;
    let indexed = match indexed_block(ctx, block_ref).await? {
        Indexed::Page(json) => return Ok(json),
        Indexed::Unkept(hash) => Some(hash),
        Indexed::No => None,
    };
    if let (BlockRef::Number(n), None) = (block_ref, indexed) {
        // Not asked of the node: a number its block numbers cannot hold is an RPC error.
        if n > ctx.chain.best_block_number().await? {
            return Err(unknown_block(id));
        }
    }
    // The indexed block by its hash: the one the store holds, even if the node's best chain
    // has moved on.
    let from_node = indexed.map_or(block_ref, BlockRef::Hash);
    let page = block_from_node(ctx, from_node)
        .await?
        .ok_or_else(|| unknown_block(id))?;
    let json = serde_json::value::to_raw_value(&page)
        .map_err(|e| OpError::Failed(format!("cannot write block {id} as JSON: {e}")))?;
    if let Some(hash) = indexed {
        keep_block_page(ctx, hash, json.get().to_string()).await;
    }
    Ok(json)
}

fn unknown_block(id: &str) -> OpError {
    usage(format!("unknown block {id}: not on this chain"))
}

/// What the store holds of a block.
enum Indexed {
    /// Indexed, with its page kept.
    Page(Box<RawValue>),
    /// Indexed (this hash), its page not kept yet.
    Unkept([u8; 32]),
    /// Not indexed, or no deployment (and so no store).
    No,
}

async fn indexed_block(ctx: &mut Ctx, block_ref: BlockRef) -> OpResult<Indexed> {
    match ctx.contracts().await {
        Ok(_) => {}
        Err(OpError::Usage(_)) => return Ok(Indexed::No),
        Err(e) => return Err(e),
    }
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    let info = match block_ref {
        BlockRef::Number(n) => store.block(n),
        BlockRef::Hash(h) => store.block_by_hash(&h),
    }
    .map_err(store_error)?;
    let Some(info) = info else {
        return Ok(Indexed::No);
    };
    match store.block_page(&info.hash).map_err(store_error)? {
        Some(json) => RawValue::from_string(json).map(Indexed::Page).map_err(|e| {
            store_error(StoreError::Corrupt {
                what: "block page",
                detail: e.to_string(),
            })
        }),
        None => Ok(Indexed::Unkept(info.hash)),
    }
}

/// Keeps the page of indexed block `hash` in the store, on a blocking thread (a writer may
/// wait for another's lock). The page is served either way: a store that cannot take it now
/// (busy, or rebuilt meanwhile) is asked again next time.
async fn keep_block_page(ctx: &mut Ctx, hash: [u8; 32], json: String) {
    let Ok(c) = ctx.contracts().await else {
        return;
    };
    let path = store_path(&ctx.settings, &ctx.chain, &c);
    let key = store_key(&ctx.chain, &c);
    let kept = tokio::task::spawn_blocking(move || {
        Store::open(&path, key).and_then(|mut s| s.keep_block_page(&hash, &json))
    })
    .await;
    match kept {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(
            "block page 0x{} not kept in the store: {e}",
            hex::encode(hash)
        ),
        Err(e) => tracing::warn!("keeping block page 0x{} stopped: {e}", hex::encode(hash)),
    }
}

/// Block `block` read from the node, every extrinsic and event, with our contracts' calls and
/// events decoded (`None`: the node does not know it).
async fn block_from_node(ctx: &mut Ctx, block_ref: BlockRef) -> OpResult<Option<BlockPage>> {
    let Some(detail) = ctx.chain.block_detail(block_ref).await? else {
        return Ok(None);
    };
    // Blocks are readable without a deployment; contract data is decoded when there is one.
    let contracts = ctx.contracts().await.ok();
    Ok(Some(BlockPage {
        number: detail.number,
        hash: hex32(&detail.hash),
        parent_hash: hex32(&detail.parent_hash),
        timestamp: detail.timestamp,
        extrinsics: detail
            .extrinsics
            .into_iter()
            .map(|x| ExtrinsicRow {
                contract_call: contracts.as_ref().and_then(|c| contract_call(&x, c)),
                extrinsic: x,
            })
            .collect(),
        events: detail
            .events
            .iter()
            .map(|(index, e)| event_row(*index, e, contracts.as_ref()))
            .collect(),
    }))
}

fn event_row(extrinsic: Option<u32>, e: &ChainEvent, contracts: Option<&Contracts>) -> EventRow {
    let contract_event = contracts.and_then(|c| {
        let ours = [c.escrow.address, c.reputation.address];
        decode_emitted(e, &[&c.escrow.codec, &c.reputation.codec], None)
            .filter(|d| ours.contains(&d.contract))
            .map(|d| event_view(&d, c))
    });
    EventRow {
        extrinsic,
        pallet: e.pallet.clone(),
        variant: e.variant.clone(),
        fields: e.fields.to_string(),
        contract_event,
    }
}

/// `Contracts::call` to the escrow or the reputation contract, decoded with its metadata.
fn contract_call(x: &ExtrinsicView, c: &Contracts) -> Option<ContractCall> {
    if x.pallet != "Contracts" || x.call != "call" {
        return None;
    }
    let fields = x.call_fields.as_ref()?;
    let dest = composite_field(fields, "dest").and_then(value_bytes32)?;
    let (name, codec) = if dest == c.escrow.address.0 {
        ("escrow", &c.escrow.codec)
    } else if dest == c.reputation.address.0 {
        ("reputation", &c.reputation.codec)
    } else {
        return None;
    };
    let data = composite_field(fields, "data").and_then(value_bytes)?;
    let (message, args) = codec.decode_message_call(&data).ok()?;
    Some(ContractCall {
        contract: name.into(),
        message,
        args: args
            .iter()
            .map(|(k, v)| (k.clone(), ink_to_json(v, c.ss58_prefix)))
            .collect(),
    })
}

/// A byte sequence decoded as a dynamic value.
fn value_bytes(v: &scale_value::Value<()>) -> Option<Vec<u8>> {
    match &v.value {
        scale_value::ValueDef::Composite(c) => c
            .values()
            .map(|b| match &b.value {
                scale_value::ValueDef::Primitive(p) => {
                    p.as_u128().and_then(|n| u8::try_from(n).ok())
                }
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// 32 bytes, looking through variants and newtypes (e.g. `MultiAddress::Id(AccountId32(..))`).
fn value_bytes32(v: &scale_value::Value<()>) -> Option<[u8; 32]> {
    if let Some(b) = value_bytes(v).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
        return Some(b);
    }
    match &v.value {
        scale_value::ValueDef::Variant(var) if var.values.len() == 1 => {
            var.values.values().next().and_then(value_bytes32)
        }
        scale_value::ValueDef::Composite(c) if c.len() == 1 => {
            c.values().next().and_then(value_bytes32)
        }
        _ => None,
    }
}

pub async fn offer_list(ctx: &mut Ctx, filter: ListFilter) -> OpResult<OfferList> {
    stored_offers::list(ctx, filter).await
}

#[derive(Debug, Clone, Serialize)]
pub struct OfferPage {
    pub offer: Offer,
    pub seller_reputation: AccountReputation,
}

pub async fn offer(ctx: &mut Ctx, id: u64) -> OpResult<OfferPage> {
    let (offer, seller_reputation) = stored_offers::stored(ctx, id).await?;
    Ok(OfferPage {
        offer,
        seller_reputation,
    })
}

/// One step of a deal's history.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub block: u64,
    /// Block timestamp, ms.
    pub time: Option<u64>,
    pub contract: String,
    pub name: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DealPage {
    pub deal: Deal,
    /// The task request whose award opened the deal (its `offer_id` is null), when known.
    pub request_id: Option<u64>,
    pub remaining: String,
    pub is_final: bool,
    /// Wall-clock time of the answer, ms.
    pub now: u64,
    /// Deadlines of an open deal (what happens there and who may act); for an ended deal, when
    /// its buyer may prune it.
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEntry>,
    /// The reputation contract's record of the ended deal: outcome and both ratings.
    pub record: Option<DealRecord>,
    /// The words on the record, in order: delivery note, statement, evidence, reasons.
    pub words: Vec<CitedWords>,
}

pub async fn deal(ctx: &mut Ctx, id: u64) -> OpResult<DealPage> {
    let stored = stored_deals::stored(ctx, id).await?;
    let timeline = stored
        .history
        .into_iter()
        .map(|e| TimelineEntry {
            block: e.block_number,
            time: Some(e.timestamp),
            contract: e.event.contract,
            name: e.event.name,
            fields: e.event.fields,
        })
        .collect();
    let (deal, request_id) = (stored.deal, stored.request_id);
    let (record, words) = (stored.record, stored.words);
    let now = now_ms();
    let deadlines = deals::deadlines_now(ctx, &deal, now).await?;
    Ok(DealPage {
        remaining: deal.remaining().to_string(),
        is_final: deal.state.is_final(),
        deadlines,
        deal,
        request_id,
        now,
        timeline,
        record,
        words,
    })
}

/// Deals and offers an account page lists at most: the latest ones (the CLI's `deal list
/// --account` and `offer list --seller` list them all).
pub const ACCOUNT_PAGE_ROWS: u32 = 25;

#[derive(Debug, Clone, Serialize)]
pub struct AccountPage {
    pub account: String,
    pub free: String,
    pub escrow_credit: Option<String>,
    pub reputation: Option<AccountReputation>,
    /// The latest [`ACCOUNT_PAGE_ROWS`] deals it takes part in, newest first.
    pub deals: Vec<Deal>,
    /// All its deals.
    pub deal_count: u64,
    /// The latest [`ACCOUNT_PAGE_ROWS`] offers it made, active or not, newest first.
    pub offers: Vec<Offer>,
    /// All its offers.
    pub offer_count: u64,
}

pub async fn account(ctx: &mut Ctx, arg: &str) -> OpResult<AccountPage> {
    let balance = crate::ops::accounts::balance(ctx, arg).await?;
    let id = ctx.account(arg)?.0;
    let mut page = AccountPage {
        account: ctx.chain.ss58(&id),
        free: balance.free,
        escrow_credit: balance.escrow_credit,
        reputation: None,
        deals: Vec::new(),
        deal_count: 0,
        offers: Vec::new(),
        offer_count: 0,
    };
    if ctx.contracts().await.is_err() {
        return Ok(page);
    }
    let (store, _) = synced_store(ctx, Backfill::Skip).await?;
    page.reputation = Some(
        store
            .reputation(&id)
            .map_err(store_error)?
            .unwrap_or_default(),
    );
    (page.deals, page.deal_count) = store
        .latest_deals_of(&id, ACCOUNT_PAGE_ROWS)
        .map_err(store_error)?;
    (page.offers, page.offer_count) = store
        .latest_offers_of(&id, ACCOUNT_PAGE_ROWS)
        .map_err(store_error)?;
    let prefix = ctx.chain.ss58_prefix();
    page.deals.localize(prefix);
    page.offers.localize(prefix);
    Ok(page)
}

/// Where a search term leads.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchMatch {
    /// "deal", "offer", "block" or "account".
    pub kind: String,
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub matches: Vec<SearchMatch>,
}

/// A deal id, an offer id, a block number or hash, or an account (SS58, 0x, keystore name,
/// //Dev URI). `deal 3`, `offer 3`, `block 3` pick one meaning of a bare number.
pub async fn search(ctx: &mut Ctx, query: &str) -> OpResult<SearchResult> {
    let q = query.trim();
    if q.is_empty() {
        return Err(usage(
            "empty search: type a deal id, an offer id, a block or an account",
        ));
    }
    let (kind, term) = match q.split_once(char::is_whitespace) {
        Some((k, rest)) if ["deal", "offer", "block"].contains(&k.to_lowercase().as_str()) => {
            (Some(k.to_lowercase()), rest.trim())
        }
        _ => (None, q.strip_prefix('#').unwrap_or(q)),
    };
    let wants = |k: &str| kind.as_deref().is_none_or(|w| w == k);
    let mut matches = Vec::new();
    let push = |matches: &mut Vec<SearchMatch>, kind: &str, id: String, label: String| {
        matches.push(SearchMatch {
            kind: kind.into(),
            id,
            label,
        })
    };
    if let Ok(n) = term.parse::<u64>() {
        if ctx.contracts().await.is_ok() {
            let (store, _) = synced_store(ctx, Backfill::Skip).await?;
            let deal = store.deal(n).map_err(store_error)?;
            let offer = store.offer(n).map_err(store_error)?;
            drop(store);
            if wants("deal") {
                if let Some(d) = deal {
                    push(
                        &mut matches,
                        "deal",
                        n.to_string(),
                        format!("deal {n} ({})", d.state.name()),
                    );
                }
            }
            if wants("offer") {
                if let Some(o) = offer {
                    push(
                        &mut matches,
                        "offer",
                        n.to_string(),
                        format!("offer {n}: {}", o.terms.title),
                    );
                }
            }
        }
        if wants("block") && hash_of_block(ctx, n).await?.is_some() {
            push(&mut matches, "block", n.to_string(), format!("block #{n}"));
        }
    } else if let Some(BlockRef::Hash(h)) = BlockRef::parse(term) {
        if wants("block") {
            if let Some(number) = number_of_block(ctx, &h).await? {
                push(
                    &mut matches,
                    "block",
                    number.to_string(),
                    format!("block #{number}"),
                );
            }
        }
        if kind.is_none() {
            push(
                &mut matches,
                "account",
                ctx.chain.ss58(&h),
                format!("account {}", ctx.chain.ss58(&h)),
            );
        }
    } else if kind.is_none() {
        if let Ok(a) = ctx.account(term) {
            let ss58 = ctx.chain.ss58(&a.0);
            push(
                &mut matches,
                "account",
                ss58.clone(),
                format!("account {ss58}"),
            );
        }
    }
    Ok(SearchResult {
        query: q.to_string(),
        matches,
    })
}

/// The number of the block of hash `hash`: from the store if it indexed it, else the node's.
async fn number_of_block(ctx: &mut Ctx, hash: &[u8; 32]) -> OpResult<Option<u64>> {
    if ctx.contracts().await.is_ok() {
        let (store, _) = synced_store(ctx, Backfill::Skip).await?;
        if let Some(b) = store.block_by_hash(hash).map_err(store_error)? {
            return Ok(Some(b.number));
        }
    }
    let header = ctx
        .chain
        .rpc()
        .chain_get_header(Some(subxt::utils::H256(*hash)))
        .await
        .map_err(crate::chain::rpc_err)?;
    Ok(header.map(|h| h.number))
}

/// The hash of block `number` of the best chain, if there is one. A number past the best
/// block is not asked of the node: one its block numbers cannot hold (e.g. above `u32::MAX`)
/// would be an RPC error, not an unknown block.
async fn hash_of_block(ctx: &mut Ctx, number: u64) -> OpResult<Option<[u8; 32]>> {
    if number > ctx.chain.best_block_number().await? {
        return Ok(None);
    }
    Ok(ctx.chain.block_hash(number).await?)
}

/// "unknown deal 7", "unknown offer 7", "unknown block 7": the API answers 404 for these.
pub fn is_not_found(e: &OpError) -> bool {
    matches!(e, OpError::Usage(m) if m.starts_with("unknown "))
}

fn hex32(h: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(h))
}
