//! The latency of a call repeated many times, as a median and a 99th percentile: one run says
//! little (the first pays for cold caches, any one may be preempted), and a mean hides the
//! slow tail a user notices.

use std::time::Instant;

use serde::Serialize;

/// How long the timed runs of one call took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Timed runs (of [`repeat`], the untimed first one not counted).
    pub runs: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
}

/// Calls `f` once untimed, so caches and prepared statements are warm, then `runs` times
/// timed (at least once). `f` gets the run's number (0 for the untimed one, then 1 to `runs`)
/// to vary what it asks. Returns the latency and what the last run returned; the first error
/// ends it.
pub fn repeat<T, E>(
    runs: usize,
    mut f: impl FnMut(usize) -> Result<T, E>,
) -> Result<(Latency, T), E> {
    let mut last = f(0)?;
    let runs = runs.max(1);
    let mut ms = Vec::with_capacity(runs);
    for run in 1..=runs {
        let start = Instant::now();
        last = f(run)?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok((Latency::of(&mut ms).expect("at least one timed run"), last))
}

impl Latency {
    /// The median and p99 of `ms`, times measured elsewhere (concurrent requests, say). It
    /// sorts `ms` ascending, so the caller can read the extremes too. None without a time.
    pub fn of(ms: &mut [f64]) -> Option<Latency> {
        ms.sort_by(f64::total_cmp);
        (!ms.is_empty()).then(|| Latency {
            runs: ms.len(),
            median_ms: nearest_rank(ms, 0.50),
            p99_ms: nearest_rank(ms, 0.99),
        })
    }
}

/// The `p` quantile of `sorted` (ascending, not empty) by nearest rank: an actual run's time,
/// never one interpolated between two.
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_measured_value() {
        let ms: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(nearest_rank(&ms, 0.50), 100.0);
        assert_eq!(nearest_rank(&ms, 0.99), 198.0);
        assert_eq!(nearest_rank(&[7.0], 0.99), 7.0);
        assert_eq!(nearest_rank(&[1.0, 2.0], 0.50), 1.0);
    }

    #[test]
    fn repeat_times_the_runs_after_an_untimed_one_and_keeps_the_last_result() {
        let mut seen = Vec::new();
        let (latency, last) = repeat(3, |run| {
            seen.push(run);
            Ok::<_, ()>(run * 10)
        })
        .unwrap();
        assert_eq!(seen, [0, 1, 2, 3]);
        assert_eq!(last, 30);
        assert_eq!(latency.runs, 3);
        assert!(latency.p99_ms >= latency.median_ms && latency.median_ms >= 0.0);
        assert_eq!(repeat(2, |_| Err::<(), _>("no")).unwrap_err(), "no");
    }

    #[test]
    fn latency_of_times_measured_elsewhere_sorts_them() {
        let mut ms: Vec<f64> = (1..=200).rev().map(f64::from).collect();
        let latency = Latency::of(&mut ms).unwrap();
        assert_eq!(
            (latency.runs, latency.median_ms, latency.p99_ms),
            (200, 100.0, 198.0)
        );
        assert_eq!((ms[0], ms[199]), (1.0, 200.0));
        assert_eq!(Latency::of(&mut []), None);
    }
}
