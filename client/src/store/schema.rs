//! The store's tables. Bump [`SCHEMA_VERSION`] on any change: a store of another version is
//! refused, and the caller deletes and rebuilds it (it is only a cache of the chain).

/// The layout `SCHEMA` creates, recorded in `meta` under `schema_version`.
/// 7: the `offer_id` of a deal a task request opened is null in events' and deals' JSON.
/// 8: `documents`, the words published beside the calls, and each event's extrinsic.
/// 9: task requests, proposals and arbiters, each event's `request_id`, the reputations'
/// weighted rating, and `block_pages`, the explorer's pages of indexed blocks.
pub const SCHEMA_VERSION: i64 = 9;

/// Accounts and hashes are 32-byte BLOBs. Balances (`price`, `amount`) are u128 as 16-byte
/// big-endian BLOBs, so SQLite's memcmp order of BLOBs is their numeric order and ranges use
/// the indexes. Offers, deals and reputations keep the record twice: `scale`, the SCALE
/// encoding exactly as the contract returns it (typed reads decode it, losslessly), and `json`,
/// the record as `--output json` prints it (for readers that serve JSON as is).
pub const SCHEMA: &str = r#"
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value ANY NOT NULL
) STRICT;

-- The indexed chain, one block per height: the first row is where indexed history starts.
CREATE TABLE blocks (
    number INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    parent_hash BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    -- signed and inherent, as the explorer's block list shows them
    extrinsics INTEGER NOT NULL,
    -- 1: its changes are in `undo` and it can be rolled back; 0: the snapshot the store
    -- started from, or finalized.
    undoable INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    block_number INTEGER NOT NULL REFERENCES blocks(number) ON DELETE CASCADE,
    block_hash BLOB NOT NULL,
    idx INTEGER NOT NULL,
    contract TEXT NOT NULL,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    deal_id INTEGER,
    offer_id INTEGER,
    -- the extrinsic that emitted it (NULL: initialization or finalization)
    extrinsic INTEGER,
    request_id INTEGER,
    UNIQUE (block_number, idx)
) STRICT;
CREATE INDEX events_deal ON events(deal_id, block_number, idx) WHERE deal_id IS NOT NULL;
CREATE INDEX events_offer ON events(offer_id, block_number, idx) WHERE offer_id IS NOT NULL;
CREATE INDEX events_request ON events(request_id, block_number, idx)
    WHERE request_id IS NOT NULL;

-- Documents published in a block (`System.remark_with_event` confirmed by `System.Remarked`),
-- by their blake2-256 hash; the same words published twice are kept once per block.
-- `extrinsic` is the one that published it: a call's citation is checked against the remarks
-- of its own extrinsic.
CREATE TABLE documents (
    hash BLOB NOT NULL,
    block_number INTEGER NOT NULL REFERENCES blocks(number) ON DELETE CASCADE,
    extrinsic INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (hash, block_number, extrinsic)
) STRICT, WITHOUT ROWID;
CREATE INDEX documents_extrinsic ON documents(block_number, extrinsic);

-- Every SS58 account named in an event's fields.
CREATE TABLE event_accounts (
    account BLOB NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    PRIMARY KEY (account, event_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_accounts_event ON event_accounts(event_id);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY,
    seller BLOB NOT NULL,
    arbiter BLOB NOT NULL,
    price BLOB NOT NULL,
    quantity INTEGER NOT NULL,
    active INTEGER NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT;
CREATE INDEX offers_active_price ON offers(active, price, id);
-- The first page of active offers in id order, read without sorting them all.
CREATE INDEX offers_active_id ON offers(active, id);
CREATE INDEX offers_seller ON offers(seller, id);
CREATE INDEX offers_arbiter ON offers(arbiter, id);

-- Words of the offers' titles and descriptions; external content, kept in step by the
-- triggers of OFFER_TEXT_TRIGGERS. Searches match word prefixes: the prefix indexes answer
-- those of 2 to 4 letters as one term, where FTS5 would otherwise merge the lists of every
-- word starting so (a word in each of 10,000 offers: 0.4 → 0.04 ms).
CREATE VIRTUAL TABLE offers_fts USING fts5(
    title, description,
    content = 'offers', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    -- NULL: opened by a task request's award (the escrow's NO_OFFER).
    offer_id INTEGER,
    buyer BLOB NOT NULL,
    seller BLOB NOT NULL,
    arbiter BLOB NOT NULL,
    state TEXT NOT NULL,
    amount BLOB NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT;
CREATE INDEX deals_buyer ON deals(buyer, id);
CREATE INDEX deals_seller ON deals(seller, id);
CREATE INDEX deals_arbiter ON deals(arbiter, id);
CREATE INDEX deals_offer ON deals(offer_id, id);

CREATE TABLE reputation (
    account BLOB PRIMARY KEY,
    -- `offer list --min-rating`: the sellers rated at least so much, from an index.
    average_rating_centi INTEGER NOT NULL,
    -- `request list --min-rating`: the posters' value-weighted rating.
    weighted_rating_centi INTEGER NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX reputation_rating ON reputation(average_rating_centi);
CREATE INDEX reputation_weighted ON reputation(weighted_rating_centi);

-- Task requests of the escrow's requests contract. `scale` is a `StoredRequest`: the request
-- and `changed_in`, the block it last changed in (also a column).
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    poster BLOB NOT NULL,
    state TEXT NOT NULL,
    budget BLOB NOT NULL,
    proposal_deadline INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    changed_in INTEGER NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT;
-- `request list`'s three orders, over open requests or all of them.
CREATE INDEX requests_state_id ON requests(state, id);
CREATE INDEX requests_state_budget ON requests(state, budget, id);
CREATE INDEX requests_state_deadline ON requests(state, proposal_deadline, id);
CREATE INDEX requests_budget ON requests(budget, id);
CREATE INDEX requests_deadline ON requests(proposal_deadline, id);
CREATE INDEX requests_poster ON requests(poster, id);
-- The arbiters each request accepts (1 to 4), kept with the request's row.
CREATE TABLE request_arbiters (
    arbiter BLOB NOT NULL,
    request_id INTEGER NOT NULL,
    PRIMARY KEY (arbiter, request_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_arbiters_request ON request_arbiters(request_id);

CREATE VIRTUAL TABLE requests_fts USING fts5(
    title, description,
    content = 'requests', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

-- Proposals, withdrawn ones too (the contract forgets those). `key` is the request id and the
-- proposal's index, 12 bytes big-endian; `scale` a `StoredProposal`.
CREATE TABLE proposals (
    key BLOB PRIMARY KEY,
    request_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    worker BLOB NOT NULL,
    status TEXT NOT NULL,
    changed_in INTEGER NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX proposals_request ON proposals(request_id, idx);
CREATE INDEX proposals_worker ON proposals(worker, request_id);

-- The escrow's arbiter registry; `idx` is the arbiter's slot, the registry's order.
CREATE TABLE arbiters (
    account BLOB PRIMARY KEY,
    idx INTEGER NOT NULL,
    active INTEGER NOT NULL,
    changed_in INTEGER NOT NULL,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX arbiters_idx ON arbiters(idx);

-- The reputation contract's record of each ended deal of this escrow: outcome, what the
-- seller received, both ratings (`deal_record(escrow, deal_id)`).
CREATE TABLE deal_records (
    deal_id INTEGER PRIMARY KEY,
    scale BLOB NOT NULL,
    json TEXT NOT NULL
) STRICT;

-- The explorer's page of an indexed block (every extrinsic and event, decoded), as its JSON:
-- kept the first time it is read from the node, so that later reads need no node. A block's
-- content never changes under its hash; the page goes with its block when that is rolled back.
CREATE TABLE block_pages (
    hash BLOB PRIMARY KEY REFERENCES blocks(hash) ON DELETE CASCADE,
    json TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- What each undoable block changed: the row before it (`previous`, SCALE; NULL: none).
CREATE TABLE undo (
    block_hash BLOB NOT NULL REFERENCES blocks(hash) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('offer', 'deal', 'reputation', 'record', 'request',
        'proposal', 'arbiter')),
    -- the offer's, deal's or request's id (also of a record), the account, or a proposal's key
    key ANY NOT NULL,
    previous BLOB,
    PRIMARY KEY (block_hash, seq)
) STRICT, WITHOUT ROWID;
"#;

/// Keep `offers_fts` and `requests_fts` in step with their tables, row by row. [`super::Store::replace_state`] drops
/// them and rebuilds the index once instead: FTS5 flushes its pending terms at every
/// statement's savepoint, so a trigger per row of a bulk load writes thousands of tiny
/// segments and then merges them.
pub const TEXT_TRIGGERS: &str = r#"
CREATE TRIGGER offers_fts_insert AFTER INSERT ON offers BEGIN
    INSERT INTO offers_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER offers_fts_delete AFTER DELETE ON offers BEGIN
    INSERT INTO offers_fts(offers_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER offers_fts_update AFTER UPDATE OF title, description ON offers BEGIN
    INSERT INTO offers_fts(offers_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO offers_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER requests_fts_update AFTER UPDATE OF title, description ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO requests_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
END;
"#;

pub const DROP_TEXT_TRIGGERS: &str = "
DROP TRIGGER offers_fts_insert;
DROP TRIGGER offers_fts_delete;
DROP TRIGGER offers_fts_update;
DROP TRIGGER requests_fts_insert;
DROP TRIGGER requests_fts_delete;
DROP TRIGGER requests_fts_update;
";
