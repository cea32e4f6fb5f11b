//! The execution model, checked from the trace: E-order, the input gate, the
//! output gate, and `block_concurrency_while` as workerd was seen to behave
//! (`docs/semantics.md`, "Execution").

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::sim::{TraceEntry, What};
use dosim::{DurableObject, Env, Latency, Runner, Seed, State, WorldConfig};
use dosim_workloads::counter;

fn counter_traces(runner: &Runner, seeds: u64) -> Vec<Vec<TraceEntry>> {
    (0..seeds)
        .map(|i| {
            let r = runner.record(Seed::nth(i), counter::workload::<counter::Counter>);
            assert!(r.failure.is_none(), "seed {}: {:?}", r.seed, r.failure);
            r.trace
        })
        .collect()
}

#[test]
fn calls_through_one_stub_start_in_the_order_they_were_made() {
    let mut pipelined_stubs = 0;
    for trace in counter_traces(&Runner::new("e_order"), 20) {
        let mut next: BTreeMap<u32, u32> = BTreeMap::new();
        let mut sent: BTreeMap<u32, u64> = BTreeMap::new();
        for e in &trace {
            match e.what {
                What::CallSent { stub, .. } => *sent.entry(stub).or_default() += 1,
                What::CallDelivered { stub, seq, .. } => {
                    let expected = next.entry(stub).or_insert(1);
                    assert_eq!(
                        seq, *expected,
                        "stub {stub} delivered call #{seq} out of order"
                    );
                    *expected += 1;
                }
                _ => {}
            }
        }
        pipelined_stubs += sent.values().filter(|n| **n > 1).count();
    }
    assert!(
        pipelined_stubs > 0,
        "no stub ever had several calls: E-order untested"
    );
}

#[test]
fn replies_leave_only_after_the_writes_before_them_are_confirmed() {
    let mut held = 0;
    for trace in counter_traces(&Runner::new("output_gate"), 20) {
        let mut confirmed = 0;
        for e in &trace {
            match e.what {
                What::BatchConfirmed { batch } => confirmed = batch,
                What::OutputHeld { .. } => held += 1,
                What::OutputReleased { batch, event } => assert!(
                    batch <= confirmed,
                    "event {event} released output needing batch {batch} when only {confirmed} was confirmed"
                ),
                _ => {}
            }
        }
    }
    assert!(
        held > 0,
        "no reply was ever held: the output gate was never exercised"
    );
}

#[test]
fn no_other_event_runs_while_a_storage_operation_is_in_flight() {
    // Every read misses the cache, so storage operations take time and the
    // gate has something to hold back.
    let runner = Runner::new("input_gate")
        .world(WorldConfig::default().storage_read_miss(100, Latency::us(100, 3_000)));
    let mut held_back = 0;
    for trace in counter_traces(&runner, 20) {
        let mut in_flight: Option<u64> = None;
        for e in &trace {
            match e.what {
                What::StorageStarted { event, .. } => in_flight = Some(event),
                What::StorageEnded { .. } => in_flight = None,
                What::EventStarted { event, .. } | What::EventResumed { event } => {
                    if let Some(holder) = in_flight {
                        assert_eq!(
                            event, holder,
                            "event {event} ran while event {holder} had storage in flight"
                        );
                    }
                }
                What::CallSent { .. } if in_flight.is_some() => held_back += 1,
                _ => {}
            }
        }
    }
    assert!(
        held_back > 0,
        "no call was ever sent during a storage operation"
    );
}

/// An object whose `slow` call blocks concurrency for 300 ms.
struct Blocker {
    state: State,
}

impl DurableObject for Blocker {
    fn new(state: State, _env: Env) -> Self {
        Blocker { state }
    }
}

dosim::rpc! {
    trait BlockerRpc for Blocker {
        async fn slow(&self, fail: bool) -> Result<u64> {
            let state = self.state.clone();
            self.state
                .block_concurrency_while(async move {
                    state.storage().put("before", &1u64).await?;
                    dosim::sleep(Duration::from_millis(300)).await;
                    if fail {
                        dosim::bail!("bcw boom");
                    }
                    Ok(dosim::elapsed().as_millis() as u64)
                })
                .await
        }

        async fn probe(&self) -> Result<u64> {
            Ok(dosim::elapsed().as_millis() as u64)
        }

        async fn before(&self) -> Result<Option<u64>> {
            self.state.storage().get("before").await
        }
    }
}

fn blocker_world() -> WorldConfig {
    WorldConfig::new(2, 1).latency_between_kinds_us(Latency::us(1_000, 1_000))
}

#[test]
fn block_concurrency_while_holds_back_a_later_call_until_it_ends() {
    Runner::new("bcw_holds")
        .world(blocker_world())
        .seeds(10)
        .run(|sim| async move {
            sim.register::<Blocker>("B")?;
            let a = sim.client(0).namespace::<Blocker>("B")?.get_by_name("x");
            let b = sim.client(1).namespace::<Blocker>("B")?.get_by_name("x");
            let slow = sim.spawn(a.slow(false));
            dosim::sleep(Duration::from_millis(50)).await;
            let probed_at = b.probe().await?;
            let ended_at = slow.await??;
            if probed_at < ended_at {
                dosim::bail!(
                    "probe ran at {probed_at} ms, inside the block that ended at {ended_at} ms"
                );
            }
            Ok(())
        })
        .assert_passed();
}

#[test]
fn a_failing_block_concurrency_while_resets_the_object_and_fails_its_callers() {
    let runner = Runner::new("bcw_fails").world(blocker_world());
    let record = runner.record(Seed(7), |sim| async move {
        sim.register::<Blocker>("B")?;
        let a = sim.client(0).namespace::<Blocker>("B")?.get_by_name("x");
        let b = sim.client(1).namespace::<Blocker>("B")?.get_by_name("x");
        let slow = sim.spawn(a.slow(true));
        dosim::sleep(Duration::from_millis(50)).await;
        let concurrent = b.probe().await.expect_err("the concurrent call fails too");
        let err = slow.await?.expect_err("the block failed");
        assert_eq!(err.to_string(), "Error: bcw boom");
        assert!(err.remote && !err.retryable && !err.overloaded);
        assert_eq!(
            concurrent, err,
            "the concurrent request gets the same error"
        );
        // A new instance answers, and the confirmed write made before is kept.
        let fresh = sim.client(1).namespace::<Blocker>("B")?.get_by_name("x");
        assert_eq!(fresh.before().await?, Some(1));
        Ok(())
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let created = record
        .trace
        .iter()
        .filter(|e| matches!(e.what, What::InstanceCreated))
        .map(|e| e.epoch)
        .collect::<Vec<_>>();
    assert_eq!(
        created,
        vec![1, 2],
        "the reset object came back as a new instance"
    );
}

#[test]
fn fetch_reaches_the_object_over_http() {
    Runner::new("fetch_path")
        .seeds(3)
        .run(|sim| async move {
            let counters = sim.register::<counter::Counter>("COUNTER")?;
            let stub = counters.get_by_name("web");
            let r = stub
                .fetch(dosim::Request::post("https://counter/increment", ""))
                .await?;
            assert_eq!((r.status(), r.text()?), (200, "1"));
            let r = stub
                .fetch(dosim::Request::get("https://counter/value"))
                .await?;
            assert_eq!(r.text()?, "1");
            let r = stub
                .fetch(dosim::Request::get("https://counter/nope"))
                .await?;
            assert_eq!(r.status(), 404);
            Ok(())
        })
        .assert_passed();
}

/// An object that exposes its KV storage, to check the API end to end.
struct Shelf {
    state: State,
}

impl DurableObject for Shelf {
    fn new(state: State, _env: Env) -> Self {
        Shelf { state }
    }
}

dosim::rpc! {
    trait ShelfRpc for Shelf {
        async fn fill(&self) -> Result<usize> {
            let s = self.state.storage();
            s.put_many(&[("e", 5u8), ("a", 1), ("c", 3), ("ab", 2), ("é", 9)]).await?;
            s.put("gone", &0u8).await?;
            assert!(s.delete("gone").await?);
            assert!(!s.delete("gone").await?);
            s.delete_many(&["nope", "also-nope"]).await
        }

        async fn many(&self) -> Result<Vec<(String, u8)>> {
            Ok(self.state.storage().get_many(&["e", "a", "missing", "c"]).await?.into_iter().collect())
        }

        async fn listed(&self, options: dosim::ListOptions) -> Result<Vec<(String, u8)>> {
            self.state.storage().list(options).await
        }
    }
}

#[test]
fn the_kv_api_answers_through_an_object_as_workerd_does() {
    Runner::new("kv_api")
        .seeds(3)
        .run(|sim| async move {
            let shelf = sim.register::<Shelf>("SHELF")?.get_by_name("s");
            assert_eq!(shelf.fill().await?, 0);
            let keys = |v: Vec<(String, u8)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
            assert_eq!(
                keys(shelf.many().await?),
                ["a", "c", "e"],
                "sorted, missing left out"
            );
            let all = shelf.listed(Default::default()).await?;
            assert_eq!(keys(all), ["a", "ab", "c", "e", "é"], "UTF-8 byte order");
            let prefix_rev = dosim::ListOptions {
                prefix: Some("a".into()),
                reverse: true,
                limit: Some(1),
                ..Default::default()
            };
            assert_eq!(keys(shelf.listed(prefix_rev).await?), ["ab"]);
            let both = dosim::ListOptions {
                start: Some("a".into()),
                start_after: Some("a".into()),
                ..Default::default()
            };
            let e = shelf.listed(both).await.unwrap_err();
            assert_eq!(
                e.to_string(),
                "TypeError: list() cannot be called with both start and startAfter values."
            );
            Ok(())
        })
        .assert_passed();
}

/// An event's first poll runs inline in the delivery task, and an event
/// that awaits continues in a task of its own: the handover must add no
/// poll. The counter's events await only a storage read that misses the
/// cache, so each event awaits (and resumes) exactly once per storage
/// operation shown in flight, and one that awaits nothing shows neither.
#[test]
fn an_event_awaits_once_per_wait_whether_it_finished_inline_or_in_a_task() {
    let runner = Runner::new("inline_first_poll").faults(dosim::Faults::None);
    let (mut inline, mut tasked) = (0, 0);
    for trace in counter_traces(&runner, 20) {
        let mut waits: BTreeMap<u64, (u32, u32, u32)> = BTreeMap::new();
        for e in &trace {
            match e.what {
                What::StorageStarted { event, .. } => waits.entry(event).or_default().0 += 1,
                What::EventAwaited { event } => waits.entry(event).or_default().1 += 1,
                What::EventResumed { event } => waits.entry(event).or_default().2 += 1,
                What::EventEnded { event, .. } => {
                    let (shown, awaited, resumed) = waits.remove(&event).unwrap_or_default();
                    assert_eq!(
                        (awaited, resumed),
                        (shown, shown),
                        "event {event}: {shown} storage waits, {awaited} awaits, {resumed} resumes"
                    );
                    if awaited == 0 {
                        inline += 1;
                    } else {
                        tasked += 1;
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        inline > 0 && tasked > 0,
        "both paths ran: {inline} inline, {tasked} in a task"
    );
}
