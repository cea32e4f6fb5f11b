//! Memory figures: heap allocations per request, the bytes a trace keeps
//! per entry, and the peak resident memory of the 1 000-subscription run.
//!
//! The bench runs on a counting wrapper of the system allocator. It counts
//! only while switched on (one relaxed load per allocation otherwise), and
//! only this module switches it on, around runs it measures on purpose.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use dosim::Seed;

use super::figures::child_stderr;
use super::{baseline, dosim_body, dosim_sweep, runner, LONG_CLIENTS, LONG_SEED_INDEX};

/// The system allocator, counting while [`COUNTING`] is set.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
/// Allocations (and reallocations) while counting.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes freed while counting.
static FREED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            FREED_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with the counters zeroed and counting on; returns its value
/// and (allocations, bytes freed) while it ran.
fn counted<T>(f: impl FnOnce() -> T) -> (T, u64, u64) {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    FREED_BYTES.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let value = f();
    COUNTING.store(false, Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    (value, allocations, FREED_BYTES.load(Ordering::Relaxed))
}

/// Allocations per request of the long scenario: the marginal count
/// between two sizes, so world set-up does not count.
fn allocations_per_request(long: impl Fn(u64) -> u64) -> f64 {
    let (small, large) = (300, 900);
    let (_, a, _) = counted(|| long(small));
    let (_, b, _) = counted(|| long(large));
    (b as f64 - a as f64) / ((large - small) * LONG_CLIENTS) as f64
}

/// Heap and vector bytes the recorded trace of a long-scenario seed holds,
/// per entry: what dropping it frees, over its length.
fn trace_bytes_per_event() -> f64 {
    let acked = Arc::new(AtomicU64::new(0));
    let record = runner("bench_trace", LONG_CLIENTS, true)
        .record(Seed::nth(LONG_SEED_INDEX), move |sim| {
            dosim_body(sim, 1_000, acked.clone())
        });
    assert!(record.failure.is_none(), "the traced run passed");
    let trace = record.trace;
    let entries = trace.len();
    let ((), _, freed) = counted(move || drop(trace));
    freed as f64 / entries as f64
}

/// The peak resident memory of this process so far, in MB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The line a profiling run prints its peak memory on, for the parent.
pub const PEAK_RSS_LINE: &str = "peak_rss_mb:";

/// Peak resident memory of the 1 000-subscription alarm run alone: this
/// bench again, in a child process running only that workload.
fn peak_rss_mb_1000_subscriptions() -> Option<f64> {
    let stderr = child_stderr("alarms")?;
    let line = stderr.lines().find(|l| l.starts_with(PEAK_RSS_LINE))?;
    line[PEAK_RSS_LINE.len()..].trim().parse().ok()
}

/// `(name, value)` of each figure; a figure this platform cannot measure
/// is left out.
pub fn figures() -> Vec<(&'static str, f64)> {
    let dosim = |per_client| dosim_sweep("bench_allocs", LONG_CLIENTS, per_client, &long_seed()).0;
    let bare = |per_client| baseline::sweep(LONG_CLIENTS, per_client, &long_seed()).0;
    let mut figures = vec![
        (
            "counter_allocations_per_request",
            allocations_per_request(dosim),
        ),
        (
            "counter_baseline_allocations_per_request",
            allocations_per_request(bare),
        ),
        ("trace_bytes_per_event", trace_bytes_per_event()),
    ];
    if let Some(mb) = peak_rss_mb_1000_subscriptions() {
        figures.push(("peak_rss_mb_1000_subscriptions", mb));
    }
    figures
}

fn long_seed() -> [Seed; 1] {
    [Seed::nth(LONG_SEED_INDEX)]
}
