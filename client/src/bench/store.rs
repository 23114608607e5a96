//! The event store's read latency, on synthetic rows in a temporary directory (no node): text
//! search over a large catalogue, the queries `offer list` makes, and a deal's timeline at two
//! chain lengths. These are the reads behind every search and every deal page, so each has a
//! goal it must meet at the sizes a busy deployment reaches; on a dev chain the store never
//! holds enough rows to tell.

mod catalog;
mod chain;
mod queries;

use std::fmt;

use serde::Serialize;

use super::timing::{repeat, Latency};
use crate::ops::{usage, OpError, OpResult};
use crate::store::{synthetic, OfferQuery, Snapshot, Store, StoreReader};

pub use chain::EVENTS_PER_DEAL;
pub use queries::PAGE as OFFER_LIST_PAGE;

/// Text search over the large catalogue: p99 at most this.
pub const TEXT_SEARCH_GOAL_MS: f64 = 20.0;
/// `offer list`'s queries over a warm store: p99 at most this.
pub const OFFER_LIST_GOAL_MS: f64 = 5.0;
/// A deal's timeline, whatever the chain's length: p99 at most this.
pub const TIMELINE_GOAL_MS: f64 = 10.0;

/// How many synthetic rows the store holds for each measurement, and how often each query runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreSizes {
    /// Offers the text search runs over.
    pub text_offers: u64,
    /// Offers `offer list`'s queries run over.
    pub list_offers: u64,
    /// Chain lengths in blocks at which a deal's timeline is read, ascending: the same deals
    /// over a longer chain, to show the timeline does not slow down as the chain grows.
    pub chain_blocks: Vec<u64>,
    /// Deals whose events are spread over each chain.
    pub deals: u64,
    /// Timed runs of each query.
    pub runs: usize,
}

impl StoreSizes {
    /// The sizes of the goals: 100,000 offers to search, 10,000 to list, 2,000 deals over
    /// 10,000 and 100,000 blocks.
    pub fn full() -> StoreSizes {
        StoreSizes {
            text_offers: 100_000,
            list_offers: 10_000,
            chain_blocks: vec![10_000, 100_000],
            deals: 2_000,
            runs: 500,
        }
    }

    /// A few seconds' worth, for CI: the same queries over far fewer rows.
    pub fn small() -> StoreSizes {
        StoreSizes {
            text_offers: 2_000,
            list_offers: 2_000,
            chain_blocks: vec![200, 2_000],
            deals: 100,
            runs: 100,
        }
    }

    fn check(&self) -> OpResult<()> {
        if self.text_offers == 0
            || self.list_offers == 0
            || self.deals == 0
            || self.runs == 0
            || self.chain_blocks.is_empty()
            || self.chain_blocks.contains(&0)
        {
            return Err(usage(
                "the store bench needs at least one offer, deal, block and run",
            ));
        }
        Ok(())
    }
}

/// What a measured store held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StoreSize {
    Offers { offers: u64 },
    Chain { blocks: u64, deals: u64 },
}

impl fmt::Display for StoreSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSize::Offers { offers } => write!(f, "{offers} offers"),
            StoreSize::Chain { blocks, deals } => write!(f, "{blocks} blocks, {deals} deals"),
        }
    }
}

/// One query's latency over one store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRow {
    /// The query, as the report names it.
    pub measure: String,
    pub size: StoreSize,
    #[serde(flatten)]
    pub latency: Latency,
    /// The p99 should be at most this.
    pub goal_ms: f64,
    /// Rows the query's last run returned (offers of the page, or the deal's events): what
    /// was timed found something.
    pub returned: usize,
}

impl StoreRow {
    pub fn meets_goal(&self) -> bool {
        self.latency.p99_ms <= self.goal_ms
    }
}

fn failed(e: impl fmt::Display) -> OpError {
    OpError::Failed(format!("store bench: {e}"))
}

/// Every measurement, in the report's order; `on_row` gets each row as soon as it is measured.
/// Each store lives in its own temporary directory, deleted once its queries are timed. Runs
/// on the calling thread and blocks it: about a second at the small sizes, about a minute at
/// the full ones (a release build on 2 cores), mostly filling the stores.
pub fn measure(sizes: &StoreSizes, mut on_row: impl FnMut(&StoreRow)) -> OpResult<Vec<StoreRow>> {
    sizes.check()?;
    let mut rows = Vec::new();
    let mut add = |row: StoreRow| {
        on_row(&row);
        rows.push(row);
    };

    let searches = [
        (
            sizes.text_offers,
            queries::text_searches(),
            TEXT_SEARCH_GOAL_MS,
        ),
        (
            sizes.list_offers,
            queries::offer_lists(),
            OFFER_LIST_GOAL_MS,
        ),
    ];
    for (offers, queries, goal_ms) in searches {
        let (reader, _dir) = catalogue(offers)?;
        for (measure, query) in queries {
            let size = StoreSize::Offers { offers };
            add(time_offer_list(
                &reader, measure, size, &query, sizes.runs, goal_ms,
            )?);
        }
    }
    for &blocks in &sizes.chain_blocks {
        add(time_timeline(blocks, sizes.deals, sizes.runs)?);
    }
    Ok(rows)
}

/// A store in a new temporary directory: the writer fills it with `fill`, then it is read
/// through a read-only connection, as `offer list` and the explorer read it. The directory
/// must outlive the reader.
fn store_with(
    fill: impl FnOnce(&mut Store) -> OpResult<()>,
) -> OpResult<(StoreReader, tempfile::TempDir)> {
    let dir = tempfile::tempdir().map_err(failed)?;
    let path = dir.path().join("store.sqlite");
    let mut store = Store::open(&path, synthetic::key()).map_err(failed)?;
    fill(&mut store)?;
    drop(store);
    let reader = Store::open_reader(&path, synthetic::key()).map_err(failed)?;
    Ok((reader, dir))
}

/// `offers` offers of the catalogue and their sellers' reputations, loaded as a cold start
/// loads them.
fn catalogue(offers: u64) -> OpResult<(StoreReader, tempfile::TempDir)> {
    store_with(|store| {
        store
            .replace_state(Snapshot {
                block: synthetic::block(1),
                events: Vec::new(),
                offers: catalog::offers(offers),
                deals: Vec::new(),
                reputations: catalog::reputations(),
                records: Vec::new(),
                requests: Vec::new(),
                proposals: Vec::new(),
                arbiters: Vec::new(),
            })
            .map_err(failed)
    })
}

/// An `offer list` page for `query`, read again and again from the same connection.
fn time_offer_list(
    reader: &StoreReader,
    measure: String,
    size: StoreSize,
    query: &OfferQuery,
    runs: usize,
    goal_ms: f64,
) -> OpResult<StoreRow> {
    let (latency, shown) =
        repeat(runs, |_| queries::offer_list_page(reader, query)).map_err(failed)?;
    Ok(StoreRow {
        measure,
        size,
        latency,
        goal_ms,
        returned: shown,
    })
}

/// A chain of `blocks` blocks over `deals` deals, applied block by block as the indexer
/// applies them; then the timelines of deals all over it.
fn time_timeline(blocks: u64, deals: u64, runs: usize) -> OpResult<StoreRow> {
    let (reader, _dir) = store_with(|store| {
        for number in 1..=blocks {
            store
                .apply_block(chain::block(number, blocks, deals))
                .map_err(failed)?;
        }
        Ok(())
    })?;
    // A different deal each run, strided so that consecutive runs read far-apart rows.
    let (latency, events) =
        repeat(runs, |run| reader.deal_timeline(run as u64 * 7_919 % deals)).map_err(failed)?;
    Ok(StoreRow {
        measure: format!("deal timeline ({EVENTS_PER_DEAL} events)"),
        size: StoreSize::Chain { blocks, deals },
        latency,
        goal_ms: TIMELINE_GOAL_MS,
        returned: events.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_is_timed_at_the_sizes_asked_and_finds_something() {
        let sizes = StoreSizes {
            text_offers: 1_000,
            list_offers: 300,
            chain_blocks: vec![60, 240],
            deals: 20,
            runs: 7,
        };
        let mut seen = Vec::new();
        let rows = measure(&sizes, |r| seen.push(r.measure.clone())).unwrap();
        let measures: Vec<String> = rows.iter().map(|r| r.measure.clone()).collect();
        assert_eq!(seen, measures);
        let texts = StoreSize::Offers { offers: 1_000 };
        let lists = StoreSize::Offers { offers: 300 };
        let sized = |s: &StoreSize| rows.iter().filter(|r| r.size == *s).count();
        assert_eq!(sized(&texts), 3);
        assert_eq!(sized(&lists), 4);
        for blocks in [60, 240] {
            let timeline = rows
                .iter()
                .find(|r| r.size == StoreSize::Chain { blocks, deals: 20 })
                .unwrap_or_else(|| panic!("no timeline at {blocks} blocks: {rows:?}"));
            assert_eq!(timeline.returned as u64, EVENTS_PER_DEAL);
            assert_eq!(timeline.goal_ms, TIMELINE_GOAL_MS);
        }
        assert_eq!(rows.len(), 9);
        for r in &rows {
            let l = r.latency;
            assert_eq!(l.runs, 7, "{r:?}");
            assert!(l.median_ms > 0.0 && l.p99_ms >= l.median_ms, "{r:?}");
            assert!(r.returned > 0, "{r:?}");
        }
        // The first page of active offers is a full page.
        let page = rows.iter().find(|r| r.measure == "`offer list`").unwrap();
        assert_eq!(page.returned as u32, queries::PAGE);
    }

    #[test]
    fn sizes_without_rows_or_runs_are_refused_before_anything_is_built() {
        let none = StoreSizes {
            chain_blocks: vec![],
            ..StoreSizes::small()
        };
        assert!(matches!(measure(&none, |_| ()), Err(OpError::Usage(_))));
        let zero_runs = StoreSizes {
            runs: 0,
            ..StoreSizes::small()
        };
        assert!(matches!(
            measure(&zero_runs, |_| ()),
            Err(OpError::Usage(_))
        ));
    }

    #[test]
    fn sizes_read_as_the_report_prints_them() {
        assert_eq!(
            StoreSize::Offers { offers: 10_000 }.to_string(),
            "10000 offers"
        );
        assert_eq!(
            StoreSize::Chain {
                blocks: 100_000,
                deals: 2_000
            }
            .to_string(),
            "100000 blocks, 2000 deals"
        );
        let json = serde_json::to_value(StoreSize::Chain {
            blocks: 5,
            deals: 2,
        })
        .unwrap();
        assert_eq!(json, serde_json::json!({"blocks": 5, "deals": 2}));
    }
}
