//! Many pages asking the explorer at once: a burst of requests sent together, each a task of
//! its own, as that many open pages would; each one's time from sending to the last byte of
//! its answer, overall and per endpoint, so a slow endpoint is named and not just averaged in.

use std::time::Instant;

use serde::Serialize;
use tokio::task::JoinSet;

use super::http::{Api, Failure};
use crate::bench::timing::Latency;
use crate::ops::{OpError, OpResult};

/// The p99 of a warm round should be at most this: a page that fetches several endpoints
/// still feels instant.
pub const REQUEST_P99_GOAL_MS: f64 = 100.0;

/// One request of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The endpoint it stands for: its path with the ids left out (`/api/deals/{id}`).
    pub endpoint: &'static str,
    pub path: String,
}

/// One round of requests sent at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestLoad {
    /// Requests in flight together.
    pub concurrent: usize,
    /// Median and p99 over every request of the round, each answered 200 (any other answer
    /// ends the bench with an error).
    #[serde(flatten)]
    pub latency: Latency,
    pub max_ms: f64,
    /// The p99 should be at most this.
    pub goal_ms: f64,
    /// The same round by endpoint, in the order of the first request to each.
    pub endpoints: Vec<EndpointLatency>,
}

/// The requests of a round that went to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointLatency {
    pub endpoint: String,
    #[serde(flatten)]
    pub latency: Latency,
    pub max_ms: f64,
}

impl RequestLoad {
    pub fn meets_goal(&self) -> bool {
        self.latency.p99_ms <= self.goal_ms
    }

    /// Every endpoint meets the goal on its own.
    pub fn every_endpoint_meets_goal(&self) -> bool {
        self.endpoints.iter().all(EndpointLatency::meets_goal)
    }
}

impl EndpointLatency {
    /// Its own p99 is within [`REQUEST_P99_GOAL_MS`], as the whole round's must be.
    pub fn meets_goal(&self) -> bool {
        self.latency.p99_ms <= REQUEST_P99_GOAL_MS
    }
}

/// Sends all `requests` at once and times each. Any answer other than 200 is an error naming
/// the first such request, and how many failed.
pub async fn round(api: &Api, requests: &[Request]) -> OpResult<RequestLoad> {
    let mut tasks = JoinSet::new();
    for (i, request) in requests.iter().enumerate() {
        let api = api.clone();
        let path = request.path.clone();
        tasks.spawn(async move {
            let start = Instant::now();
            let answer = api.get(&path).await;
            answer.map(|_| (i, start.elapsed().as_secs_f64() * 1e3))
        });
    }
    let mut times = Vec::with_capacity(requests.len());
    let mut failures: Vec<Failure> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok((i, ms))) => times.push((requests[i].endpoint, ms)),
            Ok(Err(failure)) => failures.push(failure),
            Err(e) => {
                return Err(OpError::Failed(format!(
                    "explorer bench: a request task failed: {e}"
                )))
            }
        }
    }
    if let Some(first) = failures.first() {
        return Err(OpError::Failed(format!(
            "explorer bench: {} of {} requests sent at once failed; the first: {first}",
            failures.len(),
            requests.len()
        )));
    }
    let order: Vec<&'static str> = requests.iter().map(|r| r.endpoint).collect();
    summarize(&order, times)
        .ok_or_else(|| OpError::Failed("explorer bench: no request to send".into()))
}

/// The round's latencies from each request's endpoint and time; endpoints ordered as first
/// met in `order`. None without a request.
fn summarize(order: &[&'static str], times: Vec<(&'static str, f64)>) -> Option<RequestLoad> {
    let mut endpoints: Vec<&'static str> = Vec::new();
    for e in order {
        if !endpoints.contains(e) {
            endpoints.push(e);
        }
    }
    let endpoints = endpoints
        .into_iter()
        .filter_map(|endpoint| {
            let mut ms: Vec<f64> = times
                .iter()
                .filter(|(e, _)| *e == endpoint)
                .map(|(_, ms)| *ms)
                .collect();
            let latency = Latency::of(&mut ms)?;
            Some(EndpointLatency {
                endpoint: endpoint.into(),
                latency,
                max_ms: *ms.last()?,
            })
        })
        .collect();
    let mut all: Vec<f64> = times.iter().map(|(_, ms)| *ms).collect();
    let latency = Latency::of(&mut all)?;
    Some(RequestLoad {
        concurrent: all.len(),
        latency,
        max_ms: *all.last()?,
        goal_ms: REQUEST_P99_GOAL_MS,
        endpoints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_is_summed_up_overall_and_per_endpoint_in_the_order_asked() {
        let order = ["/b", "/a", "/b", "/a", "/b"];
        // Answers come back in any order.
        let times = vec![
            ("/a", 4.0),
            ("/b", 3.0),
            ("/b", 1.0),
            ("/a", 2.0),
            ("/b", 5.0),
        ];
        let load = summarize(&order, times).unwrap();
        assert_eq!(load.concurrent, 5);
        assert_eq!((load.latency.median_ms, load.latency.p99_ms), (3.0, 5.0));
        assert_eq!(load.max_ms, 5.0);
        let by: Vec<(&str, usize, f64, f64)> = load
            .endpoints
            .iter()
            .map(|e| {
                (
                    e.endpoint.as_str(),
                    e.latency.runs,
                    e.latency.median_ms,
                    e.max_ms,
                )
            })
            .collect();
        assert_eq!(by, [("/b", 3, 3.0, 5.0), ("/a", 2, 2.0, 4.0)]);
        assert!(summarize(&[], Vec::new()).is_none());
    }

    #[test]
    fn the_goal_is_on_the_p99() {
        let mut load = summarize(&["/a"], vec![("/a", 100.0)]).unwrap();
        assert!(load.meets_goal());
        load.latency.p99_ms = 100.5;
        assert!(!load.meets_goal());
    }

    #[test]
    fn each_endpoint_meets_the_goal_on_its_own_p99() {
        // Overall within the goal, but one endpoint's own p99 is not.
        let mut times = vec![("/fast", 1.0); 200];
        times.push(("/slow", 150.0));
        let load = summarize(&["/fast", "/slow"], times).unwrap();
        assert!(load.meets_goal());
        let met: Vec<(&str, bool)> = load
            .endpoints
            .iter()
            .map(|e| (e.endpoint.as_str(), e.meets_goal()))
            .collect();
        assert_eq!(met, [("/fast", true), ("/slow", false)]);
        assert!(!load.every_endpoint_meets_goal());
    }
}
