//! Determinism is the product: one seed, one trace, byte for byte; other
//! seeds, other interleavings.

#[path = "../examples/counter.rs"]
#[allow(dead_code)]
mod counter;

use std::collections::BTreeSet;

use dosim::sim::What;
use dosim::{Runner, Seed};

#[test]
fn the_same_seed_gives_the_same_trace() {
    let runner = Runner::new("same_seed_same_trace");
    for i in 0..5 {
        let seed = Seed::nth(i);
        let a = runner.record(seed, counter::workload::<counter::Counter>);
        let b = runner.record(seed, counter::workload::<counter::Counter>);
        assert!(a.failure.is_none(), "{:?}", a.failure);
        assert!(a.trace.len() > 100, "a real run: {} events", a.trace.len());
        assert_eq!(a.trace_hash(), b.trace_hash());
        assert_eq!(a.trace, b.trace);
        let json = |r: &dosim::RunRecord| serde_json::to_string(&r.trace).unwrap();
        assert_eq!(json(&a), json(&b), "byte-identical serialised traces");
    }
}

/// The order in which calls were delivered to the object, as call numbers.
fn delivery_order(record: &dosim::RunRecord) -> Vec<u64> {
    record
        .trace
        .iter()
        .filter_map(|e| match e.what {
            What::CallDelivered { call, .. } => Some(call),
            _ => None,
        })
        .collect()
}

#[test]
fn different_seeds_give_different_interleavings() {
    let runner = Runner::new("different_seeds_differ");
    let orders: BTreeSet<Vec<u64>> = (0..20)
        .map(|i| {
            delivery_order(&runner.record(Seed::nth(i), counter::workload::<counter::Counter>))
        })
        .collect();
    assert!(
        orders.len() >= 15,
        "20 seeds gave only {} distinct delivery orders",
        orders.len()
    );
}

#[test]
fn the_sweep_checks_its_first_seed_for_determinism() {
    // Process-global state survives from one run into the next, so a body
    // whose trace depends on it is not a function of its seed; the sweep's
    // self-check must say so, naming the first differing event. (The wall
    // clock and the OS random source would not do as canaries: madsim
    // simulates both.)
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let report =
        Runner::new("global_state_is_caught")
            .seeds(1)
            .quiet()
            .run(|sim: dosim::Sim| async move {
                let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sim.note(format!("run number {n}"));
                Ok(())
            });
    assert!(!report.passed(), "global state went unnoticed");
    let reason = report.failures[0].reason.to_string();
    assert!(reason.contains("nondeterminism"), "{reason}");
    assert!(reason.contains("first difference is event #"), "{reason}");
}
