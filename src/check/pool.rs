//! Running a sweep's seeds on several worker threads, with results handed
//! back in seed order.
//!
//! Workers pull the next seed index from a shared counter, so a slow seed
//! never holds up the others; whatever finishes is buffered until every
//! seed before it is in, then delivered. The caller therefore sees results
//! in exactly the order a single worker would produce them, and what it
//! prints does not depend on the number of workers. Each run still gets its
//! own fresh thread (see `run::run_seed`); a worker only waits for it.
//!
//! When there is one worker per core, each keeps a core of its own
//! (see `cores`).
//!
//! The workers deliver, one at a time under a lock, rather than sending
//! each result to the calling thread: waking that thread once per seed
//! tripled a two-worker sweep's context switches (the counter example's
//! 3 000 seeds: 11 400 against 3 600), each taking a core from a run.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::cores;

/// Calls `work(i)` for every `i` in `0..n` on `jobs` worker threads, and
/// `deliver(i, result)` for `i = 0, 1, 2, …` in order, one call at a time
/// (on a worker thread when there are several).
/// No index is started once `stop()` is true (a sweep's time budget is
/// spent): the indices done are then `0..k` for some `k`, still all
/// delivered in order.
pub(crate) fn for_each_in_order<T, S, W, D>(n: usize, jobs: usize, stop: S, work: W, mut deliver: D)
where
    T: Send,
    S: Fn() -> bool + Sync,
    W: Fn(usize) -> T + Sync,
    D: FnMut(usize, T) + Send,
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
    let order = Mutex::new(InOrder {
        early: BTreeMap::new(),
        expected: 0,
        deliver,
    });
    // One core per worker when the sweep uses them all (see `cores`).
    let pinned = cores::one_each(jobs);
    std::thread::scope(|scope| {
        for w in 0..jobs {
            let (next, work, stop, order) = (&next, &work, &stop, &order);
            let core = pinned.as_ref().map(|pinned| pinned[w]);
            scope.spawn(move || {
                if let Some(core) = core {
                    cores::pin_here(core);
                }
                worker(next, n, work, stop, order)
            });
        }
    });
}

/// One worker: takes the next index until none is left or `stop()`, and
/// hands each result to `order`.
fn worker<T, S, W, D>(
    next: &AtomicUsize,
    n: usize,
    work: &W,
    stop: &S,
    order: &Mutex<InOrder<T, D>>,
) where
    S: Fn() -> bool,
    W: Fn(usize) -> T,
    D: FnMut(usize, T),
{
    loop {
        if stop() {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let result = work(i);
        // A worker whose `deliver` panicked poisoned the lock; the
        // others stop too, and the scope passes the panic on.
        let Ok(mut order) = order.lock() else { break };
        order.arrived(i, result);
    }
}

/// Results that came in ahead of an earlier one (bounded by the worker
/// count in practice: each worker holds at most one seed at a time), and
/// the index to deliver next. Whichever worker brings `expected` delivers
/// it and every result waiting behind it, so the calling thread is not
/// woken once per result.
struct InOrder<T, D> {
    early: BTreeMap<usize, T>,
    expected: usize,
    deliver: D,
}

impl<T, D: FnMut(usize, T)> InOrder<T, D> {
    fn arrived(&mut self, i: usize, result: T) {
        self.early.insert(i, result);
        while let Some(result) = self.early.remove(&self.expected) {
            (self.deliver)(self.expected, result);
            self.expected += 1;
        }
    }
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_worker_per_core_runs_each_on_a_core_of_its_own() {
        use std::collections::{BTreeMap, BTreeSet};
        let Some(cores) = cores::one_each(jobs_default()) else {
            return; // one core, or fewer cores than `jobs_default` counts
        };
        // Which cores each worker thread was allowed, by thread.
        let mut by_worker: BTreeMap<String, BTreeSet<Vec<usize>>> = BTreeMap::new();
        for_each_in_order(
            200,
            cores.len(),
            || false,
            |_| {
                (
                    format!("{:?}", std::thread::current().id()),
                    cores::allowed_here(),
                )
            },
            |_, (worker, allowed)| {
                by_worker.entry(worker).or_default().insert(allowed);
            },
        );
        let mut taken = BTreeSet::new();
        for (worker, allowed) in &by_worker {
            let [only] = allowed.iter().collect::<Vec<_>>()[..] else {
                panic!("worker {worker} ran with several core sets: {allowed:?}");
            };
            let [core] = only[..] else {
                panic!("worker {worker} may run on {only:?}, not on one core");
            };
            assert!(cores.contains(&core), "core {core} is not one of {cores:?}");
            assert!(taken.insert(core), "two workers share core {core}");
        }
        // Fewer workers than cores pin nothing.
        if cores.len() > 2 {
            let mut unpinned = BTreeSet::new();
            for_each_in_order(
                4,
                cores.len() - 1,
                || false,
                |_| cores::allowed_here(),
                |_, allowed| {
                    unpinned.insert(allowed);
                },
            );
            assert_eq!(unpinned, BTreeSet::from([cores]));
        }
    }

    #[test]
    fn no_work_is_no_call() {
        let mut calls = 0;
        for_each_in_order(0, 4, || false, |i| i, |_, _| calls += 1);
        assert_eq!(calls, 0);
    }
}
