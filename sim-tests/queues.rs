//! Queues as the product documents them: batches by size and by timeout,
//! per-message ack and retry (first decision wins), retries then the
//! dead-letter queue or deletion, duplicates and the queue's faults, the
//! limits' error texts, and the same seed giving the same run.

mod common;

use std::cell::RefCell;
use std::time::Duration;

use dosim::platform::queue::{MessageBatch, QueueConfig, SendOptions};
use dosim::platform::worker::{Context, Worker};
use dosim::sim::{Fault, FaultKind, FaultPlan};
use dosim::trace::What;
use dosim::{Env, Faults, Result, RunRecord, Runner, Seed, Sim};

/// What the consumer does with a batch.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Returns Ok: everything undecided is acknowledged.
    Ok,
    /// Retries each message until its `n`-th delivery, then acks it.
    RetryUntil(u32),
    /// Acks the first message, then fails.
    AckFirstThenFail,
    /// Always fails.
    Fail,
    /// Panics.
    Panic,
}

/// One delivery the consumer saw: (queue, body, attempts, simulated ms).
type Seen = (String, u32, u32, u64);

thread_local! {
    static BEHAVIOUR: RefCell<Behaviour> = const { RefCell::new(Behaviour::Ok) };
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
    static BATCHES: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default)]
struct Consumer;

impl Worker for Consumer {
    async fn queue(&self, batch: MessageBatch, _env: Env, _ctx: Context) -> Result<()> {
        BATCHES.with(|b| b.borrow_mut().push(batch.messages().len()));
        let ms = dosim::elapsed().as_millis() as u64;
        for m in batch.messages() {
            let body: u32 = m.body()?;
            SEEN.with(|s| {
                s.borrow_mut()
                    .push((batch.queue().to_string(), body, m.attempts(), ms))
            });
        }
        match BEHAVIOUR.with(|b| *b.borrow()) {
            Behaviour::Ok => Ok(()),
            Behaviour::RetryUntil(n) => {
                for m in batch.messages() {
                    if m.attempts() < n {
                        m.retry();
                        m.ack(); // ignored: the first decision wins
                    }
                }
                Ok(())
            }
            Behaviour::AckFirstThenFail => {
                batch.messages()[0].ack();
                batch.messages()[0].retry(); // ignored
                Err(dosim::Error::new("consumer failed"))
            }
            Behaviour::Fail => Err(dosim::Error::new("consumer failed")),
            Behaviour::Panic => panic!("consumer panicked"),
        }
    }
}

fn behave(b: Behaviour) {
    BEHAVIOUR.with(|x| *x.borrow_mut() = b);
}

fn seen() -> Vec<Seen> {
    SEEN.with(|s| s.borrow().clone())
}

fn batches() -> Vec<usize> {
    BATCHES.with(|b| b.borrow().clone())
}

/// Waits long enough for every batch of these tests to go out.
async fn drain() {
    dosim::sleep(Duration::from_secs(30)).await;
}

fn record(
    faults: Faults,
    body: fn(Sim) -> futures::future::LocalBoxFuture<'static, Result<()>>,
) -> RunRecord {
    Runner::new("queues_record")
        .faults(faults)
        .quiet()
        .record(Seed::nth(0), body)
}

fn count(trace: &[dosim::trace::TraceEntry], want: fn(&What) -> bool) -> usize {
    trace.iter().filter(|e| want(&e.what)).count()
}

#[test]
fn a_full_batch_goes_out_at_once_and_the_rest_after_the_batch_timeout() {
    common::check("queues_batching", 3, |sim| {
        Box::pin(async move {
            let config = QueueConfig::default()
                .max_batch_size(10)
                .max_batch_timeout(Duration::from_secs(5));
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            for i in 0..25u32 {
                jobs.send(&i).await?;
            }
            let sent_at = sim.elapsed().as_millis() as u64;
            drain().await;
            assert_eq!(batches(), vec![10, 10, 5]);
            let mut bodies: Vec<u32> = seen().iter().map(|s| s.1).collect();
            bodies.sort_unstable();
            assert_eq!(bodies, (0..25).collect::<Vec<_>>());
            let last = seen().last().unwrap().3;
            assert!(
                last >= 5_000 && last < sent_at + 5_000,
                "last batch at {last} ms"
            );
            Ok(())
        })
    });
}

#[test]
fn a_lone_message_waits_for_the_batch_timeout_and_a_delay_postpones_it() {
    common::check("queues_timeout", 3, |sim| {
        Box::pin(async move {
            let config = QueueConfig::default().max_batch_timeout(Duration::from_secs(2));
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            jobs.send(&1u32).await?;
            jobs.send_with(&2u32, SendOptions::delay(Duration::from_secs(10)))
                .await?;
            drain().await;
            let seen = seen();
            assert_eq!(seen.len(), 2);
            assert_eq!(seen[0].1, 1);
            assert!((2_000..2_100).contains(&seen[0].3), "{seen:?}");
            assert_eq!(seen[1].1, 2);
            assert!((12_000..12_100).contains(&seen[1].3), "{seen:?}");
            Ok(())
        })
    });
}

#[test]
fn a_retried_message_comes_back_with_one_more_attempt_after_the_retry_delay() {
    common::check("queues_retry", 3, |sim| {
        Box::pin(async move {
            behave(Behaviour::RetryUntil(3));
            let config = QueueConfig::default()
                .max_batch_timeout(Duration::ZERO)
                .retry_delay(Duration::from_secs(1));
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            jobs.send(&7u32).await?;
            drain().await;
            let seen = seen();
            let attempts: Vec<u32> = seen.iter().map(|s| s.2).collect();
            assert_eq!(attempts, vec![1, 2, 3]);
            assert!(seen[1].3 >= seen[0].3 + 1_000, "{seen:?}");
            Ok(())
        })
    });
}

#[test]
fn a_failed_batch_retries_only_its_undecided_messages() {
    common::check("queues_fail", 3, |sim| {
        Box::pin(async move {
            behave(Behaviour::AckFirstThenFail);
            let config = QueueConfig::default().max_batch_size(2).max_retries(1);
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            jobs.send_batch(&[1u32, 2], SendOptions::default()).await?;
            drain().await;
            // Both in the first batch; the acked one never comes back; the
            // other is delivered once more (max_retries 1), alone, where it
            // is the first and is acked.
            assert_eq!(batches(), vec![2, 1]);
            let seen = seen();
            assert_eq!(seen[2].2, 2);
            assert_ne!(seen[2].1, seen[0].1);
            Ok(())
        })
    });
}

#[test]
fn a_message_out_of_retries_goes_to_the_dead_letter_queue() {
    common::check("queues_dlq", 3, |sim| {
        Box::pin(async move {
            behave(Behaviour::Fail);
            let config = QueueConfig::default()
                .max_retries(2)
                .max_batch_timeout(Duration::ZERO)
                .dead_letter_queue("DLQ");
            let jobs = sim.queue("JOBS", config)?;
            sim.queue("DLQ", QueueConfig::default().max_retries(0))?;
            sim.consumer::<Consumer>("JOBS")?;
            jobs.send(&9u32).await?;
            drain().await;
            let at: Vec<(String, u32)> = seen().into_iter().map(|s| (s.0, s.2)).collect();
            assert_eq!(
                at[..3],
                [("JOBS".into(), 1), ("JOBS".into(), 2), ("JOBS".into(), 3)]
            );
            // The dead-letter queue has no consumer yet: it keeps the message.
            assert_eq!(at.len(), 3);
            behave(Behaviour::Ok);
            sim.consumer::<Consumer>("DLQ")?;
            drain().await;
            assert_eq!(
                seen().last().map(|s| (s.0.clone(), s.2)),
                Some(("DLQ".into(), 1))
            );
            Ok(())
        })
    });
}

#[test]
fn a_message_out_of_retries_without_a_dead_letter_queue_is_dropped_and_recorded() {
    let run = record(Faults::None, |sim| {
        Box::pin(async move {
            behave(Behaviour::Panic);
            let config = QueueConfig::default()
                .max_retries(1)
                .max_batch_timeout(Duration::ZERO);
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            jobs.send(&1u32).await?;
            drain().await;
            assert_eq!(seen().len(), 2, "a panicking consumer fails its batch");
            Ok(())
        })
    });
    assert_eq!(run.failure, None);
    assert_eq!(
        count(&run.trace, |w| matches!(w, What::QueueDropped { .. })),
        1
    );
}

#[test]
fn scheduled_queue_faults_duplicate_crash_and_fail_a_send() {
    let plan = FaultPlan::none()
        .with_fault(
            0,
            Fault::QueueSendFailure {
                queue: "JOBS".into(),
            },
        )
        .with_fault(
            0,
            Fault::QueueConsumerCrash {
                queue: "JOBS".into(),
            },
        )
        .with_fault(
            0,
            Fault::QueueDuplicate {
                queue: "JOBS".into(),
            },
        );
    let run = record(Faults::Plan(plan), |sim| {
        Box::pin(async move {
            let config = QueueConfig::default().max_batch_timeout(Duration::ZERO);
            let jobs = sim.queue("JOBS", config)?;
            sim.consumer::<Consumer>("JOBS")?;
            dosim::sleep(Duration::from_millis(1)).await;
            let err = jobs.send(&1u32).await.unwrap_err();
            assert_eq!(
                err.message(),
                "Queue send failed: Unknown Internal Error (15000)"
            );
            jobs.send(&2u32).await?;
            drain().await;
            // Crashed once, delivered again and acked, then delivered again
            // anyway (a duplicate).
            let seen: Vec<(u32, u32)> = seen().into_iter().map(|s| (s.1, s.2)).collect();
            assert_eq!(seen, vec![(2, 1), (2, 2), (2, 3)]);
            Ok(())
        })
    });
    assert_eq!(run.failure, None, "{:?}", run.failure);
    for kind in FaultKind::QUEUE {
        assert_eq!(run.faults_injected.get(kind), Some(&1), "{kind}");
    }
}

#[test]
fn sends_over_the_limits_fail_with_the_products_texts() {
    common::check("queues_limits", 3, |sim| {
        Box::pin(async move {
            let jobs = sim.queue("JOBS", QueueConfig::default())?;
            let big = "x".repeat(128_001);
            let err = jobs.send(&big).await.unwrap_err();
            assert_eq!(
                err.message(),
                "Queue send failed: message length of 128003 bytes exceeds limit of 128000"
            );
            let many = vec![0u32; 101];
            let err = jobs
                .send_batch(&many, SendOptions::default())
                .await
                .unwrap_err();
            assert_eq!(
                err.message(),
                "Queue sendBatch failed: batch message count of 101 exceeds limit of 100"
            );
            let err = jobs
                .send_batch::<u32>(&[], SendOptions::default())
                .await
                .unwrap_err();
            assert_eq!(err.message(), "sendBatch() requires at least one message");
            let halves = vec!["y".repeat(90_000); 3];
            let err = jobs
                .send_batch(&halves, SendOptions::default())
                .await
                .unwrap_err();
            assert!(
                err.message()
                    .contains("batch size of 270006 bytes exceeds limit of 256000"),
                "{err}"
            );
            let late = SendOptions::delay(Duration::from_secs(43_201));
            let err = jobs.send_with(&1u32, late).await.unwrap_err();
            assert!(err.message().contains("exceeds limit of 43200s"), "{err}");
            let err = sim
                .queue("BIG", QueueConfig::default().max_batch_size(101))
                .unwrap_err();
            assert!(
                err.message()
                    .contains("max_batch_size must be between 1 and 100"),
                "{err}"
            );
            let err = sim
                .queue(
                    "SLOW",
                    QueueConfig::default().max_batch_timeout(Duration::from_secs(61)),
                )
                .unwrap_err();
            assert!(
                err.message()
                    .contains("max_batch_timeout must be at most 60s"),
                "{err}"
            );
            let err = sim
                .queue("LOOP", QueueConfig::default().dead_letter_queue("LOOP"))
                .unwrap_err();
            assert!(err.message().contains("its own dead-letter queue"), "{err}");
            let err = sim.consumer::<Consumer>("NOPE").unwrap_err();
            assert!(err.message().contains("no queue named `NOPE`"), "{err}");
            Ok(())
        })
    });
}

fn busy_queue(sim: Sim) -> futures::future::LocalBoxFuture<'static, Result<()>> {
    Box::pin(async move {
        behave(Behaviour::RetryUntil(2));
        let jobs = sim.queue("JOBS", QueueConfig::default().max_batch_size(4))?;
        sim.consumer::<Consumer>("JOBS")?;
        for i in 0..12u32 {
            let _ = jobs.send(&i).await;
        }
        drain().await;
        Ok(())
    })
}

#[test]
fn the_same_seed_gives_the_same_queue_run_and_swarm_injects_queue_faults() {
    let a = record(Faults::Swarm, busy_queue);
    let b = record(Faults::Swarm, busy_queue);
    assert_eq!(a.trace, b.trace);
    assert!(count(&a.trace, |w| matches!(w, What::QueueDelivered { .. })) >= 12);
    let report = Runner::new("queues_swarm")
        .seeds(16)
        .faults(Faults::Swarm)
        .quiet()
        .run(busy_queue);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.iter().map(|f| &f.text).collect::<Vec<_>>()
    );
    for kind in FaultKind::QUEUE {
        assert!(
            report.faults_injected.contains_key(kind),
            "{kind}: {}",
            report.faults_line()
        );
    }
}

/// An object that writes, then sends what it wrote to a queue.
struct Producer {
    state: dosim::State,
    env: Env,
}

impl dosim::DurableObject for Producer {
    fn new(state: dosim::State, env: Env) -> Self {
        Producer { state, env }
    }
}

dosim::rpc! {
    trait ProducerRpc for Producer {
        async fn put_and_send(&self, n: u32) -> Result<()> {
            self.state.storage().put("n", &n).await?;
            self.env.queue("JOBS")?.send(&n).await
        }
    }
}

#[test]
fn a_send_from_an_object_waits_for_its_writes_to_be_confirmed() {
    let run = record(Faults::None, |sim| {
        Box::pin(async move {
            sim.register::<Producer>("PRODUCER")?;
            sim.queue("JOBS", QueueConfig::default())?;
            sim.consumer::<Consumer>("JOBS")?;
            let ns = sim.client(0).namespace::<Producer>("PRODUCER")?;
            ns.get_by_name("p").put_and_send(5).await?;
            drain().await;
            assert_eq!(seen().iter().map(|s| s.1).collect::<Vec<_>>(), vec![5]);
            Ok(())
        })
    });
    assert_eq!(run.failure, None, "{:?}", run.failure);
    let position = |want: fn(&What) -> bool| run.trace.iter().position(|e| want(&e.what));
    let confirmed = position(|w| matches!(w, What::BatchConfirmed { .. })).expect("a batch");
    let released = position(|w| matches!(w, What::OutputReleased { .. })).expect("output");
    let sent = position(|w| matches!(w, What::QueueSent { .. })).expect("a send");
    assert!(
        confirmed < released && released < sent,
        "{confirmed} {released} {sent}"
    );
}
