//! Running a sweep's seeds on several worker threads, with results handed
//! back in seed order.
//!
//! Workers pull the next seed index from a shared counter, so a slow seed
//! never holds up the others; whatever finishes is buffered until every
//! seed before it is in, then delivered. The caller therefore sees results
//! in exactly the order a single worker would produce them, and what it
//! prints does not depend on the number of workers. Each run still gets its
//! own fresh thread (see `run::run_seed`); a worker only waits for it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Calls `work(i)` for every `i` in `0..n` on `jobs` worker threads, and
/// `deliver(i, result)` on the calling thread for `i = 0, 1, 2, …` in order.
/// No index is started once `stop()` is true (a sweep's time budget is
/// spent): the indices done are then `0..k` for some `k`, still all
/// delivered in order.
pub(crate) fn for_each_in_order<T, S, W, D>(n: usize, jobs: usize, stop: S, work: W, mut deliver: D)
where
    T: Send,
    S: Fn() -> bool + Sync,
    W: Fn(usize) -> T + Sync,
    D: FnMut(usize, T),
{
    let jobs = jobs.clamp(1, n.max(1));
    if jobs == 1 {
        for i in 0..n {
            if stop() {
                break;
            }
            deliver(i, work(i));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, work, stop) = (&next, &work, &stop);
            scope.spawn(move || loop {
                if stop() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if tx.send((i, work(i))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Results that came in ahead of an earlier one (bounded by `jobs`
        // in practice: each worker holds at most one seed at a time).
        let mut early: BTreeMap<usize, T> = BTreeMap::new();
        let mut expected = 0;
        for (i, result) in rx {
            early.insert(i, result);
            while let Some(result) = early.remove(&expected) {
                deliver(expected, result);
                expected += 1;
            }
        }
    });
}

/// The worker count when none is given: every core.
pub(crate) fn jobs_default() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_index_order_whatever_the_worker_count() {
        for jobs in [1, 2, 3, 8, 100] {
            let mut seen = Vec::new();
            for_each_in_order(
                50,
                jobs,
                || false,
                |i| {
                    // Later indices finish first, to make reordering likely
                    // (by yielding, not by reading the clock).
                    for _ in 0..(50 - i) * 20 {
                        std::thread::yield_now();
                    }
                    i * 10
                },
                |i, r| seen.push((i, r)),
            );
            let want: Vec<(usize, usize)> = (0..50).map(|i| (i, i * 10)).collect();
            assert_eq!(seen, want, "jobs = {jobs}");
        }
    }

    #[test]
    fn a_stop_leaves_a_prefix_all_delivered() {
        for jobs in [1, 3] {
            let started = AtomicUsize::new(0);
            let mut seen = Vec::new();
            for_each_in_order(
                usize::MAX,
                jobs,
                || started.load(Ordering::Relaxed) >= 20,
                |i| {
                    started.fetch_add(1, Ordering::Relaxed);
                    i
                },
                |i, r| seen.push((i, r)),
            );
            assert!(seen.len() >= 20 && seen.len() < 20 + jobs, "{}", seen.len());
            assert!(seen.iter().enumerate().all(|(k, (i, r))| k == *i && i == r));
        }
    }

    #[test]
    fn no_work_is_no_call() {
        let mut calls = 0;
        for_each_in_order(0, 4, || false, |i| i, |_, _| calls += 1);
        assert_eq!(calls, 0);
    }
}
