//! Natural eviction: an idle instance is evicted after its idle window
//! with no fault at all, so an object that keeps state only in memory
//! loses it, and one that keeps it in storage does not.

use std::cell::Cell;
use std::time::Duration;

use dosim::trace::{EndReason, What};
use dosim::{DurableObject, Env, Faults, Runner, Sim, State};

/// Counts in a field: memory only, lost with the instance.
pub struct MemoryCounter {
    count: Cell<u64>,
}

impl DurableObject for MemoryCounter {
    fn new(_state: State, _env: Env) -> Self {
        MemoryCounter {
            count: Cell::new(0),
        }
    }
}

dosim::rpc! {
    /// A counter's one call.
    pub trait MemoryCounterRpc for MemoryCounter {
        /// Adds one; returns the new count.
        pub async fn increment(&self) -> Result<u64> {
            self.count.set(self.count.get() + 1);
            Ok(self.count.get())
        }
    }
}

/// Counts in storage: survives any eviction.
pub struct StoredCounter {
    state: State,
}

impl DurableObject for StoredCounter {
    fn new(state: State, _env: Env) -> Self {
        StoredCounter { state }
    }
}

dosim::rpc! {
    /// A counter's one call.
    pub trait StoredCounterRpc for StoredCounter {
        /// Adds one; returns the new count.
        pub async fn increment(&self) -> Result<u64> {
            let storage = self.state.storage();
            let n: u64 = storage.get("count").await?.unwrap_or(0);
            storage.put("count", &(n + 1)).await?;
            Ok(n + 1)
        }
    }
}

/// Longer than any idle window.
const IDLE_GAP: Duration = Duration::from_secs(150);

/// Three increments with an idle gap between each; each must see the
/// count go up by one.
macro_rules! idle_workload {
    ($class:ty, $rpc:ident, $gap:expr) => {
        |sim: Sim| async move {
            use $rpc as _;
            let ns = sim.register::<$class>("COUNTER")?;
            for expected in 1..=3u64 {
                let got = ns.get_by_name("c").increment().await?;
                if got != expected {
                    dosim::bail!("increment {expected} read {got}: the count was lost");
                }
                dosim::sleep($gap).await;
            }
            Ok(())
        }
    };
}

/// Three seeds with no fault at all: only natural eviction ends instances.
fn fault_free(name: &str) -> Runner {
    Runner::new(name).faults(Faults::None).seeds(3).quiet()
}

#[test]
fn a_count_kept_in_memory_is_lost_to_natural_eviction_alone() {
    let report = fault_free("memory_count_idle").run(idle_workload!(
        MemoryCounter,
        MemoryCounterRpc,
        IDLE_GAP
    ));
    assert_eq!(report.failures.len(), 3, "{}", report.summary());
    assert!(report.faults_injected.is_empty());
    assert!(
        report.failures[0].text.contains("the count was lost"),
        "{}",
        report.failures[0].text
    );
    assert!(
        report.natural.evicted >= 3,
        "evictions were counted: {:?}",
        report.natural
    );
    assert!(
        report.faults_line().contains("natural: evict"),
        "{}",
        report.faults_line()
    );
}

#[test]
fn a_count_kept_in_storage_survives_natural_eviction() {
    let report = fault_free("stored_count_idle").run(idle_workload!(
        StoredCounter,
        StoredCounterRpc,
        IDLE_GAP
    ));
    assert!(report.passed(), "{}", report.summary());
    assert!(report.natural.evicted >= 6, "{:?}", report.natural);
}

#[test]
fn an_instance_idle_for_less_than_the_window_keeps_its_memory() {
    let report = fault_free("memory_count_busy").run(idle_workload!(
        MemoryCounter,
        MemoryCounterRpc,
        dosim::IDLE_EVICTION_MIN - Duration::from_secs(1)
    ));
    assert!(report.passed(), "{}", report.summary());
    assert_eq!(report.natural.evicted, 0);
}

#[test]
fn natural_eviction_can_be_turned_off() {
    let report = fault_free("memory_count_no_eviction")
        .natural_eviction(false)
        .run(idle_workload!(MemoryCounter, MemoryCounterRpc, IDLE_GAP));
    assert!(report.passed(), "{}", report.summary());
    assert!(report.natural.is_empty());
}

#[test]
fn the_trace_says_the_idle_window_evicted_the_instance_within_its_bounds() {
    let runner = Runner::new("idle_trace").faults(Faults::None);
    for i in 0..3 {
        let record = runner.record(
            dosim::Seed::nth(i),
            idle_workload!(StoredCounter, StoredCounterRpc, IDLE_GAP),
        );
        assert!(record.failure.is_none(), "{:?}", record.failure);
        let idle: Vec<(usize, u64)> = record
            .trace
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e.what {
                What::IdleEvicted { idle_ms } => Some((i, idle_ms)),
                _ => None,
            })
            .collect();
        assert_eq!(idle.len(), 3, "one eviction per idle gap");
        for (i, ms) in idle {
            let window = Duration::from_millis(ms);
            assert!(
                (dosim::IDLE_EVICTION_MIN..=dosim::IDLE_EVICTION_MAX).contains(&window),
                "idle {window:?} is outside the window"
            );
            assert!(
                matches!(
                    record.trace[i + 1].what,
                    What::InstanceEnded {
                        reason: EndReason::Evicted
                    }
                ),
                "the instance ends right after"
            );
            assert!(
                dosim::trace::text::describe(&record.trace[i].what, runner.world_config())
                    .contains("s idle"),
            );
        }
        assert!(!record
            .trace
            .iter()
            .any(|e| matches!(e.what, What::FaultInjected { .. })));
    }
}

/// An instance called every two seconds for minutes turns idle a hundred
/// times; its idle windows reuse one timer while it lies far enough
/// ahead. Busy, it keeps its memory; once calls stop, it is evicted after
/// a window within the bounds, exactly once.
#[test]
fn a_busy_instance_is_evicted_only_after_its_calls_stop() {
    let runner = Runner::new("idle_busy").faults(Faults::None);
    for i in 0..3 {
        let record = runner.record(dosim::Seed::nth(i), |sim: Sim| async move {
            let ns = sim.register::<MemoryCounter>("COUNTER")?;
            for expected in 1..=100u64 {
                let got = ns.get_by_name("c").increment().await?;
                if got != expected {
                    dosim::bail!("increment {expected} read {got}: evicted while busy");
                }
                dosim::sleep(Duration::from_secs(2)).await;
            }
            dosim::sleep(IDLE_GAP).await;
            Ok(())
        });
        assert!(record.failure.is_none(), "{:?}", record.failure);
        let windows: Vec<Duration> = record
            .trace
            .iter()
            .filter_map(|e| match e.what {
                What::IdleEvicted { idle_ms } => Some(Duration::from_millis(idle_ms)),
                _ => None,
            })
            .collect();
        assert_eq!(windows.len(), 1, "evicted once, after the last call");
        assert!(
            (dosim::IDLE_EVICTION_MIN..=dosim::IDLE_EVICTION_MAX).contains(&windows[0]),
            "idle {:?} is outside the window",
            windows[0]
        );
    }
}

/// Natural eviction draws only from its own stream and wakes no task
/// unless a window passes, so a run in which none passes has the same
/// trace with it on as with it off, faults and all.
#[test]
fn a_run_in_which_no_window_passes_is_the_same_with_natural_eviction_off() {
    let body = |sim: Sim| async move {
        let ns = sim.register::<StoredCounter>("COUNTER")?;
        let calls = (0..3).map(|c| {
            let ns = ns.clone();
            async move {
                for _ in 0..20 {
                    // A fault may fail a call; the trace is what is compared.
                    let _ = ns.get_by_name(&format!("c{c}")).increment().await;
                    dosim::sleep(Duration::from_secs(2)).await;
                }
            }
        });
        futures::future::join_all(calls).await;
        Ok(())
    };
    let on = Runner::new("idle_on");
    let off = Runner::new("idle_on").natural_eviction(false);
    for i in 0..8 {
        let seed = dosim::Seed::nth(i);
        let a = on.record(seed, body);
        let b = off.record(seed, body);
        assert!(
            !a.trace
                .iter()
                .any(|e| matches!(e.what, What::IdleEvicted { .. })),
            "seed {i}: a window passed; the test needs runs shorter than the window"
        );
        assert_eq!(
            dosim::trace::first_divergence(&a.trace, &b.trace),
            None,
            "seed {i}: natural eviction changed a run in which no window passed"
        );
    }
}
