//! Shrinking is faithful: replaying the faults a failing run applied, as a
//! schedule, is the same run — the same trace, event for event, and the
//! same failure — for the failing seeds of every buggy twin, so `shrink`
//! always starts from the failure it was given.

use std::future::Future;

use dosim::{Faults, Result, Runner, Seed, Sim};
use dosim_workloads as w;

/// Sweeps the twin's seeds in swarm mode until `failing` of them failed (or
/// `seeds_max` ran), replays each failing run's applied faults as its
/// plan, and checks that the replay is the same run. Returns how many
/// failing seeds were replayed.
fn replays_faithfully<F, Fut>(runner: Runner, body: F, failing: usize, seeds_max: u64) -> usize
where
    F: Fn(Sim) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let runner = runner.faults(Faults::Swarm);
    let name = runner.test_name().to_string();
    let mut replayed = 0;
    for i in 0..seeds_max {
        if replayed == failing {
            break;
        }
        let seed = Seed::nth(i);
        let first = runner.record(seed, body);
        let Some(reason) = &first.failure else {
            continue;
        };
        let plan = first.plan.replaying(&first.faults_applied);
        let again = runner.clone().faults(Faults::Plan(plan)).record(seed, body);
        let replayed_reason = again.failure.as_ref();
        assert_eq!(
            replayed_reason,
            Some(reason),
            "{name} seed {seed}: its {} applied faults, replayed as a schedule, failed differently",
            first.faults_applied.len()
        );
        assert!(reason.same_failure(replayed_reason.unwrap()));
        let differs = first
            .trace
            .iter()
            .zip(&again.trace)
            .position(|(a, b)| format!("{a:?}") != format!("{b:?}"));
        assert_eq!(
            (first.trace.len(), first.trace_hash()),
            (again.trace.len(), again.trace_hash()),
            "{name} seed {seed}: the replay of its applied faults is a different run, from event {differs:?}: {:?} / {:?}",
            differs.map(|i| &first.trace[i]),
            differs.map(|i| &again.trace[i]),
        );
        replayed += 1;
    }
    assert_eq!(
        replayed, failing,
        "{name}: only {replayed} of the first {seeds_max} seeds failed"
    );
    replayed
}

/// Every buggy twin, `failing` of its failing seeds each.
fn every_twin(failing: usize, seeds_max: u64) -> usize {
    use w::{chat, checkout, offload, subscription, workspace};
    macro_rules! twin {
        ($runner:expr, $body:expr) => {
            replays_faithfully($runner, $body, failing, seeds_max)
        };
    }
    [
        twin!(Runner::new("counter_racy"), w::counter_racy::workload),
        twin!(
            chat::runner("chat_memory_names"),
            chat::workload::<w::chat_memory_names::ForgetfulRoom>
        ),
        twin!(
            subscription::runner("subscription_double_charge"),
            subscription::workload::<w::subscription_double_charge::DoubleCharge>
        ),
        twin!(
            checkout::runner("checkout_double_charge"),
            checkout::workload::<w::checkout_double_charge::DoubleChargeOrder>
        ),
        twin!(
            offload::runner("offload_double_apply"),
            w::offload_double_apply::workload
        ),
        twin!(
            workspace::runner("workspace_orphans"),
            w::workspace_orphans::workload
        ),
        twin!(
            Runner::new("session_trusts_flag"),
            w::session_trusts_flag::workload
        ),
        twin!(
            Runner::new("archive_chat_early_clear"),
            w::archive_chat_early_clear::workload
        ),
    ]
    .iter()
    .sum()
}

#[test]
fn replaying_the_applied_faults_of_failing_seeds_is_the_same_run() {
    assert_eq!(every_twin(3, 200), 24);
}

/// The full check: 26 failing seeds of each of the 8 twins, 208 in all.
#[test]
#[ignore = "slow in a debug build; run with --ignored"]
fn replaying_the_applied_faults_of_208_failing_seeds_is_the_same_run() {
    assert_eq!(every_twin(26, 2_000), 208);
}
