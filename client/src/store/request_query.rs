//! Reading task requests, their proposals and the arbiter registry: search with filters,
//! three orders and cursor pages, and single rows.

use std::fmt;
use std::str::FromStr;

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::query::fts_query;
use super::tables::{sql_id, Arbiters, ProposalKey, Proposals, Requests};
use super::{IndexedEvent, StoreReader, StoreResult};
use crate::types::{AccountBytes, StoredArbiter, StoredProposal, StoredRequest, MAX_PAGE};

/// The order of `request list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequestSort {
    /// By id, the first posted first.
    #[default]
    Oldest,
    /// By id, the last posted first.
    Newest,
    /// The largest budget first (then the newest).
    Budget,
    /// The proposal deadline soonest first (then the oldest).
    Deadline,
}

impl RequestSort {
    pub const NAMES: [&'static str; 4] = ["oldest", "newest", "budget", "deadline"];

    fn tag(self) -> char {
        match self {
            RequestSort::Oldest => 'o',
            RequestSort::Newest => 'n',
            RequestSort::Budget => 'b',
            RequestSort::Deadline => 'd',
        }
    }
}

impl FromStr for RequestSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "oldest" => Ok(RequestSort::Oldest),
            "newest" => Ok(RequestSort::Newest),
            "budget" => Ok(RequestSort::Budget),
            "deadline" => Ok(RequestSort::Deadline),
            _ => Err(format!(
                "unknown order '{s}': expected one of {}",
                RequestSort::NAMES.join(", ")
            )),
        }
    }
}

/// Where a page of requests ends: the last request shown, in the order's terms. Printed as a
/// short token (`b.<budget>.<id>`) that the next page takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCursor {
    pub sort: RequestSort,
    /// The budget (plancks) or the proposal deadline (ms) of the last request; 0 for the
    /// orders by id.
    pub value: u128,
    pub id: u64,
}

impl RequestCursor {
    /// The cursor just after `r` in `sort`.
    pub fn after(sort: RequestSort, r: &StoredRequest) -> RequestCursor {
        let value = match sort {
            RequestSort::Oldest | RequestSort::Newest => 0,
            RequestSort::Budget => r.request.terms.budget,
            RequestSort::Deadline => r.request.proposal_deadline.into(),
        };
        RequestCursor {
            sort,
            value,
            id: r.request.id,
        }
    }
}

impl fmt::Display for RequestCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sort {
            RequestSort::Oldest | RequestSort::Newest => {
                write!(f, "{}.{}", self.sort.tag(), self.id)
            }
            _ => write!(f, "{}.{}.{}", self.sort.tag(), self.value, self.id),
        }
    }
}

impl FromStr for RequestCursor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid cursor '{s}': pass the next_cursor of the page before");
        let parts: Vec<&str> = s.split('.').collect();
        let sort = match parts.first().copied() {
            Some("o") => RequestSort::Oldest,
            Some("n") => RequestSort::Newest,
            Some("b") => RequestSort::Budget,
            Some("d") => RequestSort::Deadline,
            _ => return Err(bad()),
        };
        let (value, id) = match (sort, &parts[1..]) {
            (RequestSort::Oldest | RequestSort::Newest, [id]) => (0, *id),
            (RequestSort::Budget | RequestSort::Deadline, [value, id]) => {
                (value.parse::<u128>().map_err(|_| bad())?, *id)
            }
            _ => return Err(bad()),
        };
        if sort == RequestSort::Deadline && u64::try_from(value).is_err() {
            return Err(bad());
        }
        Ok(RequestCursor {
            sort,
            value,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// What `search_requests` looks for; every filter given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestQuery {
    /// Words of the title or description, matched as [`super::OfferQuery::text`].
    pub text: Option<String>,
    /// Plancks, inclusive.
    pub min_budget: Option<u128>,
    pub max_budget: Option<u128>,
    pub poster: Option<AccountBytes>,
    /// Only requests accepting this arbiter.
    pub arbiter: Option<AccountBytes>,
    /// Only requests whose poster's value-weighted rating (×100) is at least this; a poster
    /// without ratings has none, and passes only a minimum of 0.
    pub min_rating_centi: Option<u32>,
    /// Awarded, cancelled and closed requests too.
    pub include_ended: bool,
    pub sort: RequestSort,
    /// Only requests after this one in `sort` (the next page).
    pub after: Option<RequestCursor>,
    pub limit: u32,
}

impl Default for RequestQuery {
    /// Every open request, oldest first, the first page of [`MAX_PAGE`].
    fn default() -> Self {
        RequestQuery {
            text: None,
            min_budget: None,
            max_budget: None,
            poster: None,
            arbiter: None,
            min_rating_centi: None,
            include_ended: false,
            sort: RequestSort::Oldest,
            after: None,
            limit: MAX_PAGE,
        }
    }
}

impl StoreReader {
    /// Request `id`, as the store last saw it.
    pub fn request(&self, id: u64) -> StoreResult<Option<StoredRequest>> {
        if sql_id(id).is_none() {
            return Ok(None);
        }
        self.one::<Requests>(id)
    }

    /// Every proposal the store saw on request `request_id` (withdrawn ones too), by index.
    pub fn proposals_of(&self, request_id: u64) -> StoreResult<Vec<StoredProposal>> {
        let Some(id) = sql_id(request_id) else {
            return Ok(Vec::new());
        };
        self.decode_all::<Proposals>(
            "SELECT scale FROM proposals WHERE request_id = ?1 ORDER BY idx",
            [id],
        )
    }

    /// Proposal `index` of request `request_id`.
    pub fn proposal(&self, request_id: u64, index: u32) -> StoreResult<Option<StoredProposal>> {
        self.one::<Proposals>(ProposalKey { request_id, index })
    }

    /// The registered arbiters in the registry's order (retired ones too unless
    /// `active_only`).
    pub fn arbiters(&self, active_only: bool) -> StoreResult<Vec<StoredArbiter>> {
        self.decode_all::<Arbiters>(
            "SELECT scale FROM arbiters WHERE active OR NOT ?1 ORDER BY idx, account",
            [active_only],
        )
    }

    pub fn arbiter(&self, account: &AccountBytes) -> StoreResult<Option<StoredArbiter>> {
        self.one::<Arbiters>(*account)
    }

    /// Every indexed event of request `request_id` (the requests contract's events naming
    /// it), in chain order.
    pub fn request_timeline(&self, request_id: u64) -> StoreResult<Vec<IndexedEvent>> {
        let Some(id) = sql_id(request_id) else {
            return Ok(Vec::new());
        };
        self.events_where("e.request_id = ?1 ORDER BY e.block_number, e.idx", [id])
    }

    /// The requests matching `q`, in its order, from its cursor on.
    pub fn search_requests(&self, q: &RequestQuery) -> StoreResult<Vec<StoredRequest>> {
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        let (mut sql, id) = match q.text.as_deref().and_then(fts_query) {
            Some(text) => {
                let mut sql = String::from(
                    "SELECT r.scale FROM requests_fts f JOIN requests r ON r.id = f.rowid WHERE 1",
                );
                arg(&mut sql, " AND f.requests_fts MATCH ?", Value::Text(text));
                (sql, "f.rowid")
            }
            None => (
                String::from("SELECT r.scale FROM requests r WHERE 1"),
                "r.id",
            ),
        };
        if !q.include_ended {
            sql.push_str(" AND r.state = 'Open'");
        }
        let budget = |b: u128| Value::Blob(b.to_be_bytes().to_vec());
        if let Some(b) = q.min_budget {
            arg(&mut sql, " AND r.budget >= ?", budget(b));
        }
        if let Some(b) = q.max_budget {
            arg(&mut sql, " AND r.budget <= ?", budget(b));
        }
        if let Some(a) = q.poster {
            arg(&mut sql, " AND r.poster = ?", Value::Blob(a.to_vec()));
        }
        if let Some(a) = q.arbiter {
            arg(
                &mut sql,
                &format!(
                    " AND {id} IN (SELECT request_id FROM request_arbiters WHERE arbiter = ?)"
                ),
                Value::Blob(a.to_vec()),
            );
        }
        if let Some(min) = q.min_rating_centi.filter(|m| *m > 0) {
            arg(
                &mut sql,
                " AND r.poster IN \
                 (SELECT account FROM reputation WHERE weighted_rating_centi >= ?)",
                Value::Integer(min.into()),
            );
        }
        let (key, descending) = match q.sort {
            RequestSort::Oldest => (None, false),
            RequestSort::Newest => (None, true),
            RequestSort::Budget => (Some("r.budget"), true),
            RequestSort::Deadline => (Some("r.proposal_deadline"), false),
        };
        if let Some(c) = q.after.filter(|c| c.sort == q.sort) {
            let cmp = if descending { "<" } else { ">" };
            // An id past i64::MAX: nothing is after it in ascending order, everything before it
            // in descending order.
            let after_id = Value::Integer(sql_id(c.id).unwrap_or(i64::MAX));
            match key {
                None => arg(&mut sql, &format!(" AND {id} {cmp} ?"), after_id),
                Some(key) => {
                    let value = match q.sort {
                        RequestSort::Budget => budget(c.value),
                        _ => Value::Integer(i64::try_from(c.value).unwrap_or(i64::MAX)),
                    };
                    arg(&mut sql, &format!(" AND ({key}, {id}) {cmp} (?"), value);
                    arg(&mut sql, ", ?)", after_id);
                }
            }
        }
        let dir = if descending { "DESC" } else { "ASC" };
        match key {
            None => sql.push_str(&format!(" ORDER BY {id} {dir}")),
            Some(key) => sql.push_str(&format!(" ORDER BY {key} {dir}, {id} {dir}")),
        }
        arg(&mut sql, " LIMIT ?", Value::Integer(q.limit.into()));
        self.decode_all::<Requests>(&sql, params_from_iter(args))
    }
}
