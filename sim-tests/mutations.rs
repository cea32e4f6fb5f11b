//! Every guarantee is shown able to fail: each planted bug (feature
//! `mutations`) is caught, by the monitor named for it, within a bounded
//! number of seeds of the counter under swarm faults — and the same sweep
//! without it passes.

#[path = "../examples/counter.rs"]
#[allow(dead_code)]
mod counter;

#[path = "../examples/subscription.rs"]
#[allow(dead_code)]
mod subscription;

use dosim::{FailureReason, Faults, Mutation, Report, Runner};

/// Sweeps `seeds` seeds of the counter with `mutation`; returns the first
/// failure's monitor and the number of seeds it took.
fn first_detection(mutation: Option<Mutation>, seeds: u64) -> Option<(String, u64)> {
    let report = Runner::new("mutation")
        .faults(Faults::Swarm)
        .mutation(mutation)
        .seeds(seeds)
        .quiet()
        .run(counter::workload::<counter::Counter>);
    first_failure(&report, seeds)
}

/// The first failure's monitor, and after how many seeds it came.
fn first_failure(report: &Report, seeds: u64) -> Option<(String, u64)> {
    assert!(report.setup_error.is_none(), "{:?}", report.setup_error);
    let first = report.failures.first()?;
    let index = (0..seeds).position(|i| dosim::Seed::nth(i) == first.seed)? as u64 + 1;
    match &first.reason {
        FailureReason::Invariant { monitor, .. } => Some((monitor.clone(), index)),
        other => Some((format!("not a monitor: {other}"), index)),
    }
}

fn caught(mutation: Mutation, monitor: &str, within: u64) {
    let (named, after) = first_detection(Some(mutation), within)
        .unwrap_or_else(|| panic!("{} went unnoticed in {within} seeds", mutation.name()));
    assert_eq!(
        named,
        monitor,
        "{} was caught by the wrong check",
        mutation.name()
    );
    eprintln!(
        "{}: caught by {monitor} after {after} seeds",
        mutation.name()
    );
}

#[test]
fn early_output_is_caught_by_output_gate() {
    caught(Mutation::EarlyOutput, "output_gate", 20);
}

#[test]
fn reorder_delivery_is_caught_by_e_order() {
    caught(Mutation::ReorderDelivery, "e_order", 20);
}

#[test]
fn open_input_gate_is_caught_by_input_gate() {
    caught(Mutation::OpenInputGate, "input_gate", 20);
}

#[test]
fn lose_response_is_caught_by_liveness() {
    caught(Mutation::LoseResponse, "liveness", 40);
}

#[test]
fn drop_confirmed_write_is_caught_by_durability() {
    caught(Mutation::DropConfirmedWrite, "durability", 40);
}

#[test]
fn partial_batch_is_caught_by_durability() {
    caught(Mutation::PartialBatch, "durability", 40);
}

#[test]
fn skip_fencing_is_caught_by_single_instance() {
    caught(Mutation::SkipFencing, "single_instance", 400);
}

#[test]
fn without_a_mutation_the_same_sweep_passes() {
    assert_eq!(first_detection(None, 100), None);
}

#[test]
fn alarm_overlap_is_caught_by_alarm() {
    let seeds = 10;
    let report = subscription::runner("mutation_alarm")
        .faults(Faults::Swarm)
        .mutation(Some(Mutation::AlarmOverlap))
        .seeds(seeds)
        .quiet()
        .run(subscription::workload::<subscription::Subscription>);
    let (named, after) = first_failure(&report, seeds).expect("alarm_overlap went unnoticed");
    assert_eq!(
        named, "alarm",
        "alarm_overlap was caught by the wrong check"
    );
    eprintln!("alarm_overlap: caught by alarm after {after} seeds");
    let clean = subscription::runner("mutation_alarm_clean")
        .faults(Faults::Swarm)
        .seeds(seeds)
        .quiet()
        .run(subscription::workload::<subscription::Subscription>);
    assert!(
        clean.passed(),
        "{:?}",
        clean.failures.first().map(|f| &f.text)
    );
}

#[path = "../examples/chat.rs"]
#[allow(dead_code)]
mod chat;

fn caught_in_chat(mutation: Mutation, monitor: &str, seeds: u64) {
    let report = chat::runner("mutation_chat")
        .faults(Faults::Swarm)
        .mutation(Some(mutation))
        .seeds(seeds)
        .quiet()
        .run(chat::workload::<chat::Room>);
    let (named, after) = first_failure(&report, seeds)
        .unwrap_or_else(|| panic!("{} went unnoticed in {seeds} seeds", mutation.name()));
    assert_eq!(
        named,
        monitor,
        "{} was caught by the wrong check",
        mutation.name()
    );
    eprintln!(
        "{}: caught by {monitor} after {after} seeds",
        mutation.name()
    );
}

#[test]
fn ws_reorder_is_caught_by_websocket() {
    caught_in_chat(Mutation::WsReorder, "websocket", 20);
}

#[test]
fn drop_attachment_on_hibernate_is_caught_by_websocket() {
    caught_in_chat(Mutation::DropAttachmentOnHibernate, "websocket", 20);
}

#[test]
fn the_chat_sweep_passes_without_a_planted_bug() {
    let report = chat::runner("mutation_chat_clean")
        .faults(Faults::Swarm)
        .seeds(20)
        .quiet()
        .run(chat::workload::<chat::Room>);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}
