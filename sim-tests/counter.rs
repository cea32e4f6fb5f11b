//! The first example pair: the counter keeps every acknowledged increment,
//! and its racy twin is caught, with a replay that fails the same way.

use dosim_workloads::{counter, counter_racy};

use dosim::{FailureReason, Replay, Runner};

#[test]
fn counter_keeps_every_acknowledged_increment() {
    Runner::new("counter_keeps_every_acknowledged_increment")
        .seeds(40)
        .run(counter::workload::<counter::Counter>)
        .assert_passed();
}

#[test]
fn counter_racy_loses_an_update_and_its_seed_replays_it() {
    let runner = Runner::new("counter_racy_loses_an_update")
        .seeds(30)
        .quiet()
        .replay(Replay::Example {
            name: "counter_racy".into(),
            release: true,
            args: "--faults none".into(),
        });
    let report = runner.run(counter_racy::workload);
    assert!(
        !report.passed(),
        "the lost update went unnoticed in 30 seeds"
    );
    let first = &report.failures[0];
    assert!(
        matches!(&first.reason, FailureReason::Body(m) if m.contains("but the counter reads")),
        "the failure is the lost update: {:?}",
        first.reason
    );
    assert_eq!(
        first.replay,
        format!(
            "cargo run --release --example counter_racy -- replay {} --faults none",
            first.seed
        )
    );

    // Replaying the seed fails the same way and writes the same trace bytes.
    let trace_of = |report: &dosim::Report| {
        let path = report.failures[0]
            .trace_path
            .clone()
            .expect("trace written");
        std::fs::read(path).expect("trace readable")
    };
    let first_trace = trace_of(&report);
    for _ in 0..2 {
        let again = runner.run_seeds(&[first.seed], counter_racy::workload);
        assert_eq!(again.failures.len(), 1);
        assert_eq!(again.failures[0].reason, first.reason);
        assert_eq!(
            trace_of(&again),
            first_trace,
            "replay wrote a different trace"
        );
    }
}
