//! Objects written for workers-rs, unchanged, under simulation: the proof
//! crate's counter, SQL counter and chat room (built on the `worker`
//! mirror) keep their properties under swarm faults, and each planted bug
//! is caught.

use std::sync::atomic::{AtomicU64, Ordering};

use dosim::{Faults, Runner};
use dosim_worker_proof::chat::{ChatMemoryNames, ChatRoom};
use dosim_worker_proof::counter::{Counter, CounterRacy};
use dosim_worker_proof::sql_counter::SqlCounter;
use dosim_workloads::workers_rs::{chatting, counting};

/// Lines a member of the correct room checked after the room had
/// hibernated, over every seed: proof that the property was reached, not
/// only never violated.
static CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

/// The same count for the twin's runs, kept apart.
static TWIN_CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

#[test]
fn the_workers_rs_counter_behind_its_worker_counts_every_acknowledged_increment() {
    Runner::new("workers_rs_counter")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| counting::<Counter>(sim, "COUNTER", "counter"))
        .assert_passed();
}

#[test]
fn the_workers_rs_sql_counter_counts_every_acknowledged_increment() {
    Runner::new("workers_rs_sql_counter")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| counting::<SqlCounter>(sim, "SQL_COUNTER", "sql"))
        .assert_passed();
}

#[test]
fn the_workers_rs_counter_that_waits_between_read_and_write_is_caught() {
    let report = Runner::new("workers_rs_counter_racy")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(|sim| counting::<CounterRacy>(sim, "COUNTER", "counter"));
    let failure = report
        .failures
        .first()
        .expect("the racy counter went unnoticed");
    assert!(failure.text.contains("increments lost"), "{}", failure.text);
}

#[test]
fn the_workers_rs_chat_room_names_every_sender_across_hibernation() {
    Runner::new("workers_rs_chat")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| chatting::<ChatRoom>(sim, &CHECKED_AFTER_HIBERNATION))
        .assert_passed();
    assert!(
        CHECKED_AFTER_HIBERNATION.load(Ordering::Relaxed) > 0,
        "no line was checked after the room hibernated"
    );
}

#[test]
fn the_workers_rs_chat_room_keeping_names_in_memory_is_caught() {
    let report = Runner::new("workers_rs_chat_memory_names")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(|sim| chatting::<ChatMemoryNames>(sim, &TWIN_CHECKED_AFTER_HIBERNATION));
    let failure = report
        .failures
        .first()
        .expect("the forgetful room went unnoticed");
    assert!(
        failure.text.contains("lost who sent it"),
        "{}",
        failure.text
    );
}
