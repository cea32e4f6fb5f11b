//! The `workspace` example pair: a parent and its children keep their
//! registry whole through faults, and the twin that registers before the
//! child exists is caught with a dangling entry.

use dosim::{FailureReason, Faults};
use dosim_workloads::{workspace, workspace_orphans};

#[test]
fn workspace_leaves_no_orphan_and_no_dangling_entry_under_faults() {
    workspace::runner("workspace_keeps_its_registry_whole")
        .faults(Faults::Swarm)
        .seeds(20)
        .quiet()
        .run(workspace::workload::<workspace::Workspace>)
        .assert_passed();
}

#[test]
fn workspace_orphans_leaves_a_dangling_entry() {
    let report = workspace::runner("workspace_orphans_is_caught")
        .faults(Faults::Swarm)
        .seeds(40)
        .quiet()
        .run(workspace_orphans::workload);
    assert!(
        !report.failures.is_empty(),
        "no dangling entry in 40 seeds: {}",
        report.summary()
    );
    // Which face of the twin's bug a seed shows first depends on the
    // schedule; a dangling entry must be among the failures.
    assert!(
        report
            .failures
            .iter()
            .any(|f| matches!(&f.reason, FailureReason::Body(m) if m.contains("dangling entry"))),
        "the failures name the property: {:?}",
        report
            .failures
            .iter()
            .map(|f| &f.reason)
            .collect::<Vec<_>>()
    );
}
